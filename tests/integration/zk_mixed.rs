//! PyKafka 2.8.0's ZooKeeper-coordinated `BalancedConsumer(managed=False)` and a ferrokafka member (each
//! engine) in one group on Kafka 3.9 with ZooKeeper, for `range` and `roundrobin`, either joining first: the
//! owner znodes split the topic as PyKafka's algorithm says within 10 s of the last join, every message is
//! read exactly once across the members, both members' commits land in Kafka, neither side logs an error.
//! And a PyKafka member killed -9: its session times out and its partitions move to ferrokafka.

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use ferrokafka::MembershipProtocol;
use ferrokafka_testkit::unique_name;

use crate::balanced_support::expected;
use crate::common;
use crate::mixed_groups::{
    assignor_name, produce_all, produce_and_read, Reads, PARTITIONS, PER_PARTITION,
};
use crate::mixed_support::{pykafka_zk_member, ForeignMember};
use crate::zk_support::{
    complete_split, py3_segment, zk_cluster, zk_member, znodes, znodes_settle, SETTLE,
};

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
    let (cluster, zk, client) = zk_cluster();
    let topic = unique_name("zk-mixed");
    cluster
        .create_topic(&topic, PARTITIONS)
        .expect("create topic");
    let group = unique_name("zk-mixed-group");
    let assignor = assignor_name(&protocol);
    eprintln!(
        "--- PyKafka(zookeeper) {assignor} {order:?} ferrokafka rdkafka={rdkafka}: group {group}"
    );
    let warnings_before = crate::log_capture::mentioning(&group).len();
    let all: BTreeSet<i32> = (0..PARTITIONS).collect();
    let build_ours = || {
        zk_member(&client, &zk, &topic, &group, rdkafka, protocol.clone())
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
            expected(&client, &topic, &ids, id, &protocol),
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
    let (cluster, zk, client) = zk_cluster();
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
