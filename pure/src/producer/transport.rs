//! What the producer needs from the cluster, as one small trait: the topic's layout, a metadata refresh,
//! the Produce version a broker speaks, and "send this produce request to broker N".
//!
//! Keeping the batching, ordering and retry logic behind this trait (instead of calling connections
//! directly) makes it testable with a scripted fake (see the unit tests) and keeps the engine independent of
//! how connections are pooled.

use std::collections::HashMap;
use std::fmt::Debug;
use std::future::Future;
use std::pin::Pin;

use bytes::Bytes;
use ferrokafka_core::{BrokerRef, Result};

/// A boxed, sendable future: the trait stays object-safe so the producer can hold `Arc<dyn ProduceTransport>`.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// A topic's partitions as the last metadata said.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TopicLayout {
    /// Partition ids in metadata order: the order PyKafka's partitioners see them in.
    pub partitions: Vec<i32>,
    /// Leader broker id per partition. Missing or negative: no leader right now.
    pub leaders: HashMap<i32, i32>,
}

impl TopicLayout {
    /// The leader of `partition`, if it has one.
    pub fn leader(&self, partition: i32) -> Option<i32> {
        self.leaders.get(&partition).copied().filter(|l| *l >= 0)
    }
}

/// One Produce request for one topic: a record set (already encoded and compressed) per partition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProduceCall {
    pub acks: i16,
    pub timeout_ms: i32,
    pub topic: String,
    pub partitions: Vec<(i32, Bytes)>,
}

/// What the broker said about one partition of a [`ProduceCall`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartitionOutcome {
    pub partition: i32,
    pub error_code: i16,
    pub base_offset: i64,
    /// -1 unless the topic uses LogAppendTime.
    pub log_append_time_ms: i64,
    pub error_message: Option<String>,
}

/// The producer's view of the cluster. Implemented over the client's connections for real use.
pub trait ProduceTransport: Send + Sync + Debug + 'static {
    /// The topic's cached layout (no I/O).
    fn layout(&self, topic: &str) -> Result<TopicLayout>;

    /// Only the topic's partition ids, in layout order (no I/O). The producer itself partitions from a
    /// short-lived copy of [`ProduceTransport::layout`] (see the layout cache), so this is not on its hot path.
    fn partition_ids(&self, topic: &str) -> Result<Vec<i32>> {
        self.layout(topic).map(|l| l.partitions)
    }

    /// Ask the cluster for fresh metadata about `topic` (leaders moved, broker gone).
    fn refresh_metadata<'a>(&'a self, topic: &'a str) -> BoxFuture<'a, Result<()>>;

    /// The Produce version negotiated with `broker` (connecting if needed). It picks the record format:
    /// MessageSet v0 for Produce v0–1, v1 for v2, RecordBatch v2 for v3+.
    fn produce_version(&self, broker: i32) -> BoxFuture<'_, Result<i16>>;

    /// A producer id and epoch for an idempotent producer (InitProducerId with no transactional id).
    fn init_producer_id(&self) -> BoxFuture<'_, Result<(i64, i16)>> {
        Box::pin(async {
            Err(ferrokafka_core::Error::config(
                "enable_idempotence",
                "this transport cannot allocate producer ids",
            ))
        })
    }

    /// Send `call` to `broker` at `version`. With `acks == 0` the broker does not answer: return
    /// `Ok(vec![])` once the request is written. A connection failure is an `Err` for the whole call.
    fn produce(
        &self,
        broker: i32,
        version: i16,
        call: ProduceCall,
    ) -> BoxFuture<'_, Result<Vec<PartitionOutcome>>>;

    /// How errors name `broker`: id and address where the transport knows the address.
    fn broker_ref(&self, broker: i32) -> BrokerRef {
        BrokerRef::id(broker)
    }
}
