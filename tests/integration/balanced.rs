//! ManagedBalancedConsumer (Kafka-managed groups) against real brokers: every body runs for the pure engine
//! and, with the `native` feature, librdkafka as the internal consumer, on Kafka 4.1 and 3.9.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use ferrokafka::{
    BalancedConsumerBuilder, Error, ErrorKind, MembershipProtocol, RebalancedConsumer,
};
use ferrokafka_testkit::{shared_kafka4, unique_name};

use crate::balanced_support::{drain, engines, expected, filled_topic, member, settled};
use crate::common::{self, engines};

/// Held offsets as the post-rebalance callback sees them.
type Held = BTreeMap<i32, i64>;

fn split_and_consume_once(
    cluster: &ferrokafka_testkit::KafkaCluster,
    client: &ferrokafka::KafkaClient,
    rdkafka: bool,
    protocol: MembershipProtocol,
) {
    {
        let topic = filled_topic(cluster, client, 6, 10);
        let group = unique_name("g");
        let build = || {
            member(client, &topic, &group, rdkafka)
                .membership_protocol(protocol.clone())
                .build()
                .expect("member joins")
        };
        let a = build();
        let b = build();
        let sets = settled(&[&a, &b], 6);
        let ids = vec![a.member_id(), b.member_id()];
        assert_eq!(sets[0], expected(client, &topic, &ids, &ids[0], &protocol));
        assert_eq!(sets[1], expected(client, &topic, &ids, &ids[1], &protocol));
        assert_eq!(a.generation_id(), b.generation_id());

        let (got_a, got_b) = std::thread::scope(|s| {
            let ha = s.spawn(|| drain(&a, usize::MAX));
            let hb = s.spawn(|| drain(&b, usize::MAX));
            (ha.join().expect("a"), hb.join().expect("b"))
        });
        assert!(got_a.iter().all(|(p, _)| sets[0].contains(p)), "{got_a:?}");
        assert!(got_b.iter().all(|(p, _)| sets[1].contains(p)), "{got_b:?}");
        let all: Vec<_> = got_a.iter().chain(&got_b).copied().collect();
        let distinct: BTreeSet<_> = all.iter().copied().collect();
        assert_eq!(all.len(), 60, "every message exactly once");
        assert_eq!(distinct.len(), 60);
        a.stop().expect("stop a");
        b.stop().expect("stop b");
    }
}

engines! {
    fn two_members_split_by_range_and_consume_every_message_once(cluster, client, rdkafka) {
        split_and_consume_once(cluster, client, rdkafka, MembershipProtocol::Range);
    }

    fn two_members_split_by_roundrobin_and_consume_every_message_once(cluster, client, rdkafka) {
        split_and_consume_once(cluster, client, rdkafka, MembershipProtocol::RoundRobin);
    }
}

engines! {
    fn a_stopped_member_hands_its_partitions_over_at_its_committed_offsets(cluster, client, rdkafka) {
        let topic = filled_topic(cluster, client, 6, 10);
        let group = unique_name("g");
        let a = member(client, &topic, &group, rdkafka)
            .build()
            .expect("a joins");
        let b = member(client, &topic, &group, rdkafka)
            .build()
            .expect("b joins");
        let sets = settled(&[&a, &b], 6);
        let first_a = drain(&a, 12);
        let first_b = drain(&b, 12);
        assert_eq!((first_a.len(), first_b.len()), (12, 12));
        let b_held = b.held_offsets();
        // stop commits what b consumed and leaves: a gets everything.
        b.stop().expect("stop b");
        assert!(matches!(
            b.consume(false),
            Err(ref e) if e.kind() == ErrorKind::ConsumerStopped
        ));
        settled(&[&a], 6);
        let rest = drain(&a, usize::MAX);
        // b's partitions resume right after what b consumed (its commit), not from the start.
        for p in &sets[1] {
            let first = rest.iter().find(|(q, _)| q == p).map(|(_, o)| *o);
            let held = b_held.get(p).copied().unwrap_or(-2);
            let resume = if held >= 0 { held + 1 } else { 0 };
            assert_eq!(first, (resume < 10).then_some(resume), "partition {p}");
        }
        let all: Vec<_> = first_a
            .iter()
            .chain(&first_b)
            .chain(&rest)
            .copied()
            .collect();
        let distinct: BTreeSet<_> = all.iter().copied().collect();
        assert_eq!(distinct.len(), 60, "nothing lost");
        assert_eq!(
            all.len(),
            60,
            "no duplicate: everything consumed was committed"
        );
        a.stop().expect("stop a");
    }
}

engines! {
    fn post_rebalance_callback_sees_old_and_new_offsets_and_moves_positions(cluster, client, rdkafka) {
        let topic = filled_topic(cluster, client, 2, 10);
        let group = unique_name("g");
        let calls: Arc<Mutex<Vec<(RebalancedConsumer, Held, Held)>>> = Arc::default();
        let seen = Arc::clone(&calls);
        let a = member(client, &topic, &group, rdkafka)
            .post_rebalance_callback(move |consumer, old, new| {
                seen.lock().unwrap().push((consumer.clone(), old.clone(), new.clone()));
                Some(BTreeMap::from([(0, 4)]))
            })
            .build()
            .expect("joins");
        {
            let calls = calls.lock().unwrap();
            assert_eq!(calls.len(), 1);
            let (consumer, old, new) = &calls[0];
            assert!(old.is_empty(), "nothing held before the first assignment");
            assert_eq!(*new, BTreeMap::from([(0, -2), (1, -2)]));
            // PyKafka's consumer argument: what the member is right after the rebalance.
            assert_eq!(consumer.topic, topic);
            assert_eq!(consumer.group, group);
            assert_eq!(consumer.consumer_id, a.member_id());
            assert!(!consumer.consumer_id.is_empty());
            assert_eq!(consumer.generation_id, a.generation_id());
            assert!(consumer.generation_id >= 1, "{consumer:?}");
            assert_eq!(consumer.partitions, vec![0, 1]);
            assert_eq!(consumer.engine, a.engine_name());
        }
        let got = drain(&a, usize::MAX);
        let p0: Vec<i64> = got
            .iter()
            .filter(|(p, _)| *p == 0)
            .map(|(_, o)| *o)
            .collect();
        let p1: Vec<i64> = got
            .iter()
            .filter(|(p, _)| *p == 1)
            .map(|(_, o)| *o)
            .collect();
        assert_eq!(
            p0,
            (5..10).collect::<Vec<_>>(),
            "the callback's offset 4 = last consumed"
        );
        assert_eq!(p1, (0..10).collect::<Vec<_>>());
        a.stop().expect("stop");
    }
}

engines! {
    fn committed_offsets_are_where_the_next_member_resumes(cluster, client, rdkafka) {
        let topic = filled_topic(cluster, client, 1, 10);
        let group = unique_name("g");
        let a = member(client, &topic, &group, rdkafka)
            .build()
            .expect("a joins");
        assert_eq!(drain(&a, 7).len(), 7);
        a.commit_offsets(None).expect("commit");
        assert_eq!(a.fetch_offsets().expect("fetch")[&0].offset, 7);
        // An explicit commit is written verbatim.
        a.commit_offsets(Some(&[(0, 3)])).expect("commit 3");
        assert_eq!(a.fetch_offsets().expect("fetch")[&0].offset, 3);
        // fetch_offsets moved the position back (reset_offset_on_fetch): 3..10 come again.
        assert_eq!(
            drain(&a, usize::MAX),
            (3..10).map(|o| (0, o)).collect::<Vec<_>>()
        );
        a.stop().expect("stop a commits 10");
        let b = member(client, &topic, &group, rdkafka)
            .build()
            .expect("b joins");
        assert_eq!(b.fetch_offsets().expect("fetch")[&0].offset, 10);
        assert_eq!(b.consume(true).expect("consume"), None, "nothing after 10");
        b.stop().expect("stop b");
    }
}

#[test]
fn bad_options_are_rejected_naming_the_option() {
    let client = common::client(shared_kafka4());
    let topic = client.topic("balanced-options").expect("topic");
    let check = |b: BalancedConsumerBuilder, option: &str| match b.auto_start(false).build() {
        Err(e) if e.kind() == ErrorKind::Config => assert_eq!(e.option(), Some(option)),
        other => panic!("{option}: expected a Config error, got {other:?}"),
    };
    check(
        topic.balanced_consumer("g").heartbeat_interval_ms(30_000),
        "heartbeat_interval_ms",
    );
    check(
        topic.balanced_consumer("g").heartbeat_interval_ms(0),
        "heartbeat_interval_ms",
    );
    check(
        topic.balanced_consumer("g").rebalance_max_retries(0),
        "rebalance_max_retries",
    );
    check(
        topic.balanced_consumer("g").rebalance_backoff_ms(-1),
        "rebalance_backoff_ms",
    );
    check(
        topic.balanced_consumer("g").session_timeout_ms(0),
        "session_timeout_ms",
    );
    check(
        topic.balanced_consumer("g").queued_max_messages(0),
        "queued_max_messages",
    );
    assert!(topic.balanced_consumer("").build().is_err(), "empty group");
    let idle = topic
        .balanced_consumer("g")
        .auto_start(false)
        .build()
        .expect("valid");
    assert!(matches!(
        idle.consume(false),
        Err(ref e) if e.kind() == ErrorKind::ConsumerStopped
    ));
    #[cfg(not(feature = "native"))]
    assert!(matches!(
        topic
            .balanced_consumer("g")
            .use_rdkafka(true)
            .auto_start(false)
            .build(),
        Err(ref e) if e.kind() == ErrorKind::EngineUnavailable
    ));
}

engines! {
    fn a_consume_blocked_forever_lets_a_rebalance_through(cluster, client, rdkafka) {
        let topic = unique_name("balanced-idle");
        cluster.create_topic(&topic, 2).expect("create topic");
        let group = unique_name("g");
        let a = member(client, &topic, &group, rdkafka)
            .consumer_timeout_ms(-1)
            .build()
            .expect("a joins");
        std::thread::scope(|s| {
            // Blocks until a message comes: nothing is there yet.
            let waiting = s.spawn(|| a.consume(true));
            // b can only join if a's blocked consume gives way to a's rebalance.
            let b = member(client, &topic, &group, rdkafka)
                .build()
                .expect("b joins");
            let sets = settled(&[&a, &b], 2);
            let a_partition = *sets[0].iter().next().expect("a owns one");
            common::produce(client, &topic, a_partition, &[b"late"]);
            let m = waiting
                .join()
                .expect("thread")
                .expect("consume")
                .expect("a message");
            assert_eq!(
                (m.partition_id, m.value.as_deref()),
                (a_partition, Some(&b"late"[..]))
            );
            b.stop().expect("stop b");
        });
        // b's leaving starts a rebalance: a commits in stop() under the generation that follows it.
        settled(&[&a], 2);
        a.stop().expect("stop a");
    }
}

engines! {
    fn async_build_stream_and_deserializer(cluster, client, rdkafka) {
        let topic = filled_topic(cluster, client, 2, 5);
        let group = unique_name("g");
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        let values = rt.block_on(async {
            use futures::StreamExt;
            let c = member(client, &topic, &group, rdkafka)
                .consumer_timeout_ms(1_500)
                .deserializer(|v, k| Ok((v.map(|v| [b"D:".as_slice(), &v].concat().into()), k)))
                .build_async()
                .await
                .expect("joins");
            let values: BTreeSet<Vec<u8>> = c
                .stream()
                .map(|m| m.expect("message").value.expect("value").to_vec())
                .collect()
                .await;
            c.stop().expect("stop");
            values
        });
        let want: BTreeSet<Vec<u8>> = (0..2)
            .flat_map(|p| (0..5).map(move |i| format!("D:p{p}-{i}").into_bytes()))
            .collect();
        assert_eq!(values, want);
    }
}

/// A member that joins with the raw protocol (ferrokafka_pure's Membership, as another client would) and
/// then falls silent: it gets its range share, and once the coordinator drops it (session timeout) the
/// balanced consumer's heartbeat notices the rebalance and takes every partition. Kafka 4.1 only (slow).
#[test]
fn a_silent_member_is_dropped_and_the_survivor_takes_everything() {
    use ferrokafka_pure::group::{Assignor, Membership, MembershipConfig};
    let cluster = shared_kafka4();
    let client = common::client(cluster);
    for rdkafka in engines() {
        let topic = filled_topic(cluster, &client, 4, 5);
        let group = unique_name("g");
        let a = member(&client, &topic, &group, rdkafka)
            .build()
            .expect("a joins");
        let mut ghost = Membership::new(
            Arc::clone(client.cluster()),
            MembershipConfig {
                group: group.clone(),
                topic: topic.clone(),
                assignor: Assignor::Range,
                session_timeout_ms: 6_000,
                rebalance_timeout_ms: 10_000,
            },
        );
        let (ghost_parts, ghost_id) = client
            .runtime_handle()
            .block_on(async {
                let parts = ghost.rebalance(5, Duration::from_millis(200)).await?;
                Ok::<_, Error>((parts, ghost.member_id().to_string()))
            })
            .expect("the ghost joins");
        let ids = vec![a.member_id(), ghost_id.clone()];
        let range = MembershipProtocol::Range;
        let mine = expected(&client, &topic, &ids, &ids[0], &range);
        assert_eq!(
            ghost_parts,
            expected(&client, &topic, &ids, &ghost_id, &range)
        );
        assert_eq!(mine.len() + ghost_parts.len(), 4);
        assert!(mine.is_disjoint(&ghost_parts));
        // a's share is installed right after its SyncGroup answer.
        let held = common::eventually(Duration::from_secs(10), || {
            let now: BTreeSet<i32> = a.partitions().into_iter().collect();
            (now == mine).then_some(now)
        });
        assert_eq!(held, Some(mine));
        // The ghost never heartbeats: after its session timeout a owns all four.
        settled(&[&a], 4);
        let got = drain(&a, usize::MAX);
        assert_eq!(
            got.len(),
            20,
            "nothing was committed by the ghost: a reads everything"
        );
        a.stop().expect("stop");
    }
}
