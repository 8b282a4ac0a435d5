//! kafka-tools end to end: the built binary against the testkit's Kafka 4.1 broker (PLAINTEXT, SSL, SASL).

mod common;
mod errors;
mod groups;
mod help;
mod offsets;
mod produce_consume;
mod progress;
mod topics;
