//! The pure-Rust engine: wire protocol, records and codecs, connections, producer, consumer.
#![forbid(unsafe_code)]
// docs.rs (nightly, `--cfg docsrs`): badges for feature-gated items (`doc_cfg` now includes what
// `doc_auto_cfg` did).
#![cfg_attr(docsrs, feature(doc_cfg))]

pub mod cluster;
pub mod compression;
pub mod connection;
pub mod consumer;
pub mod group;
pub mod producer;
pub mod protocol;
pub mod records;
