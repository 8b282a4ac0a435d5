//! Compression codecs as Kafka frames them: gzip, snappy (raw and xerial), LZ4 (with the
//! pre-0.10 header-checksum quirk), zstd.
//!
//! Decompression is always bounded: a decompression bomb yields
//! [`ProtocolError::Compression`] instead of exhausting memory.

mod gzip;
mod lz4;
mod snappy;
mod zstd;

use bytes::{Bytes, BytesMut};
pub use ferrokafka_core::Compression;

use crate::protocol::{ProtocolError, ProtocolResult};

/// Default cap on the decompressed size of one fetch response's data (256 MiB).
pub const DEFAULT_MAX_DECOMPRESSED: usize = 256 << 20;

/// How many times a fetch's `max_bytes` a decompression may expand to, for
/// [`max_decompressed_for_fetch`].
pub const DECOMPRESSION_FACTOR: usize = 64;

/// A decompression cap for a fetch of `fetch_max_bytes`: that many bytes times
/// [`DECOMPRESSION_FACTOR`], at least 1 MiB.
pub fn max_decompressed_for_fetch(fetch_max_bytes: usize) -> usize {
    fetch_max_bytes
        .saturating_mul(DECOMPRESSION_FACTOR)
        .max(1 << 20)
}

/// Snappy framing to write. PyKafka and the Java client's RecordBatch path write raw blocks;
/// old Java clients (magic 0/1) wrote xerial framing. Decoding detects either.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SnappyFraming {
    #[default]
    Raw,
    /// xerial-snappy: `\x82SNAPPY\0` header, then 32 KiB blocks each prefixed by an i32 length.
    Xerial,
}

/// LZ4 framing to write.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lz4Framing {
    /// The standard LZ4 frame (magic 1 messages and RecordBatch v2).
    #[default]
    Standard,
    /// Kafka before 0.10 (and magic 0 messages ever since): header checksum computed over
    /// magic+FLG+BD instead of FLG+BD, and no content-size field.
    OldKafka,
}

/// Encoder choices beyond the codec.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CompressOptions {
    pub snappy: SnappyFraming,
    pub lz4: Lz4Framing,
}

/// Appends `input` compressed with `codec` to `out`, with default framing (raw snappy,
/// standard LZ4). `Compression::None` copies.
pub fn compress(codec: Compression, input: &[u8], out: &mut BytesMut) -> ProtocolResult<()> {
    compress_with(codec, input, out, CompressOptions::default())
}

/// [`compress`] with explicit framing choices.
pub fn compress_with(
    codec: Compression,
    input: &[u8],
    out: &mut BytesMut,
    opts: CompressOptions,
) -> ProtocolResult<()> {
    match codec {
        Compression::None => {
            out.extend_from_slice(input);
            Ok(())
        }
        Compression::Gzip => gzip::compress(input, out),
        Compression::Snappy => snappy::compress(input, out, opts.snappy),
        Compression::Lz4 => lz4::compress(input, out, opts.lz4),
        Compression::Zstd => zstd::compress(input, out),
        #[allow(unreachable_patterns)]
        other => Err(ProtocolError::Unsupported {
            what: "compression codec",
            value: other.code() as i64,
        }),
    }
}

/// Decompresses `input`, failing with [`ProtocolError::Compression`] if the output would
/// exceed `max_size` bytes. Snappy framing and both LZ4 header-checksum variants are detected.
/// `Compression::None` returns `input` itself (no copy).
pub fn decompress(codec: Compression, input: Bytes, max_size: usize) -> ProtocolResult<Bytes> {
    match codec {
        Compression::None => {
            if input.len() > max_size {
                return Err(too_big("none", max_size));
            }
            Ok(input)
        }
        Compression::Gzip => gzip::decompress(&input, max_size),
        Compression::Snappy => snappy::decompress(&input, max_size),
        Compression::Lz4 => lz4::decompress(&input, max_size),
        Compression::Zstd => zstd::decompress(&input, max_size),
        #[allow(unreachable_patterns)]
        other => Err(ProtocolError::Unsupported {
            what: "compression codec",
            value: other.code() as i64,
        }),
    }
}

/// Which LZ4 header checksum a frame carries: the standard one, old Kafka's (magic 0), or
/// `None` (not an LZ4 frame, or a checksum matching neither). For diagnostics and tests.
pub fn lz4_framing_of(frame: &[u8]) -> Option<Lz4Framing> {
    lz4::framing_of(frame)
}

pub(crate) fn too_big(codec: &'static str, max: usize) -> ProtocolError {
    ProtocolError::Compression {
        codec,
        direction: "decompress",
        reason: format!("output exceeds the {max}-byte limit"),
    }
}

pub(crate) fn failed(
    codec: &'static str,
    direction: &'static str,
    e: impl std::fmt::Display,
) -> ProtocolError {
    ProtocolError::Compression {
        codec,
        direction,
        reason: e.to_string(),
    }
}

/// Reads `r` to the end into a buffer, failing once more than `max` bytes come out.
/// The buffer grows with the data actually produced, never with a claimed length.
pub(crate) fn read_bounded<R: std::io::Read>(
    r: R,
    codec: &'static str,
    hint: usize,
    max: usize,
) -> ProtocolResult<Bytes> {
    use std::io::Read;
    let mut out = Vec::with_capacity(hint.min(max));
    let limit = (max as u64).saturating_add(1);
    r.take(limit)
        .read_to_end(&mut out)
        .map_err(|e| failed(codec, "decompress", e))?;
    if out.len() > max {
        return Err(too_big(codec, max));
    }
    Ok(Bytes::from(out))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn roundtrip(codec: Compression, opts: CompressOptions, data: &[u8]) {
        let mut out = BytesMut::new();
        compress_with(codec, data, &mut out, opts).unwrap();
        let back = decompress(codec, out.freeze(), data.len().max(1)).unwrap();
        assert_eq!(&back[..], data, "{codec} {opts:?}");
    }

    const ALL_OPTS: [CompressOptions; 4] = [
        CompressOptions {
            snappy: SnappyFraming::Raw,
            lz4: Lz4Framing::Standard,
        },
        CompressOptions {
            snappy: SnappyFraming::Xerial,
            lz4: Lz4Framing::OldKafka,
        },
        CompressOptions {
            snappy: SnappyFraming::Raw,
            lz4: Lz4Framing::OldKafka,
        },
        CompressOptions {
            snappy: SnappyFraming::Xerial,
            lz4: Lz4Framing::Standard,
        },
    ];

    #[test]
    fn roundtrip_every_codec_and_framing() {
        let big: Vec<u8> = (0..200_000u32)
            .map(|i| (i % 251) as u8 ^ (i / 1000) as u8)
            .collect();
        for codec in Compression::ALL {
            for opts in ALL_OPTS {
                roundtrip(codec, opts, b"");
                roundtrip(codec, opts, b"hello hello hello hello");
                roundtrip(codec, opts, &big);
            }
        }
    }

    #[test]
    fn bombs_are_typed_errors() {
        let zeros = vec![0u8; 4 << 20];
        for codec in Compression::ALL {
            for opts in ALL_OPTS {
                let mut out = BytesMut::new();
                compress_with(codec, &zeros, &mut out, opts).unwrap();
                let e = decompress(codec, out.freeze(), 1 << 20).unwrap_err();
                assert!(
                    matches!(e, ProtocolError::Compression { .. }),
                    "{codec}: {e}"
                );
            }
        }
    }

    #[test]
    fn max_for_fetch() {
        assert_eq!(max_decompressed_for_fetch(0), 1 << 20);
        assert_eq!(max_decompressed_for_fetch(1 << 20), 64 << 20);
        assert_eq!(max_decompressed_for_fetch(usize::MAX), usize::MAX);
    }

    proptest! {
        #[test]
        fn roundtrip_arbitrary(data in proptest::collection::vec(any::<u8>(), 0..5000), o in 0usize..4) {
            for codec in Compression::ALL {
                roundtrip(codec, ALL_OPTS[o], &data);
            }
        }

        #[test]
        fn garbage_never_panics(data in proptest::collection::vec(any::<u8>(), 0..300)) {
            for codec in Compression::ALL {
                let _ = decompress(codec, Bytes::from(data.clone()), 1 << 16);
            }
        }

        #[test]
        fn garbage_with_magic_never_panics(tail in proptest::collection::vec(any::<u8>(), 0..300), which in 0usize..3) {
            let prefix: &[u8] = match which {
                0 => b"\x82SNAPPY\x00\x00\x00\x00\x01\x00\x00\x00\x01",
                1 => &[0x04, 0x22, 0x4d, 0x18],
                _ => &[0x28, 0xb5, 0x2f, 0xfd],
            };
            let mut data = prefix.to_vec();
            data.extend_from_slice(&tail);
            for codec in Compression::ALL {
                let _ = decompress(codec, Bytes::from(data.clone()), 1 << 16);
            }
        }
    }
}
