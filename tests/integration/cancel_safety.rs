//! Dropped `consume_async` futures lose nothing: every consumer kind (simple and balanced, both engines) is
//! read through futures that a short timeout keeps cancelling while messages arrive, with auto-commit on.
//! Every message must still be delivered once, in order, and the group's committed offset must not pass
//! what was delivered.

use std::future::Future;
use std::time::{Duration, Instant};

use ferrokafka::{ConsumerApi, KafkaClient, Message, Result};
use ferrokafka_testkit::{unique_name, KafkaCluster};

use crate::common::{self, engines};

const MESSAGES: i64 = 40;

/// Produces `MESSAGES` messages one by one, a few ms apart, so many consume futures are pending (and then
/// dropped) right when a message arrives.
fn trickle(client: &KafkaClient, topic: &str) -> std::thread::JoinHandle<()> {
    let (client, topic) = (client.clone(), topic.to_string());
    std::thread::spawn(move || {
        for i in 0..MESSAGES {
            common::produce(&client, &topic, 0, &[format!("m{i}").as_bytes()]);
            std::thread::sleep(Duration::from_millis(4));
        }
    })
}

/// Reads until `MESSAGES` messages came, each through a future that a 1–3 ms timeout may drop. Returns the
/// offsets delivered and how many futures were dropped.
fn read_through_cancellations<F, Fut>(consume: F) -> (Vec<i64>, usize)
where
    F: Fn() -> Fut,
    Fut: Future<Output = Result<Option<Message>>>,
{
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        let deadline = Instant::now() + Duration::from_secs(60);
        let (mut offsets, mut dropped) = (Vec::new(), 0usize);
        let mut wait = 1u64;
        while (offsets.len() as i64) < MESSAGES {
            assert!(
                Instant::now() < deadline,
                "only {} of {MESSAGES} messages in 60 s: {offsets:?}",
                offsets.len()
            );
            match tokio::time::timeout(Duration::from_millis(wait), consume()).await {
                Err(_) => dropped += 1,
                Ok(Ok(Some(m))) => offsets.push(m.offset),
                Ok(Ok(None)) => {}
                Ok(Err(e)) => panic!("consume_async: {e}"),
            }
            wait = wait % 3 + 1;
        }
        (offsets, dropped)
    })
}

fn check(kind: &str, offsets: &[i64], dropped: usize) {
    let expected: Vec<i64> = (0..MESSAGES).collect();
    assert_eq!(
        offsets, expected,
        "{kind}: a dropped consume_async lost or repeated a message"
    );
    assert!(
        dropped > 0,
        "{kind}: no future was dropped, the test proved nothing"
    );
}

fn new_topic(cluster: &KafkaCluster) -> String {
    let name = unique_name("cancel");
    cluster.create_topic(&name, 1).expect("create topic");
    name
}

/// The group's committed offset of partition 0 (-1 = none), read by a fresh consumer of the group.
pub(crate) fn committed(client: &KafkaClient, topic: &str, group: &str) -> i64 {
    let c = client
        .topic(topic)
        .expect("topic")
        .simple_consumer()
        .consumer_group(group)
        .auto_start(false)
        .build()
        .expect("reader");
    c.fetch_offsets().expect("fetch offsets")[&0].offset
}

engines! {
    fn simple_consumer_drops_no_message(cluster, client, rdkafka) {
        let topic = new_topic(cluster);
        let group = unique_name("cancel-simple");
        let c = client
            .topic(&topic)
            .expect("topic")
            .simple_consumer()
            .use_rdkafka(rdkafka)
            .consumer_group(group.as_str())
            .auto_commit_enable(true)
            .auto_commit_interval_ms(20)
            .build()
            .expect("consumer");
        let producer = trickle(client, &topic);
        let (offsets, dropped) = read_through_cancellations(|| c.consume_async());
        producer.join().expect("producer thread");
        check("simple", &offsets, dropped);
        c.stop().expect("stop");
        assert_eq!(committed(client, &topic, &group), MESSAGES, "committed after stop");
    }

    fn balanced_consumer_drops_no_message(cluster, client, rdkafka) {
        let topic = new_topic(cluster);
        let group = unique_name("cancel-balanced");
        let c = client
            .topic(&topic)
            .expect("topic")
            .balanced_consumer(group.as_str())
            .use_rdkafka(rdkafka)
            .auto_commit_enable(true)
            .auto_commit_interval_ms(20)
            .heartbeat_interval_ms(200)
            .session_timeout_ms(10_000)
            .rebalance_backoff_ms(200)
            .offsets_channel_backoff_ms(100)
            .build()
            .expect("consumer");
        let producer = trickle(client, &topic);
        let (offsets, dropped) = read_through_cancellations(|| c.consume_async());
        producer.join().expect("producer thread");
        check("balanced", &offsets, dropped);
        // Through the trait too: the stream form is the same future.
        assert!(ConsumerApi::partitions(&c).contains(&0));
        c.stop().expect("stop");
        assert_eq!(committed(client, &topic, &group), MESSAGES, "committed after stop");
    }
}

/// Polls `fut` once and drops it if it is not ready (a zero timeout): the cancellation a `select!` or a
/// timeout causes. Returns whether it was still pending when dropped.
async fn drop_pending<T>(fut: impl Future<Output = T>) -> bool {
    tokio::time::timeout(Duration::ZERO, fut).await.is_err()
}

/// [`drop_pending`] of a fresh call, up to three times until one is still pending when dropped: a call that
/// runs on a thread of its own, or finds its answer cached, can be done by its first poll on a loaded machine.
async fn drop_one_pending<F: Future>(call: impl Fn() -> F) -> bool {
    for _ in 0..3 {
        if drop_pending(call()).await {
            return true;
        }
    }
    false
}

/// A multi-thread runtime of the test's own: the client runs on it (`ClientOptions::runtime`), so its
/// alive-task count is exactly what the pure engine left running.
fn own_runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("cancel-test")
        .enable_all()
        .build()
        .expect("runtime")
}

/// Members of `group` as its coordinator reports them (0 for a group that is gone or empty).
fn members(client: &KafkaClient, group: &str) -> usize {
    client
        .describe_groups(&[group])
        .expect("describe groups")
        .get(group)
        .map_or(0, |d| d.members.len())
}

engines! {
    /// Futures of every object kind (client, topic, partition, the three builders, producer, simple and
    /// balanced consumer) are dropped mid-operation; then the same objects produce and consume: every
    /// message arrives once, commits land, and once everything is dropped no task of the client is left
    /// on the runtime and no member is left in either group (one of them joined by a dropped build).
    fn every_kind_drops_pending_futures(cluster, checker, rdkafka) {
        const N: i64 = 30;
        let rt = own_runtime();
        let name = new_topic(cluster);
        let (g_simple, g_balanced, g_dropped) = (
            unique_name("cancel-all-s"),
            unique_name("cancel-all-b"),
            unique_name("cancel-all-d"),
        );
        let mut dropped = 0;
        rt.block_on(async {
            let options = common::options(cluster).runtime(tokio::runtime::Handle::current());
            let client = KafkaClient::connect(options).await.expect("client");
            // Client, topic and partition calls dropped while their requests are in flight.
            dropped += drop_one_pending(|| client.topic_async(&name)).await as usize;
            dropped += drop_one_pending(|| client.update_cluster_async()).await as usize;
            dropped += drop_one_pending(|| client.list_groups_async()).await as usize;
            let topic = client.topic_async(&name).await.expect("topic");
            dropped += drop_one_pending(|| topic.latest_available_offsets_async()).await as usize;
            let partition = topic.partitions()[&0].clone();
            dropped += drop_one_pending(|| partition.earliest_available_offset_async()).await as usize;
            // Builds dropped mid-way: what they built stops in the background.
            dropped += drop_one_pending(|| topic.producer().use_rdkafka(rdkafka).build_async()).await as usize;
            let simple_build = || topic.simple_consumer().use_rdkafka(rdkafka).consumer_group(g_simple.as_str());
            dropped += drop_one_pending(|| simple_build().build_async()).await as usize;
            let dropped_join = topic
                .balanced_consumer(g_dropped.as_str())
                .use_rdkafka(rdkafka)
                .heartbeat_interval_ms(200)
                .session_timeout_ms(10_000)
                .build_async();
            assert!(drop_pending(dropped_join).await, "a group join cannot finish in one poll");

            let simple = topic
                .simple_consumer()
                .use_rdkafka(rdkafka)
                .consumer_group(g_simple.as_str())
                .auto_commit_enable(true)
                .auto_commit_interval_ms(50)
                .build_async()
                .await
                .expect("simple consumer");
            let balanced = topic
                .balanced_consumer(g_balanced.as_str())
                .use_rdkafka(rdkafka)
                .heartbeat_interval_ms(200)
                .session_timeout_ms(10_000)
                .rebalance_backoff_ms(200)
                .build_async()
                .await
                .expect("balanced consumer");
            // Consumes pending on an empty topic, dropped by a timeout.
            for _ in 0..3 {
                let t = Duration::from_millis(100);
                assert!(tokio::time::timeout(t, simple.consume_async()).await.is_err(), "empty topic");
                assert!(tokio::time::timeout(t, balanced.consume_async()).await.is_err(), "empty topic");
            }
            dropped += drop_one_pending(|| simple.fetch_offsets_async()).await as usize;
            dropped += drop_one_pending(|| balanced.commit_offsets_async(None)).await as usize;
            dropped += drop_one_pending(|| balanced.fetch_offsets_async()).await as usize;

            let producer = topic
                .producer()
                .use_rdkafka(rdkafka)
                .linger_ms(20)
                .build_async()
                .await
                .expect("producer");
            let sender = producer.clone();
            for i in 0..N {
                let value = format!("m{i}");
                if i % 3 == 0 {
                    // Dropped while it may wait: produce_async either returned (queued) or produced nothing,
                    // so produce again only when it produced nothing.
                    match tokio::time::timeout(Duration::ZERO, sender.produce_async(value.clone())).await {
                        Ok(r) => drop(r.expect("produce")),
                        Err(_) => drop(sender.produce_async(value).await.expect("produce")),
                    }
                } else {
                    drop(sender.produce_async(value).await.expect("produce"));
                }
            }
            dropped += drop_one_pending(|| producer.flush_async(Duration::from_secs(10))).await as usize;
            producer.stop_async().await.expect("producer stop");

            let mut simple_values = Vec::new();
            let mut balanced_values = Vec::new();
            let deadline = Instant::now() + Duration::from_secs(60);
            while (simple_values.len() as i64) < N || (balanced_values.len() as i64) < N {
                assert!(Instant::now() < deadline, "simple {simple_values:?} balanced {balanced_values:?}");
                let t = Duration::from_millis(2);
                if let Ok(m) = tokio::time::timeout(t, simple.consume_async()).await {
                    simple_values.extend(m.expect("simple consume").and_then(|m| m.value));
                }
                if let Ok(m) = tokio::time::timeout(t, balanced.consume_async()).await {
                    balanced_values.extend(m.expect("balanced consume").and_then(|m| m.value));
                }
            }
            let expected: Vec<bytes::Bytes> = (0..N).map(|i| format!("m{i}").into()).collect();
            assert_eq!(simple_values, expected, "simple consumer lost or repeated a message");
            assert_eq!(balanced_values, expected, "balanced consumer lost or repeated a message");
            simple.stop_async().await.expect("simple stop");
            balanced.stop_async().await.expect("balanced stop");
        });
        assert!(dropped >= 6, "only {dropped} futures were pending when dropped: the test proved little");
        assert_eq!(committed(checker, &name, &g_simple), N, "simple consumer's commit");
        assert_eq!(committed(checker, &name, &g_balanced), N, "balanced consumer's commit");
        let gone = common::eventually(Duration::from_secs(20), || {
            (members(checker, &g_dropped) == 0 && members(checker, &g_balanced) == 0).then_some(())
        });
        assert!(gone.is_some(), "a member stayed in its group after its handle was dropped");
        let idle = common::eventually(Duration::from_secs(20), || {
            (rt.metrics().num_alive_tasks() == 0).then_some(())
        });
        assert!(
            idle.is_some(),
            "{} tasks of the dropped client still run on the caller's runtime",
            rt.metrics().num_alive_tasks()
        );
    }
}

/// Issue #26's reproduction, run on demand: every cell of `every_kind_drops_pending_futures` and of
/// `balanced_consumer_drops_no_message`, on both engines and brokers, all four at once, for
/// `FERROKAFKA_STRESS_ROUNDS` rounds (20 by default) beside two CPU-burning threads. Before the fix about one
/// run in six lost the balanced consumer's commit or re-read from offset 0. CI runs the deterministic form
/// (`faults::late_offset_fetch`) instead: this one loads the machine for minutes.
#[test]
#[ignore = "stress, minutes of CPU load: cargo test --test integration -- --ignored cancel_safety::under_load \
            (FERROKAFKA_STRESS_ROUNDS=N, default 20)"]
fn under_load() {
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::Arc;

    let rounds: usize = std::env::var("FERROKAFKA_STRESS_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20);
    let stop = Arc::new(AtomicBool::new(false));
    let burners: Vec<_> = (0..2)
        .map(|_| {
            let stop = Arc::clone(&stop);
            std::thread::spawn(move || {
                let mut x = 0u64;
                while !stop.load(Ordering::Relaxed) {
                    x = std::hint::black_box(x.wrapping_mul(31).wrapping_add(7));
                }
            })
        })
        .collect();
    type Cell = (&'static str, fn(&KafkaCluster, bool));
    let cells: [Cell; 2] = [
        ("every_kind", every_kind_drops_pending_futures::run),
        ("balanced", balanced_consumer_drops_no_message::run),
    ];
    let mut failures = Vec::new();
    for round in 0..rounds {
        for (name, run) in cells {
            let mut brokers = vec![("kafka4", false), ("kafka39", false)];
            if cfg!(feature = "native") {
                brokers.extend([("kafka4", true), ("kafka39", true)]);
            }
            let threads: Vec<_> = brokers
                .into_iter()
                .map(|(broker, rdkafka)| {
                    let handle = std::thread::spawn(move || {
                        let cluster = match broker {
                            "kafka4" => ferrokafka_testkit::shared_kafka4(),
                            _ => ferrokafka_testkit::shared_kafka39(),
                        };
                        run(cluster, rdkafka)
                    });
                    (
                        format!("round {round} {name} {broker} rdkafka={rdkafka}"),
                        handle,
                    )
                })
                .collect();
            for (cell, handle) in threads {
                if handle.join().is_err() {
                    failures.push(cell);
                }
            }
        }
    }
    stop.store(true, Ordering::Relaxed);
    for b in burners {
        b.join().expect("burner");
    }
    eprintln!("under_load: {rounds} rounds, failed cells: {failures:?}");
    assert!(failures.is_empty(), "failed cells under load: {failures:?}");
}
