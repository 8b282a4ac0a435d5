//! Offline generator for the Kafka protocol messages.
fn main() {}
