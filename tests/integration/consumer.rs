//! SimpleConsumer against real brokers (Kafka 4.1 and 3.9 through the testkit), each body run for the pure
//! engine and, when the `native` feature is on, the librdkafka engine.

use std::collections::BTreeMap;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use ferrokafka::{
    ErrorKind, KafkaClient, Message, OffsetType, ResetTarget, SimpleConsumer, SimpleConsumerBuilder,
};
#[cfg(feature = "native")]
use ferrokafka_native::rdkafka::{
    config::ClientConfig,
    error::{KafkaError, RDKafkaErrorCode},
    producer::{BaseProducer, BaseRecord, Producer},
};
use ferrokafka_testkit::{shared_kafka4, unique_name, KafkaCluster, KafkaConfig};

use crate::common::{self, engines};

/// `false` = pure engine, `true` = librdkafka (only when compiled in).
fn engines() -> Vec<bool> {
    if cfg!(feature = "native") {
        vec![false, true]
    } else {
        vec![false]
    }
}

fn engine_name(rdkafka: bool) -> &'static str {
    if rdkafka {
        "librdkafka"
    } else {
        "pure"
    }
}

fn builder(client: &KafkaClient, topic: &str, rdkafka: bool) -> SimpleConsumerBuilder {
    client
        .topic(topic)
        .expect("topic")
        .simple_consumer()
        .use_rdkafka(rdkafka)
        .consumer_timeout_ms(5_000)
        .offsets_channel_backoff_ms(100)
        .fetch_error_backoff_ms(100)
}

fn new_topic(cluster: &KafkaCluster, prefix: &str, partitions: i32) -> String {
    let name = unique_name(prefix);
    cluster
        .create_topic(&name, partitions)
        .expect("create topic");
    name
}

/// `n` messages "m0".."m{n-1}" to one partition, one batch.
fn fill(client: &KafkaClient, topic: &str, partition: i32, n: usize) {
    let values: Vec<Vec<u8>> = (0..n).map(|i| format!("m{i}").into_bytes()).collect();
    let refs: Vec<&[u8]> = values.iter().map(Vec::as_slice).collect();
    produce(client, topic, partition, &refs);
}

/// Values to one partition with librdkafka (acks=all), which retries while a new topic's leader settles.
fn produce(client: &KafkaClient, topic: &str, partition: i32, values: &[&[u8]]) {
    rd_produce(
        &client.options().hosts,
        topic,
        "none",
        values.iter().map(|v| (Some(partition), None, v.to_vec())),
    );
}

/// Produces with librdkafka (acks=all): `(partition, key, value)` triples. Test data comes from a writer
/// independent of the pure engine under test.
#[cfg(feature = "native")]
fn rd_produce(
    bootstrap: &str,
    topic: &str,
    codec: &str,
    records: impl IntoIterator<Item = (Option<i32>, Option<Vec<u8>>, Vec<u8>)>,
) {
    let p: BaseProducer = ClientConfig::new()
        .set("bootstrap.servers", bootstrap)
        .set("compression.codec", codec)
        .set("acks", "all")
        .set("linger.ms", "20")
        .set("batch.num.messages", "10000")
        .create()
        .expect("rdkafka producer");
    for (partition, key, value) in records {
        loop {
            let mut r = BaseRecord::<Vec<u8>, Vec<u8>>::to(topic).payload(&value);
            if let Some(k) = &key {
                r = r.key(k);
            }
            if let Some(pn) = partition {
                r = r.partition(pn);
            }
            match p.send(r) {
                Ok(()) => break,
                Err((KafkaError::MessageProduction(RDKafkaErrorCode::QueueFull), _)) => {
                    p.poll(Duration::from_millis(50));
                }
                Err((e, _)) => panic!("rdkafka produce: {e}"),
            }
        }
    }
    p.flush(Duration::from_secs(60)).expect("rdkafka flush");
}

/// In a `pure-only` build there is no librdkafka: the pure producer (acks=all, sync per batch) writes the data.
#[cfg(not(feature = "native"))]
fn rd_produce(
    bootstrap: &str,
    topic: &str,
    codec: &str,
    records: impl IntoIterator<Item = (Option<i32>, Option<Vec<u8>>, Vec<u8>)>,
) {
    use ferrokafka::{Compression, OutgoingMessage};
    let compression = match codec {
        "none" => Compression::None,
        "gzip" => Compression::Gzip,
        "snappy" => Compression::Snappy,
        "lz4" => Compression::Lz4,
        "zstd" => Compression::Zstd,
        other => panic!("unknown codec {other}"),
    };
    let client = KafkaClient::new(bootstrap).expect("client");
    let producer = client
        .topic(topic)
        .expect("topic")
        .producer()
        .compression(compression)
        .required_acks(-1)
        .linger_ms(20)
        .build()
        .expect("pure producer");
    let futures: Vec<_> = records
        .into_iter()
        .map(|(partition, key, value)| {
            let mut m = OutgoingMessage::new(value);
            if let Some(k) = key {
                m = m.with_key(k);
            }
            if let Some(p) = partition {
                m = m.with_partition(p);
            }
            producer.produce_with(m).expect("produce")
        })
        .collect();
    producer.flush(Duration::from_secs(60)).expect("flush");
    for f in futures {
        f.wait().expect("delivered");
    }
    producer.stop().expect("stop");
}

fn next(c: &SimpleConsumer) -> Message {
    c.consume(true)
        .expect("consume")
        .expect("a message before consumer_timeout_ms")
}

fn first_offset(c: &SimpleConsumer) -> Option<i64> {
    c.consume(true).expect("consume").map(|m| m.offset)
}

engines! {
    /// §2.1: every start rule — no group, new group, existing group × reset_offset_on_start × auto_offset_reset.
    fn starting_offsets_follow_pykafka(cluster, client, rd) {
        let topic = new_topic(cluster, "cons-start", 1);
        fill(client, &topic, 0, 10);
        let quick = |b: SimpleConsumerBuilder| b.consumer_timeout_ms(2_000).build().expect("build");

        // No group, no reset: offset 0 whatever auto_offset_reset says.
        let c = quick(builder(client, &topic, rd).auto_offset_reset(OffsetType::Latest));
        assert_eq!(first_offset(&c), Some(0), "no group starts at 0");
        c.stop().unwrap();

        for reset_on_start in [false, true] {
            for (reset, expected) in [(OffsetType::Earliest, Some(0)), (OffsetType::Latest, None)] {
                // New group: auto_offset_reset, whatever reset_offset_on_start.
                let group = unique_name("g-new");
                let c = quick(
                    builder(client, &topic, rd)
                        .consumer_group(&group)
                        .auto_offset_reset(reset)
                        .reset_offset_on_start(reset_on_start),
                );
                assert_eq!(
                    first_offset(&c),
                    expected,
                    "new group, {reset:?}, reset_offset_on_start={reset_on_start}"
                );
                c.stop().unwrap();

                // Existing group (committed 5): resumes at 5, unless reset_offset_on_start.
                let group = unique_name("g-old");
                let setter = quick(builder(client, &topic, rd).consumer_group(&group));
                setter.commit_offsets(Some(&[(0, 5)])).unwrap();
                setter.stop().unwrap();
                let c = quick(
                    builder(client, &topic, rd)
                        .consumer_group(&group)
                        .auto_offset_reset(reset)
                        .reset_offset_on_start(reset_on_start),
                );
                let want = if reset_on_start { expected } else { Some(5) };
                assert_eq!(
                    first_offset(&c),
                    want,
                    "existing group, {reset:?}, reset_offset_on_start={reset_on_start}"
                );
                if reset_on_start {
                    // The reset was committed.
                    let committed = c.fetch_offsets().unwrap()[&0].offset;
                    assert_eq!(committed, if expected.is_some() { 0 } else { 10 });
                }
                c.stop().unwrap();
            }
        }
    }
}

engines! {
    /// consumer_timeout_ms: > 0 → None after it; -1 and 0 → wait for a message; iteration ends on the timeout.
    fn consumer_timeout_semantics(cluster, client, rd) {
        let topic = new_topic(cluster, "cons-timeout", 1);
        let c = builder(client, &topic, rd)
            .consumer_timeout_ms(1_000)
            .build()
            .unwrap();
        let t = Instant::now();
        assert_eq!(c.consume(false).unwrap(), None);
        assert!(t.elapsed() < Duration::from_millis(900));
        assert_eq!(c.consume(true).unwrap(), None);
        let waited = t.elapsed();
        assert!(
            waited >= Duration::from_millis(950) && waited < Duration::from_secs(6),
            "{waited:?}"
        );
        c.stop().unwrap();

        for forever in [-1, 0] {
            let c = builder(client, &topic, rd)
                .consumer_timeout_ms(forever)
                .auto_offset_reset(OffsetType::Latest)
                .consumer_group(unique_name("g-forever"))
                .build()
                .unwrap();
            let (tx, rx) = mpsc::channel();
            let c2 = c.clone();
            let waiter = std::thread::spawn(move || {
                let _ = tx.send(c2.consume(true).map(|m| m.map(|m| m.value)));
            });
            assert!(
                rx.recv_timeout(Duration::from_millis(2_500)).is_err(),
                "consume(true) with consumer_timeout_ms={forever} returned early"
            );
            fill(client, &topic, 0, 1);
            let got = rx
                .recv_timeout(Duration::from_secs(20))
                .expect("message arrives");
            assert!(got.unwrap().is_some());
            waiter.join().unwrap();
            c.stop().unwrap();
        }

        let topic = new_topic(cluster, "cons-iter", 2);
        fill(client, &topic, 0, 20);
        fill(client, &topic, 1, 15);
        let c = builder(client, &topic, rd)
            .consumer_timeout_ms(1_500)
            .build()
            .unwrap();
        let all: Vec<Message> = c.iter().collect::<Result<_, _>>().unwrap();
        assert_eq!(
            all.len(),
            35,
            "iteration ends after the timeout, having read everything"
        );
        c.stop().unwrap();
        assert!(matches!(
            c.consume(true),
            Err(ref e) if e.kind() == ErrorKind::ConsumerStopped
        ));
    }
}

engines! {
    /// commit_offsets → a new consumer of the group resumes at the next offset; reset_offsets to an offset,
    /// EARLIEST and LATEST.
    fn commit_resume_and_reset(cluster, client, rd) {
        let topic = new_topic(cluster, "cons-commit", 1);
        fill(client, &topic, 0, 10);
        let group = unique_name("g-commit");
        let c = builder(client, &topic, rd)
            .consumer_group(&group)
            .build()
            .unwrap();
        let got: Vec<i64> = (0..4).map(|_| next(&c).offset).collect();
        assert_eq!(got, vec![0, 1, 2, 3]);
        assert_eq!(c.held_offsets()[&0], 3);
        c.commit_offsets(None).unwrap();
        let committed = c.fetch_offsets().unwrap();
        assert_eq!(committed[&0].offset, 4);
        if !rd {
            let meta = committed[&0].metadata.clone().unwrap_or_default();
            assert!(
                meta.starts_with("{\"consumer_id\": \"\", \"hostname\": "),
                "{meta}"
            );
        }
        c.stop().unwrap();

        let c = builder(client, &topic, rd)
            .consumer_group(&group)
            .consumer_timeout_ms(2_000)
            .build()
            .unwrap();
        assert_eq!(next(&c).offset, 4, "resumes at the committed offset");
        c.reset_offsets(Some(&[(0, ResetTarget::LastConsumed(6))]))
            .unwrap();
        assert_eq!(next(&c).offset, 7, "an integer reset resumes after it");
        c.reset_offsets(Some(&[(0, ResetTarget::Earliest)]))
            .unwrap();
        assert_eq!(next(&c).offset, 0);
        c.reset_offsets(Some(&[(0, ResetTarget::Latest)])).unwrap();
        assert_eq!(c.consume(true).unwrap(), None);
        assert_eq!(c.held_offsets()[&0], 9);
        // The reset was committed.
        assert_eq!(c.fetch_offsets().unwrap()[&0].offset, 10);
        c.stop().unwrap();
    }
}

engines! {
    /// Topics written by librdkafka in every codec are consumed completely.
    #[cfg(feature = "native")]
    fn every_codec_written_by_librdkafka(cluster, client, rd) {
        for codec in ["none", "gzip", "snappy", "lz4", "zstd"] {
            let topic = new_topic(cluster, &format!("cons-codec-{codec}"), 1);
            rd_produce(
                cluster.bootstrap(),
                &topic,
                codec,
                (0..500).map(|i| {
                    (
                        Some(0),
                        Some(format!("k{i}").into_bytes()),
                        format!("value {i} ").repeat(5).into_bytes(),
                    )
                }),
            );
            let c = builder(client, &topic, rd)
                .consumer_timeout_ms(3_000)
                .build()
                .unwrap();
            let all: Vec<Message> = c.iter().collect::<Result<_, _>>().unwrap();
            assert_eq!(all.len(), 500, "codec {codec}");
            for (i, m) in all.iter().enumerate() {
                assert_eq!(m.offset, i as i64);
                assert_eq!(
                    m.value.as_deref(),
                    Some(format!("value {i} ").repeat(5).as_bytes())
                );
                assert_eq!(m.partition_key.as_deref(), Some(format!("k{i}").as_bytes()));
                assert!(m.timestamp.is_some());
            }
            c.stop().unwrap();
        }
    }
}

engines! {
    /// Offset gaps (transaction markers, aborted records) never stall consumption; read_committed drops aborted
    /// transactions.
    #[cfg(feature = "native")]
    fn transactional_gaps_and_read_committed(cluster, client, rd) {
        let topic = new_topic(cluster, "cons-txn", 1);
        let p: BaseProducer = ClientConfig::new()
            .set("bootstrap.servers", cluster.bootstrap())
            .set("transactional.id", unique_name("txn"))
            .create()
            .expect("transactional producer");
        let t = Duration::from_secs(30);
        p.init_transactions(t).expect("init transactions");
        for (round, commit) in [("a", true), ("b", false), ("c", true)] {
            p.begin_transaction().unwrap();
            for i in 0..5 {
                let v = format!("{round}{i}");
                p.send(BaseRecord::<(), _>::to(&topic).payload(&v).partition(0))
                    .map_err(|(e, _)| e)
                    .unwrap();
            }
            p.flush(t).unwrap();
            if commit {
                p.commit_transaction(t).unwrap();
            } else {
                p.abort_transaction(t).unwrap();
            }
        }
        for read_committed in [true, false] {
            let c = builder(client, &topic, rd)
                .read_committed(read_committed)
                .consumer_timeout_ms(3_000)
                .build()
                .unwrap();
            let values: Vec<String> = c
                .iter()
                .map(|m| {
                    String::from_utf8_lossy(m.unwrap().value.as_deref().unwrap_or_default())
                        .into_owned()
                })
                .collect();
            let expected: Vec<String> = if read_committed {
                ["a", "c"]
                    .iter()
                    .flat_map(|r| (0..5).map(move |i| format!("{r}{i}")))
                    .collect()
            } else {
                ["a", "b", "c"]
                    .iter()
                    .flat_map(|r| (0..5).map(move |i| format!("{r}{i}")))
                    .collect()
            };
            assert_eq!(values, expected, "read_committed={read_committed}");
            c.stop().unwrap();
        }
    }
}

/// A compacted topic, once the cleaner has removed overwritten keys, is consumed to its end.
#[test]
fn compacted_topic_with_gaps() {
    let cluster = shared_kafka4();
    let client = common::client(cluster);
    let topic = unique_name("cons-compact");
    cluster
        .create_topic_with(
            &topic,
            1,
            None,
            &[
                ("cleanup.policy", "compact"),
                ("segment.ms", "100"),
                ("min.cleanable.dirty.ratio", "0.001"),
                ("delete.retention.ms", "100"),
                ("min.compaction.lag.ms", "0"),
            ],
        )
        .unwrap();
    for round in 0..5 {
        rd_produce(
            cluster.bootstrap(),
            &topic,
            "none",
            (0..20).map(|k| {
                (
                    Some(0),
                    Some(format!("k{k}").into_bytes()),
                    format!("r{round}").into_bytes(),
                )
            }),
        );
        std::thread::sleep(Duration::from_millis(300));
    }
    // Wait for the cleaner: a full read must show fewer messages than were written.
    let read_all = |rd: bool| -> Vec<Message> {
        let c = builder(&client, &topic, rd)
            .consumer_timeout_ms(2_000)
            .build()
            .unwrap();
        let v: Vec<Message> = c.iter().collect::<Result<_, _>>().unwrap();
        c.stop().unwrap();
        v
    };
    let compacted = common::eventually(Duration::from_secs(120), || {
        // Roll the active segment so it can be cleaned.
        rd_produce(
            cluster.bootstrap(),
            &topic,
            "none",
            [(Some(0), Some(b"roll".to_vec()), b"x".to_vec())],
        );
        let n = read_all(false).len();
        (n < 60).then_some(n)
    });
    assert!(
        compacted.is_some(),
        "the log cleaner did not compact within 120 s"
    );
    for rd in engines() {
        let all = read_all(rd);
        let offsets: Vec<i64> = all.iter().map(|m| m.offset).collect();
        // A gap anywhere, the start included: the cleaner may have removed the whole head of the log.
        let from_start: Vec<i64> = std::iter::once(-1).chain(offsets.iter().copied()).collect();
        assert!(
            from_start.windows(2).any(|w| w[1] > w[0] + 1),
            "there are gaps: {offsets:?}"
        );
        let mut last: BTreeMap<Vec<u8>, Vec<u8>> = BTreeMap::new();
        for m in &all {
            last.insert(
                m.partition_key.as_deref().unwrap_or_default().to_vec(),
                m.value.as_deref().unwrap_or_default().to_vec(),
            );
        }
        for k in 0..20 {
            assert_eq!(
                last[format!("k{k}").as_bytes()],
                b"r4".to_vec(),
                "{}",
                engine_name(rd)
            );
        }
    }
}

engines! {
    /// A message bigger than fetch_message_max_bytes is consumed (the pure engine grows its fetch size).
    fn message_larger_than_fetch_message_max_bytes(cluster, client, rd) {
        let topic = new_topic(cluster, "cons-big", 1);
        let big = vec![b'x'; 200_000];
        produce(client, &topic, 0, &[b"small"]);
        produce(client, &topic, 0, &[&big]);
        produce(client, &topic, 0, &[b"after"]);
        let c = builder(client, &topic, rd)
            .fetch_message_max_bytes(1_024)
            .build()
            .unwrap();
        let sizes: Vec<usize> = (0..3)
            .map(|_| next(&c).value.map_or(0, |v| v.len()))
            .collect();
        assert_eq!(sizes, vec![5, 200_000, 5]);
        c.stop().unwrap();
    }
}

engines! {
    /// The deserializer is applied; the async stream ends where the iterator does.
    fn deserializer_and_stream(cluster, client, rd) {
        let topic = new_topic(cluster, "cons-stream", 1);
        fill(client, &topic, 0, 5);
        let c = builder(client, &topic, rd)
            .consumer_timeout_ms(1_500)
            .deserializer(|v, k| {
                Ok((
                    v.map(|v| bytes::Bytes::from([b"D:".as_slice(), &v].concat())),
                    k,
                ))
            })
            .build()
            .unwrap();
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let values = rt.block_on(async {
            use futures::StreamExt;
            c.stream()
                .map(|m| m.unwrap().value.unwrap())
                .collect::<Vec<_>>()
                .await
        });
        assert_eq!(values.len(), 5);
        assert_eq!(&values[0][..], b"D:m0");
        c.stop().unwrap();
    }
}

/// 3 nodes: the leader of a partition is killed mid-consumption; consumption goes on and skips nothing.
#[test]
fn leader_killed_mid_consumption() {
    let cluster = KafkaCluster::start(KafkaConfig::kafka4().nodes(3)).expect("3-node cluster");
    let client = common::client(&cluster);
    let topic = unique_name("cons-failover");
    cluster
        .create_topic_with(&topic, 2, Some(3), &[("min.insync.replicas", "2")])
        .unwrap();
    let per_partition = 3_000;
    rd_produce(
        cluster.bootstrap(),
        &topic,
        "none",
        (0..2 * per_partition).map(|i| (Some((i % 2) as i32), None, format!("v{i}").into_bytes())),
    );
    for (round, rd) in engines().into_iter().enumerate() {
        let c = builder(&client, &topic, rd)
            .consumer_timeout_ms(60_000)
            .queued_max_messages(50)
            .fetch_message_max_bytes(4_096)
            .build()
            .unwrap();
        let mut seen: BTreeMap<i32, Vec<i64>> = BTreeMap::new();
        let leader = client.topic(&topic).unwrap().partitions()[&0].leader;
        let index = (0..3)
            .find(|i| cluster.node_id(*i).unwrap() == leader)
            .expect("leader node");
        for n in 0..2 * per_partition {
            if n == 1_000 {
                eprintln!(
                    "{}: killing node {leader} (leader of partition 0)",
                    engine_name(rd)
                );
                cluster.kill_node(index).unwrap();
            }
            let m = match c.consume(true) {
                Ok(Some(m)) => m,
                Ok(None) => panic!("stalled after {n} messages"),
                Err(e) => {
                    eprintln!("surfaced while the leader moves: {e}");
                    continue;
                }
            };
            seen.entry(m.partition_id).or_default().push(m.offset);
            if seen.values().map(Vec::len).sum::<usize>() == 2 * per_partition as usize {
                break;
            }
        }
        for p in 0..2 {
            assert_eq!(
                seen[&p],
                (0..per_partition).collect::<Vec<i64>>(),
                "partition {p}, {}",
                engine_name(rd)
            );
        }
        c.stop().unwrap();
        cluster.start_node(index).unwrap();
        cluster.wait_ready().unwrap();
        let _ = round;
    }
}

/// Throughput: 1M × 100 B pre-filled, consumed by each engine. `cargo test --release -- --ignored throughput`.
#[test]
#[ignore = "benchmark; run explicitly"]
fn throughput_one_million() {
    let cluster = shared_kafka4();
    let client = common::client(cluster);
    let n: usize = std::env::var("CONSUMER_BENCH_N")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let topic = new_topic(cluster, "cons-bench", 4);
    let t = Instant::now();
    rd_produce(
        cluster.bootstrap(),
        &topic,
        "none",
        (0..n).map(|i| (Some((i % 4) as i32), None, vec![b'a' + (i % 26) as u8; 100])),
    );
    eprintln!("produced {n} in {:?}", t.elapsed());
    for rd in engines() {
        let c = builder(&client, &topic, rd)
            .consumer_timeout_ms(10_000)
            .build()
            .unwrap();
        let t = Instant::now();
        let mut count = 0usize;
        while count < n {
            match c.consume(true).unwrap() {
                Some(_) => count += 1,
                None => break,
            }
        }
        let secs = t.elapsed().as_secs_f64();
        eprintln!(
            "{}: {count} messages in {secs:.2} s = {:.0} msg/s, {:.1} MB/s",
            engine_name(rd),
            count as f64 / secs,
            count as f64 * 100.0 / secs / 1e6
        );
        assert_eq!(count, n);
        c.stop().unwrap();
    }
}
