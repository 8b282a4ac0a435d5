//! The traits every generated message implements, and the header-version rules.

use bytes::BytesMut;

use super::error::{ProtocolError, ProtocolResult};
use super::primitives::Decoder;

/// An inclusive range of API versions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct VersionRange {
    /// Lowest version.
    pub min: i16,
    /// Highest version.
    pub max: i16,
}

impl VersionRange {
    /// `min..=max`.
    pub const fn new(min: i16, max: i16) -> Self {
        VersionRange { min, max }
    }

    /// True when `version` is in the range.
    pub const fn contains(&self, version: i16) -> bool {
        self.min <= version && version <= self.max
    }

    /// The highest version both ranges contain (what to send, given the broker's ApiVersions range).
    pub fn highest_common(&self, other: VersionRange) -> Option<i16> {
        let lo = self.min.max(other.min);
        let hi = self.max.min(other.max);
        (lo <= hi).then_some(hi)
    }

    /// The lowest version both ranges contain.
    pub fn lowest_common(&self, other: VersionRange) -> Option<i16> {
        let lo = self.min.max(other.min);
        let hi = self.max.min(other.max);
        (lo <= hi).then_some(lo)
    }

    /// Every version in the range, ascending.
    pub fn iter(&self) -> impl Iterator<Item = i16> {
        self.min..=self.max
    }
}

/// A versioned protocol message: a request or response body, or a header.
pub trait Message: Sized {
    /// The spec's name, e.g. `"MetadataRequest"`.
    const NAME: &'static str;
    /// The API key; -1 for headers.
    const API_KEY: i16;
    /// Versions this code can encode and decode (all versions in the specs).
    const VERSIONS: VersionRange;
    /// First flexible version (compact encodings, tagged fields), if any.
    const FLEXIBLE_FROM: Option<i16>;

    /// Appends the body at `version`. Errors for a version outside [`Message::VERSIONS`], or a non-default value
    /// in a non-ignorable field the version lacks.
    fn encode(&self, out: &mut BytesMut, version: i16) -> ProtocolResult<()>;

    /// Reads the body at `version`. Total: any input gives a value or an error, never a panic.
    fn decode(d: &mut Decoder, version: i16) -> ProtocolResult<Self>;

    /// True when `version` uses the flexible (compact, tagged) encoding.
    fn is_flexible(version: i16) -> bool {
        matches!(Self::FLEXIBLE_FROM, Some(f) if version >= f)
    }

    /// `Unsupported` unless `version` is in [`Message::VERSIONS`].
    fn check_version(version: i16) -> ProtocolResult<()> {
        if Self::VERSIONS.contains(version) {
            Ok(())
        } else {
            Err(ProtocolError::Unsupported {
                what: Self::NAME,
                value: i64::from(version),
            })
        }
    }
}

/// A request body, tied to its response type.
pub trait Request: Message {
    /// The body the broker answers with (same version number).
    type Response: Message;

    /// Request header version: 2 for flexible request versions, else 1.
    /// (Header v0, without a client id, is only for ControlledShutdown v0, which this crate does not speak.)
    fn request_header_version(version: i16) -> i16 {
        if Self::is_flexible(version) {
            2
        } else {
            1
        }
    }

    /// Response header version: 1 for flexible response versions, else 0. ApiVersions responses always use v0,
    /// so a client that sent a too-new version can still read the broker's error reply.
    fn response_header_version(version: i16) -> i16 {
        if Self::API_KEY == super::ApiKey::ApiVersions as i16 {
            0
        } else if Self::Response::is_flexible(version) {
            1
        } else {
            0
        }
    }
}
