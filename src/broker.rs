//! `Broker`: a live handle on one broker (PyKafka's `Broker`). It holds the broker's id and reads the
//! client's current metadata on every use, so it follows refreshes; once the broker has left the metadata
//! every call fails with an `InvalidState` error naming it. Its calls go to THAT broker, never to a routed
//! leader or coordinator, on the pure engine's connections (whichever engine producers and consumers use).

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use ferrokafka_core::{BrokerInfo, ClusterMetadata, FetchedMessages, Result};

use crate::client_inner::ClientInner;
use crate::topic::{OffsetPartitionResponse, OffsetsBefore};
use crate::twins::twins;

/// A live handle on one broker of the cluster. Cheap to clone.
#[derive(Clone)]
pub struct Broker {
    client: Arc<ClientInner>,
    id: i32,
}

impl fmt::Debug for Broker {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.info() {
            Ok(b) => write!(f, "Broker({} {}:{})", b.id, b.host, b.port),
            Err(_) => write!(f, "Broker({} gone)", self.id),
        }
    }
}

impl PartialEq for Broker {
    /// Handles are equal when they name the same broker id (PyKafka compares brokers by id).
    fn eq(&self, other: &Self) -> bool {
        self.id == other.id
    }
}

impl Broker {
    pub(crate) fn new(client: Arc<ClientInner>, id: i32) -> Self {
        Broker { client, id }
    }

    fn handle(&self) -> &tokio::runtime::Handle {
        self.client.pure.runtime_handle()
    }

    /// The broker's node id.
    pub fn id(&self) -> i32 {
        self.id
    }

    /// The broker as the current metadata has it (address, rack, whether connected now).
    pub fn info(&self) -> Result<BrokerInfo> {
        self.client.pure.live_broker(self.id)
    }

    /// The host it advertises now.
    pub fn host(&self) -> Result<String> {
        self.info().map(|b| b.host)
    }

    /// The port it advertises now.
    pub fn port(&self) -> Result<u16> {
        self.info().map(|b| b.port)
    }

    /// Its rack, if it has one.
    pub fn rack(&self) -> Result<Option<String>> {
        self.info().map(|b| b.rack)
    }

    /// Whether the client's main connection to it is open now (false once it is gone).
    pub fn connected(&self) -> bool {
        self.info().is_ok_and(|b| b.connected)
    }

    twins! {
        /// Fetch one partition from `offset`, at most `max_bytes`, from this broker (PyKafka's
        /// `fetch_messages`). Waits up to 100 ms on the broker when nothing is there yet. Not the leader →
        /// a `Kafka` error with NOT_LEADER_OR_FOLLOWER; `max_bytes` smaller than the next message →
        /// `InvalidInput`.
        pub fn fetch_messages / fetch_messages_async(
            &self,
            topic: &str,
            partition: i32,
            offset: i64,
            max_bytes: i32,
        ) -> Result<FetchedMessages>;
        context: Some(self.handle());
        cancel: "dropping it abandons the wait; nothing changes on the cluster.";
        {
            let pure = &self.client.pure;
            pure.run(pure.broker_fetch(self.id, topic, partition, offset, max_bytes)).await
        }

        /// ListOffsets on this broker (PyKafka's `request_offset_limits`): offsets before
        /// `offsets_before` for `partitions` of `topic`, at most `max_offsets` each, newest first.
        /// Per-partition errors (NOT_LEADER_OR_FOLLOWER on a follower) are in the map.
        pub fn request_offset_limits / request_offset_limits_async(
            &self,
            topic: &str,
            partitions: &[i32],
            offsets_before: impl Into<OffsetsBefore>,
            max_offsets: i32,
        ) -> Result<BTreeMap<i32, OffsetPartitionResponse>>;
        context: Some(self.handle());
        cancel: "dropping it abandons the wait; nothing changes on the cluster.";
        {
            let before = offsets_before.into().as_i64();
            let pure = &self.client.pure;
            pure.run(pure.broker_offset_limits(self.id, topic, partitions, before, max_offsets)).await
        }

        /// Metadata from this broker for `topics` (empty = every topic), never auto-creating one (PyKafka's
        /// `request_metadata`). Does not change what the client knows.
        pub fn request_metadata / request_metadata_async(&self, topics: &[&str]) -> Result<ClusterMetadata>;
        context: Some(self.handle());
        cancel: "dropping it abandons the wait; nothing changes on the cluster.";
        {
            let names = (!topics.is_empty()).then(|| topics.iter().map(|t| t.to_string()).collect());
            let pure = &self.client.pure;
            pure.run(pure.broker_metadata(self.id, names)).await
        }

        /// OffsetCommit on this broker of `offsets` (partition → offset) for `group`, outside any
        /// generation, as a simple consumer commits (PyKafka's `commit_consumer_group_offsets`). Not the
        /// group's coordinator → a `Kafka` error with NOT_COORDINATOR.
        pub fn commit_consumer_group_offsets / commit_consumer_group_offsets_async(
            &self,
            group: &str,
            topic: &str,
            offsets: &BTreeMap<i32, i64>,
        ) -> Result<()>;
        context: Some(self.handle());
        cancel: "dropping it abandons the wait, not the request: the offsets may still be committed.";
        {
            let pure = &self.client.pure;
            pure.run(pure.broker_commit_offsets(self.id, group, topic, offsets)).await
        }

        /// OffsetFetch on this broker: `group`'s committed offset for each of `partitions` of `topic`, -1
        /// where none is (PyKafka's `fetch_consumer_group_offsets`). Not the coordinator → NOT_COORDINATOR.
        pub fn fetch_consumer_group_offsets / fetch_consumer_group_offsets_async(
            &self,
            group: &str,
            topic: &str,
            partitions: &[i32],
        ) -> Result<BTreeMap<i32, i64>>;
        context: Some(self.handle());
        cancel: "dropping it abandons the wait; nothing changes on the cluster.";
        {
            let pure = &self.client.pure;
            pure.run(pure.broker_committed_offsets(self.id, group, topic, partitions)).await
        }
    }
}
