//! The options a balanced consumer adds to the SimpleConsumer's (PyKafka's `ManagedBalancedConsumer`).

use std::collections::BTreeMap;
use std::sync::Arc;

use super::membership_protocol::MembershipProtocol;
use crate::error::{Error, Result};

/// What a post-rebalance callback can read about its consumer (PyKafka passes the consumer itself): taken
/// once the rebalance has settled this member's partitions, so reading it inside the callback cannot
/// deadlock against the rebalance that is calling it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RebalancedConsumer {
    /// The topic read.
    pub topic: String,
    /// The consumer group.
    pub group: String,
    /// This member's id in the group (PyKafka's `_consumer_id`).
    pub consumer_id: String,
    /// The generation just joined (PyKafka's `_generation_id`).
    pub generation_id: i32,
    /// The partition ids this member holds now, ascending.
    pub partitions: Vec<i32>,
    /// The engine of the internal consumer: "pure" or "librdkafka".
    pub engine: &'static str,
}

/// PyKafka's `post_rebalance_callback(consumer, old_offsets, new_offsets)`: the consumer (as a
/// [`RebalancedConsumer`] view), old and new held offsets; a returned map `{partition: last consumed offset}`
/// moves the new positions there (PyKafka's int form).
pub type PostRebalanceCallback = Arc<
    dyn Fn(
            &RebalancedConsumer,
            &BTreeMap<i32, i64>,
            &BTreeMap<i32, i64>,
        ) -> Option<BTreeMap<i32, i64>>
        + Send
        + Sync,
>;

/// The options a balanced consumer adds to the SimpleConsumer's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupOptions {
    /// Join/sync attempts per rebalance (5).
    pub rebalance_max_retries: i64,
    /// Attempt i waits i × this (2000).
    pub rebalance_backoff_ms: i64,
    /// Heartbeat period (3000); must be below `session_timeout_ms`.
    pub heartbeat_interval_ms: i64,
    /// Members silent this long are dropped by the coordinator (30000, PyKafka's fixed value).
    pub session_timeout_ms: i64,
    /// How long the coordinator waits for members to rejoin (30000).
    pub rebalance_timeout_ms: i64,
    /// Range (default), RoundRobin (PyKafka's assignors) or a user-defined protocol.
    pub membership_protocol: MembershipProtocol,
    /// Kafka-managed group (true, our default: PyKafka's `managed=True`), or ZooKeeper-coordinated
    /// (false: PyKafka's default `BalancedConsumer`; needs a ZooKeeper-mode cluster, so not Kafka 4).
    pub managed: bool,
    /// The ZooKeeper ensemble of an unmanaged group, `host:port[,host:port][/chroot]`; `None` falls back to
    /// the client's `zookeeper_hosts`, then PyKafka's `127.0.0.1:2181`.
    pub zookeeper_connect: Option<String>,
    /// How long an unmanaged group waits for ZooKeeper to answer (6000).
    pub zookeeper_connection_timeout_ms: i64,
}

impl Default for GroupOptions {
    fn default() -> Self {
        GroupOptions {
            rebalance_max_retries: 5,
            rebalance_backoff_ms: 2000,
            heartbeat_interval_ms: 3000,
            session_timeout_ms: 30000,
            rebalance_timeout_ms: 30000,
            membership_protocol: MembershipProtocol::Range,
            managed: true,
            zookeeper_connect: None,
            zookeeper_connection_timeout_ms: 6000,
        }
    }
}

impl GroupOptions {
    /// Every option in range, and the heartbeat below the session timeout.
    pub fn validate(&self) -> Result<()> {
        let positive = |name: &str, v: i64| {
            if v <= 0 || v > i32::MAX as i64 {
                Err(Error::config(
                    name,
                    format!("must be in 1..={}, got {v}", i32::MAX),
                ))
            } else {
                Ok(())
            }
        };
        positive("rebalance_max_retries", self.rebalance_max_retries)?;
        positive("heartbeat_interval_ms", self.heartbeat_interval_ms)?;
        positive("session_timeout_ms", self.session_timeout_ms)?;
        positive("rebalance_timeout_ms", self.rebalance_timeout_ms)?;
        positive(
            "zookeeper_connection_timeout_ms",
            self.zookeeper_connection_timeout_ms,
        )?;
        if let Some(hosts) = &self.zookeeper_connect {
            if hosts
                .split('/')
                .next()
                .unwrap_or_default()
                .trim()
                .is_empty()
            {
                return Err(Error::config(
                    "zookeeper_connect",
                    format!("no ZooKeeper host in {hosts:?}"),
                ));
            }
        }
        if !(0..=i32::MAX as i64).contains(&self.rebalance_backoff_ms) {
            return Err(Error::config(
                "rebalance_backoff_ms",
                format!(
                    "must be in 0..={}, got {}",
                    i32::MAX,
                    self.rebalance_backoff_ms
                ),
            ));
        }
        if self.heartbeat_interval_ms >= self.session_timeout_ms {
            return Err(Error::config(
                "heartbeat_interval_ms",
                format!(
                    "must be below session_timeout_ms ({}), got {}",
                    self.session_timeout_ms, self.heartbeat_interval_ms
                ),
            ));
        }
        Ok(())
    }
}
