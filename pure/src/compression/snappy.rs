//! snappy: raw blocks (what PyKafka and RecordBatch v2 writers produce) and the xerial
//! framing old Java clients wrote; decoding detects the xerial header.

use bytes::{BufMut, Bytes, BytesMut};

use super::{failed, too_big, SnappyFraming};
use crate::protocol::{ProtocolError, ProtocolResult};

/// `\x82SNAPPY\0`, then i32 version and i32 minimum-compatible version.
const XERIAL_MAGIC: [u8; 8] = [0x82, b'S', b'N', b'A', b'P', b'P', b'Y', 0];
const XERIAL_HEADER_LEN: usize = 16;
/// The xerial library's default block size.
const XERIAL_BLOCK: usize = 32 * 1024;
/// The largest output one input byte of a snappy block can produce (a 3-byte copy of 64),
/// rounded up: a claimed length beyond this is a lie and must not size an allocation.
const MAX_RATIO: usize = 22;

pub(super) fn compress(
    input: &[u8],
    out: &mut BytesMut,
    framing: SnappyFraming,
) -> ProtocolResult<()> {
    match framing {
        SnappyFraming::Raw => compress_block(input, out),
        SnappyFraming::Xerial => {
            out.reserve(XERIAL_HEADER_LEN + input.len() + input.len() / 16 + 64);
            out.put_slice(&XERIAL_MAGIC);
            out.put_i32(1);
            out.put_i32(1);
            for chunk in input.chunks(XERIAL_BLOCK) {
                let len_at = out.len();
                out.put_i32(0);
                compress_block(chunk, out)?;
                let n = (out.len() - len_at - 4) as i32;
                out[len_at..len_at + 4].copy_from_slice(&n.to_be_bytes());
            }
            Ok(())
        }
    }
}

/// Compresses straight into `out`'s spare room: no intermediate buffer.
fn compress_block(input: &[u8], out: &mut BytesMut) -> ProtocolResult<()> {
    let max = snap::raw::max_compress_len(input.len());
    if max == 0 && !input.is_empty() {
        return Err(failed("snappy", "compress", "input too large"));
    }
    let start = out.len();
    out.resize(start + max, 0);
    let n = snap::raw::Encoder::new()
        .compress(input, &mut out[start..])
        .map_err(|e| failed("snappy", "compress", e))?;
    out.truncate(start + n);
    Ok(())
}

pub(super) fn decompress(input: &[u8], max: usize) -> ProtocolResult<Bytes> {
    if input.len() >= XERIAL_HEADER_LEN && input[..8] == XERIAL_MAGIC {
        return decompress_xerial(&input[XERIAL_HEADER_LEN..], max);
    }
    let mut out = Vec::new();
    decompress_block(input, &mut out, max)?;
    Ok(Bytes::from(out))
}

fn decompress_xerial(mut body: &[u8], max: usize) -> ProtocolResult<Bytes> {
    let mut out = Vec::with_capacity(body.len().saturating_mul(2).min(max));
    let mut pos = XERIAL_HEADER_LEN;
    while !body.is_empty() {
        let Some((len, rest)) = body.split_first_chunk::<4>() else {
            return Err(ProtocolError::Truncated {
                what: "xerial snappy block length",
                offset: pos,
                needed: 4,
                available: body.len(),
            });
        };
        let len = i32::from_be_bytes(*len);
        let Some(block) = usize::try_from(len).ok().and_then(|n| rest.get(..n)) else {
            return Err(ProtocolError::Invalid {
                what: "xerial snappy block length",
                offset: pos,
                reason: format!("{len} with {} bytes left", rest.len()),
            });
        };
        decompress_block(block, &mut out, max)?;
        pos += 4 + block.len();
        body = &rest[block.len()..];
    }
    Ok(Bytes::from(out))
}

/// Appends one raw block's output to `out`, keeping `out.len() <= max`.
fn decompress_block(block: &[u8], out: &mut Vec<u8>, max: usize) -> ProtocolResult<()> {
    let n = snap::raw::decompress_len(block).map_err(|e| failed("snappy", "decompress", e))?;
    if n > max.saturating_sub(out.len()) {
        return Err(too_big("snappy", max));
    }
    if n > block.len().saturating_mul(MAX_RATIO) {
        return Err(failed(
            "snappy",
            "decompress",
            format!(
                "claimed length {n} impossible for a {}-byte block",
                block.len()
            ),
        ));
    }
    let start = out.len();
    out.resize(start + n, 0);
    let written = snap::raw::Decoder::new()
        .decompress(block, &mut out[start..])
        .map_err(|e| failed("snappy", "decompress", e))?;
    out.truncate(start + written);
    Ok(())
}
