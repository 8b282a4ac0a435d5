//! Who decides a group member's partitions: Kafka's group coordinator (PyKafka's `ManagedBalancedConsumer`)
//! or ZooKeeper (PyKafka's `BalancedConsumer`). The balanced consumer's worker drives either through this
//! one interface: rebalance, a periodic check, leave.

use std::collections::BTreeSet;
use std::time::Duration;

use ferrokafka_core::Error;

use super::zookeeper::ZkMembership;
use super::Membership;

/// How often a ZooKeeper member looks at its watch flag: a local check, so often (PyKafka reacts at once).
const ZOOKEEPER_POLL: Duration = Duration::from_millis(100);

/// The membership of a group consumer.
#[derive(Debug)]
pub enum Coordination {
    /// Kafka-managed: join / sync / heartbeat / leave.
    Kafka(Membership),
    /// ZooKeeper-coordinated: registration, owner znodes, watches.
    ZooKeeper(ZkMembership),
}

impl Coordination {
    /// This member's partitions after a rebalance.
    pub async fn rebalance(
        &mut self,
        max_retries: u32,
        backoff: Duration,
    ) -> Result<BTreeSet<i32>, Error> {
        match self {
            Coordination::Kafka(m) => m.rebalance(max_retries, backoff).await,
            Coordination::ZooKeeper(z) => z.rebalance(max_retries, backoff).await,
        }
    }

    /// The generation offsets are committed with: Kafka's, or -1 outside a Kafka-managed group.
    pub fn generation_id(&self) -> i32 {
        match self {
            Coordination::Kafka(m) => m.generation_id(),
            Coordination::ZooKeeper(_) => -1,
        }
    }

    /// The member id offsets are committed with: Kafka's, or empty outside a Kafka-managed group.
    pub fn member_id(&self) -> &str {
        match self {
            Coordination::Kafka(m) => m.member_id(),
            Coordination::ZooKeeper(_) => "",
        }
    }

    /// The periodic check: a heartbeat, or a look at the ZooKeeper watches. `Ok(true)`: rebalance now.
    pub async fn check(&mut self) -> Result<bool, Error> {
        match self {
            Coordination::Kafka(m) => m.heartbeat().await,
            Coordination::ZooKeeper(z) => Ok(z.needs_rebalance()),
        }
    }

    /// How long between two checks.
    pub fn check_interval(&self, heartbeat: Duration) -> Duration {
        match self {
            Coordination::Kafka(_) => heartbeat,
            Coordination::ZooKeeper(_) => ZOOKEEPER_POLL,
        }
    }

    /// Leave the group so the others rebalance at once.
    pub async fn leave(&mut self) -> Result<(), Error> {
        match self {
            Coordination::Kafka(m) => m.leave().await,
            Coordination::ZooKeeper(z) => z.leave().await,
        }
    }
}
