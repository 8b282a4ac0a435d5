//! The behaviour scenarios against a real Kafka broker: the proof that the mock-cluster results hold.
//!
//! Set `KAFKA_BOOTSTRAP=host:port` (a PLAINTEXT listener of a broker with topic creation allowed); without
//! it every test here prints why it did nothing and passes. (When the `testkit` crate lands, the default
//! becomes its shared Kafka 4.1.1 node, which honours the same variable.)

mod common;

use common::{scenarios, Cluster};

fn real() -> Option<Cluster> {
    match std::env::var("KAFKA_BOOTSTRAP") {
        Ok(bootstrap) if !bootstrap.is_empty() => Some(Cluster::Real { bootstrap }),
        _ => {
            eprintln!("KAFKA_BOOTSTRAP is not set: real-broker test skipped");
            None
        }
    }
}

macro_rules! on_real_broker {
    ($($name:ident),* $(,)?) => {$(
        #[test]
        fn $name() {
            if let Some(c) = real() {
                scenarios::$name(&c);
            }
        }
    )*};
}

on_real_broker!(
    produce_then_consume_roundtrip,
    delivery_reports_are_per_thread,
    sync_produce_waits_for_delivery,
    queue_full,
    oversize_message_is_reported,
    no_group_starts_at_zero,
    new_group_uses_auto_offset_reset,
    commit_then_resume,
    reset_on_start_commits,
    reset_offsets_targets,
    consumer_timeout_semantics,
    auto_commit,
    async_produce_and_consume,
    producer_stop_flushes,
    unknown_topic_is_reported,
);
