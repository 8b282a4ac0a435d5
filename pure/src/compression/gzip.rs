//! gzip: the standard gzip file format (what PyKafka's GzipFile and the Java client write).

use std::io::Write;

use bytes::{BufMut, Bytes, BytesMut};
use flate2::read::MultiGzDecoder;
use flate2::write::GzEncoder;

use super::{failed, read_bounded};
use crate::protocol::ProtocolResult;

pub(super) fn compress(input: &[u8], out: &mut BytesMut) -> ProtocolResult<()> {
    out.reserve(input.len() / 2 + 32);
    let mut enc = GzEncoder::new(out.writer(), flate2::Compression::default());
    enc.write_all(input)
        .map_err(|e| failed("gzip", "compress", e))?;
    enc.finish().map_err(|e| failed("gzip", "compress", e))?;
    Ok(())
}

/// Multi-member aware, like Java's `GZIPInputStream`.
pub(super) fn decompress(input: &[u8], max: usize) -> ProtocolResult<Bytes> {
    read_bounded(
        MultiGzDecoder::new(input),
        "gzip",
        input.len().saturating_mul(4),
        max,
    )
}
