//! Kafka-managed consumer groups (PyKafka's `ManagedBalancedConsumer` protocol side), shared by both engines:
//! the facade's BalancedConsumer runs this membership and feeds the assigned partitions to a SimpleConsumer
//! of either engine.
//!
//! - [`assignors`]: PyKafka's `range` and `roundrobin`, byte-compatible for mixed groups;
//! - [`protocol_metadata`]: the JoinGroup metadata and SyncGroup assignment payloads;
//! - [`membership`]: join / sync / heartbeat / leave against the coordinator.

pub mod assignors;
pub mod membership;
pub mod protocol_metadata;

pub use assignors::{Assignor, PartitionLeader};
pub use membership::{Membership, MembershipConfig};
