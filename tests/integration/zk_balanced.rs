//! PyKafka's ZooKeeper-coordinated BalancedConsumer (`managed(false)`) on Kafka 3.9 with ZooKeeper, both
//! engines for the internal consumer: ferrokafka members split a topic exactly as PyKafka's assignors do and
//! leave PyKafka's znodes (read back here with our own ZooKeeper session); a stopped or dropped member's
//! partitions move; an expired session registers again; offsets are committed to Kafka; ownership conflicts
//! end in `PartitionOwned` after the retries; an unreachable ZooKeeper is a typed error within the timeout.
//! The groups mixed with PyKafka's own members are in `zk_mixed.rs`.

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use ferrokafka::{ErrorKind, KafkaClient, MembershipProtocol};
use ferrokafka_testkit::{shared_kafka39_zk, unique_name, FaultProxy, Mode};

use crate::balanced_support::{drain, engines, expected, filled_topic, settled};
use crate::common;
use crate::zk_support::{
    complete_split, leaders, py3_segment, zk_cluster, zk_member, znodes, znodes_settle, zookeeper,
    SETTLE,
};

fn split_of_two(protocol: MembershipProtocol, rdkafka: bool) {
    let (cluster, zk, client) = zk_cluster();
    let (n, per) = (5, 10);
    let topic = filled_topic(cluster, &client, n, per);
    let group = unique_name("zk-group");
    eprintln!("--- {protocol:?} rdkafka={rdkafka}: group {group}");
    let warnings_before = crate::log_capture::mentioning(&group).len();
    let build = || {
        zk_member(&client, &zk, &topic, &group, rdkafka, protocol.clone())
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
            expected(&client, &topic, &ids, id, &protocol),
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
            Err(e) if e.kind() == ErrorKind::ZooKeeperUnavailable => {
                assert_eq!(e.hosts(), Some(hosts.as_str()));
                eprintln!("{hosts}: {} after {took:?}", e.reason());
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

/// A member cut off from ZooKeeper for longer than the session timeout (its link goes through a proxy that
/// closes every connection): its session expires, and once the link is back it notices, registers again under
/// the same consumer id with a new session, reclaims PyKafka's share, and the group reads on with every
/// message once. Then a member dropped without `stop`: its partitions move.
#[test]
fn an_expired_session_registers_again_and_a_dropped_member_leaves() {
    let (cluster, zk, client) = zk_cluster();
    let (n, per) = (4, 5);
    let topic = filled_topic(cluster, &client, n, per);
    let group = unique_name("zk-expiry");
    crate::log_capture::install();
    let protocol = MembershipProtocol::Range;
    // b reaches ZooKeeper through a proxy only: cutting it is a partition of b alone.
    let link = FaultProxy::start(&zk).expect("ZooKeeper proxy");
    let build = |zookeeper: &str| {
        zk_member(&client, zookeeper, &topic, &group, false, protocol.clone())
            .build()
            .expect("ZooKeeper member starts")
    };
    let (a, b) = (build(&zk), build(link.addr()));
    settled(&[&a, &b], n);
    let ids = vec![a.member_id(), b.member_id()];
    let split = |o: &BTreeMap<String, BTreeSet<i32>>| {
        complete_split(o, 2, n)
            && ids
                .iter()
                .all(|id| o.get(id) == Some(&expected(&client, &topic, &ids, id, &protocol)))
    };
    let before = znodes_settle(&client, &zk, &group, &topic, SETTLE, split);
    let old_session = before.sessions[&ids[1]];

    // ZooKeeper expires the session once it has heard nothing for the session timeout (10 s); the member's
    // own client gives up on it at 4/3 of that. Past both, the link comes back.
    link.set_mode(Mode::Dead);
    let gone = common::eventually(Duration::from_secs(20), || {
        (!znodes(&zk, &group, &py3_segment(&topic))
            .sessions
            .contains_key(&ids[1]))
        .then_some(())
    });
    assert!(gone.is_some(), "the cut-off member's session expired");
    std::thread::sleep(Duration::from_secs(4));
    link.set_mode(Mode::Relay);
    let renewed = || {
        znodes(&zk, &group, &py3_segment(&topic))
            .sessions
            .get(&ids[1])
            .is_some_and(|s| *s != old_session)
    };
    let after = znodes_settle(&client, &zk, &group, &topic, Duration::from_secs(30), |o| {
        split(o) && renewed()
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
    let (cluster, zk, client) = zk_cluster();
    let topic = unique_name("zk-owned");
    cluster.create_topic(&topic, 2).expect("create topic");
    let group = unique_name("zk-owned-group");
    let leaders = leaders(&client, &topic);
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
        Err(e) if e.kind() == ErrorKind::PartitionOwned => {
            let c = e.context();
            assert_eq!(
                (c.group.as_deref(), c.topic.as_deref()),
                (Some(group.as_str()), Some(topic.as_str()))
            );
            assert!(c.partition.is_some_and(|p| leaders.contains_key(&p)));
            assert_eq!(e.owner(), Some(squatter));
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
    let (cluster, zk, client) = zk_cluster();
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
    .post_rebalance_callback(move |_consumer, old, new| {
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
