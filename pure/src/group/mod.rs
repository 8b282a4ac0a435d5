//! Consumer groups, shared by both engines: Kafka-managed (PyKafka's `ManagedBalancedConsumer`) and
//! ZooKeeper-coordinated (PyKafka's `BalancedConsumer`). The group consumer runs the membership and feeds the
//! assigned partitions to a SimpleConsumer of either engine.
//!
//! - [`balanced`]: the group consumer (rebalances, heartbeats, group offsets), generic over the internal
//!   consumer;
//! - [`assignors`]: PyKafka's `range` and `roundrobin`, byte-compatible for mixed groups;
//! - [`protocol_metadata`]: the JoinGroup metadata and SyncGroup assignment payloads;
//! - [`membership`]: join / sync / heartbeat / leave against the coordinator;
//! - [`zookeeper`]: registration, owner znodes and watches in ZooKeeper;
//! - [`coordination`]: either membership behind one interface.

pub mod assignors;
pub mod balanced;
pub mod coordination;
pub mod membership;
pub mod protocol_metadata;
pub mod zookeeper;

pub use assignors::{Assignor, PartitionLeader};
pub use membership::{Membership, MembershipConfig};
