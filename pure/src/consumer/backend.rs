//! What the SimpleConsumer needs from the cluster, as one small trait.
//!
//! The consumer's rules (starting offsets, queueing, the error table, retries) live in this module and talk
//! only to [`ConsumerBackend`]; the client layer implements it over real connections (leader routing,
//! coordinator lookup, version negotiation), and the unit tests implement it with an in-memory fake. That
//! keeps every offset rule testable without a broker, and keeps wire details out of the consumer.

use std::collections::BTreeMap;
use std::future::Future;

use bytes::Bytes;
use ferrokafka_core::{BrokerRef, KafkaCode, Result};

/// One partition of a fetch: where to read and how many bytes at most.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartitionFetch {
    pub partition: i32,
    pub offset: i64,
    pub max_bytes: i32,
}

/// A Fetch request to one broker, for partitions of one topic.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FetchParams {
    pub topic: String,
    /// Broker-side max wait (`fetch_wait_max_ms`).
    pub max_wait_ms: i32,
    /// `fetch_min_bytes`.
    pub min_bytes: i32,
    /// Response-level cap (Fetch v3+); the sum of the partitions' `max_bytes`.
    pub max_bytes: i32,
    /// 0 = read_uncommitted, 1 = read_committed.
    pub isolation_level: i8,
    /// In request order: a broker always returns the first batch of the first non-empty partition, however
    /// large (KIP-74), so partitions waiting on an oversized message are put first.
    pub partitions: Vec<PartitionFetch>,
}

/// A transaction aborted in the fetched range (read_committed fetches).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AbortedTxn {
    pub producer_id: i64,
    pub first_offset: i64,
}

/// One partition of a Fetch response, records still encoded.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FetchedPartition {
    pub partition: i32,
    /// `None` = no error.
    pub error: Option<KafkaCode>,
    pub high_watermark: i64,
    /// Present for read_committed fetches.
    pub aborted_transactions: Vec<AbortedTxn>,
    /// Message sets v0/v1 and/or record batches v2, possibly with a partial entry at the end.
    pub records: Bytes,
}

/// A ListOffsets answer for one partition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListedOffset {
    pub partition: i32,
    pub error: Option<KafkaCode>,
    /// `None` = the broker found no offset (a timestamp after the last message).
    pub offset: Option<i64>,
}

/// One offset to commit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommitEntry {
    pub partition: i32,
    /// The next offset to consume (PyKafka commits last consumed + 1).
    pub offset: i64,
    pub metadata: String,
}

/// Who commits: a standalone SimpleConsumer uses generation -1 and an empty member id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupMember {
    pub group: String,
    pub generation_id: i32,
    pub member_id: String,
}

/// An OffsetFetch answer for one partition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FetchedCommit {
    pub partition: i32,
    pub error: Option<KafkaCode>,
    /// -1 = nothing committed.
    pub offset: i64,
    pub metadata: Option<String>,
}

/// The cluster operations the SimpleConsumer uses. `Err` means the request as a whole failed (connection
/// lost, response undecodable, no leader known); per-partition codes come back inside the `Ok`.
pub trait ConsumerBackend: Send + Sync + 'static {
    /// Leader broker id per partition of `topic` (`None` while leaderless); `refresh` forces a metadata request.
    fn partition_leaders(
        &self,
        topic: &str,
        refresh: bool,
    ) -> impl Future<Output = Result<BTreeMap<i32, Option<i32>>>> + Send;

    /// How errors name `broker`: id and address where the backend knows the address.
    fn broker_ref(&self, broker: i32) -> BrokerRef {
        BrokerRef::id(broker)
    }

    /// One Fetch request to broker `broker`.
    fn fetch(
        &self,
        broker: i32,
        params: FetchParams,
    ) -> impl Future<Output = Result<Vec<FetchedPartition>>> + Send;

    /// ListOffsets for `(partition, timestamp)` pairs (-1 latest, -2 earliest), each routed to its leader.
    fn list_offsets(
        &self,
        topic: &str,
        queries: Vec<(i32, i64)>,
        isolation_level: i8,
    ) -> impl Future<Output = Result<Vec<ListedOffset>>> + Send;

    /// OffsetCommit to the group's coordinator.
    fn commit_offsets(
        &self,
        member: &GroupMember,
        topic: &str,
        entries: Vec<CommitEntry>,
    ) -> impl Future<Output = Result<Vec<(i32, Option<KafkaCode>)>>> + Send;

    /// OffsetFetch from the group's coordinator.
    fn fetch_committed(
        &self,
        group: &str,
        topic: &str,
        partitions: Vec<i32>,
    ) -> impl Future<Output = Result<Vec<FetchedCommit>>> + Send;

    /// Forget the group's coordinator so the next offset request looks it up again (codes 15, 16).
    fn refresh_coordinator(&self, group: &str) -> impl Future<Output = Result<()>> + Send;

    /// Close this consumer's own fetch connections (on `stop`); a later fetch opens new ones.
    fn close_fetch_connections(&self) {}
}
