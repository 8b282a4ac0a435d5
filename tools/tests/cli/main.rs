//! kafka-tools end to end: the built binary against the testkit's Kafka 4.1 broker (PLAINTEXT, SSL, SASL)
//! and a Kafka 3.9 smoke test.

mod common;
mod errors;
mod groups;
mod help;
mod kafka39;
mod offsets;
mod produce_consume;
mod progress;
mod topics;
