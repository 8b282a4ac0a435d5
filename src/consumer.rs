//! `topic.simple_consumer()`: PyKafka's `SimpleConsumer` with its options and defaults, on the pure engine
//! or, with `.use_rdkafka(true)`, on librdkafka.
//!
//! ```no_run
//! let client = ferrokafka::KafkaClient::new("127.0.0.1:9092")?;
//! let topic = client.topic("events")?;
//! let consumer = topic
//!     .simple_consumer()
//!     .consumer_group("analytics")
//!     .consumer_timeout_ms(1000)
//!     .build()?;
//! for message in &consumer {
//!     let message = message?;
//!     println!("{} {:?}", message.offset, message.value);
//! }
//! consumer.commit_offsets(None)?;
//! # Ok::<(), ferrokafka::Error>(())
//! ```

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use bytes::Bytes;
use ferrokafka_core::{
    CommittedOffset, ConsumerApi, ConsumerEngine, ConsumerOptions, Error, ErrorContext, Health,
    Message, OffsetType, ResetTarget, Result,
};
use futures::Stream;

use crate::background::{StopInBackground, StopOnDrop};
use crate::consumer_common::{consumer_api_by_inherent, consumer_twins};
use crate::engine::AnyConsumer;
use crate::iter::{message_stream, Iter};
use crate::setters::{consumer_option_setters, rdkafka_property_setter, setters};
use crate::topic::Topic;
use crate::twins::twins;
use crate::unblock::{UnblockHandle, Unblocker};

/// PyKafka's `deserializer(value, key) -> (value, key)`, applied to every message `consume` returns.
pub type Deserializer = Arc<
    dyn Fn(Option<Bytes>, Option<Bytes>) -> Result<(Option<Bytes>, Option<Bytes>)> + Send + Sync,
>;

impl Topic {
    /// A SimpleConsumer builder with PyKafka's defaults (`Topic.get_simple_consumer`).
    pub fn simple_consumer(&self) -> SimpleConsumerBuilder {
        SimpleConsumerBuilder {
            topic: self.clone(),
            options: ConsumerOptions::default(),
            deserializer: None,
            use_rdkafka: false,
            rdkafka_properties: Vec::new(),
        }
    }
}

impl SimpleConsumerBuilder {
    /// A builder with these options, as the balanced consumer makes its internal consumer.
    pub(crate) fn from_parts(
        topic: Topic,
        options: ConsumerOptions,
        deserializer: Option<Deserializer>,
        use_rdkafka: bool,
        rdkafka_properties: Vec<(String, String)>,
    ) -> Self {
        SimpleConsumerBuilder {
            topic,
            options,
            deserializer,
            use_rdkafka,
            rdkafka_properties,
        }
    }
}

/// Builds a [`SimpleConsumer`]. Setters are named after PyKafka's `SimpleConsumer` arguments.
#[must_use = "call build() to get a consumer"]
pub struct SimpleConsumerBuilder {
    topic: Topic,
    options: ConsumerOptions,
    deserializer: Option<Deserializer>,
    use_rdkafka: bool,
    rdkafka_properties: Vec<(String, String)>,
}

impl fmt::Debug for SimpleConsumerBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SimpleConsumerBuilder")
            .field("topic", &self.topic.name())
            .field("options", &self.options)
            .field("deserializer", &self.deserializer.is_some())
            .field("use_rdkafka", &self.use_rdkafka)
            .field("rdkafka_properties", &self.rdkafka_properties)
            .finish()
    }
}

impl SimpleConsumerBuilder {
    /// The consumer group whose committed offsets are used and written (ASCII). Default: none.
    pub fn consumer_group(mut self, group: impl Into<String>) -> Self {
        self.options.consumer_group = Some(group.into());
        self
    }

    /// Only these partition ids. Default: all of the topic's partitions.
    pub fn partitions(mut self, ids: impl IntoIterator<Item = i32>) -> Self {
        self.options.partitions = Some(ids.into_iter().collect());
        self
    }

    consumer_option_setters!();

    setters! { options {
        /// Start in `build()` (true).
        auto_start: bool;
        /// Reset to `auto_offset_reset` and commit at start (false).
        reset_offset_on_start: bool;
        /// Deprecated in PyKafka; -1 for standalone groups.
        generation_id: i32;
        /// Deprecated in PyKafka; empty for standalone groups.
        consumer_id: String;
    }}

    /// PyKafka's `deserializer(value, key) -> (value, key)`, applied in `consume`.
    pub fn deserializer<F>(mut self, f: F) -> Self
    where
        F: Fn(Option<Bytes>, Option<Bytes>) -> Result<(Option<Bytes>, Option<Bytes>)>
            + Send
            + Sync
            + 'static,
    {
        self.deserializer = Some(Arc::new(f));
        self
    }

    /// Use the librdkafka engine (needs the `native` cargo feature).
    pub fn use_rdkafka(mut self, yes: bool) -> Self {
        self.use_rdkafka = yes;
        self
    }

    /// The options as set so far.
    pub fn options(&self) -> &ConsumerOptions {
        &self.options
    }

    rdkafka_property_setter!();

    twins! {
        /// Builds (and, with `auto_start`, starts) the consumer.
        pub fn build / build_async(self) -> Result<SimpleConsumer>;
        context: Some(self.topic.handle().clone());
        cancel: "dropping it drops the consumer being built when the build ends (it stops in the background).";
        {
            self.options.validate()?;
            let engine = if self.use_rdkafka {
                let (topic, options) = (self.topic.clone(), self.options.clone());
                let extra = self.rdkafka_properties.clone();
                ferrokafka_core::bridge::off_thread("ferrokafka-build", move || {
                    native_engine(&topic, options, &extra)
                })
                .await?
            } else {
                crate::engine::refuse_rdkafka_properties(&self.rdkafka_properties)?;
                let pure = &self.topic.client.pure;
                let consumer = pure.simple_consumer_async(self.topic.name(), self.options.clone());
                AnyConsumer::Pure(consumer.await?)
            };
            Ok(self.finish(engine))
        }
    }

    fn finish(self, engine: AnyConsumer) -> SimpleConsumer {
        SimpleConsumer {
            inner: Arc::new(StopOnDrop::new(Inner {
                engine,
                deserializer: self.deserializer,
                topic: self.topic,
                unblocker: Unblocker::default(),
            })),
        }
    }
}

#[cfg(feature = "native")]
fn native_engine(
    topic: &Topic,
    options: ConsumerOptions,
    extra: &[(String, String)],
) -> Result<AnyConsumer> {
    ferrokafka_native::NativeSimpleConsumer::new(
        topic.client_options(),
        topic.name(),
        options,
        extra,
    )
    .map(AnyConsumer::Native)
}

#[cfg(not(feature = "native"))]
fn native_engine(
    _topic: &Topic,
    _options: ConsumerOptions,
    _extra: &[(String, String)],
) -> Result<AnyConsumer> {
    Err(crate::engine::native_unavailable())
}

struct Inner {
    engine: AnyConsumer,
    deserializer: Option<Deserializer>,
    /// Keeps the client (its runtime and connections) alive as long as the consumer.
    topic: Topic,
    unblocker: Unblocker,
}

/// PyKafka stops a consumer when it is garbage-collected; so does dropping the last handle here, without
/// blocking: fetching stops at once, and the engine's stop (a final auto-commit, librdkafka's close) runs on
/// a background thread.
impl StopInBackground for Inner {
    fn signal(&self) {
        self.engine.shutdown_in_background();
    }
    fn stop(&self) -> Result<()> {
        self.engine.stop()
    }
    fn describe(&self) -> String {
        format!("simple consumer of {}", self.topic.name())
    }
}

/// PyKafka's `SimpleConsumer`: consumes some or all partitions of one topic, round-robin, one message per
/// `consume` call; offsets optionally stored in a consumer group. Cheap to clone (shared).
///
/// Iterating (`for m in &consumer`) yields until `consume(true)` returns `None`, i.e. after
/// `consumer_timeout_ms` without a message — forever with the default -1, as in PyKafka.
/// Dropping the last clone never blocks (see [`stop`](Self::stop) for the bounded, committing way out).
#[derive(Clone)]
pub struct SimpleConsumer {
    inner: Arc<StopOnDrop<Inner>>,
}

impl fmt::Debug for SimpleConsumer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SimpleConsumer")
            .field("topic", &self.inner.topic.name())
            .field("engine", &self.engine_name())
            .finish_non_exhaustive()
    }
}

impl SimpleConsumer {
    /// "pure" or "librdkafka".
    pub fn engine_name(&self) -> &'static str {
        self.inner.engine.name()
    }

    /// The topic read.
    pub fn topic(&self) -> &Topic {
        &self.inner.topic
    }

    /// Whether the brokers are answering this consumer (never blocks): `Unhealthy` with the last error,
    /// since when and how many failures, from the first failed fetch or metadata request (librdkafka: its
    /// transport errors) until a broker answers a fetch again. Through an outage `consume` only returns
    /// `Ok(None)`, so a service reports its readiness from this. Same on both engines.
    pub fn health(&self) -> Health {
        self.inner.engine.health()
    }

    /// PyKafka's settable `consumer_id`: the member id the next commits carry (e.g. a group member's, to
    /// commit as it). Pure engine; the librdkafka engine commits as a standalone consumer, so it is a
    /// `Config` error there. `InvalidState` without a `consumer_group`.
    pub fn set_consumer_id(&self, consumer_id: impl Into<String>) -> Result<()> {
        self.inner
            .engine
            .set_member_identity(Some(consumer_id.into()), None)
    }

    /// PyKafka's settable `generation_id`: the group generation the next commits carry. As
    /// [`set_consumer_id`](Self::set_consumer_id).
    pub fn set_generation_id(&self, generation_id: i32) -> Result<()> {
        self.inner
            .engine
            .set_member_identity(None, Some(generation_id))
    }

    fn deserialize(&self, m: Option<Message>) -> Result<Option<Message>> {
        match (m, &self.inner.deserializer) {
            (Some(mut m), Some(d)) => {
                let (value, key) = d(m.value.take(), m.partition_key.take())
                    .map_err(|e| self.undeserializable(&m, e))?;
                m.value = value;
                m.partition_key = key;
                Ok(Some(m))
            }
            (m, _) => Ok(m),
        }
    }

    /// A deserializer's refusal, naming the message: `InvalidInput` about its topic, partition and offset,
    /// the deserializer's own error as `source()`. The message counts as consumed (PyKafka raises too).
    fn undeserializable(&self, m: &Message, cause: Error) -> Error {
        Error::invalid_input(
            format!("message at offset {}", m.offset),
            "the deserializer refused it",
        )
        .with_context(ErrorContext::partition(
            self.inner.topic.name(),
            m.partition_id,
        ))
        .with_source(cause)
    }

    /// The next message. `block` waits up to `consumer_timeout_ms` (forever when -1 or 0), or until an
    /// [`UnblockHandle`] of this consumer fires; `Ok(None)` = none. Errors from the fetchers are returned
    /// here; `ConsumerStopped` after `stop()`.
    pub fn consume(&self, block: bool) -> Result<Option<Message>> {
        let engine = &self.inner.engine;
        let m = self.inner.unblocker.consume(
            self.topic().handle(),
            block,
            |block| engine.consume(block),
            || engine.consume_async(),
        )?;
        self.deserialize(m)
    }

    /// A handle whose [`unblock`](UnblockHandle::unblock) makes a `consume(true)` / `consume_async()` blocked
    /// in another thread or task return `Ok(None)` at once (PyKafka's `consume(unblock_event=...)`).
    pub fn unblock_handle(&self) -> UnblockHandle {
        self.inner.unblocker.handle()
    }

    /// `consume(true)` without blocking a tokio worker.
    ///
    /// **Cancel-safety:** a dropped future (`select!`, a timeout, a dropped stream) takes no message: the
    /// next call gets it.
    pub async fn consume_async(&self) -> Result<Option<Message>> {
        let engine = &self.inner.engine;
        let next = self.inner.unblocker.consume_async(engine.consume_async());
        let m = ferrokafka_core::bridge::on_runtime(Some(self.topic().handle()), next).await?;
        self.deserialize(m)
    }

    twins! {
        /// PyKafka's `fetch()`: one fetch round for the held partitions, filling the internal queues; returns
        /// how many messages are buffered afterwards (what `consume(false)` can take at once).
        ///
        /// - pure engine: the background fetchers fetch continuously, so this waits until every partition
        ///   that can be fetched (leader known, buffer below `queued_max_messages`, not backing off) has had
        ///   a fetch request sent after the call come back; bounded by `fetch_wait_max_ms` +
        ///   `socket_timeout_ms` (then `Timeout`);
        /// - librdkafka: its own fetcher cannot be asked for a round, so this waits at most
        ///   `fetch_wait_max_ms` for its prefetch queue to hold something and returns that queue's length
        ///   (librdkafka's ops: messages plus errors and fetches made stale by a seek, which `consume`
        ///   drops; an upper bound. 0 if the round brought nothing).
        ///
        /// `ConsumerStopped` when the consumer is not running.
        pub fn fetch / fetch_async(&self) -> Result<usize>;
        context: Some(self.topic().handle());
        cancel: "nothing is lost: the fetch round is the background fetchers', a dropped call only stops \
            waiting for it.";
        {
            match &self.inner.engine {
                AnyConsumer::Pure(c) => {
                    let wait = c.options().fetch_wait_max_ms.max(0)
                        + self.topic().client_options().socket_timeout_ms.max(0);
                    let limit = std::time::Duration::from_millis(u64::try_from(wait).unwrap_or(0));
                    c.fetch_round_async(limit).await
                }
                #[cfg(feature = "native")]
                AnyConsumer::Native(c) => c.fetch_async().await,
            }
        }
    }

    /// Last consumed offset per partition, -2 where nothing was consumed.
    pub fn held_offsets(&self) -> BTreeMap<i32, i64> {
        self.inner.engine.held_offsets()
    }

    /// The partition ids this consumer reads.
    pub fn partitions(&self) -> Vec<i32> {
        self.inner.engine.partitions()
    }

    consumer_twins!(inner.engine);

    /// Messages as PyKafka's `__iter__` gives them (see [`Iter`]).
    pub fn iter(&self) -> SimpleIter<'_> {
        Iter::new(self)
    }

    /// An async stream of messages: ends where the iterator does (a `None` from `consume_async`, i.e.
    /// `consumer_timeout_ms` without a message, or after a `ConsumerStopped` error).
    pub fn stream(&self) -> impl Stream<Item = Result<Message>> + Send + 'static {
        message_stream(self.clone())
    }
}

// The trait layer: code generic over consumers takes a `SimpleConsumer` or a `BalancedConsumer`.
consumer_api_by_inherent!(SimpleConsumer);

/// The engine trait, so a balanced consumer can read through a `SimpleConsumer` of either engine.
impl ConsumerEngine for SimpleConsumer {
    fn name(&self) -> &'static str {
        self.engine_name()
    }
    fn shutdown_in_background(&self) {
        self.inner.engine.shutdown_in_background()
    }
    async fn commit_offsets_async(&self, partition_offsets: Option<Vec<(i32, i64)>>) -> Result<()> {
        SimpleConsumer::commit_offsets_async(self, partition_offsets.as_deref()).await
    }
    async fn fetch_offsets_async(&self) -> Result<BTreeMap<i32, CommittedOffset>> {
        SimpleConsumer::fetch_offsets_async(self).await
    }
    async fn reset_offsets_async(&self, targets: Option<Vec<(i32, ResetTarget)>>) -> Result<()> {
        SimpleConsumer::reset_offsets_async(self, targets.as_deref()).await
    }
    async fn start_async(&self) -> Result<()> {
        SimpleConsumer::start_async(self).await
    }
    async fn stop_async(&self) -> Result<()> {
        SimpleConsumer::stop_async(self).await
    }
    fn health(&self) -> Health {
        SimpleConsumer::health(self)
    }
}

impl<'a> IntoIterator for &'a SimpleConsumer {
    type Item = Result<Message>;
    type IntoIter = SimpleIter<'a>;

    fn into_iter(self) -> SimpleIter<'a> {
        self.iter()
    }
}

/// PyKafka's `__iter__` over a simple consumer: `consume(true)` until `None`; errors are yielded,
/// `ConsumerStopped` ends it.
pub type SimpleIter<'a> = Iter<'a, SimpleConsumer>;
