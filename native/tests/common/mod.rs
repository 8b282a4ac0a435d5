//! Test clusters (librdkafka's mock cluster, or a real broker) and helpers shared by the test binaries.
#![allow(dead_code)]

pub mod scenarios;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use ferrokafka_core::{ClientOptions, ConsumerOptions, Partitioner, ProducerOptions, Result};
use ferrokafka_native::{NativeProducer, NativeSimpleConsumer};
use rdkafka::admin::{AdminClient, AdminOptions, NewTopic, TopicReplication};
use rdkafka::client::DefaultClientContext;
use rdkafka::config::ClientConfig;
use rdkafka::mocking::MockCluster;
use rdkafka::producer::DefaultProducerContext;

/// Where the scenarios run.
pub enum Cluster {
    Mock(MockCluster<'static, DefaultProducerContext>),
    Real { bootstrap: String },
}

impl Cluster {
    /// A fresh 1-broker mock cluster.
    pub fn mock() -> Cluster {
        Cluster::Mock(MockCluster::new(1).expect("mock cluster"))
    }

    pub fn is_mock(&self) -> bool {
        matches!(self, Cluster::Mock(_))
    }

    pub fn bootstrap(&self) -> String {
        match self {
            Cluster::Mock(m) => m.bootstrap_servers(),
            Cluster::Real { bootstrap } => bootstrap.clone(),
        }
    }

    pub fn client(&self) -> ClientOptions {
        let mut c = ClientOptions::new(self.bootstrap());
        c.socket_timeout_ms = 10_000;
        c
    }

    /// Create `name` with `partitions` partitions (CreateTopics on a real broker; the mock's control API).
    pub fn create_topic(&self, name: &str, partitions: i32) {
        match self {
            Cluster::Mock(m) => m
                .create_topic(name, partitions, 1)
                .expect("mock create_topic"),
            Cluster::Real { bootstrap } => {
                let admin: AdminClient<DefaultClientContext> = ClientConfig::new()
                    .set("bootstrap.servers", bootstrap)
                    .create()
                    .expect("admin client");
                let topic = NewTopic::new(name, partitions, TopicReplication::Fixed(1));
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .expect("rt");
                let res = rt
                    .block_on(admin.create_topics(
                        [&topic],
                        &AdminOptions::new().operation_timeout(Some(Duration::from_secs(10))),
                    ))
                    .expect("create_topics");
                for r in res {
                    r.expect("topic created");
                }
                // Wait until the broker serves metadata for it.
                std::thread::sleep(Duration::from_millis(500));
            }
        }
    }

    /// A unique topic with `partitions` partitions.
    pub fn topic(&self, prefix: &str, partitions: i32) -> String {
        let name = unique(prefix);
        self.create_topic(&name, partitions);
        name
    }
}

/// A name no other test uses.
pub fn unique(prefix: &str) -> String {
    static N: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    format!(
        "{prefix}-{}-{}-{nanos}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    )
}

/// Round-robin over the sorted ids starting at index 0 (tests need determinism, not PyKafka's partitioners).
#[derive(Debug, Default)]
pub struct RoundRobin(AtomicU64);

impl Partitioner for RoundRobin {
    fn partition(&self, partitions: &[i32], _key: Option<&[u8]>) -> Result<i32> {
        let i = self.0.fetch_add(1, Ordering::Relaxed) as usize % partitions.len().max(1);
        partitions
            .get(i)
            .copied()
            .ok_or_else(|| ferrokafka_core::Error::invalid_input("partitions", "none"))
    }
}

/// Quick-sending producer options.
pub fn fast_producer() -> ProducerOptions {
    ProducerOptions {
        linger_ms: 5,
        min_queued_messages: 1,
        ..Default::default()
    }
}

pub fn producer(c: &Cluster, topic: &str, opts: ProducerOptions) -> NativeProducer {
    NativeProducer::new(
        &c.client(),
        topic,
        opts,
        Some(Arc::new(RoundRobin::default())),
        &[],
    )
    .expect("producer")
}

/// A consumer that gives up after 3 s without messages.
pub fn consumer_opts() -> ConsumerOptions {
    ConsumerOptions {
        consumer_timeout_ms: 3_000,
        offsets_channel_backoff_ms: 100,
        ..Default::default()
    }
}

pub fn consumer(c: &Cluster, topic: &str, opts: ConsumerOptions) -> NativeSimpleConsumer {
    NativeSimpleConsumer::new(&c.client(), topic, opts, &[]).expect("consumer")
}
