//! PyKafka's ZooKeeper-coordinated BalancedConsumer (`managed(false)`) on Kafka 3.9 with ZooKeeper, both
//! engines for the internal consumer: ferrokafka members split a topic exactly as PyKafka's assignors do and
//! leave PyKafka's znodes (read back here with our own ZooKeeper session); a stopped member's partitions
//! move; offsets are committed to Kafka; mixed with PyKafka 2.8.0's own `BalancedConsumer(managed=False)`
//! in both join orders and both assignors; an unreachable ZooKeeper is a typed error within the timeout.

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use ferrokafka::{Error, KafkaClient, MembershipProtocol};
use ferrokafka_testkit::{shared_kafka39_zk, unique_name, KafkaCluster};

use crate::balanced_support::{drain, engines, expected, filled_topic, settled};
use crate::common;
use crate::mixed_groups::{
    assignor_name, produce_all, produce_and_read, Reads, PARTITIONS, PER_PARTITION,
};
use crate::mixed_support::{pykafka_zk_member, ForeignMember};
use crate::zk_support::{py3_segment, zk_member, znodes, Znodes};

/// The bound: the group settles within 10 s of the last join.
const SETTLE: Duration = Duration::from_secs(10);

fn zookeeper(cluster: &KafkaCluster) -> String {
    cluster
        .zookeeper_connect()
        .expect("the ZooKeeper-mode cluster names its ZooKeeper")
}

/// Waits until ZooKeeper holds `want` (owner id → partitions) with every owner node named
/// `<leader>-<partition>` after the partition's leader; returns the znodes.
fn znodes_settle(
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
    let leaders: BTreeMap<i32, i32> = client
        .topic(topic)
        .expect("topic")
        .partitions()
        .values()
        .map(|p| (p.id, p.leader))
        .collect();
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

fn complete_split(owners: &BTreeMap<String, BTreeSet<i32>>, members: usize, n: i32) -> bool {
    let total: usize = owners.values().map(BTreeSet::len).sum();
    let union: BTreeSet<i32> = owners.values().flatten().copied().collect();
    owners.len() == members && total == n as usize && union == (0..n).collect()
}

fn split_of_two(protocol: MembershipProtocol, rdkafka: bool) {
    let cluster = shared_kafka39_zk();
    let zk = zookeeper(cluster);
    let client = common::client(cluster);
    let (n, per) = (5, 10);
    let topic = filled_topic(cluster, &client, n, per);
    let group = unique_name("zk-group");
    eprintln!("--- {protocol:?} rdkafka={rdkafka}: group {group}");
    let warnings_before = crate::log_capture::mentioning(&group).len();
    let build = || {
        zk_member(&client, &zk, &topic, &group, rdkafka, protocol)
            .build()
            .expect("ZooKeeper member starts")
    };
    let (a, b) = (build(), build());
    let sets = settled(&[&a, &b], n);
    let ids = vec![a.member_id(), b.member_id()];
    assert_ne!(ids[0], ids[1]);
    for (i, id) in ids.iter().enumerate() {
        assert_eq!(
            sets[i],
            expected(&client, &topic, &ids, id, protocol),
            "member {id} got PyKafka's share"
        );
    }
    // PyKafka's znodes: ids/<consumer id> = the topic name; owners/b'<topic>'/<leader>-<pid> = the owner.
    let nodes = znodes_settle(&client, &zk, &group, &topic, SETTLE, |o| {
        complete_split(o, 2, n)
    });
    let topic_bytes = topic.as_bytes().to_vec();
    let want_ids: BTreeMap<String, Vec<u8>> = ids
        .iter()
        .map(|id| (id.clone(), topic_bytes.clone()))
        .collect();
    assert_eq!(nodes.ids, want_ids);
    let by_owner = nodes.by_owner();
    assert_eq!(by_owner[&ids[0]], sets[0]);
    assert_eq!(by_owner[&ids[1]], sets[1]);

    // Every message once, each member from its own partitions.
    let mut seen = BTreeSet::new();
    for (c, mine) in [(&a, &sets[0]), (&b, &sets[1])] {
        for (p, o) in drain(c, n as usize * per) {
            assert!(mine.contains(&p), "read partition {p} it does not own");
            assert!(seen.insert((p, o)), "({p}, {o}) read twice");
        }
    }
    assert_eq!(seen.len(), n as usize * per, "every message once");

    // b leaves: a takes everything, from the offsets committed to Kafka (no message again).
    b.stop().expect("stop");
    let all: BTreeSet<i32> = (0..n).collect();
    let alone = settled(&[&a], n);
    assert_eq!(alone[0], all);
    let nodes = znodes_settle(&client, &zk, &group, &topic, SETTLE, |o| {
        o.get(&ids[0]) == Some(&all) && o.len() == 1
    });
    assert_eq!(nodes.ids.keys().collect::<Vec<_>>(), vec![&ids[0]]);
    for p in 0..n {
        let value = format!("p{p}-{per}");
        common::produce(&client, &topic, p, &[value.as_bytes()]);
    }
    let again = drain(&a, 100);
    let want: BTreeSet<(i32, i64)> = (0..n).map(|p| (p, per as i64)).collect();
    assert_eq!(
        again.iter().copied().collect::<BTreeSet<_>>(),
        want,
        "only the new messages"
    );
    assert_eq!(again.len(), n as usize);
    a.stop().expect("stop");
    let empty = znodes(&zk, &group, &py3_segment(&topic));
    assert!(empty.ids.is_empty() && empty.owners.is_empty(), "{empty:?}");
    let warnings = crate::log_capture::mentioning(&group);
    assert_eq!(
        warnings.len(),
        warnings_before,
        "ferrokafka logged: {warnings:?}"
    );
}

#[test]
fn two_members_split_by_range_with_pykafka_znodes() {
    for rdkafka in engines() {
        split_of_two(MembershipProtocol::Range, rdkafka);
    }
}

#[test]
fn two_members_split_by_roundrobin_with_pykafka_znodes() {
    for rdkafka in engines() {
        split_of_two(MembershipProtocol::RoundRobin, rdkafka);
    }
}

/// A refused port, and a listener that accepts but never speaks ZooKeeper: both fail with
/// `ZooKeeperUnavailable` within `zookeeper_connection_timeout_ms` (plus scheduling slack), no hang.
#[test]
fn unreachable_zookeeper_is_a_typed_error_within_the_timeout() {
    let cluster = shared_kafka39_zk();
    let client = common::client(cluster);
    let topic = unique_name("zk-unreachable");
    cluster.create_topic(&topic, 1).expect("create topic");
    let silent = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let silent_addr = silent.local_addr().expect("addr").to_string();
    let refused = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        l.local_addr().expect("addr").to_string()
    };
    for hosts in [refused, silent_addr] {
        let started = Instant::now();
        let got = client
            .topic(&topic)
            .expect("topic")
            .balanced_consumer(unique_name("zk-unreachable-group"))
            .managed(false)
            .zookeeper_connect(hosts.clone())
            .zookeeper_connection_timeout_ms(1500)
            .build();
        let took = started.elapsed();
        match got {
            Err(Error::ZooKeeperUnavailable { hosts: h, reason }) => {
                assert_eq!(h, hosts);
                eprintln!("{hosts}: {reason} after {took:?}");
            }
            other => panic!("{hosts}: expected ZooKeeperUnavailable, got {other:?}"),
        }
        assert!(
            took < Duration::from_millis(1500 + 2000),
            "{hosts}: took {took:?}"
        );
    }
    drop(silent);
}

/// What PyKafka 2.8 logs when a rebalance replaces its internal SimpleConsumer: the old consumer's fetcher
/// thread dies on a dead weak reference (`ReferenceError ... in fetcher: self.cleanup()`). A group of two
/// PyKafka ZooKeeper members logs the same traceback (checked by a control run), so it is PyKafka's own.
fn pykafka_replaced_consumer_noise(line: &str) -> bool {
    let text = line.trim_start_matches("stderr:").trim();
    text.ends_with("weakly-referenced object no longer exists")
        || text == "Traceback (most recent call last):"
        || (text.contains("pykafka/simpleconsumer.py") && text.ends_with("in fetcher"))
        || text == "self.cleanup()"
        || (!text.is_empty() && text.chars().all(|c| c == '^'))
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Order {
    FerrokafkaFirst,
    PyKafkaFirst,
}

/// One mixed cell: a ferrokafka member and PyKafka 2.8.0's ZooKeeper BalancedConsumer in one group.
fn mixed(protocol: MembershipProtocol, order: Order, rdkafka: bool) {
    let cluster = shared_kafka39_zk();
    let zk = zookeeper(cluster);
    let client = common::client(cluster);
    let topic = unique_name("zk-mixed");
    cluster
        .create_topic(&topic, PARTITIONS)
        .expect("create topic");
    let group = unique_name("zk-mixed-group");
    let assignor = assignor_name(protocol);
    eprintln!(
        "--- PyKafka(zookeeper) {assignor} {order:?} ferrokafka rdkafka={rdkafka}: group {group}"
    );
    let warnings_before = crate::log_capture::mentioning(&group).len();
    let all: BTreeSet<i32> = (0..PARTITIONS).collect();
    let build_ours = || {
        zk_member(&client, &zk, &topic, &group, rdkafka, protocol)
            .consumer_timeout_ms(500)
            .build()
            .expect("ferrokafka member joins")
    };
    let start_theirs = || pykafka_zk_member(cluster.bootstrap(), &zk, &topic, &group, assignor);
    let alone = |who: &str, theirs: Option<&ForeignMember>| {
        let errors = theirs.map(ForeignMember::errors).unwrap_or_default();
        let got = common::eventually(Duration::from_secs(30), || {
            let o = znodes(&zk, &group, &py3_segment(&topic)).by_owner();
            (o.len() == 1 && o.values().next() == Some(&all)).then_some(())
        });
        assert!(
            got.is_some(),
            "{who} never owned the topic alone: {errors:?}"
        );
    };
    let (ours, theirs, joined) = match order {
        Order::FerrokafkaFirst => {
            let ours = build_ours();
            alone("ferrokafka", None);
            let joined = Instant::now();
            (ours, start_theirs(), joined)
        }
        Order::PyKafkaFirst => {
            let theirs = start_theirs();
            alone("PyKafka", Some(&theirs));
            let joined = Instant::now();
            (build_ours(), theirs, joined)
        }
    };
    let our_id = ours.member_id();
    let nodes = znodes_settle(&client, &zk, &group, &topic, SETTLE, |o| {
        complete_split(o, 2, PARTITIONS) && o.contains_key(&our_id)
    });
    let settle_time = joined.elapsed();
    let ids: Vec<String> = nodes.ids.keys().cloned().collect();
    assert_eq!(ids.len(), 2, "{nodes:?}");
    for (id, data) in &nodes.ids {
        assert_eq!(data, topic.as_bytes(), "ids/{id} holds the topic name");
    }
    let by_owner = nodes.by_owner();
    for id in &ids {
        assert_eq!(
            by_owner[id],
            expected(&client, &topic, &ids, id, protocol),
            "{id} owns PyKafka's share"
        );
    }
    let our_parts = by_owner[&our_id].clone();
    let ok = common::eventually(SETTLE, || {
        (ours.partitions().into_iter().collect::<BTreeSet<_>>() == our_parts).then_some(())
    });
    assert!(
        ok.is_some(),
        "ferrokafka holds {:?}, ZooKeeper says {our_parts:?}",
        ours.partitions()
    );

    let mut theirs = theirs;
    let Reads {
        sent,
        ours: ours_read,
        theirs: theirs_read,
        complete: all_read,
    } = produce_and_read(&client, &topic, ours, &mut theirs);
    let read = ours_read.len() + theirs_read.len();
    let mut seen = BTreeSet::new();
    let mut duplicates = 0;
    for (who, msgs, mine) in [
        ("ferrokafka", &ours_read, true),
        ("PyKafka", &theirs_read, false),
    ] {
        for (p, offset, value) in msgs {
            assert_eq!(
                our_parts.contains(p),
                mine,
                "{who} read partition {p} (offset {offset}), owned by the other member"
            );
            if !seen.insert((*p, value.clone())) {
                duplicates += 1;
            }
        }
    }
    eprintln!(
        "    {assignor} {order:?} rdkafka={rdkafka}: settled in {settle_time:?}; read {read} (ferrokafka {}, PyKafka {}), distinct {}, duplicates {duplicates}, sent {}",
        ours_read.len(),
        theirs_read.len(),
        seen.len(),
        sent.len()
    );
    assert!(all_read, "not everything was read");
    assert!(
        settle_time < SETTLE + Duration::from_secs(1),
        "{settle_time:?}"
    );
    assert_eq!(duplicates, 0);
    assert_eq!(seen, sent, "every message exactly once across the members");
    // Both members committed to Kafka outside any generation: the group's offsets are at the end.
    let committed = client
        .topic(&topic)
        .expect("topic")
        .simple_consumer()
        .consumer_group(&group)
        .auto_start(false)
        .build()
        .expect("offset reader")
        .fetch_offsets()
        .expect("committed offsets");
    let at_end: BTreeMap<i32, i64> = committed.iter().map(|(p, c)| (*p, c.offset)).collect();
    let want: BTreeMap<i32, i64> = (0..PARTITIONS).map(|p| (p, PER_PARTITION as i64)).collect();
    assert_eq!(at_end, want, "committed offsets of both members");
    let errors: Vec<String> = theirs
        .errors()
        .into_iter()
        .filter(|e| !pykafka_replaced_consumer_noise(e))
        .collect();
    assert!(errors.is_empty(), "PyKafka logged errors: {errors:?}");
    let warnings = crate::log_capture::mentioning(&group);
    assert_eq!(
        warnings.len(),
        warnings_before,
        "ferrokafka logged: {warnings:?}"
    );
}

/// One test per cell, so a failure names its cell and cells run in parallel.
macro_rules! mixed_cells {
    ($($name:ident: $protocol:ident, $order:ident, $engine:expr;)*) => {$(
        #[test]
        fn $name() {
            mixed(MembershipProtocol::$protocol, Order::$order, $engine);
        }
    )*};
}

mixed_cells! {
    pykafka_zk_range_ferrokafka_first_pure: Range, FerrokafkaFirst, false;
    pykafka_zk_range_pykafka_first_pure: Range, PyKafkaFirst, false;
    pykafka_zk_roundrobin_ferrokafka_first_pure: RoundRobin, FerrokafkaFirst, false;
    pykafka_zk_roundrobin_pykafka_first_pure: RoundRobin, PyKafkaFirst, false;
}

#[cfg(feature = "native")]
mixed_cells! {
    pykafka_zk_range_ferrokafka_first_native: Range, FerrokafkaFirst, true;
    pykafka_zk_range_pykafka_first_native: Range, PyKafkaFirst, true;
    pykafka_zk_roundrobin_ferrokafka_first_native: RoundRobin, FerrokafkaFirst, true;
    pykafka_zk_roundrobin_pykafka_first_native: RoundRobin, PyKafkaFirst, true;
}

/// PyKafka's member killed (-9): its ZooKeeper session times out, its ephemeral znodes vanish, and the
/// ferrokafka member takes every partition.
#[test]
fn a_member_whose_session_is_lost_loses_its_partitions() {
    let cluster = shared_kafka39_zk();
    let zk = zookeeper(cluster);
    let client = common::client(cluster);
    let topic = unique_name("zk-lost");
    cluster
        .create_topic(&topic, PARTITIONS)
        .expect("create topic");
    let group = unique_name("zk-lost-group");
    let ours = zk_member(
        &client,
        &zk,
        &topic,
        &group,
        false,
        MembershipProtocol::Range,
    )
    .consumer_timeout_ms(500)
    .build()
    .expect("ferrokafka member joins");
    let mut theirs = pykafka_zk_member(cluster.bootstrap(), &zk, &topic, &group, "range");
    let our_id = ours.member_id();
    znodes_settle(&client, &zk, &group, &topic, Duration::from_secs(30), |o| {
        complete_split(o, 2, PARTITIONS) && o.contains_key(&our_id)
    });
    theirs.kill();
    let killed = Instant::now();
    let all: BTreeSet<i32> = (0..PARTITIONS).collect();
    // kazoo's session timeout is 10 s; the owner nodes go with the session.
    let nodes = znodes_settle(&client, &zk, &group, &topic, Duration::from_secs(30), |o| {
        o.len() == 1 && o.get(&our_id) == Some(&all)
    });
    assert_eq!(nodes.ids.keys().collect::<Vec<_>>(), vec![&our_id]);
    let ok = common::eventually(Duration::from_secs(10), || {
        (ours.partitions().into_iter().collect::<BTreeSet<_>>() == all).then_some(())
    });
    assert!(ok.is_some(), "ferrokafka holds {:?}", ours.partitions());
    eprintln!("    partitions moved {:?} after the kill", killed.elapsed());
    let sent = produce_all(&client, &topic);
    let mut got = BTreeSet::new();
    while let Some(m) = ours.consume(true).expect("consume") {
        let v = String::from_utf8_lossy(m.value.as_deref().unwrap_or_default()).into_owned();
        assert!(got.insert((m.partition_id, v)), "read twice");
        if got.len() == sent.len() {
            break;
        }
    }
    assert_eq!(got, sent);
    ours.stop().expect("stop");
}

/// `managed(false)` without `zookeeper_connect` uses the client's `zookeeper_hosts` (PyKafka's fallback).
#[test]
fn the_client_zookeeper_hosts_is_the_fallback() {
    let cluster = shared_kafka39_zk();
    let zk = zookeeper(cluster);
    let mut options = common::options(cluster);
    options.zookeeper_hosts = Some(zk.clone());
    let client = KafkaClient::with_options(options).expect("client");
    let topic = filled_topic(cluster, &client, 2, 3);
    let group = unique_name("zk-fallback");
    let c = client
        .topic(&topic)
        .expect("topic")
        .balanced_consumer(&group)
        .managed(false)
        .consumer_timeout_ms(2000)
        .build()
        .expect("member joins through zookeeper_hosts");
    let nodes = znodes(&zk, &group, &py3_segment(&topic));
    assert_eq!(nodes.ids.keys().collect::<Vec<_>>(), vec![&c.member_id()]);
    assert_eq!(drain(&c, 100).len(), 6);
    c.stop().expect("stop");
}

/// A member's ZooKeeper session ended from outside (as by a partition longer than the session timeout): it
/// notices, registers again under the same consumer id with a new session, reclaims PyKafka's share, and the
/// group reads on with every message once. Then a member dropped without `stop`: its partitions move.
#[test]
fn an_expired_session_registers_again_and_a_dropped_member_leaves() {
    let cluster = shared_kafka39_zk();
    let zk = zookeeper(cluster);
    let client = common::client(cluster);
    let (n, per) = (4, 5);
    let topic = filled_topic(cluster, &client, n, per);
    let group = unique_name("zk-expiry");
    crate::log_capture::install();
    let protocol = MembershipProtocol::Range;
    let build = || {
        zk_member(&client, &zk, &topic, &group, false, protocol)
            .build()
            .expect("ZooKeeper member starts")
    };
    let (a, b) = (build(), build());
    settled(&[&a, &b], n);
    let ids = vec![a.member_id(), b.member_id()];
    let split = |o: &BTreeMap<String, BTreeSet<i32>>| {
        complete_split(o, 2, n)
            && ids
                .iter()
                .all(|id| o.get(id) == Some(&expected(&client, &topic, &ids, id, protocol)))
    };
    let before = znodes_settle(&client, &zk, &group, &topic, SETTLE, split);
    let old_session = before.sessions[&ids[1]];

    b.kill_zookeeper_session()
        .expect("session taken over and closed");
    let after = znodes_settle(&client, &zk, &group, &topic, Duration::from_secs(30), |o| {
        split(o)
            && znodes(&zk, &group, &py3_segment(&topic))
                .sessions
                .get(&ids[1])
                .is_some_and(|s| *s != old_session)
    });
    assert_ne!(
        after.sessions[&ids[1]], old_session,
        "registered again with a new session"
    );
    let noticed = crate::log_capture::mentioning(&group);
    assert!(
        noticed
            .iter()
            .any(|w| w.contains("ZooKeeper session ended")),
        "the expiry was noticed: {noticed:?}"
    );
    let sets = settled(&[&a, &b], n);
    let mut seen = BTreeSet::new();
    for (c, mine) in [(&a, &sets[0]), (&b, &sets[1])] {
        for (p, o) in drain(c, n as usize * per) {
            assert!(mine.contains(&p), "read partition {p} it does not own");
            assert!(seen.insert((p, o)), "({p}, {o}) read twice");
        }
    }
    assert_eq!(seen.len(), n as usize * per, "every message once");

    drop(b);
    let all: BTreeSet<i32> = (0..n).collect();
    znodes_settle(&client, &zk, &group, &topic, SETTLE, |o| {
        o.len() == 1 && o.get(&ids[0]) == Some(&all)
    });
    assert_eq!(settled(&[&a], n)[0], all);
    a.stop().expect("stop");
}

/// Another participant's owner nodes that never go away: the claim is retried `rebalance_max_retries` times
/// with `i × rebalance_backoff_ms` between attempts, then `build()` fails with `PartitionOwned` naming the
/// partition and its owner.
#[test]
fn a_partition_owned_by_another_fails_after_the_retries() {
    let cluster = shared_kafka39_zk();
    let zk = zookeeper(cluster);
    let client = common::client(cluster);
    let topic = unique_name("zk-owned");
    cluster.create_topic(&topic, 2).expect("create topic");
    let group = unique_name("zk-owned-group");
    let leaders: BTreeMap<i32, i32> = client
        .topic(&topic)
        .expect("topic")
        .partitions()
        .values()
        .map(|p| (p.id, p.leader))
        .collect();
    // A squatter, registered with PyKafka's layout from the test's own session, owning both partitions.
    let squatter = "~squatter";
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let session = rt.block_on(async {
        let zk = zookeeper_client::Client::connect(&zk)
            .await
            .expect("session");
        let persistent = zookeeper_client::CreateMode::Persistent
            .with_acls(zookeeper_client::Acls::anyone_all());
        let ephemeral =
            zookeeper_client::CreateMode::Ephemeral.with_acls(zookeeper_client::Acls::anyone_all());
        let owners = format!("/consumers/{group}/owners/{}", py3_segment(&topic));
        let ids = format!("/consumers/{group}/ids");
        zk.mkdir(&owners, &persistent).await.expect("owners path");
        zk.mkdir(&ids, &persistent).await.expect("ids path");
        zk.create(&format!("{ids}/{squatter}"), topic.as_bytes(), &ephemeral)
            .await
            .expect("squatter registers");
        for (p, leader) in &leaders {
            zk.create(
                &format!("{owners}/{leader}-{p}"),
                squatter.as_bytes(),
                &ephemeral,
            )
            .await
            .expect("squatter owns");
        }
        zk
    });
    let started = Instant::now();
    let got = client
        .topic(&topic)
        .expect("topic")
        .balanced_consumer(&group)
        .managed(false)
        .zookeeper_connect(zk.clone())
        .rebalance_max_retries(3)
        .rebalance_backoff_ms(300)
        .build();
    let took = started.elapsed();
    match got {
        Err(Error::PartitionOwned {
            group: g,
            topic: t,
            partition,
            owner,
        }) => {
            assert_eq!((g.as_str(), t.as_str()), (group.as_str(), topic.as_str()));
            assert!(leaders.contains_key(&partition));
            assert_eq!(owner, squatter);
        }
        other => panic!("expected PartitionOwned, got {other:?}"),
    }
    // PyKafka's schedule: after failed attempt i (from 0) sleep i × backoff, the last one raises: 0 + 300 ms.
    assert!(
        took >= Duration::from_millis(300) && took < Duration::from_secs(10),
        "{took:?}"
    );
    // The failed member cleaned up: only the squatter is registered.
    let nodes = znodes(&zk, &group, &py3_segment(&topic));
    assert_eq!(nodes.ids.keys().collect::<Vec<_>>(), vec![squatter]);
    drop(session);
}

/// The options the ZooKeeper kind shares with the managed one act the same: the post-rebalance callback gets
/// the old and new held offsets, and a joining member makes the first one commit before it gives partitions
/// up, so the callback's new offsets are where the committed ones put the consumer.
#[test]
fn post_rebalance_callback_sees_the_committed_positions() {
    let cluster = shared_kafka39_zk();
    let zk = zookeeper(cluster);
    let client = common::client(cluster);
    let (n, per) = (2, 5);
    let topic = filled_topic(cluster, &client, n, per);
    let group = unique_name("zk-callback");
    type Call = (BTreeMap<i32, i64>, BTreeMap<i32, i64>);
    let calls: std::sync::Arc<std::sync::Mutex<Vec<Call>>> = Default::default();
    let record = calls.clone();
    let a = zk_member(
        &client,
        &zk,
        &topic,
        &group,
        false,
        MembershipProtocol::Range,
    )
    .post_rebalance_callback(move |old, new| {
        record
            .lock()
            .expect("lock")
            .push((old.clone(), new.clone()));
        None
    })
    .build()
    .expect("member starts");
    assert_eq!(drain(&a, 100).len(), n as usize * per);
    let b = zk_member(
        &client,
        &zk,
        &topic,
        &group,
        false,
        MembershipProtocol::Range,
    )
    .build()
    .expect("second member starts");
    let sets = settled(&[&a, &b], n);
    let calls = calls.lock().expect("lock").clone();
    assert_eq!(calls.len(), 2, "one call per partition change: {calls:?}");
    let (old, new) = &calls[1];
    let last = per as i64 - 1;
    assert_eq!(*old, (0..n).map(|p| (p, last)).collect::<BTreeMap<_, _>>());
    assert_eq!(
        *new,
        sets[0]
            .iter()
            .map(|p| (*p, last))
            .collect::<BTreeMap<_, _>>()
    );
    assert!(
        drain(&b, 100).is_empty(),
        "b resumes at the committed offsets"
    );
    b.stop().expect("stop");
    a.stop().expect("stop");
}
