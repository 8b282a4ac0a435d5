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
    ProducerEngine, ProducerOptions, Result, Timeout,
};

use crate::background::{StopInBackground, StopOnDrop};
use crate::engine::AnyProducer;
use crate::setters::rdkafka_property_setter;
use crate::topic::Topic;
use crate::twins::twins;

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
    rdkafka_properties: Vec<(String, String)>,
}

impl fmt::Debug for ProducerBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProducerBuilder")
            .field("topic", &self.topic.name())
            .field("options", &self.options)
            .field("partitioner", &self.partitioner)
            .field("serializer", &self.serializer.is_some())
            .field("use_rdkafka", &self.use_rdkafka)
            .field("rdkafka_properties", &self.rdkafka_properties)
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
            rdkafka_properties: Vec::new(),
        }
    }

    setters! {
        /// Codec for each partition's batch (default none; zstd needs Produce v3+, Kafka 2.1+).
        compression: Compression;
        /// Retries after the first attempt, an extra bound besides `delivery_timeout_ms` (default
        /// [`RETRY_UNTIL_DELIVERY_TIMEOUT`](crate::RETRY_UNTIL_DELIVERY_TIMEOUT), `i32::MAX` as Java's
        /// `retries`: retry until the delivery timeout; PyKafka's default is 3).
        max_retries: i64;
        /// The first retry's backoff; it doubles per retry up to `retry_backoff_max_ms` (default 100).
        retry_backoff_ms: i64;
        /// The longest backoff between retries, KIP-580 (default 1000; at least `retry_backoff_ms`).
        retry_backoff_max_ms: i64;
        /// KIP-91: the longest from `produce` to the delivery report, retries and leader waits included
        /// (default 120000, Java's). Then the message is reported as a `Timeout` error naming its partition,
        /// the last attempt's error as its source. At least `linger_ms + ack_timeout_ms`.
        delivery_timeout_ms: i64;
        /// -1 all in-sync replicas, 0 no answer (offset -1), 1 leader (default); 2+ act as -1.
        required_acks: i16;
        /// Broker-side ack timeout, sent in the request (default 10000).
        ack_timeout_ms: i64;
        /// Messages held before `produce` blocks or fails (default 100000). Counted per producer.
        max_queued_messages: i64;
        /// Send as soon as a broker's queue holds this many (default 70000; 1 when sync).
        min_queued_messages: i64;
        /// Longest a message waits for company before being sent (default 5, as Java and librdkafka; PyKafka's
        /// 5000 made an awaited delivery take 5 s).
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
        /// Idempotent producer (default false): the broker drops resent duplicates, so retries after a
        /// timeout or a lost connection never write a message twice. Needs `required_acks(-1)`.
        /// Native: librdkafka's `enable.idempotence`.
        enable_idempotence: bool;
    }

    /// Choose partitions with this. Default, on both engines: keyed messages by murmur2, where the Java client
    /// and librdkafka's `murmur2_random` put them (`(murmur2(key) & 0x7fffffff) % partitions`), so a key keeps
    /// its partition; keyless ones sticky (KIP-480: one partition until its batch is sent; pure engine the
    /// [`StickyPartitioner`], librdkafka its own). PyKafka's default ignores keys (round-robin): pass
    /// `RandomPartitioner::new()` for its exact placement on both.
    ///
    /// [`StickyPartitioner`]: ferrokafka_core::partitioner::StickyPartitioner
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

    rdkafka_property_setter!();

    twins! {
        /// Validate the options and build the producer (started unless `auto_start(false)`).
        pub fn build / build_async(self) -> Result<Producer>;
        context: Some(self.topic.handle().clone());
        cancel: "dropping it drops the producer being built when the build ends (it stops in the background).";
        {
            self.options.validate()?;
            let engine = if self.use_rdkafka {
                // No partitioner given: keyed messages by murmur2, keyless ones to librdkafka's sticky partitioner.
                let (topic, options, extra, partitioner) = (
                    self.topic.clone(),
                    self.options,
                    self.rdkafka_properties,
                    self.partitioner,
                );
                ferrokafka_core::bridge::off_thread("ferrokafka-build", move || {
                    native_engine(&topic, options, partitioner, &extra)
                })
                .await?
            } else {
                crate::engine::refuse_rdkafka_properties(&self.rdkafka_properties)?;
                let partitioner = self.partitioner.unwrap_or_else(|| {
                    Arc::new(ferrokafka_core::partitioner::StickyPartitioner::new())
                });
                let pure = &self.topic.client.pure;
                AnyProducer::Pure(pure.producer(self.topic.name(), self.options, partitioner)?)
            };
            Ok(Producer {
                inner: Arc::new(StopOnDrop::new(Inner {
                    engine,
                    serializer: self.serializer,
                    topic: self.topic,
                })),
            })
        }
    }
}

#[cfg(feature = "native")]
fn native_engine(
    topic: &Topic,
    options: ProducerOptions,
    partitioner: Option<Arc<dyn Partitioner>>,
    extra: &[(String, String)],
) -> Result<AnyProducer> {
    let producer = ferrokafka_native::NativeProducer::new(
        topic.client_options(),
        topic.name(),
        options,
        partitioner,
        extra,
    )?;
    Ok(AnyProducer::Native(producer))
}

#[cfg(not(feature = "native"))]
fn native_engine(
    _topic: &Topic,
    _options: ProducerOptions,
    _partitioner: Option<Arc<dyn Partitioner>>,
    _extra: &[(String, String)],
) -> Result<AnyProducer> {
    Err(crate::engine::native_unavailable())
}

struct Inner {
    // Field order matters: the engine stops (and flushes) before the topic's client and runtime go.
    engine: AnyProducer,
    serializer: Option<Serializer>,
    topic: Topic,
}

impl StopInBackground for Inner {
    fn stop(&self) -> Result<()> {
        self.engine.stop()
    }
    fn describe(&self) -> String {
        format!("producer of {}", self.topic.name())
    }
    fn unfinished(&self) -> Option<String> {
        match self.engine.pending() {
            0 => None,
            1 => Some("1 message not yet delivered".into()),
            n => Some(format!("{n} messages not yet delivered")),
        }
    }
}

/// A producer for one topic. Cheap to clone: clones share one engine. Dropping the last clone never
/// blocks: the flush (up to `pending_timeout_ms`, anything unsent reported failed) runs on a background
/// thread. Call [`stop`](Self::stop) / [`stop_async`](Self::stop_async) to wait for it.
#[derive(Clone)]
pub struct Producer {
    inner: Arc<StopOnDrop<Inner>>,
}

impl fmt::Debug for Producer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Producer")
            .field("topic", &self.topic())
            .field("engine", &self.engine_name())
            .finish()
    }
}

impl Producer {
    /// "pure" or "librdkafka".
    pub fn engine_name(&self) -> &'static str {
        self.inner.engine.name()
    }

    /// The topic's name.
    pub fn topic(&self) -> &str {
        self.inner.topic.name()
    }

    fn serialize(&self, mut message: OutgoingMessage) -> Result<OutgoingMessage> {
        if let Some(s) = &self.inner.serializer {
            let (value, key) = s(message.value.take(), message.partition_key.take())?;
            message.value = value;
            message.partition_key = key;
        }
        Ok(message)
    }

    twins! {
        /// Produce a value with no key. See [`Producer::produce_with`].
        pub fn produce / produce_async(&self, value: impl Into<Bytes>) -> Result<DeliveryFuture>;
        blocking: self.produce_with(OutgoingMessage::new(value));
        context: Some(self.inner.topic.handle());
        cancel: "a future dropped while it waits for queue space produced nothing; once it returned, the \
            message is queued and the `DeliveryFuture` may be dropped (the message is still sent).";
        { self.produce_with_async(OutgoingMessage::new(value)).await }

        /// Produce a message (key, timestamp, headers, explicit partition). Waits while the queue is full when
        /// `block_on_queue_full`; in `sync` mode waits for the delivery and returns its error.
        pub fn produce_with / produce_with_async(&self, message: OutgoingMessage) -> Result<DeliveryFuture>;
        blocking: self.serialize(message).and_then(|m| self.inner.engine.produce(m));
        context: Some(self.inner.topic.handle());
        cancel: "a future dropped while it waits for queue space produced nothing; in `sync` mode, one \
            dropped while it waits for the delivery leaves the message queued (it is still sent).";
        {
            let message = self.serialize(message)?;
            self.inner.engine.produce_async(message).await
        }

        /// Send everything queued now and wait for it, up to `timeout`.
        pub fn flush / flush_async(&self, timeout: Duration) -> Result<()>;
        blocking: self.inner.engine.flush(timeout);
        context: Some(self.inner.topic.handle());
        cancel: "a dropped flush loses no message: what was queued is still sent.";
        { self.inner.engine.flush_async(timeout).await }

        /// Start sending (no-op when running).
        pub fn start / start_async(&self) -> Result<()>;
        context: Some(self.inner.topic.handle());
        cancel: "the start runs to its end on a thread of its own.";
        {
            let inner = self.inner.shared();
            ferrokafka_core::bridge::off_thread("ferrokafka-start", move || inner.engine.start()).await
        }

        /// Flush (bounded by `pending_timeout_ms`) and stop; what was not sent is reported failed.
        pub fn stop / stop_async(&self) -> Result<()>;
        context: Some(self.inner.topic.handle());
        cancel: "the stop runs to its end on a thread of its own (flushed or reported failed, as `stop`).";
        {
            let inner = self.inner.shared();
            ferrokafka_core::bridge::off_thread("ferrokafka-stop", move || inner.engine.stop()).await
        }
    }

    /// [`Producer::produce_with`] without a future, for callers that read delivery reports or nothing: the
    /// cheapest way to produce (the librdkafka engine then allocates nothing per message). A message that fails
    /// later is reported through `get_delivery_report` when reports are on, else logged and counted.
    pub fn produce_detached(&self, message: OutgoingMessage) -> Result<()> {
        let message = self.serialize(message)?;
        self.inner.engine.produce_detached(message)
    }

    /// The next report for a message produced on this thread; `Ok(None)` if none came within `timeout`
    /// (`None` = wait forever when `block`). Unread reports are bounded per thread: past
    /// `max(max_queued_messages, 1000)` the oldest are dropped and counted ([`Producer::dropped_reports`]).
    /// PyKafka's per-thread queue has no async twin (a task moves between threads): async code awaits the
    /// [`DeliveryFuture`] that `produce_async` returns.
    pub fn get_delivery_report(
        &self,
        block: bool,
        timeout: Option<Duration>,
    ) -> Result<Option<DeliveryReport>> {
        self.inner.engine.get_delivery_report(block, timeout)
    }

    /// [`get_delivery_report`](Self::get_delivery_report) with a [`Timeout`]: `Timeout::Now` does not
    /// wait, `Timeout::Never` waits until a report comes.
    pub fn delivery_report(&self, timeout: impl Into<Timeout>) -> Result<Option<DeliveryReport>> {
        match timeout.into() {
            Timeout::Now => self.get_delivery_report(false, None),
            Timeout::After(d) => self.get_delivery_report(true, Some(d)),
            Timeout::Never => self.get_delivery_report(true, None),
        }
    }

    /// This producer as a guard that stops it (flushing, up to `pending_timeout_ms`) when its scope ends:
    /// PyKafka's `with topic.get_producer() as p:`. A plain drop never blocks and flushes in the background,
    /// which an exit right after cuts short.
    pub fn scoped(self) -> crate::ScopedProducer {
        crate::ScopedProducer::new(self)
    }

    /// Messages produced and not yet reported.
    pub fn pending(&self) -> usize {
        self.inner.engine.pending()
    }

    /// Reports dropped because a thread never read its report queue.
    pub fn dropped_reports(&self) -> u64 {
        self.inner.engine.dropped_reports()
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
