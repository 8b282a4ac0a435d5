//! What the cluster reports and what admin calls take: brokers, partitions, groups, offset limits, topics
//! to create. Engine-independent, so the facade's public API names no engine type.

use std::collections::BTreeMap;

use bytes::Bytes;

use crate::error_code::KafkaCode;

/// A broker as the client knows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BrokerInfo {
    /// The broker's node id.
    pub id: i32,
    /// Host it advertises.
    pub host: String,
    /// Port it advertises.
    pub port: u16,
    /// Rack, when the broker has one.
    pub rack: Option<String>,
    /// Whether the main connection is open now.
    pub connected: bool,
}

/// A partition as the last metadata refresh described it (broker ids; -1 = no leader).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartitionInfo {
    /// Partition id.
    pub id: i32,
    /// The leader's broker id, -1 when there is none.
    pub leader: i32,
    /// Broker ids holding a replica.
    pub replicas: Vec<i32>,
    /// Broker ids of the in-sync replicas.
    pub isr: Vec<i32>,
}

/// A topic as the last metadata refresh described it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TopicInfo {
    /// Topic name.
    pub name: String,
    /// Kafka-internal (`__consumer_offsets`, ...).
    pub internal: bool,
    /// Partitions by id.
    pub partitions: BTreeMap<i32, PartitionInfo>,
}

/// One partition's ListOffsets answer: offsets newest first, or the error the broker gave (PyKafka's
/// `OffsetPartitionResponse`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartitionOffsets {
    /// Offsets, newest first.
    pub offsets: Vec<i64>,
    /// The partition's error, if any.
    pub error: Option<KafkaCode>,
}

/// A topic to create. `replication_factor` / `num_partitions` of -1 take the broker's defaults (v4+).
/// With `assignments` (partition → broker ids) both must be -1: the assignment fixes them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewTopic {
    /// Topic name.
    pub name: String,
    /// Partition count, -1 for the broker's default.
    pub num_partitions: i32,
    /// Replication factor, -1 for the broker's default.
    pub replication_factor: i16,
    /// Topic configs (`cleanup.policy`, `retention.ms`, ...).
    pub configs: Vec<(String, String)>,
    /// Replica placement per partition (the first broker is the preferred leader); empty for the broker's.
    pub assignments: Vec<(i32, Vec<i32>)>,
}

impl NewTopic {
    /// A topic with no configs.
    pub fn new(name: impl Into<String>, num_partitions: i32, replication_factor: i16) -> Self {
        NewTopic {
            name: name.into(),
            num_partitions,
            replication_factor,
            configs: Vec::new(),
            assignments: Vec::new(),
        }
    }

    /// Place `partition`'s replicas on these brokers (the first is the preferred leader). Set
    /// `num_partitions` and `replication_factor` to -1 when assigning.
    pub fn replica_assignment(mut self, partition: i32, broker_ids: Vec<i32>) -> Self {
        self.assignments.push((partition, broker_ids));
        self
    }

    /// Add a topic config (`cleanup.policy`, `retention.ms`, ...).
    pub fn config(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.configs.push((key.into(), value.into()));
        self
    }
}

/// A group as ListGroups reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupListing {
    /// Group id.
    pub group_id: String,
    /// "consumer" for consumer groups.
    pub protocol_type: String,
    /// Empty before ListGroups v4.
    pub state: String,
    /// The broker that listed it (its coordinator).
    pub coordinator: i32,
}

/// A member of a described group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupMember {
    /// Member id the coordinator gave.
    pub member_id: String,
    /// Static membership id, if any.
    pub group_instance_id: Option<String>,
    /// The member's client id.
    pub client_id: String,
    /// The member's host as the coordinator saw it.
    pub client_host: String,
    /// Its JoinGroup metadata, raw.
    pub member_metadata: Bytes,
    /// Its SyncGroup assignment, raw.
    pub member_assignment: Bytes,
}

/// A group as DescribeGroups reports it (PyKafka's `DescribeGroupResponse`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupDescription {
    /// Group id.
    pub group_id: String,
    /// The group's error, if any.
    pub error: Option<KafkaCode>,
    /// "Stable", "Empty", "PreparingRebalance", ...
    pub state: String,
    /// "consumer" for consumer groups.
    pub protocol_type: String,
    /// The assignor chosen ("range", "roundrobin").
    pub protocol: String,
    /// Members by member id.
    pub members: BTreeMap<String, GroupMember>,
}
