//! ferrokafka's librdkafka engine (`use_rdkafka(true)`): a producer and a simple consumer over the `rdkafka`
//! crate that behave as the pure-Rust engine does — same options, partitioner, offsets rules and errors.
//!
//! - [`config`]: the option → librdkafka property table ([`config::MAPPING`]) and its application.
//! - [`error`]: librdkafka errors → `ferrokafka_core::Error`.
//! - [`NativeProducer`], [`NativeSimpleConsumer`]: the `ProducerApi` / `ConsumerApi` implementations.
#![warn(missing_docs)]
// docs.rs (nightly, `--cfg docsrs`): badges for feature-gated items. `doc_auto_cfg` was folded into `doc_cfg`
// in 2025 and is now a hard error (E0557), so `doc_cfg` it is.
#![cfg_attr(docsrs, feature(doc_cfg))]

pub mod config;
mod consumer;
mod context;
pub mod error;
mod metadata;
mod producer;

/// The `rdkafka` crate this engine is built on, for what ferrokafka does not wrap (transactions, raw clients).
/// Re-exported so users and tests reach it through the `native` feature, without a second dependency line.
pub use rdkafka;

pub use consumer::NativeSimpleConsumer;
pub use producer::NativeProducer;
