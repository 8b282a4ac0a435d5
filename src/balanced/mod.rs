//! `topic.balanced_consumer(group)`: PyKafka's `ManagedBalancedConsumer` — a consumer in a Kafka-managed
//! group that gets its share of the topic's partitions and follows rebalances.
//!
//! Design (as PyKafka): the group logic is ferrokafka's own (pure engine, `ferrokafka_pure::group`) for both
//! engines, and the consumer that reads the assigned partitions is a SimpleConsumer of the chosen engine,
//! rebuilt on every rebalance that changes the partition set. Offsets are committed by the balanced consumer
//! with the group's generation and member id, whatever the engine.
//!
//! ```no_run
//! let client = ferrokafka::KafkaClient::new("127.0.0.1:9092")?;
//! let topic = client.topic("events")?;
//! let consumer = topic.balanced_consumer("analytics").consumer_timeout_ms(5000).build()?;
//! for message in consumer.iter() {
//!     let message = message?;
//!     println!("{} {} {:?}", message.partition_id, message.offset, message.value);
//! }
//! consumer.stop()?;
//! # Ok::<(), ferrokafka::Error>(())
//! ```

mod consumer;
mod offsets;
mod worker;

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use bytes::Bytes;
use ferrokafka_core::options::validate_name;
use ferrokafka_core::{ConsumerOptions, Error, OffsetType, Result};

pub use consumer::{BalancedConsumer, BalancedIter};
pub use ferrokafka_pure::group::Assignor as MembershipProtocol;

use crate::consumer::{consumer_option_setters, setters, Deserializer};
use crate::topic::Topic;

/// PyKafka's `post_rebalance_callback(consumer, old_offsets, new_offsets)`: old and new held offsets; a
/// returned map `{partition: last consumed offset}` moves the new positions there (PyKafka's int form).
pub type PostRebalanceCallback = Arc<
    dyn Fn(&BTreeMap<i32, i64>, &BTreeMap<i32, i64>) -> Option<BTreeMap<i32, i64>> + Send + Sync,
>;

impl Topic {
    /// A ManagedBalancedConsumer builder for `group`, with PyKafka's defaults.
    pub fn balanced_consumer(&self, group: impl Into<String>) -> BalancedConsumerBuilder {
        let options = ConsumerOptions {
            consumer_group: Some(group.into()),
            ..ConsumerOptions::default()
        };
        BalancedConsumerBuilder {
            topic: self.clone(),
            group: GroupOptions::default(),
            options,
            deserializer: None,
            callback: None,
            use_rdkafka: false,
        }
    }
}

/// The options a balanced consumer adds to the SimpleConsumer's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupOptions {
    /// Join/sync attempts per rebalance (5).
    pub rebalance_max_retries: i64,
    /// Attempt i waits i × this (2000).
    pub rebalance_backoff_ms: i64,
    /// Heartbeat period (3000); must be below `session_timeout_ms`.
    pub heartbeat_interval_ms: i64,
    /// Members silent this long are dropped by the coordinator (30000, PyKafka's fixed value).
    pub session_timeout_ms: i64,
    /// How long the coordinator waits for members to rejoin (30000).
    pub rebalance_timeout_ms: i64,
    /// Range (default) or RoundRobin, PyKafka's assignors.
    pub membership_protocol: MembershipProtocol,
}

impl Default for GroupOptions {
    fn default() -> Self {
        GroupOptions {
            rebalance_max_retries: 5,
            rebalance_backoff_ms: 2000,
            heartbeat_interval_ms: 3000,
            session_timeout_ms: 30000,
            rebalance_timeout_ms: 30000,
            membership_protocol: MembershipProtocol::Range,
        }
    }
}

impl GroupOptions {
    fn validate(&self) -> Result<()> {
        let positive = |name: &str, v: i64| {
            if v <= 0 || v > i32::MAX as i64 {
                Err(Error::config(
                    name,
                    format!("must be in 1..={}, got {v}", i32::MAX),
                ))
            } else {
                Ok(())
            }
        };
        positive("rebalance_max_retries", self.rebalance_max_retries)?;
        positive("heartbeat_interval_ms", self.heartbeat_interval_ms)?;
        positive("session_timeout_ms", self.session_timeout_ms)?;
        positive("rebalance_timeout_ms", self.rebalance_timeout_ms)?;
        if !(0..=i32::MAX as i64).contains(&self.rebalance_backoff_ms) {
            return Err(Error::config(
                "rebalance_backoff_ms",
                format!(
                    "must be in 0..={}, got {}",
                    i32::MAX,
                    self.rebalance_backoff_ms
                ),
            ));
        }
        if self.heartbeat_interval_ms >= self.session_timeout_ms {
            return Err(Error::config(
                "heartbeat_interval_ms",
                format!(
                    "must be below session_timeout_ms ({}), got {}",
                    self.session_timeout_ms, self.heartbeat_interval_ms
                ),
            ));
        }
        Ok(())
    }
}

/// Builds a [`BalancedConsumer`]. Setters are named after PyKafka's `ManagedBalancedConsumer` arguments.
#[must_use = "call build() to get a consumer"]
pub struct BalancedConsumerBuilder {
    topic: Topic,
    options: ConsumerOptions,
    group: GroupOptions,
    deserializer: Option<Deserializer>,
    callback: Option<PostRebalanceCallback>,
    use_rdkafka: bool,
}

impl fmt::Debug for BalancedConsumerBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BalancedConsumerBuilder")
            .field("topic", &self.topic.name())
            .field("options", &self.options)
            .field("group", &self.group)
            .field("use_rdkafka", &self.use_rdkafka)
            .finish_non_exhaustive()
    }
}

impl BalancedConsumerBuilder {
    consumer_option_setters!();

    setters! { options {
        /// Join the group in `build()` (true).
        auto_start: bool;
        /// Ignore committed offsets on the first assignment (false).
        reset_offset_on_start: bool;
    }}

    setters! { group {
        /// Join/sync attempts per rebalance (5).
        rebalance_max_retries: i64;
        /// Attempt i waits i × this ms (2000).
        rebalance_backoff_ms: i64;
        /// 3000.
        heartbeat_interval_ms: i64;
        /// 30000 (PyKafka's fixed value).
        session_timeout_ms: i64;
        /// 30000.
        rebalance_timeout_ms: i64;
        /// Range (default) or RoundRobin.
        membership_protocol: MembershipProtocol;
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

    /// Called after every rebalance that changed the partitions, with the old and new held offsets.
    pub fn post_rebalance_callback<F>(mut self, f: F) -> Self
    where
        F: Fn(&BTreeMap<i32, i64>, &BTreeMap<i32, i64>) -> Option<BTreeMap<i32, i64>>
            + Send
            + Sync
            + 'static,
    {
        self.callback = Some(Arc::new(f));
        self
    }

    /// Read the assigned partitions with librdkafka (needs the `native` cargo feature); the group
    /// membership stays ferrokafka's.
    pub fn use_rdkafka(mut self, yes: bool) -> Self {
        self.use_rdkafka = yes;
        self
    }

    /// The SimpleConsumer options as set so far.
    pub fn options(&self) -> &ConsumerOptions {
        &self.options
    }

    /// The group options as set so far.
    pub fn group_options(&self) -> &GroupOptions {
        &self.group
    }

    /// Validates, and with `auto_start` joins the group and starts consuming. Blocking.
    pub fn build(self) -> Result<BalancedConsumer> {
        let group = self.options.consumer_group.clone().unwrap_or_default();
        validate_name("consumer group", &group)?;
        self.options.validate()?;
        self.group.validate()?;
        if self.use_rdkafka && !cfg!(feature = "native") {
            return Err(Error::EngineUnavailable(
                "use_rdkafka(true) needs the librdkafka engine: build ferrokafka with the `native` \
                 feature (on by default; remove `default-features = false` or add \
                 `features = [\"native\"]`)"
                    .into(),
            ));
        }
        let auto_start = self.options.auto_start;
        let consumer = BalancedConsumer::new(worker::Settings {
            topic: self.topic,
            group,
            options: self.options,
            group_options: self.group,
            deserializer: self.deserializer,
            callback: self.callback,
            use_rdkafka: self.use_rdkafka,
        });
        if auto_start {
            consumer.start()?;
        }
        Ok(consumer)
    }

    /// [`build`](Self::build) without blocking a tokio worker.
    pub async fn build_async(self) -> Result<BalancedConsumer> {
        let handle = self.topic.client.runtime.handle().clone();
        handle
            .spawn_blocking(move || self.build())
            .await
            .map_err(|e| Error::Other(format!("building the consumer failed: {e}")))?
    }
}
