//! Shared vocabulary of both engines: errors, options, messages, partitioners.
#![forbid(unsafe_code)]

pub mod compression;

pub use compression::Compression;
