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
    CommittedOffset, ConsumerApi, ConsumerOptions, Error, Message, OffsetType, ResetTarget, Result,
};
use ferrokafka_pure::consumer::{ClusterBackend, PureSimpleConsumer};
use futures::Stream;

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

/// Setters writing `self.$field.$name` (builders keep their options in plain structs).
macro_rules! setters {
    ($field:ident { $( $(#[$doc:meta])* $name:ident: $ty:ty; )* }) => {
        $(
            $(#[$doc])*
            pub fn $name(mut self, value: $ty) -> Self {
                self.$field.$name = value;
                self
            }
        )*
    };
}

/// The SimpleConsumer options every consumer builder has (a balanced consumer passes them to its internal
/// consumer, as PyKafka does), on a builder whose `options` field is a `ConsumerOptions`.
macro_rules! consumer_option_setters {
    () => {
        setters! { options {
            /// Per-partition max bytes of one fetch (1048576). The pure engine grows it for a larger message.
            fetch_message_max_bytes: i64;
            /// Fetcher threads (1). The pure engine runs one fetcher per leader broker regardless.
            num_consumer_fetchers: i64;
            /// Commit consumed offsets every `auto_commit_interval_ms` and on `stop` (false; needs a group).
            auto_commit_enable: bool;
            /// 60000.
            auto_commit_interval_ms: i64;
            /// Max buffered messages per partition (2000): the memory bound.
            queued_max_messages: i64;
            /// 1.
            fetch_min_bytes: i64;
            /// Backoff after a failed fetch (500).
            fetch_error_backoff_ms: i64;
            /// Broker-side max wait of a fetch (100).
            fetch_wait_max_ms: i64;
            /// Backoff unit of offset-request retries: attempt i sleeps i × this (1000).
            offsets_channel_backoff_ms: i64;
            /// Attempts of commit / offset fetch / reset (5).
            offsets_commit_max_retries: i64;
            /// Where to start without a committed offset, and on OFFSET_OUT_OF_RANGE (Earliest).
            auto_offset_reset: OffsetType;
            /// ms without a message before `consume(true)` returns `None`; -1 and 0 = forever (-1).
            consumer_timeout_ms: i64;
            /// The topic is compacted (false). Offset gaps are accepted either way.
            compacted_topic: bool;
            /// `fetch_offsets()` also moves the positions (true).
            reset_offset_on_fetch: bool;
            /// Skip aborted transactional records (isolation level read_committed). Default false.
            read_committed: bool;
        }}
    };
}
pub(crate) use {consumer_option_setters, setters};

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
            native_engine(&self.topic, &self.options)?
        } else {
            let handle = self.topic.client.runtime.handle().clone();
            Engine::Pure(PureSimpleConsumer::new(
                self.topic.name(),
                self.options.clone(),
                ClusterBackend::new(Arc::clone(self.topic.cluster())),
                handle,
            )?)
        };
        Ok(self.finish(engine))
    }

    /// Builds without blocking a tokio worker.
    pub async fn build_async(self) -> Result<SimpleConsumer> {
        self.options.validate()?;
        let engine = if self.use_rdkafka {
            let (topic, options) = (self.topic.clone(), self.options.clone());
            let handle = self.topic.client.runtime.handle().clone();
            handle
                .spawn_blocking(move || native_engine(&topic, &options))
                .await
                .map_err(|e| Error::Other(format!("building the consumer failed: {e}")))??
        } else {
            let handle = self.topic.client.runtime.handle().clone();
            let (name, options) = (self.topic.name().to_string(), self.options.clone());
            let backend = ClusterBackend::new(Arc::clone(self.topic.cluster()));
            // Runs on the client's runtime, whatever runtime the caller is on.
            self.topic
                .client
                .run(async move {
                    PureSimpleConsumer::new_async(name, options, backend, handle)
                        .await
                        .map(Engine::Pure)
                })
                .await?
        };
        Ok(self.finish(engine))
    }

    fn finish(self, engine: Engine) -> SimpleConsumer {
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
fn native_engine(topic: &Topic, options: &ConsumerOptions) -> Result<Engine> {
    ferrokafka_native::NativeSimpleConsumer::new(
        topic.client_options(),
        topic.name(),
        options.clone(),
        &[],
    )
    .map(Engine::Native)
}

#[cfg(not(feature = "native"))]
fn native_engine(_topic: &Topic, _options: &ConsumerOptions) -> Result<Engine> {
    Err(Error::EngineUnavailable(
        "use_rdkafka(true) needs the librdkafka engine: build ferrokafka with the `native` feature \
         (on by default; remove `default-features = false` or add `features = [\"native\"]`)"
            .into(),
    ))
}

enum Engine {
    Pure(PureSimpleConsumer<ClusterBackend>),
    #[cfg(feature = "native")]
    Native(ferrokafka_native::NativeSimpleConsumer),
}

/// Calls the same `ConsumerApi` method on whichever engine is inside.
macro_rules! dispatch {
    ($engine:expr, $c:ident => $body:expr) => {
        match $engine {
            Engine::Pure($c) => $body,
            #[cfg(feature = "native")]
            Engine::Native($c) => $body,
        }
    };
}

struct Inner {
    engine: Engine,
    deserializer: Option<Deserializer>,
    /// Keeps the client (its runtime and connections) alive as long as the consumer.
    topic: Topic,
}

impl Drop for Inner {
    /// PyKafka stops a consumer when it is garbage-collected; so does dropping the last handle here.
    #[allow(irrefutable_let_patterns)] // only the pure engine when `native` is off
    fn drop(&mut self) {
        if let Engine::Pure(c) = &self.engine {
            c.shutdown_in_background();
        }
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
        match &self.inner.engine {
            Engine::Pure(_) => "pure",
            #[cfg(feature = "native")]
            Engine::Native(_) => "librdkafka",
        }
    }

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
        let m = dispatch!(&self.inner.engine, c => c.consume(block))?;
        self.deserialize(m)
    }

    /// `consume(true)` without blocking a tokio worker.
    pub async fn consume_async(&self) -> Result<Option<Message>> {
        let m = dispatch!(&self.inner.engine, c => c.consume_async().await)?;
        self.deserialize(m)
    }

    /// Commit `(partition, offset)` pairs verbatim, or every partition at last consumed + 1 with `None`.
    pub fn commit_offsets(&self, partition_offsets: Option<&[(i32, i64)]>) -> Result<()> {
        dispatch!(&self.inner.engine, c => c.commit_offsets(partition_offsets))
    }

    /// The group's committed offsets (the next offset to consume, -1 = none); moves the positions too when
    /// `reset_offset_on_fetch`.
    pub fn fetch_offsets(&self) -> Result<BTreeMap<i32, CommittedOffset>> {
        dispatch!(&self.inner.engine, c => c.fetch_offsets())
    }

    /// Move partitions (all to `auto_offset_reset` with `None`), flush their buffers, commit if grouped.
    /// `ResetTarget::LastConsumed(n)` resumes at n + 1, as PyKafka's integer form.
    pub fn reset_offsets(&self, targets: Option<&[(i32, ResetTarget)]>) -> Result<()> {
        dispatch!(&self.inner.engine, c => c.reset_offsets(targets))
    }

    /// Last consumed offset per partition, -2 where nothing was consumed.
    pub fn held_offsets(&self) -> BTreeMap<i32, i64> {
        dispatch!(&self.inner.engine, c => c.held_offsets())
    }

    /// The partition ids this consumer reads.
    pub fn partitions(&self) -> Vec<i32> {
        dispatch!(&self.inner.engine, c => c.partitions())
    }

    /// Starting offsets (PyKafka's rules), then fetching. No-op when running.
    pub fn start(&self) -> Result<()> {
        dispatch!(&self.inner.engine, c => c.start())
    }

    /// Stops fetching; commits first when auto-commit is on.
    pub fn stop(&self) -> Result<()> {
        dispatch!(&self.inner.engine, c => c.stop())
    }

    /// Runs a blocking method off the async caller's worker.
    async fn off_worker<T: Send + 'static>(
        &self,
        f: impl FnOnce(&SimpleConsumer) -> Result<T> + Send + 'static,
    ) -> Result<T> {
        let me = self.clone();
        self.inner
            .topic
            .client
            .runtime
            .handle()
            .spawn_blocking(move || f(&me))
            .await
            .map_err(|e| Error::Other(format!("consumer call failed: {e}")))?
    }

    /// [`commit_offsets`](Self::commit_offsets) without blocking a tokio worker.
    pub async fn commit_offsets_async(
        &self,
        partition_offsets: Option<Vec<(i32, i64)>>,
    ) -> Result<()> {
        self.off_worker(move |c| c.commit_offsets(partition_offsets.as_deref()))
            .await
    }

    /// [`fetch_offsets`](Self::fetch_offsets) without blocking a tokio worker.
    pub async fn fetch_offsets_async(&self) -> Result<BTreeMap<i32, CommittedOffset>> {
        self.off_worker(|c| c.fetch_offsets()).await
    }

    /// [`reset_offsets`](Self::reset_offsets) without blocking a tokio worker.
    pub async fn reset_offsets_async(
        &self,
        targets: Option<Vec<(i32, ResetTarget)>>,
    ) -> Result<()> {
        self.off_worker(move |c| c.reset_offsets(targets.as_deref()))
            .await
    }

    /// [`start`](Self::start) without blocking a tokio worker.
    pub async fn start_async(&self) -> Result<()> {
        self.off_worker(|c| c.start()).await
    }

    /// [`stop`](Self::stop) without blocking a tokio worker.
    pub async fn stop_async(&self) -> Result<()> {
        self.off_worker(|c| c.stop()).await
    }

    /// Messages as PyKafka's `__iter__` gives them (see [`Iter`]).
    pub fn iter(&self) -> Iter<'_> {
        Iter::new(self)
    }

    /// An async stream of messages: ends where the iterator does (a `None` from `consume_async`, i.e.
    /// `consumer_timeout_ms` without a message, or after a `ConsumerStopped` error).
    pub fn stream(&self) -> impl Stream<Item = Result<Message>> + Send + 'static {
        message_stream(self.clone())
    }
}

/// PyKafka's `__iter__`: `consume(block=True)` until it returns `None`. Fetch errors are yielded as `Err`
/// and iteration goes on; `ConsumerStopped` is yielded once and ends it. The same for every consumer kind.
#[derive(Debug)]
pub struct Iter<'a, C: ConsumerApi = SimpleConsumer> {
    consumer: &'a C,
    done: bool,
}

impl<'a, C: ConsumerApi> Iter<'a, C> {
    pub(crate) fn new(consumer: &'a C) -> Self {
        Iter {
            consumer,
            done: false,
        }
    }
}

impl<C: ConsumerApi> Iterator for Iter<'_, C> {
    type Item = Result<Message>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        match self.consumer.consume(true) {
            Ok(Some(m)) => Some(Ok(m)),
            Ok(None) => {
                self.done = true;
                None
            }
            Err(e) => {
                self.done = matches!(e, Error::ConsumerStopped { .. });
                Some(Err(e))
            }
        }
    }
}

/// The async form of [`Iter`]: ends at a `None` from `consume_async` or after a `ConsumerStopped` error.
pub(crate) fn message_stream<C>(consumer: C) -> impl Stream<Item = Result<Message>> + Send + 'static
where
    C: ConsumerApi + Clone + 'static,
{
    futures::stream::unfold((consumer, false), |(c, done)| async move {
        if done {
            return None;
        }
        match c.consume_async().await {
            Ok(Some(m)) => Some((Ok(m), (c, false))),
            Ok(None) => None,
            Err(e) => {
                let stop = matches!(e, Error::ConsumerStopped { .. });
                Some((Err(e), (c, stop)))
            }
        }
    })
}

/// The trait layer: code generic over consumers takes a `SimpleConsumer` or a `BalancedConsumer`.
impl ConsumerApi for SimpleConsumer {
    fn consume(&self, block: bool) -> Result<Option<Message>> {
        SimpleConsumer::consume(self, block)
    }
    async fn consume_async(&self) -> Result<Option<Message>> {
        SimpleConsumer::consume_async(self).await
    }
    fn commit_offsets(&self, partition_offsets: Option<&[(i32, i64)]>) -> Result<()> {
        SimpleConsumer::commit_offsets(self, partition_offsets)
    }
    fn fetch_offsets(&self) -> Result<BTreeMap<i32, CommittedOffset>> {
        SimpleConsumer::fetch_offsets(self)
    }
    fn reset_offsets(&self, targets: Option<&[(i32, ResetTarget)]>) -> Result<()> {
        SimpleConsumer::reset_offsets(self, targets)
    }
    fn held_offsets(&self) -> BTreeMap<i32, i64> {
        SimpleConsumer::held_offsets(self)
    }
    fn partitions(&self) -> Vec<i32> {
        SimpleConsumer::partitions(self)
    }
    fn start(&self) -> Result<()> {
        SimpleConsumer::start(self)
    }
    fn stop(&self) -> Result<()> {
        SimpleConsumer::stop(self)
    }
}

impl<'a> IntoIterator for &'a SimpleConsumer {
    type Item = Result<Message>;
    type IntoIter = Iter<'a>;

    fn into_iter(self) -> Iter<'a> {
        self.iter()
    }
}
