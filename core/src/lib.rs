//! Shared vocabulary of both engines.
#![forbid(unsafe_code)]
