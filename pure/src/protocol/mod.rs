//! The Kafka wire protocol: primitives, headers, generated messages, framing. No I/O here.
//!
//! - [`primitives`]: the bounds-checked [`Decoder`] and `put_*` encoders (varints are reused by record batches).
//! - [`messages`]: one generated module per message (from Kafka's JSON specs), plus [`ApiKey`].
//! - [`traits`]: [`Message`] / [`Request`] and the header-version rules.
//! - [`frame`]: size prefix, headers, [`frame::encode_request`] / [`frame::decode_response`], the frame-size guard.
//! - [`versions`]: what a Kafka 4.x broker still accepts.

pub mod error;
pub mod frame;
pub mod messages;
pub mod primitives;
pub mod traits;
pub mod versions;

#[cfg(test)]
pub(crate) mod testing;
#[cfg(test)]
mod tests;

pub use error::{ProtocolError, ProtocolResult};
pub use messages::ApiKey;
pub use primitives::{Decoder, Uuid};
pub use traits::{Message, Request, VersionRange};
