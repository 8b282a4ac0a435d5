//! The Kafka wire protocol: primitives, headers, generated messages. No I/O here.

pub mod error;

pub use error::{ProtocolError, ProtocolResult};
