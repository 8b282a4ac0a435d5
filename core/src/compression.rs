//! Compression codecs, numbered as Kafka numbers them in message and batch attributes.

use std::fmt;
use std::str::FromStr;

/// A compression codec. The discriminant is Kafka's attribute code (PyKafka's `CompressionType`, plus zstd).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum Compression {
    /// Uncompressed (the default, as in PyKafka).
    #[default]
    None = 0,
    /// gzip (deflate), every broker version.
    Gzip = 1,
    /// Snappy (raw blocks written; the xerial framing of old Java clients is read too).
    Snappy = 2,
    /// LZ4 frames (including the pre-0.10 header-checksum quirk for magic 0).
    Lz4 = 3,
    /// Only in RecordBatch v2 (Kafka 2.1+).
    Zstd = 4,
}

impl Compression {
    /// Every codec, in attribute-code order.
    pub const ALL: [Compression; 5] = [
        Compression::None,
        Compression::Gzip,
        Compression::Snappy,
        Compression::Lz4,
        Compression::Zstd,
    ];

    /// The codec for the low 3 bits of a message or batch `attributes` field.
    pub fn from_attributes(attributes: i16) -> Option<Compression> {
        match attributes & 0x07 {
            0 => Some(Compression::None),
            1 => Some(Compression::Gzip),
            2 => Some(Compression::Snappy),
            3 => Some(Compression::Lz4),
            4 => Some(Compression::Zstd),
            _ => None,
        }
    }

    /// Kafka's attribute code.
    pub fn code(self) -> i16 {
        self as i16
    }

    /// The name librdkafka and the Java client use (`compression.type`).
    pub fn name(self) -> &'static str {
        match self {
            Compression::None => "none",
            Compression::Gzip => "gzip",
            Compression::Snappy => "snappy",
            Compression::Lz4 => "lz4",
            Compression::Zstd => "zstd",
        }
    }
}

impl fmt::Display for Compression {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The input named no known codec.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown compression codec {0:?}: expected none, gzip, snappy, lz4 or zstd")]
pub struct UnknownCompression(pub String);

impl FromStr for Compression {
    type Err = UnknownCompression;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Compression::ALL
            .into_iter()
            .find(|c| c.name().eq_ignore_ascii_case(s))
            .ok_or_else(|| UnknownCompression(s.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_through_attributes_and_names() {
        for c in Compression::ALL {
            assert_eq!(Compression::from_attributes(c.code() | 0x08), Some(c));
            assert_eq!(c.name().parse::<Compression>(), Ok(c));
        }
        assert_eq!(Compression::from_attributes(5), None);
        assert!("brotli".parse::<Compression>().is_err());
    }
}
