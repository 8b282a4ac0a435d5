//! What every criterion bench shares: librdkafka's in-process mock cluster as the broker (no JVM, no network
//! beyond loopback), topics on it, and a fill step. Both engines speak to it: the pure engine's API versions
//! fit the mock's.
#![allow(dead_code)]

use std::time::Duration;

use criterion::Criterion;
use ferrokafka_native::rdkafka;
use rdkafka::config::ClientConfig;
use rdkafka::mocking::MockCluster;
use rdkafka::producer::{BaseProducer, BaseRecord, DefaultProducerContext, Producer};

/// Messages per measured batch: enough to amortise a flush, small enough for short runs.
pub const BATCH: u64 = 10_000;
/// Value size of every benchmark message (the README's workload).
pub const VALUE_SIZE: usize = 100;
/// Partitions of every benchmark topic (the README's workload).
pub const PARTITIONS: i32 = 6;
/// The longest a flush may take before the bench fails.
pub const FLUSH: Duration = Duration::from_secs(30);

/// One mock broker for a whole bench binary.
pub struct MockBroker {
    cluster: MockCluster<'static, DefaultProducerContext>,
    topics: std::sync::atomic::AtomicU32,
}

impl MockBroker {
    pub fn start() -> MockBroker {
        let cluster = MockCluster::new(1).expect("librdkafka's mock cluster starts");
        MockBroker {
            cluster,
            topics: std::sync::atomic::AtomicU32::new(0),
        }
    }

    pub fn bootstrap(&self) -> String {
        self.cluster.bootstrap_servers()
    }

    /// A fresh topic of [`PARTITIONS`] partitions.
    pub fn topic(&self, what: &str) -> String {
        let n = self
            .topics
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let name = format!("bench-{what}-{n}");
        self.cluster
            .create_topic(&name, PARTITIONS, 1)
            .expect("the mock cluster creates a topic");
        name
    }

    /// A fresh topic holding `n` values of [`VALUE_SIZE`] bytes, written by rust-rdkafka.
    pub fn filled_topic(&self, what: &str, n: u64) -> String {
        let topic = self.topic(what);
        let producer = raw_producer(&self.bootstrap());
        let value = value();
        for _ in 0..n {
            send_raw(&producer, &topic, &value);
        }
        producer
            .flush(FLUSH)
            .expect("rust-rdkafka flushes the fill");
        topic
    }
}

/// The payload every bench sends: `a..z` repeated, as the perf tool's.
pub fn value() -> bytes::Bytes {
    (0..VALUE_SIZE)
        .map(|i| b'a' + (i % 26) as u8)
        .collect::<Vec<u8>>()
        .into()
}

/// rust-rdkafka's `BaseProducer` with the perf tool's best settings for it.
pub fn raw_producer(bootstrap: &str) -> BaseProducer {
    ClientConfig::new()
        .set("bootstrap.servers", bootstrap)
        .set("acks", "1")
        .set("linger.ms", "5")
        .set("batch.num.messages", "100000")
        .set("queue.buffering.max.messages", "1000000")
        .create()
        .expect("rust-rdkafka producer")
}

/// One keyless send, polling for room when librdkafka's queue is full.
pub fn send_raw(producer: &BaseProducer, topic: &str, value: &[u8]) {
    let mut record = BaseRecord::<(), [u8]>::to(topic).payload(value);
    loop {
        match producer.send(record) {
            Ok(()) => return,
            Err((_, back)) => {
                producer.poll(Duration::from_millis(1));
                record = back;
            }
        }
    }
}

/// Short runs: these benches compare costs, they do not chase the last percent.
pub fn criterion() -> Criterion {
    Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
}

/// `iters` reads by `read`, each on a fresh consumer from `build`, timed from the built consumer: start-up is
/// not what these benches compare.
pub fn timed_reads<C>(iters: u64, build: impl Fn() -> C, read: impl Fn(&C)) -> Duration {
    let mut spent = Duration::ZERO;
    for _ in 0..iters {
        let consumer = build();
        let start = std::time::Instant::now();
        read(&consumer);
        spent += start.elapsed();
    }
    spent
}

/// A started simple consumer of every partition of `topic`, from the earliest offset (PyKafka's default).
pub fn simple_consumer(topic: &ferrokafka::Topic, native: bool) -> ferrokafka::SimpleConsumer {
    topic
        .simple_consumer()
        .consumer_timeout_ms(10_000)
        .use_rdkafka(native)
        .build()
        .expect("consumer")
}
