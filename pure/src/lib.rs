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

macro_rules! internal_mods {
    ($($(#[$attr:meta])* $name:ident;)*) => {
        $(
            $(#[$attr])*
            #[cfg(feature = "unstable-internals")]
            pub mod $name;
            $(#[$attr])*
            #[cfg(not(feature = "unstable-internals"))]
            pub(crate) mod $name;
        )*
    };
}

internal_mods! {
    cluster;
    compression;
    connection;
    consumer;
    group;
    producer;
    protocol;
    records;
}

mod front_door;
mod runtime;

pub use front_door::{
    GroupSpec, InnerFactory, PureCluster, PureConsumer, PureGroupConsumer, PureProducer,
    PureSimpleConsumer, CONSUME_SLICE_MS,
};
