//! zstd: one standard frame with the content size set (only valid inside RecordBatch v2).

use bytes::{Bytes, BytesMut};

use super::{failed, read_bounded};
use crate::protocol::ProtocolResult;

/// Kafka's and librdkafka's default level.
const LEVEL: i32 = 3;

pub(super) fn compress(input: &[u8], out: &mut BytesMut) -> ProtocolResult<()> {
    let start = out.len();
    let bound = zstd::zstd_safe::compress_bound(input.len());
    out.resize(start + bound, 0);
    let n = zstd::bulk::compress_to_buffer(input, &mut out[start..], LEVEL)
        .map_err(|e| failed("zstd", "compress", e))?;
    out.truncate(start + n);
    Ok(())
}

/// Largest window a frame may ask for (16 MiB). A frame header's window size decides the
/// decoder's buffer, so it is capped; producers at standard levels use at most 8 MiB
/// (Kafka's default level 3: 2 MiB).
const WINDOW_LOG_MAX: u32 = 24;

/// Streaming, so the claimed content size never decides an allocation.
pub(super) fn decompress(input: &[u8], max: usize) -> ProtocolResult<Bytes> {
    let mut dec = zstd::stream::read::Decoder::with_buffer(input)
        .map_err(|e| failed("zstd", "decompress", e))?;
    dec.window_log_max(WINDOW_LOG_MAX)
        .map_err(|e| failed("zstd", "decompress", e))?;
    read_bounded(dec, "zstd", input.len().saturating_mul(4), max)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    /// A frame that asks for a 1 GiB window is refused, not allocated.
    #[test]
    fn huge_window_is_refused() {
        let mut enc = zstd::stream::write::Encoder::new(Vec::new(), 1).unwrap();
        enc.window_log(30).unwrap();
        enc.write_all(&[7u8; 1000]).unwrap();
        let frame = enc.finish().unwrap();
        assert!(decompress(&frame, 1 << 20).is_err());
        let mut ok = BytesMut::new();
        compress(&[7u8; 1000], &mut ok).unwrap();
        assert_eq!(decompress(&ok, 1 << 20).unwrap().len(), 1000);
    }
}
