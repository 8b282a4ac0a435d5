//! LZ4 frames with Kafka's framing: independent 64 KiB blocks, no content size, and for
//! magic-0 messages (Kafka < 0.10) the header checksum computed over magic+FLG+BD.

use std::io::{Read, Write};

use bytes::{BufMut, Bytes, BytesMut};
use lz4_flex::frame::{BlockMode, BlockSize, FrameDecoder, FrameEncoder, FrameInfo};

use super::{failed, read_bounded, Lz4Framing};
use crate::protocol::{ProtocolError, ProtocolResult};

const MAGIC: [u8; 4] = [0x04, 0x22, 0x4d, 0x18];
const FLG_CONTENT_SIZE: u8 = 0x08;
const FLG_DICT_ID: u8 = 0x01;

fn hc(bytes: &[u8]) -> u8 {
    (twox_hash::XxHash32::oneshot(0, bytes) >> 8) as u8
}

pub(super) fn compress(
    input: &[u8],
    out: &mut BytesMut,
    framing: Lz4Framing,
) -> ProtocolResult<()> {
    let start = out.len();
    out.reserve(input.len() / 2 + 32);
    let info = FrameInfo::new()
        .block_size(BlockSize::Max64KB)
        .block_mode(BlockMode::Independent);
    let mut enc = FrameEncoder::with_frame_info(info, out.writer());
    enc.write_all(input)
        .map_err(|e| failed("lz4", "compress", e))?;
    enc.finish().map_err(|e| failed("lz4", "compress", e))?;
    if framing == Lz4Framing::OldKafka {
        // No content size is written, so the header is magic, FLG, BD, HC: bytes 0..7.
        let frame = &mut out[start..];
        if frame.len() < 7 || frame[4] & (FLG_CONTENT_SIZE | FLG_DICT_ID) != 0 {
            return Err(failed("lz4", "compress", "unexpected frame header"));
        }
        frame[6] = hc(&frame[..6]);
    }
    Ok(())
}

/// Which header-checksum variant an LZ4 frame uses (`None`: not a frame, or neither).
pub(super) fn framing_of(frame: &[u8]) -> Option<Lz4Framing> {
    if frame.len() < 7 || frame[..4] != MAGIC {
        return None;
    }
    let flg = frame[4];
    let header_len = 7
        + if flg & FLG_CONTENT_SIZE != 0 { 8 } else { 0 }
        + if flg & FLG_DICT_ID != 0 { 4 } else { 0 };
    let header = frame.get(..header_len)?;
    let stored = header[header_len - 1];
    if stored == hc(&header[4..header_len - 1]) {
        Some(Lz4Framing::Standard)
    } else if stored == hc(&header[..header_len - 1]) {
        Some(Lz4Framing::OldKafka)
    } else {
        None
    }
}

/// Accepts either header checksum: the correct one (over FLG..BD) or old Kafka's (over
/// magic..BD). An old-style header is fixed on the fly without copying the body.
pub(super) fn decompress(input: &[u8], max: usize) -> ProtocolResult<Bytes> {
    let hint = input.len().saturating_mul(4);
    if input.len() < 7 || input[..4] != MAGIC {
        // Not a frame we can fix up; let the decoder produce its own error.
        return read_bounded(FrameDecoder::new(input), "lz4", hint, max);
    }
    let flg = input[4];
    let mut header_len = 7;
    if flg & FLG_CONTENT_SIZE != 0 {
        header_len += 8;
    }
    if flg & FLG_DICT_ID != 0 {
        header_len += 4;
    }
    let Some(header) = input.get(..header_len) else {
        return Err(ProtocolError::Truncated {
            what: "lz4 frame header",
            offset: 0,
            needed: header_len,
            available: input.len(),
        });
    };
    let stored = header[header_len - 1];
    let correct = hc(&header[4..header_len - 1]);
    if stored == correct {
        return read_bounded(FrameDecoder::new(input), "lz4", hint, max);
    }
    if stored != hc(&header[..header_len - 1]) {
        return Err(failed(
            "lz4",
            "decompress",
            format!("frame header checksum {stored:#04x}, expected {correct:#04x}"),
        ));
    }
    let mut fixed = [0u8; 19];
    fixed[..header_len].copy_from_slice(header);
    fixed[header_len - 1] = correct;
    let body = fixed[..header_len].chain(&input[header_len..]);
    read_bounded(FrameDecoder::new(body), "lz4", hint, max)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn old_kafka_header_checksum() {
        let mut out = BytesMut::new();
        compress(b"abcabcabc", &mut out, Lz4Framing::OldKafka).unwrap();
        assert_eq!(out[6], hc(&out[..6]));
        assert_ne!(out[6], hc(&out[4..6]));
        let mut std = BytesMut::new();
        compress(b"abcabcabc", &mut std, Lz4Framing::Standard).unwrap();
        assert_eq!(std[6], hc(&std[4..6]));
        assert_eq!(&out[7..], &std[7..]);
        assert_eq!(framing_of(&out), Some(Lz4Framing::OldKafka));
        assert_eq!(framing_of(&std), Some(Lz4Framing::Standard));
        // A checksum matching neither variant is rejected.
        let mut bad = std.to_vec();
        bad[6] ^= 0x55;
        assert!(decompress(&bad, 100).is_err());
    }
}
