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

/// Streaming, so the claimed content size never decides an allocation.
pub(super) fn decompress(input: &[u8], max: usize) -> ProtocolResult<Bytes> {
    let dec = zstd::stream::read::Decoder::with_buffer(input)
        .map_err(|e| failed("zstd", "decompress", e))?;
    read_bounded(dec, "zstd", input.len().saturating_mul(4), max)
}
