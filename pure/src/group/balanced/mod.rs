//! PyKafka's `ManagedBalancedConsumer`: a consumer in a Kafka-managed group that gets its share of the
//! topic's partitions and follows rebalances.
//!
//! Design (as PyKafka): the group logic is the pure engine's (`super::membership`) whatever engine reads,
//! and the consumer that reads the assigned partitions is a SimpleConsumer of the chosen engine, rebuilt on
//! every rebalance that changes the partition set. Offsets are committed here with the group's generation
//! and member id, whatever the engine.
//!
//! - `consumer`: [`PureGroupConsumer`], the public face (consume, offsets, start, stop);
//! - `worker`: the rebalance and the background thread that heartbeats and auto-commits;
//! - `offsets`: group commits and offset fetches with their retries.

mod consumer;
mod offsets;
mod worker;

pub use consumer::PureGroupConsumer;
pub(crate) use worker::Settings;
pub use worker::{GroupSpec, InnerFactory};

/// The internal consumer's `consume(true)` returns after this, so a rebalance or stop interrupts a
/// blocked `consume` within it.
pub const CONSUME_SLICE_MS: i64 = 100;
