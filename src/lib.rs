//! ferrokafka: a programmer-friendly Kafka client.
#![forbid(unsafe_code)]
