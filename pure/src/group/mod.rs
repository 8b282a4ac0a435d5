//! Consumer groups, shared by both engines: Kafka-managed (PyKafka's `ManagedBalancedConsumer`) and
//! ZooKeeper-coordinated (PyKafka's `BalancedConsumer`). The group consumer runs the membership and feeds the
//! assigned partitions to a SimpleConsumer of either engine.
//!
//! - [`balanced`]: the group consumer (rebalances, heartbeats, group offsets), generic over the internal
//!   consumer;
//! - the membership protocols (PyKafka's `range` and `roundrobin`, byte-compatible for mixed groups, and
//!   the user's) live in `ferrokafka_core` with the group options;
//! - [`protocol_metadata`]: the JoinGroup metadata and SyncGroup assignment payloads;
//! - [`membership`]: join / sync / heartbeat / leave against the coordinator;
//! - [`zookeeper`]: registration, owner znodes and watches in ZooKeeper;
//! - [`coordination`]: either membership behind one interface.

pub mod balanced;
pub mod coordination;
pub mod membership;
pub mod protocol_metadata;
pub mod zookeeper;

/// The group's membership protocol, under the name this crate used before it became a trait.
pub use ferrokafka_core::MembershipProtocol as Assignor;
pub use ferrokafka_core::PartitionLeader;
pub use membership::{Membership, MembershipConfig};
