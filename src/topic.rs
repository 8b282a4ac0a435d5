//! `Topic` and `Partition`: a topic's partitions, leaders and offset limits. Producer and consumer builders
//! hang off `Topic` (added next to these methods); a `Topic` holds the client internals, its name and the
//! client options, so it stays valid on its own.

use std::collections::BTreeMap;
use std::sync::Arc;

use ferrokafka_core::{ClientOptions, Error, ErrorContext, OffsetType, PartitionOffsets, Result};

use crate::broker::Broker;
use crate::client_inner::ClientInner;
use crate::twins::twins;

/// What `fetch_offset_limits` looks before: PyKafka's `OffsetType` or a time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OffsetsBefore {
    /// The oldest offset (-2).
    Earliest,
    /// The next offset to be written (-1).
    Latest,
    /// Milliseconds since the epoch.
    Timestamp(i64),
}

impl OffsetsBefore {
    /// The ListOffsets timestamp field.
    pub fn as_i64(self) -> i64 {
        match self {
            OffsetsBefore::Earliest => -2,
            OffsetsBefore::Latest => -1,
            OffsetsBefore::Timestamp(ms) => ms,
        }
    }
}

impl From<OffsetType> for OffsetsBefore {
    fn from(t: OffsetType) -> Self {
        match t {
            OffsetType::Earliest => OffsetsBefore::Earliest,
            OffsetType::Latest => OffsetsBefore::Latest,
        }
    }
}

/// PyKafka's integer form: -2 / -1 are EARLIEST / LATEST, anything else a timestamp in ms.
impl From<i64> for OffsetsBefore {
    fn from(v: i64) -> Self {
        match v {
            -2 => OffsetsBefore::Earliest,
            -1 => OffsetsBefore::Latest,
            ms => OffsetsBefore::Timestamp(ms),
        }
    }
}

impl From<std::time::SystemTime> for OffsetsBefore {
    fn from(t: std::time::SystemTime) -> Self {
        let ms = t
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_millis() as i64)
            .unwrap_or(0);
        OffsetsBefore::Timestamp(ms)
    }
}

/// One partition's ListOffsets answer: offsets newest first (PyKafka's `OffsetPartitionResponse`).
pub type OffsetPartitionResponse = ferrokafka_core::PartitionOffsets;

/// A topic (PyKafka's `Topic`). Cheap to clone.
#[derive(Debug, Clone)]
pub struct Topic {
    pub(crate) client: Arc<ClientInner>,
    pub(crate) name: String,
    pub(crate) options: ClientOptions,
}

impl PartialEq for Topic {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name && Arc::ptr_eq(&self.client, &other.client)
    }
}

impl Topic {
    pub(crate) fn new(client: Arc<ClientInner>, name: &str) -> Self {
        let options = client.options.clone();
        Topic {
            client,
            name: name.to_string(),
            options,
        }
    }

    /// The topic's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The client options this topic's producers and consumers start from.
    pub fn client_options(&self) -> &ClientOptions {
        &self.options
    }

    /// Partitions by id, from the last metadata refresh.
    pub fn partitions(&self) -> BTreeMap<i32, Partition> {
        self.client
            .pure
            .cached_topic(&self.name)
            .map(|t| {
                t.partitions
                    .into_values()
                    .map(|p| {
                        (
                            p.id,
                            Partition {
                                id: p.id,
                                leader: p.leader,
                                replicas: p.replicas,
                                isr: p.isr,
                                topic: self.clone(),
                            },
                        )
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The runtime the blocking forms enter while they wait.
    pub(crate) fn handle(&self) -> &tokio::runtime::Handle {
        self.client.pure.runtime_handle()
    }

    twins! {
        /// Refresh this topic's metadata (leaders, partitions).
        pub fn update / update_async(&self) -> Result<()>;
        context: Some(self.handle());
        cancel: "dropping it abandons the wait; the refresh finishes in the background.";
        {
            let pure = &self.client.pure;
            pure.run(pure.refresh_topic(&self.name)).await.map(|_| ())
        }

        /// Offsets per partition before `offsets_before`, at most `max_offsets` each, newest first (PyKafka's
        /// `fetch_offset_limits`). Several offsets need ListOffsets v0 (Kafka ≤ 3.9); Kafka 4.x gives one.
        pub fn fetch_offset_limits / fetch_offset_limits_async(
            &self,
            offsets_before: impl Into<OffsetsBefore>,
            max_offsets: i32,
        ) -> Result<BTreeMap<i32, OffsetPartitionResponse>>;
        context: Some(self.handle());
        cancel: "dropping it abandons the wait; nothing changes on the cluster.";
        {
            let before = offsets_before.into().as_i64();
            let pure = &self.client.pure;
            pure.run(pure.fetch_offset_limits(&self.name, None, before, max_offsets)).await
        }

        /// The first offset of each partition.
        pub fn earliest_available_offsets / earliest_available_offsets_async(
            &self,
        ) -> Result<BTreeMap<i32, OffsetPartitionResponse>>;
        context: Some(self.handle());
        cancel: "dropping it abandons the wait; nothing changes on the cluster.";
        { self.fetch_offset_limits_async(OffsetsBefore::Earliest, 1).await }

        /// The offset the next message will get, per partition.
        pub fn latest_available_offsets / latest_available_offsets_async(
            &self,
        ) -> Result<BTreeMap<i32, OffsetPartitionResponse>>;
        context: Some(self.handle());
        cancel: "dropping it abandons the wait; nothing changes on the cluster.";
        { self.fetch_offset_limits_async(OffsetsBefore::Latest, 1).await }
    }
}

/// A partition of a topic (PyKafka's `Partition`): broker ids of its leader (-1 = none), replicas and ISR.
#[derive(Debug, Clone)]
pub struct Partition {
    /// Partition id.
    pub id: i32,
    /// The leader's broker id, -1 when there is none.
    pub leader: i32,
    /// Broker ids holding a replica.
    pub replicas: Vec<i32>,
    /// Broker ids of the in-sync replicas.
    pub isr: Vec<i32>,
    topic: Topic,
}

impl PartialEq for Partition {
    /// PyKafka compares partitions by (topic, id).
    fn eq(&self, other: &Self) -> bool {
        self.id == other.id && self.topic == other.topic
    }
}

impl Eq for Partition {}

impl Partition {
    /// What equality compares, in the order partitions sort: topic name, id, then the client (two clients'
    /// topics of the same name are different topics, as `PartialEq` says).
    fn identity(&self) -> (&str, i32, usize) {
        let client = Arc::as_ptr(&self.topic.client) as usize;
        (self.topic.name.as_str(), self.id, client)
    }
}

/// Hashes what `PartialEq` compares, none of which changes, so a `Partition` is a sound set or map key
/// (clippy's `mutable_key_type` lint sees the client's interior mutability and may be allowed).
impl std::hash::Hash for Partition {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.identity().hash(state);
    }
}

impl PartialOrd for Partition {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

/// By topic name, then partition id (PyKafka sorts partitions by id within a topic).
impl Ord for Partition {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.identity().cmp(&other.identity())
    }
}

impl Partition {
    /// The topic it belongs to.
    pub fn topic(&self) -> &Topic {
        &self.topic
    }

    fn handles(&self, ids: &[i32]) -> Vec<Broker> {
        ids.iter()
            .map(|&id| Broker::new(Arc::clone(&self.topic.client), id))
            .collect()
    }

    /// The leader as a live broker handle; `None` when the partition had no leader (-1).
    pub fn leader_broker(&self) -> Option<Broker> {
        (self.leader >= 0).then(|| Broker::new(Arc::clone(&self.topic.client), self.leader))
    }

    /// The replicas as live broker handles (PyKafka's `partition.replicas`).
    pub fn replica_brokers(&self) -> Vec<Broker> {
        self.handles(&self.replicas)
    }

    /// The in-sync replicas as live broker handles (PyKafka's `partition.isr`).
    pub fn isr_brokers(&self) -> Vec<Broker> {
        self.handles(&self.isr)
    }

    twins! {
        /// Offsets before `offsets_before`, newest first, at most `max_offsets`.
        pub fn fetch_offset_limit / fetch_offset_limit_async(
            &self,
            offsets_before: impl Into<OffsetsBefore>,
            max_offsets: i32,
        ) -> Result<Vec<i64>>;
        context: Some(self.topic.handle());
        cancel: "dropping it abandons the wait; nothing changes on the cluster.";
        {
            let before = offsets_before.into().as_i64();
            let pure = &self.topic.client.pure;
            let partitions = Some(vec![self.id]);
            let mut map = pure
                .run(pure.fetch_offset_limits(&self.topic.name, partitions, before, max_offsets))
                .await?;
            let ans = map.remove(&self.id).unwrap_or(PartitionOffsets {
                offsets: Vec::new(),
                error: None,
            });
            match ans.error {
                Some(code) => Err(Error::kafka(
                    code,
                    ErrorContext::partition(&self.topic.name, self.id),
                )),
                None => Ok(ans.offsets),
            }
        }

        /// The offset the next message will get.
        pub fn latest_available_offset / latest_available_offset_async(&self) -> Result<i64>;
        context: Some(self.topic.handle());
        cancel: "dropping it abandons the wait; nothing changes on the cluster.";
        {
            let pure = &self.topic.client.pure;
            pure.run(pure.partition_offset(&self.topic.name, self.id, -1)).await
        }

        /// The first available offset.
        pub fn earliest_available_offset / earliest_available_offset_async(&self) -> Result<i64>;
        context: Some(self.topic.handle());
        cancel: "dropping it abandons the wait; nothing changes on the cluster.";
        {
            let pure = &self.topic.client.pure;
            pure.run(pure.partition_offset(&self.topic.name, self.id, -2)).await
        }
    }
}
