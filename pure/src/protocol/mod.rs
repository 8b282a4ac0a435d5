//! The Kafka wire protocol: primitives, headers, generated messages, framing. No I/O here.
//!
//! - [`reader`] and [`varint`]: the crate's one byte reader and one varint codec (records use them too).
//! - [`primitives`]: the bounds-checked [`Decoder`] over [`bytes::Bytes`] (built on [`reader::Reader`]) and the
//!   `put_*` encoders.
//! - [`messages`]: one generated module per message (from Kafka's JSON specs), plus [`ApiKey`].
//! - [`traits`]: [`Message`] / [`Request`] and the header-version rules.
//! - [`frame`]: size prefix, headers, [`frame::encode_request`] / [`frame::decode_response`], the frame-size guard.
//! - [`versions`]: what a Kafka 4.x broker still accepts.
//!
//! ```
//! use bytes::Bytes;
//! use ferrokafka_pure::protocol::frame::{decode_response, encode_request, encode_response, split_frame};
//! use ferrokafka_pure::protocol::messages::metadata_request::MetadataRequestTopic;
//! use ferrokafka_pure::protocol::messages::{MetadataRequest, MetadataResponse};
//! use ferrokafka_pure::protocol::{Message, VersionRange};
//!
//! // Pick the version: highest both sides speak (the broker's range comes from its ApiVersions answer).
//! let broker = VersionRange::new(0, 13);
//! let version = MetadataRequest::VERSIONS.highest_common(broker).unwrap();
//! let req = MetadataRequest {
//!     topics: Some(vec![MetadataRequestTopic { name: Some("events".into()), ..Default::default() }]),
//!     allow_auto_topic_creation: false,
//!     ..Default::default()
//! };
//! let frame = encode_request(&req, version, 1, Some("my-client")).unwrap(); // size prefix included
//! # let reply = encode_response::<MetadataRequest>(&MetadataResponse::default(), version, 1).unwrap();
//! # let mut read_buf = reply;
//! // ... write `frame` to the socket; read into `read_buf` (a BytesMut) ...
//! let body: Bytes = split_frame(&mut read_buf, 100 << 20).unwrap().expect("a whole frame");
//! let (correlation_id, resp) = decode_response::<MetadataRequest>(body, version).unwrap();
//! assert_eq!(correlation_id, 1);
//! for topic in &resp.topics {
//!     println!("{:?}: error {}, {} partitions", topic.name, topic.error_code, topic.partitions.len());
//! }
//! ```

pub mod error;
pub mod frame;
pub mod fuzzing;
pub mod messages;
pub mod primitives;
pub mod reader;
pub mod traits;
pub mod varint;
pub mod versions;

#[cfg(test)]
pub(crate) mod testing;
#[cfg(test)]
mod tests;

pub use error::{ProtocolError, ProtocolResult};
pub use messages::ApiKey;
pub use primitives::{Decoder, Uuid};
pub use traits::{Message, Request, VersionRange};
