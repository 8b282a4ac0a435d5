//! Kafka record formats: RecordBatch v2 and the MessageSet v0/v1 it replaced.
//!
//! Decoding is total and zero-copy: keys, values and header values are [`Bytes`] slices of
//! the fetch buffer (or of the decompressed buffer), and any input gives records or a
//! [`ProtocolError`](crate::protocol::ProtocolError) saying what and where.
//!
//! - Producer: [`RecordBatchBuilder`] (v2) or [`MessageSetBuilder`] (v0/v1) → `Bytes` for a
//!   ProduceRequest partition.
//! - Consumer: [`decode_fetch_records`] on a FetchResponse partition's `records` bytes →
//!   [`FetchRecords`] (flat records plus per-batch metadata).

mod batch_v2;
mod control;
mod fetch;
#[doc(hidden)]
pub mod fuzzing;
mod message_set;
mod scratch;

use bytes::Bytes;

pub use batch_v2::{
    decode_batch, BatchHeader, BatchOptions, RecordBatch, RecordBatchBuilder, BATCH_HEADER_LEN,
};
pub use control::{ControlMarker, ControlType};
pub use fetch::{decode_fetch_records, AbortedTransaction, BatchInfo, FetchRecords};
pub use message_set::{decode_message_set_entry, MessageSetBuilder};

pub use crate::compression::Compression;

/// The bytes every log entry starts with, whatever its magic: offset (i64) and size (i32).
pub const LOG_OVERHEAD: usize = 12;
/// Where the magic byte sits in every entry (after offset, size and a 4-byte field).
pub const MAGIC_OFFSET: usize = 16;

/// Where a record's timestamp came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum TimestampType {
    /// Magic 0 messages carry no timestamp (`timestamp` is -1).
    NotAvailable,
    /// Set by the producer.
    #[default]
    CreateTime,
    /// Set by the broker when it appended the batch.
    LogAppendTime,
}

impl TimestampType {
    /// Attribute bit 3 of a v1 message or v2 batch.
    pub(crate) fn from_bit(attributes: i16) -> TimestampType {
        if attributes & 0x08 != 0 {
            TimestampType::LogAppendTime
        } else {
            TimestampType::CreateTime
        }
    }

    pub(crate) fn bit(self) -> i16 {
        match self {
            TimestampType::LogAppendTime => 0x08,
            _ => 0,
        }
    }
}

/// A record header (v2 only). Keys should be UTF-8; other bytes are read lossily, as both engines do
/// (`ferrokafka_core::Header::key_from_wire`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Header {
    pub key: String,
    pub value: Option<Bytes>,
}

/// One decoded record, whatever the format it came in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    /// Absolute offset in the partition.
    pub offset: i64,
    /// Milliseconds since the epoch; -1 when `timestamp_type` is `NotAvailable`.
    pub timestamp: i64,
    pub timestamp_type: TimestampType,
    pub key: Option<Bytes>,
    pub value: Option<Bytes>,
    /// Empty (and unallocated) for magic 0/1 and for v2 records without headers.
    pub headers: Vec<Header>,
}

/// Decoder limits and checks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodeOptions {
    /// Cap on the total decompressed bytes of one decode call: a decompression bomb fails
    /// with `ProtocolError::Compression` instead of exhausting memory.
    /// See [`crate::compression::max_decompressed_for_fetch`].
    pub max_decompressed: usize,
    /// Verify CRC-32C (v2) / CRC-32 (v0/v1). On by default, like the Java client's `check.crcs`.
    pub verify_crc: bool,
}

impl Default for DecodeOptions {
    fn default() -> Self {
        DecodeOptions {
            max_decompressed: crate::compression::DEFAULT_MAX_DECOMPRESSED,
            verify_crc: true,
        }
    }
}

impl DecodeOptions {
    /// Options for a fetch of `fetch_max_bytes`: the decompression cap scales with it.
    pub fn for_fetch_size(fetch_max_bytes: usize) -> Self {
        DecodeOptions {
            max_decompressed: crate::compression::max_decompressed_for_fetch(fetch_max_bytes),
            verify_crc: true,
        }
    }
}

#[cfg(test)]
mod tests;
