//! The pure-Rust engine: wire protocol, records and codecs, connections, producer, consumer.
#![forbid(unsafe_code)]

pub mod cluster;
pub mod compression;
pub mod connection;
pub mod consumer;
pub mod group;
pub mod producer;
pub mod protocol;
pub mod records;
