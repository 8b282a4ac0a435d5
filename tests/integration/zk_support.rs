//! Helpers of the ZooKeeper-coordinated group tests: reading PyKafka's znodes back with our own ZooKeeper
//! session, and members of such a group.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use ferrokafka::{BalancedConsumerBuilder, KafkaClient, MembershipProtocol};
use ferrokafka_testkit::KafkaCluster;

use crate::balanced_support::member;
use crate::common;

/// The group's znodes for one topic, as ZooKeeper holds them now.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Znodes {
    /// `ids/<consumer id>` → its data (the topic name).
    pub ids: BTreeMap<String, Vec<u8>>,
    /// `ids/<consumer id>` → the ZooKeeper session that owns the ephemeral node.
    pub sessions: BTreeMap<String, i64>,
    /// `owners/<segment>/<leader>-<partition>` → the owner's consumer id, for the segment asked.
    pub owners: BTreeMap<String, String>,
}

impl Znodes {
    /// Partition ids per owner id.
    pub fn by_owner(&self) -> BTreeMap<String, BTreeSet<i32>> {
        let mut out: BTreeMap<String, BTreeSet<i32>> = BTreeMap::new();
        for (slug, owner) in &self.owners {
            let pid = slug
                .split('-')
                .nth(1)
                .and_then(|p| p.parse().ok())
                .unwrap_or_else(|| panic!("owner node {slug:?} is not <leader>-<partition>"));
            out.entry(owner.clone()).or_default().insert(pid);
        }
        out
    }
}

/// Reads `/consumers/<group>/ids/*` and `/consumers/<group>/owners/<segment>/*`.
pub fn znodes(zookeeper: &str, group: &str, segment: &str) -> Znodes {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        let zk = zookeeper_client::Client::connect(zookeeper)
            .await
            .expect("test's ZooKeeper session");
        let mut out = Znodes::default();
        let ids = format!("/consumers/{group}/ids");
        for id in zk.list_children(&ids).await.unwrap_or_default() {
            if let Ok((data, stat)) = zk.get_data(&format!("{ids}/{id}")).await {
                out.sessions.insert(id.clone(), stat.ephemeral_owner);
                out.ids.insert(id, data);
            }
        }
        let owners = format!("/consumers/{group}/owners/{segment}");
        for slug in zk.list_children(&owners).await.unwrap_or_default() {
            if let Ok((data, _)) = zk.get_data(&format!("{owners}/{slug}")).await {
                out.owners
                    .insert(slug, String::from_utf8(data).expect("owner id is text"));
            }
        }
        out
    })
}

/// The owners segment PyKafka 2.8 writes under Python 3: the repr of the topic's bytes name.
pub fn py3_segment(topic: &str) -> String {
    format!("b'{topic}'")
}

/// A member of a ZooKeeper-coordinated group, with the short backoffs of these tests.
pub fn zk_member(
    client: &KafkaClient,
    zookeeper: &str,
    topic: &str,
    group: &str,
    rdkafka: bool,
    protocol: MembershipProtocol,
) -> BalancedConsumerBuilder {
    member(client, topic, group, rdkafka)
        .managed(false)
        .zookeeper_connect(zookeeper)
        .membership_protocol(protocol)
        .rebalance_backoff_ms(500)
        .rebalance_max_retries(10)
}

/// The bound: the group settles within 10 s of the last join.
pub const SETTLE: Duration = Duration::from_secs(10);

/// The shared Kafka 3.9 cluster on ZooKeeper, its ZooKeeper host string, and a client.
pub fn zk_cluster() -> (&'static KafkaCluster, String, KafkaClient) {
    let cluster = ferrokafka_testkit::shared_kafka39_zk();
    (cluster, zookeeper(cluster), common::client(cluster))
}

/// Partition id → leader broker id.
pub fn leaders(client: &KafkaClient, topic: &str) -> BTreeMap<i32, i32> {
    client
        .topic(topic)
        .expect("topic")
        .partitions()
        .values()
        .map(|p| (p.id, p.leader))
        .collect()
}

/// The ZooKeeper of the ZooKeeper-mode cluster.
pub fn zookeeper(cluster: &KafkaCluster) -> String {
    cluster
        .zookeeper_connect()
        .expect("the ZooKeeper-mode cluster names its ZooKeeper")
}

/// Waits until ZooKeeper holds `want` (owner id → partitions) with every owner node named
/// `<leader>-<partition>` after the partition's leader; returns the znodes.
pub fn znodes_settle(
    client: &KafkaClient,
    zk: &str,
    group: &str,
    topic: &str,
    within: Duration,
    want: impl Fn(&BTreeMap<String, BTreeSet<i32>>) -> bool,
) -> Znodes {
    let mut last = Znodes::default();
    let got = common::eventually(within, || {
        last = znodes(zk, group, &py3_segment(topic));
        want(&last.by_owner()).then(|| last.clone())
    });
    let nodes = got.unwrap_or_else(|| panic!("ZooKeeper never held the expected owners: {last:?}"));
    let leaders = leaders(client, topic);
    for slug in nodes.owners.keys() {
        let pid: i32 = slug
            .split('-')
            .nth(1)
            .and_then(|p| p.parse().ok())
            .expect("slug");
        assert_eq!(
            *slug,
            format!("{}-{pid}", leaders[&pid]),
            "owner node named after the leader"
        );
    }
    nodes
}

/// `members` owners holding every one of the `n` partitions once.
pub fn complete_split(owners: &BTreeMap<String, BTreeSet<i32>>, members: usize, n: i32) -> bool {
    let total: usize = owners.values().map(BTreeSet::len).sum();
    let union: BTreeSet<i32> = owners.values().flatten().copied().collect();
    owners.len() == members && total == n as usize && union == (0..n).collect()
}
