//! `topic.producer()`: PyKafka's `Producer` with its options and defaults, on the pure engine or, with
//! `.use_rdkafka(true)`, on librdkafka.
//!
//! ```no_run
//! use std::time::Duration;
//! let client = ferrokafka::KafkaClient::new("127.0.0.1:9092")?;
//! let topic = client.topic("events")?;
//! let producer = topic.producer().linger_ms(10).delivery_reports(true).build()?;
//! producer.produce("hello")?;
//! producer.flush(Duration::from_secs(5))?;
//! let report = producer.get_delivery_report(true, Some(Duration::from_secs(1)))?;
//! # Ok::<(), ferrokafka::Error>(())
//! ```

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use ferrokafka_core::{
    Compression, DeliveryFuture, DeliveryReport, OutgoingMessage, Partitioner, ProducerApi,
    ProducerEngine, ProducerOptions, Result,
};

use crate::engine::AnyProducer;
use crate::topic::Topic;

/// PyKafka's `serializer(value, key) -> (value, key)`, applied in `produce` before partitioning.
pub type Serializer = Arc<
    dyn Fn(Option<Bytes>, Option<Bytes>) -> Result<(Option<Bytes>, Option<Bytes>)> + Send + Sync,
>;

impl Topic {
    /// A producer builder with PyKafka's defaults (`Topic.get_producer`).
    pub fn producer(&self) -> ProducerBuilder {
        ProducerBuilder::new(self.clone())
    }

    /// A producer builder with `sync(true)`: `produce` waits for delivery (`Topic.get_sync_producer`).
    pub fn sync_producer(&self) -> ProducerBuilder {
        ProducerBuilder::new(self.clone()).sync(true)
    }
}

/// Builds a [`Producer`]. Setters are named after PyKafka's `Producer` arguments.
#[must_use = "call build() to get a producer"]
pub struct ProducerBuilder {
    topic: Topic,
    options: ProducerOptions,
    partitioner: Option<Arc<dyn Partitioner>>,
    serializer: Option<Serializer>,
    use_rdkafka: bool,
}

impl fmt::Debug for ProducerBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProducerBuilder")
            .field("topic", &self.topic.name())
            .field("options", &self.options)
            .field("partitioner", &self.partitioner)
            .field("serializer", &self.serializer.is_some())
            .field("use_rdkafka", &self.use_rdkafka)
            .finish()
    }
}

macro_rules! setters {
    ($( $(#[$doc:meta])* $name:ident: $ty:ty; )*) => {
        $(
            $(#[$doc])*
            pub fn $name(mut self, value: $ty) -> Self {
                self.options.$name = value;
                self
            }
        )*
    };
}

impl ProducerBuilder {
    fn new(topic: Topic) -> Self {
        ProducerBuilder {
            topic,
            options: ProducerOptions::default(),
            partitioner: None,
            serializer: None,
            use_rdkafka: false,
        }
    }

    setters! {
        /// Codec for each partition's batch (default none; zstd needs Produce v3+, Kafka 2.1+).
        compression: Compression;
        /// Retries after the first attempt (default 3).
        max_retries: i64;
        /// Wait after a failed request before retrying (default 100).
        retry_backoff_ms: i64;
        /// -1 all in-sync replicas, 0 no answer (offset -1), 1 leader (default); 2+ act as -1.
        required_acks: i16;
        /// Broker-side ack timeout, sent in the request (default 10000).
        ack_timeout_ms: i64;
        /// Messages held before `produce` blocks or fails (default 100000). Counted per producer.
        max_queued_messages: i64;
        /// Send as soon as a broker's queue holds this many (default 70000; 1 when sync).
        min_queued_messages: i64;
        /// Longest a message waits for company before being sent (default 5000).
        linger_ms: i64;
        /// PyKafka's idle wait after an empty linger interval. Accepted and validated; the pure engine's
        /// sender sleeps until a message or deadline anyway, so it has no effect there.
        queue_empty_timeout_ms: i64;
        /// Block when the queue is full (default) or fail with `ProducerQueueFull`.
        block_on_queue_full: bool;
        /// Bytes of one request, and the largest message (default 1000012).
        max_request_size: i64;
        /// `produce` waits for the delivery and returns its error (default false).
        sync: bool;
        /// Keep per-thread delivery reports for `get_delivery_report` (default false; unused when sync).
        delivery_reports: bool;
        /// How long `stop()` and a sync `produce` wait for delivery; -1 forever (default 5000).
        pending_timeout_ms: i64;
        /// Start in `build()` (default true); otherwise call `start()`.
        auto_start: bool;
    }

    /// Choose partitions with this (default: PyKafka's `RandomPartitioner`, a round-robin counter).
    pub fn partitioner(mut self, partitioner: impl Partitioner + 'static) -> Self {
        self.partitioner = Some(Arc::new(partitioner));
        self
    }

    /// Transform `(value, key)` before producing (PyKafka's `serializer`).
    pub fn serializer(
        mut self,
        f: impl Fn(Option<Bytes>, Option<Bytes>) -> Result<(Option<Bytes>, Option<Bytes>)>
            + Send
            + Sync
            + 'static,
    ) -> Self {
        self.serializer = Some(Arc::new(f));
        self
    }

    /// Use the librdkafka engine (needs the `native` cargo feature).
    pub fn use_rdkafka(mut self, yes: bool) -> Self {
        self.use_rdkafka = yes;
        self
    }

    /// Set every option at once.
    pub fn options(mut self, options: ProducerOptions) -> Self {
        self.options = options;
        self
    }

    /// Validate the options and build the producer (started unless `auto_start(false)`).
    pub fn build(self) -> Result<Producer> {
        self.options.validate()?;
        let engine = if self.use_rdkafka {
            // No partitioner given: keyless messages go to librdkafka's sticky partitioner.
            native_engine(&self.topic, self.options, self.partitioner)?
        } else {
            let partitioner = self.partitioner.unwrap_or_else(|| {
                Arc::new(ferrokafka_core::partitioner::RandomPartitioner::new())
            });
            let pure = &self.topic.client.pure;
            AnyProducer::Pure(pure.producer(self.topic.name(), self.options, partitioner)?)
        };
        Ok(Producer {
            engine,
            serializer: self.serializer,
            topic: self.topic,
        })
    }
}

#[cfg(feature = "native")]
fn native_engine(
    topic: &Topic,
    options: ProducerOptions,
    partitioner: Option<Arc<dyn Partitioner>>,
) -> Result<AnyProducer> {
    let producer = ferrokafka_native::NativeProducer::new(
        topic.client_options(),
        topic.name(),
        options,
        partitioner,
        &[],
    )?;
    Ok(AnyProducer::Native(producer))
}

#[cfg(not(feature = "native"))]
fn native_engine(
    _topic: &Topic,
    _options: ProducerOptions,
    _partitioner: Option<Arc<dyn Partitioner>>,
) -> Result<AnyProducer> {
    Err(crate::engine::native_unavailable())
}

/// A producer for one topic. Dropping it flushes (up to `pending_timeout_ms`) and reports anything it could
/// not send as failed. Drop it outside async tasks, or call `stop()` first: the flush blocks the thread.
pub struct Producer {
    // Field order matters: the engine stops (and flushes) before the topic's client and runtime go.
    engine: AnyProducer,
    serializer: Option<Serializer>,
    topic: Topic,
}

impl fmt::Debug for Producer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Producer")
            .field("topic", &self.topic.name())
            .field("engine", &self.engine_name())
            .finish()
    }
}

impl Producer {
    /// "pure" or "librdkafka".
    pub fn engine_name(&self) -> &'static str {
        self.engine.name()
    }

    /// The topic's name.
    pub fn topic(&self) -> &str {
        self.topic.name()
    }

    fn serialize(&self, mut message: OutgoingMessage) -> Result<OutgoingMessage> {
        if let Some(s) = &self.serializer {
            let (value, key) = s(message.value.take(), message.partition_key.take())?;
            message.value = value;
            message.partition_key = key;
        }
        Ok(message)
    }

    /// Produce a value with no key. See [`Producer::produce_with`].
    pub fn produce(&self, value: impl Into<Bytes>) -> Result<DeliveryFuture> {
        self.produce_with(OutgoingMessage::new(value))
    }

    /// Produce a message (key, timestamp, headers, explicit partition). Blocks while the queue is full when
    /// `block_on_queue_full`; in `sync` mode waits for the delivery and returns its error.
    pub fn produce_with(&self, message: OutgoingMessage) -> Result<DeliveryFuture> {
        let message = self.serialize(message)?;
        self.engine.produce(message)
    }

    /// [`Producer::produce_with`] without a future, for callers that read delivery reports or nothing: the
    /// cheapest way to produce (the librdkafka engine then allocates nothing per message). A message that fails
    /// later is reported through `get_delivery_report` when reports are on, else logged and counted.
    pub fn produce_detached(&self, message: OutgoingMessage) -> Result<()> {
        let message = self.serialize(message)?;
        self.engine.produce_detached(message)
    }

    /// [`Producer::produce`] for async code: waits for queue space without blocking a runtime thread.
    pub async fn produce_async(&self, value: impl Into<Bytes>) -> Result<DeliveryFuture> {
        self.produce_with_async(OutgoingMessage::new(value)).await
    }

    /// [`Producer::produce_with`] for async code.
    pub async fn produce_with_async(&self, message: OutgoingMessage) -> Result<DeliveryFuture> {
        let message = self.serialize(message)?;
        self.engine.produce_async(message).await
    }

    /// The next report for a message produced on this thread; `Ok(None)` if none came within `timeout`
    /// (`None` = wait forever when `block`). Unread reports are bounded per thread: past
    /// `max(max_queued_messages, 1000)` the oldest are dropped and counted ([`Producer::dropped_reports`]).
    pub fn get_delivery_report(
        &self,
        block: bool,
        timeout: Option<Duration>,
    ) -> Result<Option<DeliveryReport>> {
        self.engine.get_delivery_report(block, timeout)
    }

    /// Send everything queued now and wait for it, up to `timeout`.
    pub fn flush(&self, timeout: Duration) -> Result<()> {
        self.engine.flush(timeout)
    }

    /// [`Producer::flush`] for async code. Cancel-safe: a dropped flush loses no message.
    pub async fn flush_async(&self, timeout: Duration) -> Result<()> {
        self.engine.flush_async(timeout).await
    }

    /// Start sending (no-op when running).
    pub fn start(&self) -> Result<()> {
        self.engine.start()
    }

    /// Flush (bounded by `pending_timeout_ms`) and stop; what was not sent is reported failed.
    pub fn stop(&self) -> Result<()> {
        self.engine.stop()
    }

    /// Messages produced and not yet reported.
    pub fn pending(&self) -> usize {
        self.engine.pending()
    }

    /// Reports dropped because a thread never read its report queue.
    pub fn dropped_reports(&self) -> u64 {
        self.engine.dropped_reports()
    }
}

impl ProducerApi for Producer {
    fn produce(&self, message: OutgoingMessage) -> Result<DeliveryFuture> {
        self.produce_with(message)
    }
    fn produce_detached(&self, message: OutgoingMessage) -> Result<()> {
        Producer::produce_detached(self, message)
    }
    async fn produce_async(&self, message: OutgoingMessage) -> Result<DeliveryFuture> {
        self.produce_with_async(message).await
    }
    fn get_delivery_report(
        &self,
        block: bool,
        timeout: Option<Duration>,
    ) -> Result<Option<DeliveryReport>> {
        Producer::get_delivery_report(self, block, timeout)
    }
    fn flush(&self, timeout: Duration) -> Result<()> {
        Producer::flush(self, timeout)
    }
    fn start(&self) -> Result<()> {
        Producer::start(self)
    }
    fn stop(&self) -> Result<()> {
        Producer::stop(self)
    }
}
