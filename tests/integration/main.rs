//! One integration-test binary: every test against real brokers (ferrokafka-testkit starts them, or
//! `KAFKA_BOOTSTRAP` names an existing cluster).

mod async_contract;
mod balanced;
mod balanced_support;
mod broker_handles;
mod cancel_safety;
mod common;
mod conformance;
mod consumer;
mod consumer_identity;
mod custom_protocol;
mod drop_at_exit;
mod engines;
mod error_chain;
mod errors;
mod failover;
mod faults;
mod fetch_round;
mod group_churn;
mod health;
#[cfg(feature = "native")]
mod interop;
mod legacy;
mod legacy_support;
mod log_capture;
mod metadata;
mod mixed_groups;
mod mixed_support;
mod offsets;
mod options;
mod other_executor;
mod partition_keys;
mod producer;
mod producer_reliability;
mod producer_restart;
mod security;
mod unblock;
mod unknown_topic;
mod utf8_serde;
mod zk_balanced;
mod zk_mixed;
mod zk_support;
