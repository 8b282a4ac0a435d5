//! `topic.balanced_consumer(group)`: PyKafka's `ManagedBalancedConsumer` — a consumer in a Kafka-managed
//! group that gets its share of the topic's partitions and follows rebalances; with `.managed(false)`,
//! PyKafka's ZooKeeper-coordinated `BalancedConsumer` (same znodes and assignment as PyKafka's members).
//!
//! Design (as PyKafka): the group logic is ferrokafka's own (the pure engine's group consumer, behind its
//! front door) for both engines, and the consumer that reads the assigned partitions is a [`SimpleConsumer`]
//! of the chosen engine, rebuilt on every rebalance that changes the partition set. Offsets are committed
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

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use bytes::Bytes;
use ferrokafka_core::{
    CommittedOffset, ConsumerEngine, ConsumerOptions, GroupOptions, Health, MembershipProtocol,
    Message, OffsetType, PostRebalanceCallback, RebalancedConsumer, ResetTarget, Result,
};
use ferrokafka_pure::{GroupSpec, PureGroupConsumer};
use futures::Stream;

use crate::consumer::{Deserializer, SimpleConsumer, SimpleConsumerBuilder};
use crate::consumer_common::{consumer_api_by_inherent, consumer_twins};
use crate::iter::{message_stream, Iter};
use crate::setters::{consumer_option_setters, rdkafka_property_setter, setters};
use crate::topic::Topic;
use crate::twins::twins;
use crate::unblock::{UnblockHandle, Unblocker};

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
            rdkafka_properties: Vec::new(),
        }
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
    rdkafka_properties: Vec<(String, String)>,
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
        /// Kafka-managed group (true, the default) or PyKafka's ZooKeeper-coordinated `BalancedConsumer`
        /// (false; needs a ZooKeeper-mode cluster, so Kafka 3.x or older).
        managed: bool;
        /// How long an unmanaged group waits for ZooKeeper (6000 ms), then fails with
        /// `ErrorKind::ZooKeeperUnavailable`.
        zookeeper_connection_timeout_ms: i64;
    }}

    /// The group's membership protocol (PyKafka's `membership_protocol`): `MembershipProtocol::Range` (the
    /// default), `RoundRobin`, [`RangeProtocol`](crate::RangeProtocol) /
    /// [`RoundRobinProtocol`](crate::RoundRobinProtocol), or a user-defined
    /// [`GroupMembershipProtocol`](crate::GroupMembershipProtocol) through
    /// [`MembershipProtocol::custom`]. Every member of a group must offer the same protocol name.
    pub fn membership_protocol(mut self, protocol: impl Into<MembershipProtocol>) -> Self {
        self.group.membership_protocol = protocol.into();
        self
    }

    /// The ZooKeeper ensemble of an unmanaged group (`"host:port[,host:port][/chroot]"`). Unset, the client's
    /// `zookeeper_hosts` is used, then `127.0.0.1:2181` (PyKafka's `zookeeper_connect or zookeeper_hosts`).
    pub fn zookeeper_connect(mut self, hosts: impl Into<String>) -> Self {
        self.group.zookeeper_connect = Some(hosts.into());
        self
    }

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

    /// PyKafka's `post_rebalance_callback(consumer, old_offsets, new_offsets)`: called after every rebalance
    /// that changed this member's partitions, with a view of the consumer (topic, group, member id,
    /// generation, partitions, engine) and the old and new held offsets. A returned
    /// `{partition: last consumed offset}` moves the new positions there (and commits them).
    pub fn post_rebalance_callback<F>(mut self, f: F) -> Self
    where
        F: Fn(
                &RebalancedConsumer,
                &BTreeMap<i32, i64>,
                &BTreeMap<i32, i64>,
            ) -> Option<BTreeMap<i32, i64>>
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

    rdkafka_property_setter!();

    twins! {
        /// Validates, and with `auto_start` joins the group and starts consuming.
        pub fn build / build_async(self) -> Result<BalancedConsumer>;
        context: Some(self.topic.handle().clone());
        cancel: "a join in progress runs to its end on a thread of its own, then the member leaves the group \
            in the background (nothing stays in the group).";
        {
            if self.use_rdkafka && !cfg!(feature = "native") {
                return Err(crate::engine::native_unavailable());
            }
            if !self.use_rdkafka {
                crate::engine::refuse_rdkafka_properties(&self.rdkafka_properties)?;
            }
            let auto_start = self.options.auto_start;
            let (topic, deserializer, use_rdkafka) =
                (self.topic.clone(), self.deserializer, self.use_rdkafka);
            let extra = self.rdkafka_properties;
            let make_inner = move |options: ConsumerOptions| {
                SimpleConsumerBuilder::from_parts(
                    topic.clone(),
                    options,
                    deserializer.clone(),
                    use_rdkafka,
                    extra.clone(),
                )
                .build()
            };
            let group = self.topic.client.pure.group_consumer(GroupSpec {
                topic: self.topic.name().to_string(),
                options: self.options,
                group_options: self.group,
                callback: self.callback,
                engine: if use_rdkafka { "librdkafka" } else { "pure" },
                make_inner: Arc::new(make_inner),
            })?;
            let consumer = BalancedConsumer {
                group,
                topic: self.topic,
                unblocker: Arc::default(),
            };
            if auto_start {
                consumer.start_async().await?;
            }
            Ok(consumer)
        }
    }
}

/// PyKafka's `ManagedBalancedConsumer`: a member of a Kafka-managed group reading its share of one topic's
/// partitions. Cheap to clone (shared). Dropping the last handle leaves the group in the background; call
/// [`stop`](Self::stop) to leave at once (the coordinator otherwise drops the member after
/// `session_timeout_ms`).
#[derive(Clone)]
pub struct BalancedConsumer {
    group: PureGroupConsumer<SimpleConsumer>,
    topic: Topic,
    unblocker: Arc<Unblocker>,
}

impl fmt::Debug for BalancedConsumer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BalancedConsumer")
            .field("topic", &self.topic.name())
            .field("group", &self.group.group())
            .field("member_id", &self.member_id())
            .field("generation_id", &self.generation_id())
            .field("partitions", &self.partitions())
            .finish_non_exhaustive()
    }
}

impl BalancedConsumer {
    /// The topic read.
    pub fn topic(&self) -> &Topic {
        &self.topic
    }

    /// "pure" or "librdkafka": the engine of the internal consumer.
    pub fn engine_name(&self) -> &'static str {
        self.group.name()
    }

    /// Whether the brokers are answering this member (never blocks): its heartbeats and rebalances, and its
    /// internal consumer's fetches, as [`SimpleConsumer::health`](crate::SimpleConsumer::health) describes.
    pub fn health(&self) -> Health {
        self.group.health()
    }

    /// This member's id in the group ("" before joining).
    pub fn member_id(&self) -> String {
        self.group.member_id()
    }

    /// The group generation this member last joined (-1 before).
    pub fn generation_id(&self) -> i32 {
        self.group.generation_id()
    }

    /// The next message. `block` waits up to `consumer_timeout_ms` (forever when -1 or 0), across
    /// rebalances, or until an [`UnblockHandle`] of this consumer fires; `Ok(None)` = none in time. A
    /// background failure (rebalance) is returned here once; `ConsumerStopped` when not running.
    pub fn consume(&self, block: bool) -> Result<Option<Message>> {
        let group = &self.group;
        self.unblocker.consume(
            self.topic.handle(),
            block,
            |block| group.consume(block),
            || group.consume_async(),
        )
    }

    /// A handle whose [`unblock`](UnblockHandle::unblock) makes a `consume(true)` / `consume_async()` blocked
    /// in another thread or task return `Ok(None)` at once (PyKafka's `consume(unblock_event=...)`).
    pub fn unblock_handle(&self) -> UnblockHandle {
        self.unblocker.handle()
    }

    /// `consume(true)` without blocking a tokio worker.
    ///
    /// **Cancel-safety:** a dropped future (`select!`, a timeout, a dropped stream) takes no message: the
    /// next call gets it.
    pub async fn consume_async(&self) -> Result<Option<Message>> {
        let next = self.unblocker.consume_async(self.group.consume_async());
        ferrokafka_core::bridge::on_runtime(Some(self.topic().handle()), next).await
    }

    consumer_twins!(group);

    /// Last consumed offset per held partition, -2 where nothing was consumed.
    pub fn held_offsets(&self) -> BTreeMap<i32, i64> {
        self.group.held_offsets()
    }

    /// The partition ids assigned to this member now.
    pub fn partitions(&self) -> Vec<i32> {
        self.group.partitions()
    }

    /// Messages until `consume(true)` returns `None` (PyKafka's `__iter__`).
    pub fn iter(&self) -> BalancedIter<'_> {
        Iter::new(self)
    }

    /// An async stream of messages, ending where the iterator does. Cancel-safe as `consume_async`.
    pub fn stream(&self) -> impl Stream<Item = Result<Message>> + Send + 'static {
        message_stream(self.clone())
    }
}

consumer_api_by_inherent!(BalancedConsumer);

/// PyKafka's `__iter__` over a balanced consumer: `consume(true)` until `None`; errors are yielded,
/// `ConsumerStopped` ends it.
pub type BalancedIter<'a> = Iter<'a, BalancedConsumer>;
