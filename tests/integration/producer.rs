//! The producer against real Kafka 4.1.1 and 3.9.1 (testkit), for each engine.
//!
//! Test bodies take `use_rdkafka`; the `engines!` macro instantiates them per engine and broker. A body run for
//! an engine this build does not have (`EngineUnavailable`) returns early and says so. Messages are read back
//! with the pure engine's Fetch decoding, straight from the partition leader.

use std::collections::{BTreeMap, HashSet};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use ferrokafka::{
    Compression, ErrorKind, KafkaClient, KafkaCode, OutgoingMessage, Producer, ProducerBuilder,
    Topic,
};
use ferrokafka_pure::protocol::messages::fetch_request::{FetchPartition, FetchTopic};
use ferrokafka_pure::protocol::messages::FetchRequest;
use ferrokafka_pure::protocol::VersionRange;
use ferrokafka_pure::records::{decode_fetch_records, DecodeOptions, Record};
use ferrokafka_testkit::{shared_kafka39, shared_kafka4, unique_name, KafkaCluster, KafkaConfig};

/// A fresh topic with `partitions` partitions on `cluster`, and a client for it.
fn topic(cluster: &KafkaCluster, prefix: &str, partitions: i32) -> (KafkaClient, Topic) {
    let name = unique_name(prefix);
    cluster
        .create_topic(&name, partitions)
        .expect("create topic");
    let client = KafkaClient::new(cluster.bootstrap()).expect("client");
    let topic = client.topic(&name).expect("topic");
    (client, topic)
}

/// Build, or `None` when this build lacks the engine (the caller skips).
pub(super) fn build(builder: ProducerBuilder) -> Option<Producer> {
    match builder.build() {
        Ok(p) => Some(p),
        Err(e) if e.kind() == ErrorKind::EngineUnavailable => {
            eprintln!("skipped: {e}");
            None
        }
        Err(e) => panic!("build failed: {e}"),
    }
}

/// Every record of `partition` from offset 0 up to the high watermark.
fn read_partition(client: &KafkaClient, topic: &str, partition: i32) -> Vec<Record> {
    let cluster = Arc::clone(client.cluster());
    let topic = topic.to_string();
    // On the client's runtime: connections opened here must outlive this call.
    let task = client.runtime_handle().spawn(async move {
        let mut out: Vec<Record> = Vec::new();
        let mut offset = 0i64;
        loop {
            let leader = cluster.leader(&topic, partition).expect("leader");
            let req = |_: i16| FetchRequest {
                replica_id: -1,
                max_wait_ms: 100,
                min_bytes: 1,
                max_bytes: 16 << 20,
                isolation_level: 0,
                session_epoch: -1,
                topics: vec![FetchTopic {
                    topic: topic.clone(),
                    partitions: vec![FetchPartition {
                        partition,
                        fetch_offset: offset,
                        partition_max_bytes: 8 << 20,
                        current_leader_epoch: -1,
                        last_fetched_epoch: -1,
                        log_start_offset: -1,
                        ..Default::default()
                    }],
                    ..Default::default()
                }],
                ..Default::default()
            };
            // v4..=12 name topics (v13+ use topic ids).
            let (_, resp) = leader
                .request(Some(VersionRange::new(4, 12)), req)
                .await
                .expect("fetch");
            let p = &resp.responses[0].partitions[0];
            assert_eq!(p.error_code, 0, "fetch error");
            let hw = p.high_watermark;
            let bytes = p.records.clone().unwrap_or_default();
            let decoded = decode_fetch_records(&bytes, &DecodeOptions::default());
            assert!(decoded.error.is_none(), "decode: {:?}", decoded.error);
            out.extend(decoded.records.into_iter().filter(|r| r.offset >= offset));
            offset = out.last().map_or(offset, |r| r.offset + 1);
            if offset >= hw {
                return out;
            }
        }
    });
    futures::executor::block_on(task).expect("read task")
}

pub(super) fn read_all(client: &KafkaClient, topic: &Topic) -> Vec<Record> {
    topic
        .partitions()
        .keys()
        .flat_map(|p| read_partition(client, topic.name(), *p))
        .collect()
}

/// `name_pure_kafka4`, `name_pure_kafka39`, and the native ones.
macro_rules! engines {
    ($($name:ident => $body:ident;)*) => {
        mod generated {
            $(
                pub mod $name {
                    #[test]
                    fn pure_kafka4() { super::super::$body(ferrokafka_testkit::shared_kafka4(), false) }
                    #[test]
                    fn pure_kafka39() { super::super::$body(ferrokafka_testkit::shared_kafka39(), false) }
                    #[cfg(feature = "native")]
                    #[test]
                    fn native_kafka4() { super::super::$body(ferrokafka_testkit::shared_kafka4(), true) }
                    #[cfg(feature = "native")]
                    #[test]
                    fn native_kafka39() { super::super::$body(ferrokafka_testkit::shared_kafka39(), true) }
                }
            )*
        }
    };
}

engines! {
    sync_produce_with_keys_headers_timestamps => sync_produce_reads_back;
    async_produce => async_produce_body;
    every_codec => every_codec_body;
    acks => acks_body;
    delivery_reports => delivery_reports_body;
    message_too_large => message_too_large_body;
}

fn sync_produce_reads_back(cluster: &KafkaCluster, rdkafka: bool) {
    let (client, topic) = topic(cluster, "p-sync", 1);
    let Some(p) = build(topic.sync_producer().use_rdkafka(rdkafka)) else {
        return;
    };
    let ts = 1_700_000_000_000i64;
    for i in 0..10 {
        let m = OutgoingMessage::new(format!("value-{i}"))
            .with_key(format!("key-{i}"))
            .with_timestamp(ts + i)
            .with_header("h", format!("hv-{i}"));
        let d = p
            .produce_with(m)
            .expect("sync produce")
            .wait()
            .expect("delivered");
        assert_eq!(d.offset, i);
    }
    let records = read_partition(&client, topic.name(), 0);
    assert_eq!(records.len(), 10);
    for (i, r) in records.iter().enumerate() {
        assert_eq!(r.value.as_deref(), Some(format!("value-{i}").as_bytes()));
        assert_eq!(r.key.as_deref(), Some(format!("key-{i}").as_bytes()));
        assert_eq!(r.timestamp, ts + i as i64);
        assert_eq!(r.headers.len(), 1);
        assert_eq!(r.headers[0].key, "h");
        assert_eq!(
            r.headers[0].value.as_deref(),
            Some(format!("hv-{i}").as_bytes())
        );
    }
}

fn async_produce_body(cluster: &KafkaCluster, rdkafka: bool) {
    let (client, topic) = topic(cluster, "p-async", 3);
    let Some(p) = build(
        topic
            .producer()
            .linger_ms(5)
            .max_queued_messages(100)
            .use_rdkafka(rdkafka),
    ) else {
        return;
    };
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    // A current-thread runtime: any blocking on queue space would deadlock it.
    let delivered = rt.block_on(async {
        let mut futures = Vec::new();
        for i in 0..2000 {
            futures.push(
                p.produce_async(format!("a{i}"))
                    .await
                    .expect("produce_async"),
            );
        }
        let mut n = 0;
        for f in futures {
            f.await.expect("delivered");
            n += 1;
        }
        n
    });
    assert_eq!(delivered, 2000);
    let values: HashSet<_> = read_all(&client, &topic)
        .into_iter()
        .filter_map(|r| r.value)
        .collect();
    assert_eq!(values.len(), 2000);
}

fn every_codec_body(cluster: &KafkaCluster, rdkafka: bool) {
    for codec in [
        Compression::Gzip,
        Compression::Snappy,
        Compression::Lz4,
        Compression::Zstd,
    ] {
        let (client, topic) = topic(cluster, &format!("p-{codec}"), 2);
        let Some(p) = build(
            topic
                .producer()
                .compression(codec)
                .linger_ms(20)
                .use_rdkafka(rdkafka),
        ) else {
            return;
        };
        let futures: Vec<_> = (0..500)
            .map(|i| {
                p.produce(format!("{codec}-{i}-{}", "x".repeat(100)))
                    .expect("produce")
            })
            .collect();
        p.flush(Duration::from_secs(30)).expect("flush");
        for f in futures {
            f.wait().unwrap_or_else(|e| panic!("{codec}: {e}"));
        }
        let records = read_all(&client, &topic);
        assert_eq!(records.len(), 500, "{codec}");
        assert!(records.iter().all(|r| r
            .value
            .as_deref()
            .is_some_and(|v| v.starts_with(codec.name().as_bytes()))));
    }
}

fn acks_body(cluster: &KafkaCluster, rdkafka: bool) {
    for acks in [0i16, 1, -1] {
        let (client, topic) = topic(cluster, &format!("p-acks{}", acks + 1), 1);
        let Some(p) = build(
            topic
                .producer()
                .required_acks(acks)
                .linger_ms(5)
                .use_rdkafka(rdkafka),
        ) else {
            return;
        };
        let futures: Vec<_> = (0..100)
            .map(|i| p.produce(format!("{i}")).expect("produce"))
            .collect();
        p.flush(Duration::from_secs(30)).expect("flush");
        for (i, f) in futures.into_iter().enumerate() {
            let d = f.wait().expect("delivered");
            if acks == 0 {
                assert_eq!(d.offset, -1, "acks=0 reports offset -1");
            } else {
                assert_eq!(d.offset, i as i64);
            }
        }
        // acks=0 is fire and forget; the broker still appends.
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let n = read_partition(&client, topic.name(), 0).len();
            if n == 100 || Instant::now() > deadline {
                assert_eq!(n, 100, "acks={acks}");
                break;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

fn delivery_reports_body(cluster: &KafkaCluster, rdkafka: bool) {
    let (_client, topic) = topic(cluster, "p-reports", 2);
    let Some(p) = build(
        topic
            .producer()
            .delivery_reports(true)
            .linger_ms(5)
            .use_rdkafka(rdkafka),
    ) else {
        return;
    };
    for i in 0..100 {
        p.produce_with(OutgoingMessage::new(format!("{i}")).with_key("k"))
            .expect("produce");
    }
    p.flush(Duration::from_secs(30)).expect("flush");
    let mut per_partition: BTreeMap<i32, Vec<i64>> = BTreeMap::new();
    for _ in 0..100 {
        let r = p
            .get_delivery_report(true, Some(Duration::from_secs(10)))
            .expect("reports enabled")
            .expect("a report");
        let d = r.result.expect("delivered");
        assert_eq!(r.message.partition, Some(d.partition_id));
        per_partition
            .entry(d.partition_id)
            .or_default()
            .push(d.offset);
    }
    assert!(p
        .get_delivery_report(false, None)
        .expect("enabled")
        .is_none());
    for offsets in per_partition.values() {
        assert!(
            offsets.windows(2).all(|w| w[1] == w[0] + 1),
            "in order: {offsets:?}"
        );
    }
    // Another thread's queue is its own.
    std::thread::scope(|s| {
        s.spawn(|| {
            assert!(p
                .get_delivery_report(false, None)
                .expect("enabled")
                .is_none())
        });
    });
}

fn message_too_large_body(cluster: &KafkaCluster, rdkafka: bool) {
    let name = unique_name("p-large");
    cluster
        .create_topic_with(&name, 1, None, &[("max.message.bytes", "20000")])
        .expect("create");
    let client = KafkaClient::new(cluster.bootstrap()).expect("client");
    let topic = client.topic(&name).expect("topic");
    let Some(p) = build(
        topic
            .producer()
            .max_request_size(100_000)
            .linger_ms(0)
            .use_rdkafka(rdkafka),
    ) else {
        return;
    };
    // Over max_request_size: reported without sending.
    let e = p
        .produce(vec![b'x'; 200_000])
        .expect("accepted")
        .wait()
        .expect_err("too large");
    assert!(
        e.kind() == ErrorKind::MessageSizeTooLarge
            || e.code() == Some(KafkaCode::MessageSizeTooLarge),
        "{e}"
    );
    // Under max_request_size but over the topic's limit: the broker refuses, reported at once.
    let e = p
        .produce(vec![b'y'; 50_000])
        .expect("accepted")
        .wait()
        .expect_err("broker refuses");
    assert!(
        e.kind() == ErrorKind::MessageSizeTooLarge
            || matches!(
                e.code(),
                Some(KafkaCode::MessageSizeTooLarge | KafkaCode::RecordListTooLarge)
            ),
        "{e}"
    );
    // Small messages still go through.
    assert_eq!(
        p.produce("small")
            .expect("produce")
            .wait()
            .expect("delivered")
            .offset,
        0
    );
}

/// Unknown topic with auto-creation off: no topic, so no producer; the error names the code.
#[test]
fn unknown_topic_without_auto_create() {
    let (_exclusive, cluster) = three_nodes();
    let client = KafkaClient::new(cluster.bootstrap()).expect("client");
    let err = client
        .topic(&unique_name("p-missing"))
        .expect_err("no auto-create");
    assert_eq!(
        err.code(),
        Some(KafkaCode::UnknownTopicOrPartition),
        "{err}"
    );
}

/// A private 3-node Kafka 4 cluster with auto-creation off, held exclusively: the kill tests take a node
/// down, so no other test may use the cluster meanwhile (the guard is released after the restart).
fn three_nodes() -> (std::sync::MutexGuard<'static, ()>, &'static KafkaCluster) {
    static EXCLUSIVE: std::sync::Mutex<()> = std::sync::Mutex::new(());
    static CLUSTER: std::sync::OnceLock<KafkaCluster> = std::sync::OnceLock::new();
    let guard = EXCLUSIVE.lock().unwrap_or_else(|e| e.into_inner());
    let cluster = CLUSTER.get_or_init(|| {
        KafkaCluster::start(
            KafkaConfig::kafka4()
                .nodes(3)
                .property("auto.create.topics.enable", "false"),
        )
        .expect("3-node cluster")
    });
    (guard, cluster)
}

/// Kill a broker mid-stream: every message is delivered or reported failed, none lost, none silent.
fn broker_killed_body(rdkafka: bool) {
    let (_exclusive, cluster) = three_nodes();
    let (client, topic) = topic(cluster, "p-kill", 6);
    let Some(p) = build(
        topic
            .producer()
            .required_acks(-1)
            .linger_ms(5)
            .max_retries(20)
            .retry_backoff_ms(250)
            .use_rdkafka(rdkafka),
    ) else {
        return;
    };
    let total = 20_000usize;
    let killed = AtomicBool::new(false);
    let produced = AtomicUsize::new(0);
    let futures = std::thread::scope(|s| {
        let producer = s.spawn(|| {
            let mut futures = Vec::with_capacity(total);
            for i in 0..total {
                futures.push(p.produce(format!("k{i}")).expect("produce"));
                produced.fetch_add(1, Ordering::Relaxed);
                if i % 100 == 0 {
                    std::thread::sleep(Duration::from_millis(5));
                }
            }
            futures
        });
        while produced.load(Ordering::Relaxed) < total / 3 {
            std::thread::sleep(Duration::from_millis(10));
        }
        cluster.kill_node(1).expect("kill");
        killed.store(true, Ordering::Relaxed);
        producer.join().expect("producer thread")
    });
    assert!(killed.load(Ordering::Relaxed));
    let _ = p.flush(Duration::from_secs(60));
    let (mut delivered, mut failed) = (0usize, 0usize);
    let mut offsets = HashSet::new();
    for f in futures {
        match f.wait() {
            Ok(d) => {
                delivered += 1;
                assert!(
                    offsets.insert((d.partition_id, d.offset)),
                    "offset reported twice"
                );
            }
            Err(e) => {
                failed += 1;
                assert_ne!(
                    e.kind(),
                    ErrorKind::BackgroundTaskFailed,
                    "a message vanished: {e}"
                );
            }
        }
    }
    eprintln!(
        "broker kill ({}): {delivered} delivered, {failed} failed of {total}",
        if rdkafka { "native" } else { "pure" }
    );
    // Bring the node back before asserting, so a failure here leaves the shared cluster whole.
    cluster.restart_node(1).expect("restart");
    assert_eq!(delivered + failed, total);
    let _ = client.update_cluster();
    // Every delivered message is in the log (acks=all: it survives the leader change).
    let stored = read_all(&client, &topic).len();
    assert!(
        stored >= delivered,
        "{stored} stored < {delivered} delivered"
    );
}

#[test]
fn broker_killed_mid_stream_pure() {
    broker_killed_body(false);
}

#[cfg(feature = "native")]
#[test]
fn broker_killed_mid_stream_native() {
    broker_killed_body(true);
}

#[test]
fn invalid_option_is_named() {
    let (_client, topic) = topic(shared_kafka4(), "p-invalid", 1);
    let e = topic.producer().linger_ms(-1).build().expect_err("invalid");
    assert!(e.to_string().contains("linger_ms"), "{e}");
    let _ = shared_kafka39;
}
