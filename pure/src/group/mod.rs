//! Kafka-managed consumer groups (PyKafka's `ManagedBalancedConsumer`), shared by both engines: the group
//! consumer runs this membership and feeds the assigned partitions to a SimpleConsumer of either engine.
//!
//! - [`balanced`]: the group consumer (rebalances, heartbeats, group offsets), generic over the internal
//!   consumer;
//! - [`assignors`]: PyKafka's `range` and `roundrobin`, byte-compatible for mixed groups;
//! - [`protocol_metadata`]: the JoinGroup metadata and SyncGroup assignment payloads;
//! - [`membership`]: join / sync / heartbeat / leave against the coordinator.

pub mod assignors;
pub mod balanced;
pub mod membership;
pub mod protocol_metadata;

pub use assignors::{Assignor, PartitionLeader};
pub use membership::{Membership, MembershipConfig};
