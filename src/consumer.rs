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
    CommittedOffset, ConsumerApi, ConsumerEngine, ConsumerOptions, Message, OffsetType,
    ResetTarget, Result,
};
use futures::Stream;

use crate::consumer_common::{consumer_api_by_inherent, consumer_async_forms};
use crate::engine::AnyConsumer;
use crate::iter::{message_stream, Iter};
use crate::setters::{consumer_option_setters, setters};
use crate::topic::Topic;

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
    ) -> Self {
        SimpleConsumerBuilder {
            topic,
            options,
            deserializer,
            use_rdkafka,
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
}

impl fmt::Debug for SimpleConsumerBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SimpleConsumerBuilder")
            .field("topic", &self.topic.name())
            .field("options", &self.options)
            .field("deserializer", &self.deserializer.is_some())
            .field("use_rdkafka", &self.use_rdkafka)
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

    /// Builds (and, with `auto_start`, starts) the consumer. Blocking.
    pub fn build(self) -> Result<SimpleConsumer> {
        self.options.validate()?;
        let engine = if self.use_rdkafka {
            native_engine(&self.topic, self.options.clone())?
        } else {
            let pure = &self.topic.client.pure;
            AnyConsumer::Pure(pure.simple_consumer(self.topic.name(), self.options.clone())?)
        };
        Ok(self.finish(engine))
    }

    /// Builds without blocking a tokio worker.
    pub async fn build_async(self) -> Result<SimpleConsumer> {
        self.options.validate()?;
        let engine = if self.use_rdkafka {
            let (topic, options) = (self.topic.clone(), self.options.clone());
            ferrokafka_core::bridge::off_thread("ferrokafka-build", move || {
                native_engine(&topic, options)
            })
            .await?
        } else {
            let pure = &self.topic.client.pure;
            let consumer = pure.simple_consumer_async(self.topic.name(), self.options.clone());
            AnyConsumer::Pure(consumer.await?)
        };
        Ok(self.finish(engine))
    }

    fn finish(self, engine: AnyConsumer) -> SimpleConsumer {
        SimpleConsumer {
            inner: Arc::new(Inner {
                engine,
                deserializer: self.deserializer,
                topic: self.topic,
            }),
        }
    }
}

#[cfg(feature = "native")]
fn native_engine(topic: &Topic, options: ConsumerOptions) -> Result<AnyConsumer> {
    ferrokafka_native::NativeSimpleConsumer::new(topic.client_options(), topic.name(), options, &[])
        .map(AnyConsumer::Native)
}

#[cfg(not(feature = "native"))]
fn native_engine(_topic: &Topic, _options: ConsumerOptions) -> Result<AnyConsumer> {
    Err(crate::engine::native_unavailable())
}

struct Inner {
    engine: AnyConsumer,
    deserializer: Option<Deserializer>,
    /// Keeps the client (its runtime and connections) alive as long as the consumer.
    topic: Topic,
}

impl Drop for Inner {
    /// PyKafka stops a consumer when it is garbage-collected; so does dropping the last handle here.
    fn drop(&mut self) {
        self.engine.shutdown_in_background();
    }
}

/// PyKafka's `SimpleConsumer`: consumes some or all partitions of one topic, round-robin, one message per
/// `consume` call; offsets optionally stored in a consumer group. Cheap to clone (shared).
///
/// Iterating (`for m in &consumer`) yields until `consume(true)` returns `None`, i.e. after
/// `consumer_timeout_ms` without a message — forever with the default -1, as in PyKafka.
#[derive(Clone)]
pub struct SimpleConsumer {
    inner: Arc<Inner>,
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

    fn deserialize(&self, m: Option<Message>) -> Result<Option<Message>> {
        match (m, &self.inner.deserializer) {
            (Some(mut m), Some(d)) => {
                let (value, key) = d(m.value.take(), m.partition_key.take())?;
                m.value = value;
                m.partition_key = key;
                Ok(Some(m))
            }
            (m, _) => Ok(m),
        }
    }

    /// The next message. `block` waits up to `consumer_timeout_ms` (forever when -1 or 0); `Ok(None)` = none.
    /// Errors from the fetchers are returned here; `ConsumerStopped` after `stop()`.
    pub fn consume(&self, block: bool) -> Result<Option<Message>> {
        let m = self.inner.engine.consume(block)?;
        self.deserialize(m)
    }

    /// `consume(true)` without blocking a tokio worker.
    pub async fn consume_async(&self) -> Result<Option<Message>> {
        let m = self.inner.engine.consume_async().await?;
        self.deserialize(m)
    }

    /// Commit `(partition, offset)` pairs verbatim, or every partition at last consumed + 1 with `None`.
    pub fn commit_offsets(&self, partition_offsets: Option<&[(i32, i64)]>) -> Result<()> {
        ferrokafka_core::options::check_commit_offsets(partition_offsets)?;
        self.inner.engine.commit_offsets(partition_offsets)
    }

    /// The group's committed offsets (the next offset to consume, -1 = none); moves the positions too when
    /// `reset_offset_on_fetch`.
    pub fn fetch_offsets(&self) -> Result<BTreeMap<i32, CommittedOffset>> {
        self.inner.engine.fetch_offsets()
    }

    /// Move partitions (all to `auto_offset_reset` with `None`), flush their buffers, commit if grouped.
    /// `ResetTarget::LastConsumed(n)` resumes at n + 1, as PyKafka's integer form.
    pub fn reset_offsets(&self, targets: Option<&[(i32, ResetTarget)]>) -> Result<()> {
        self.inner.engine.reset_offsets(targets)
    }

    /// Last consumed offset per partition, -2 where nothing was consumed.
    pub fn held_offsets(&self) -> BTreeMap<i32, i64> {
        self.inner.engine.held_offsets()
    }

    /// The partition ids this consumer reads.
    pub fn partitions(&self) -> Vec<i32> {
        self.inner.engine.partitions()
    }

    /// Starting offsets (PyKafka's rules), then fetching. No-op when running.
    pub fn start(&self) -> Result<()> {
        self.inner.engine.start()
    }

    /// Stops fetching; commits first when auto-commit is on.
    pub fn stop(&self) -> Result<()> {
        self.inner.engine.stop()
    }

    consumer_async_forms!(inner.engine);

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
        SimpleConsumer::commit_offsets_async(self, partition_offsets).await
    }
    async fn fetch_offsets_async(&self) -> Result<BTreeMap<i32, CommittedOffset>> {
        SimpleConsumer::fetch_offsets_async(self).await
    }
    async fn reset_offsets_async(&self, targets: Option<Vec<(i32, ResetTarget)>>) -> Result<()> {
        SimpleConsumer::reset_offsets_async(self, targets).await
    }
    async fn start_async(&self) -> Result<()> {
        SimpleConsumer::start_async(self).await
    }
    async fn stop_async(&self) -> Result<()> {
        SimpleConsumer::stop_async(self).await
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
