//! Helpers of the balanced-consumer integration tests: the engine list, members with short
//! heartbeats, filled topics, draining, waiting for a settled group, and PyKafka's expected assignment.

use std::collections::BTreeSet;
use std::time::Duration;

use ferrokafka::{BalancedConsumer, BalancedConsumerBuilder, KafkaClient, MembershipProtocol};
use ferrokafka_testkit::{unique_name, KafkaCluster};

use crate::common;

pub fn engines() -> Vec<bool> {
    if cfg!(feature = "native") {
        vec![false, true]
    } else {
        vec![false]
    }
}

/// A member with short heartbeats so rebalances settle quickly.
pub fn member(
    client: &KafkaClient,
    topic: &str,
    group: &str,
    rdkafka: bool,
) -> BalancedConsumerBuilder {
    client
        .topic(topic)
        .expect("topic")
        .balanced_consumer(group)
        .use_rdkafka(rdkafka)
        .consumer_timeout_ms(3_000)
        .heartbeat_interval_ms(200)
        .session_timeout_ms(10_000)
        .rebalance_timeout_ms(10_000)
        .rebalance_backoff_ms(200)
        .offsets_channel_backoff_ms(100)
        .fetch_error_backoff_ms(100)
}

/// A topic with `partitions` partitions holding `per` messages "p{p}-{i}" each.
pub fn filled_topic(
    cluster: &KafkaCluster,
    client: &KafkaClient,
    partitions: i32,
    per: usize,
) -> String {
    let name = unique_name("balanced");
    cluster
        .create_topic(&name, partitions)
        .expect("create topic");
    for p in 0..partitions {
        let values: Vec<Vec<u8>> = (0..per).map(|i| format!("p{p}-{i}").into_bytes()).collect();
        let refs: Vec<&[u8]> = values.iter().map(Vec::as_slice).collect();
        common::produce(client, &name, p, &refs);
    }
    name
}

/// `(partition, offset)` of up to `limit` messages, until `consume(true)` times out.
pub fn drain(c: &BalancedConsumer, limit: usize) -> Vec<(i32, i64)> {
    let mut out = Vec::new();
    while out.len() < limit {
        match c.consume(true).expect("consume") {
            Some(m) => {
                let want = format!("p{}-{}", m.partition_id, m.offset);
                assert_eq!(m.value.as_deref(), Some(want.as_bytes()));
                out.push((m.partition_id, m.offset));
            }
            None => break,
        }
    }
    out
}

/// Waits until the members hold disjoint sets covering all `n` partitions; returns them.
pub fn settled(members: &[&BalancedConsumer], n: i32) -> Vec<BTreeSet<i32>> {
    common::eventually(Duration::from_secs(30), || {
        let sets: Vec<BTreeSet<i32>> = members
            .iter()
            .map(|m| m.partitions().into_iter().collect())
            .collect();
        let total: usize = sets.iter().map(BTreeSet::len).sum();
        let union: BTreeSet<i32> = sets.iter().flatten().copied().collect();
        (total == n as usize && union == (0..n).collect()).then_some(sets)
    })
    .unwrap_or_else(|| {
        let now: Vec<_> = members
            .iter()
            .map(|m| (m.partitions(), m.generation_id(), m.consume(false).err()))
            .collect();
        panic!("the group did not settle with every partition owned once: {now:?}")
    })
}

/// PyKafka's assignment, computed independently: partitions sorted by "{topic}-{leader}-{id}", members by
/// bytes; range = contiguous slices (remainder to the first), roundrobin = dealt in turn.
pub fn expected(
    client: &KafkaClient,
    topic: &str,
    members: &[String],
    me: &str,
    protocol: &MembershipProtocol,
) -> BTreeSet<i32> {
    let t = client.topic(topic).expect("topic");
    let mut keys: Vec<(String, i32)> = t
        .partitions()
        .values()
        .map(|p| (format!("{topic}-{}-{}", p.leader, p.id), p.id))
        .collect();
    keys.sort();
    let mut ids: Vec<&String> = members.iter().collect();
    ids.sort_by(|a, b| a.as_bytes().cmp(b.as_bytes()));
    let idx = ids.iter().position(|m| *m == me).expect("member listed");
    let c = ids.len();
    match protocol {
        MembershipProtocol::Range => {
            let (n, r) = (keys.len() / c, keys.len() % c);
            let start = n * idx + idx.min(r);
            let num = n + usize::from(idx < r);
            keys[start..start + num].iter().map(|k| k.1).collect()
        }
        MembershipProtocol::RoundRobin => keys
            .iter()
            .enumerate()
            .filter(|(i, _)| i % c == idx)
            .map(|(_, k)| k.1)
            .collect(),
        MembershipProtocol::Custom(p) => panic!("no PyKafka expectation for {p:?}"),
    }
}
