//! The pure-Rust engine: wire protocol, records and codecs, connections, producer, consumer, groups.
//!
//! Its one front door is [`PureCluster`] (connect, metadata, admin, and the engine's producer, simple
//! consumer and group consumer). The modules behind it are internal; the `unstable-internals` feature
//! makes them public for this crate's tests, fuzz targets and cross-engine codec tests — no stability
//! promise is made for them.
#![forbid(unsafe_code)]
// Without `unstable-internals` the modules are crate-private, and items (and their re-exports) only the
// tests, fuzz targets or tools use are unused here.
#![cfg_attr(not(feature = "unstable-internals"), allow(dead_code, unused_imports))]
// docs.rs (nightly, `--cfg docsrs`): badges for feature-gated items (`doc_cfg` now includes what
// `doc_auto_cfg` did).
#![cfg_attr(docsrs, feature(doc_cfg))]

// Each internal module twice: public with `unstable-internals`, crate-private without. Written out (not by a
// macro) so that rustfmt sees and formats them.
#[cfg(feature = "unstable-internals")]
pub mod cluster;
#[cfg(not(feature = "unstable-internals"))]
pub(crate) mod cluster;
#[cfg(feature = "unstable-internals")]
pub mod compression;
#[cfg(not(feature = "unstable-internals"))]
pub(crate) mod compression;
#[cfg(feature = "unstable-internals")]
pub mod connection;
#[cfg(not(feature = "unstable-internals"))]
pub(crate) mod connection;
#[cfg(feature = "unstable-internals")]
pub mod consumer;
#[cfg(not(feature = "unstable-internals"))]
pub(crate) mod consumer;
#[cfg(feature = "unstable-internals")]
pub mod group;
#[cfg(not(feature = "unstable-internals"))]
pub(crate) mod group;
#[cfg(feature = "unstable-internals")]
pub mod producer;
#[cfg(not(feature = "unstable-internals"))]
pub(crate) mod producer;
#[cfg(feature = "unstable-internals")]
pub mod protocol;
#[cfg(not(feature = "unstable-internals"))]
pub(crate) mod protocol;
#[cfg(feature = "unstable-internals")]
pub mod records;
#[cfg(not(feature = "unstable-internals"))]
pub(crate) mod records;

mod broker_calls;
mod front_door;
mod runtime;

pub use front_door::{
    GroupSpec, InnerFactory, PureCluster, PureConsumer, PureGroupConsumer, PureProducer,
    PureSimpleConsumer, CONSUME_SLICE_MS,
};
