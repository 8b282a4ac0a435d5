//! Real Kafka brokers for tests: see the crate description.
