//! The pure-Rust engine: wire protocol, records and codecs, connections, producer, consumer.
#![forbid(unsafe_code)]

pub mod compression;
pub mod producer;
pub mod protocol;
pub mod records;
