//! Why a byte string could not be decoded (or a value encoded): what, and where.
//!
//! Decoding is total: every input yields a value or one of these, never a panic.

/// A protocol-level decode or encode failure. `offset` is the byte position in the buffer being read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ProtocolError {
    /// Fewer bytes remain than the field needs.
    #[error("truncated {what} at byte {offset}: needs {needed} bytes, {available} left")]
    Truncated {
        what: &'static str,
        offset: usize,
        needed: usize,
        available: usize,
    },
    /// The bytes are there but do not form a valid value (negative length, bad UTF-8, varint too long, ...).
    #[error("invalid {what} at byte {offset}: {reason}")]
    Invalid {
        what: &'static str,
        offset: usize,
        reason: String,
    },
    /// A version, magic byte, codec or api key this client does not speak.
    #[error("unsupported {what}: {value}")]
    Unsupported { what: &'static str, value: i64 },
    /// A CRC did not match.
    #[error("checksum mismatch in {what} at byte {offset}: stored {stored:#010x}, computed {computed:#010x}")]
    Checksum {
        what: &'static str,
        offset: usize,
        stored: u32,
        computed: u32,
    },
    /// A compression codec failed to compress or decompress.
    #[error("{codec} {direction} failed: {reason}")]
    Compression {
        codec: &'static str,
        direction: &'static str,
        reason: String,
    },
    /// A frame's size prefix is over the configured maximum (or what this side will buffer).
    #[error("frame of {size} bytes is over the maximum of {max}")]
    FrameTooLarge { size: usize, max: usize },
    /// A value cannot be written at this version (a field set that the version lacks, a length over i32, ...).
    #[error("cannot encode {what}: {reason}")]
    Encode { what: &'static str, reason: String },
}

/// Result of protocol encode/decode.
pub type ProtocolResult<T> = Result<T, ProtocolError>;
