//! The pure-Rust engine.
#![forbid(unsafe_code)]
