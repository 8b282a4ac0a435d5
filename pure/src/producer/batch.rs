//! Turning one partition's batch into wire bytes: the record format follows the negotiated Produce version.

use std::fmt::Debug;

use bytes::Bytes;
use ferrokafka_core::{Compression, OutgoingMessage, Result};

/// The record format a Produce version carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecordFormat {
    /// MessageSet with magic 0 (Produce v0–1) or 1 (Produce v2: timestamps).
    MessageSet { magic: i8 },
    /// RecordBatch v2 (Produce v3+: headers, zstd).
    RecordBatch,
}

/// The first Produce version a broker accepts zstd in (Kafka 2.1, KIP-110).
pub const ZSTD_MIN_PRODUCE_VERSION: i16 = 7;

/// Whether `compression` can be sent at Produce `version`; the error names the codec and both versions.
pub fn check_codec(
    compression: Compression,
    version: i16,
    broker: &ferrokafka_core::BrokerRef,
) -> Result<()> {
    if compression == Compression::Zstd && version < ZSTD_MIN_PRODUCE_VERSION {
        return Err(ferrokafka_core::Error::config(
            "compression",
            format!(
                "zstd needs Produce v{ZSTD_MIN_PRODUCE_VERSION}+ (Kafka 2.1); broker {broker} allows at most \
                 Produce v{version} here (its ApiVersions, narrowed by broker_version if set)"
            ),
        ));
    }
    Ok(())
}

impl RecordFormat {
    pub fn for_produce_version(version: i16) -> RecordFormat {
        match version {
            i16::MIN..=1 => RecordFormat::MessageSet { magic: 0 },
            2 => RecordFormat::MessageSet { magic: 1 },
            _ => RecordFormat::RecordBatch,
        }
    }
}

/// The idempotence fields of one RecordBatch (KIP-98): who wrote it and its first sequence number. A resent
/// batch carries the same identity, so the broker recognises (and drops) a duplicate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BatchIdentity {
    pub producer_id: i64,
    pub producer_epoch: i16,
    pub base_sequence: i32,
}

/// Encodes (and compresses, once per batch) one partition's messages.
pub trait RecordEncoder: Send + Sync + Debug + 'static {
    /// `messages` have their timestamps set. Errors for what the format cannot carry (zstd or headers in a
    /// MessageSet, for example). `identity` is set for an idempotent producer (RecordBatch only).
    fn encode(
        &self,
        format: RecordFormat,
        compression: Compression,
        identity: Option<BatchIdentity>,
        messages: &[&OutgoingMessage],
    ) -> Result<Bytes>;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn format_follows_version() {
        assert_eq!(
            RecordFormat::for_produce_version(0),
            RecordFormat::MessageSet { magic: 0 }
        );
        assert_eq!(
            RecordFormat::for_produce_version(2),
            RecordFormat::MessageSet { magic: 1 }
        );
        assert_eq!(
            RecordFormat::for_produce_version(3),
            RecordFormat::RecordBatch
        );
        assert_eq!(
            RecordFormat::for_produce_version(11),
            RecordFormat::RecordBatch
        );
    }
}
