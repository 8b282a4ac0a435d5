//! Rust emission: the source text of each generated file.
//!
//! [`message`] writes one message module from its structs ([`structs`]): definition and `Default`, the codec
//! methods ([`codec`], from the per-field expressions in [`fields`]) and the test generator ([`arbitrary`]).
//! [`mod_rs`] writes `messages/mod.rs`.

pub(crate) mod arbitrary;
pub(crate) mod codec;
pub(crate) mod fields;
pub(crate) mod message;
pub(crate) mod mod_rs;
pub(crate) mod structs;
