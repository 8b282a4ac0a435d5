//! MessageSet v0/v1 (magic 0 and 1, Kafka < 0.11): CRC-32 per message, compressed
//! wrappers holding a nested message set.

use bytes::{BufMut, Bytes, BytesMut};

use super::{DecodeOptions, Record, TimestampType, LOG_OVERHEAD};
use crate::compression::{self, CompressOptions, Compression, Lz4Framing, SnappyFraming};
use crate::protocol::reader::Reader;
use crate::protocol::{ProtocolError, ProtocolResult};

/// crc, magic, attributes, key length, value length.
const V0_OVERHEAD: usize = 14;
const ATTR_CODEC: i8 = 0x07;

/// Top-level facts about one entry, for the fetch path's batch metadata.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct EntryInfo {
    pub magic: i8,
    pub offset: i64,
    pub compression: Compression,
    pub timestamp_type: TimestampType,
}

/// One parsed message (fields borrowed as ranges of the buffer it came from).
struct Message {
    offset: i64,
    magic: i8,
    attributes: i8,
    timestamp: i64,
    key: Option<Bytes>,
    value: Option<Bytes>,
}

/// Decodes the complete v0/v1 entry at the start of `buf` (a message, or a compressed
/// wrapper expanded into its inner messages). Returns its records and the bytes it took.
pub fn decode_message_set_entry(
    buf: &Bytes,
    opts: &DecodeOptions,
) -> ProtocolResult<(Vec<Record>, usize)> {
    let mut budget = opts.max_decompressed;
    let mut out = Vec::new();
    let (_, len) = decode_entry_at(buf, 0, opts, &mut budget, &mut out)?;
    Ok((out, len))
}

/// Parses one message at `buf[start..]`; `base` is added to positions in errors.
fn read_message(
    buf: &Bytes,
    start: usize,
    base: usize,
    opts: &DecodeOptions,
) -> ProtocolResult<(Message, usize)> {
    let mut r = Reader::new(buf.get(start..).unwrap_or_default(), base + start);
    let offset = r.i64("message offset")?;
    let size = r.i32("message size")?;
    let size = usize::try_from(size)
        .ok()
        .filter(|&s| s >= V0_OVERHEAD)
        .ok_or_else(|| ProtocolError::Invalid {
            what: "message size",
            offset: base + start + 8,
            reason: format!("{size} is below the {V0_OVERHEAD}-byte minimum"),
        })?;
    let body = r.skip(size, "message")?;
    let body_abs = base + start + body.start;
    let msg = &buf[start + body.start..start + body.end];
    let mut m = Reader::new(msg, body_abs);
    let crc = m.u32("message crc")?;
    let magic = m.i8("message magic")?;
    if !(0..=1).contains(&magic) {
        return Err(ProtocolError::Unsupported {
            what: "message magic",
            value: magic as i64,
        });
    }
    if opts.verify_crc {
        let computed = crc32fast::hash(&msg[4..]);
        if computed != crc {
            return Err(ProtocolError::Checksum {
                what: "message (crc32)",
                offset: body_abs,
                stored: crc,
                computed,
            });
        }
    }
    let attributes = m.i8("message attributes")?;
    let timestamp = if magic == 1 {
        m.i64("message timestamp")?
    } else {
        -1
    };
    let body_start = start + body.start;
    let key = nullable(buf, body_start, &mut m, "message key")?;
    let value = nullable(buf, body_start, &mut m, "message value")?;
    if m.remaining() != 0 {
        return Err(ProtocolError::Invalid {
            what: "message size",
            offset: base + start + 8,
            reason: format!("{} bytes left over after the value", m.remaining()),
        });
    }
    Ok((
        Message {
            offset,
            magic,
            attributes,
            timestamp,
            key,
            value,
        },
        LOG_OVERHEAD + size,
    ))
}

/// An i32-length-prefixed nullable byte field as a slice of `buf` (`m` reads from `buf[at..]`).
fn nullable(
    buf: &Bytes,
    at: usize,
    m: &mut Reader<'_>,
    what: &'static str,
) -> ProtocolResult<Option<Bytes>> {
    let pos = m.abs();
    let len = m.i32(what)?;
    if len == -1 {
        return Ok(None);
    }
    let len = usize::try_from(len).map_err(|_| ProtocolError::Invalid {
        what,
        offset: pos,
        reason: format!("length {len}"),
    })?;
    let r = m.skip(len, what)?;
    Ok(Some(buf.slice(at + r.start..at + r.end)))
}

fn codec_of(attributes: i8) -> ProtocolResult<Compression> {
    match Compression::from_attributes((attributes & ATTR_CODEC) as i16) {
        Some(Compression::Zstd) | None => Err(ProtocolError::Unsupported {
            what: "message set compression codec (zstd needs RecordBatch v2)",
            value: (attributes & ATTR_CODEC) as i64,
        }),
        Some(c) => Ok(c),
    }
}

/// Decodes the entry at `buf[start..]` (which must be complete), appending records to `out`.
pub(crate) fn decode_entry_at(
    buf: &Bytes,
    start: usize,
    opts: &DecodeOptions,
    budget: &mut usize,
    out: &mut Vec<Record>,
) -> ProtocolResult<(EntryInfo, usize)> {
    let (msg, len) = read_message(buf, start, 0, opts)?;
    let codec = codec_of(msg.attributes)?;
    let ts_type = if msg.magic == 0 {
        TimestampType::NotAvailable
    } else {
        TimestampType::from_bit(msg.attributes as i16)
    };
    let info = EntryInfo {
        magic: msg.magic,
        offset: msg.offset,
        compression: codec,
        timestamp_type: ts_type,
    };
    if codec == Compression::None {
        out.push(Record {
            offset: msg.offset,
            timestamp: msg.timestamp,
            timestamp_type: ts_type,
            key: msg.key,
            value: msg.value,
            headers: Vec::new(),
        });
        return Ok((info, len));
    }
    let Some(compressed) = msg.value else {
        return Err(ProtocolError::Invalid {
            what: "compressed message",
            offset: start,
            reason: "null value".into(),
        });
    };
    let inner = compression::decompress(codec, compressed, *budget)?;
    *budget = budget.saturating_sub(inner.len());
    let first = out.len();
    let mut pos = 0;
    while pos < inner.len() {
        let (m, n) = read_message(&inner, pos, 0, opts)?;
        if m.attributes & ATTR_CODEC != 0 {
            return Err(ProtocolError::Invalid {
                what: "inner message",
                offset: pos,
                reason: "nested compression".into(),
            });
        }
        let (timestamp, timestamp_type) = match (ts_type, m.magic) {
            (TimestampType::LogAppendTime, _) => (msg.timestamp, TimestampType::LogAppendTime),
            (_, 0) => (-1, TimestampType::NotAvailable),
            _ => (m.timestamp, TimestampType::CreateTime),
        };
        out.push(Record {
            offset: m.offset,
            timestamp,
            timestamp_type,
            key: m.key,
            value: m.value,
            headers: Vec::new(),
        });
        pos += n;
    }
    // Magic 1 inner offsets are relative (0..n-1): the wrapper carries the last inner
    // message's absolute offset. Java's rule, equal to PyKafka's `wrapper - n + 1` delta
    // when the inner offsets are contiguous, and right after compaction too.
    if msg.magic == 1 {
        if let Some(last) = out.last().map(|r| r.offset) {
            let delta = msg.offset.wrapping_sub(last);
            for r in &mut out[first..] {
                r.offset = r.offset.wrapping_add(delta);
            }
        }
    }
    Ok((info, len))
}

/// Encodes a v0 or v1 message set. With a codec, the messages are written into an inner
/// set, compressed once, and wrapped in one message (LZ4 framing follows the magic: the
/// pre-0.10 header checksum for magic 0).
#[derive(Debug)]
pub struct MessageSetBuilder {
    magic: i8,
    codec: Compression,
    base_offset: i64,
    buf: BytesMut,
    count: i64,
    max_timestamp: i64,
    snappy: SnappyFraming,
}

impl MessageSetBuilder {
    /// `magic` 0 or 1; zstd is refused (it needs RecordBatch v2).
    pub fn new(magic: i8, codec: Compression) -> ProtocolResult<Self> {
        if !(0..=1).contains(&magic) {
            return Err(ProtocolError::Encode {
                what: "message set",
                reason: format!("magic {magic} is not 0 or 1"),
            });
        }
        if codec == Compression::Zstd {
            return Err(ProtocolError::Encode {
                what: "message set",
                reason: "zstd needs RecordBatch v2".into(),
            });
        }
        Ok(MessageSetBuilder {
            magic,
            codec,
            base_offset: 0,
            buf: BytesMut::with_capacity(1024),
            count: 0,
            max_timestamp: -1,
            snappy: SnappyFraming::Raw,
        })
    }

    /// The first message's offset (0 by default; brokers assign real offsets).
    pub fn base_offset(mut self, base_offset: i64) -> Self {
        self.base_offset = base_offset;
        self
    }

    /// Snappy framing for the wrapper (raw by default, like PyKafka; xerial like the old
    /// Java client).
    pub fn snappy_framing(mut self, framing: SnappyFraming) -> Self {
        self.snappy = framing;
        self
    }

    pub fn len(&self) -> usize {
        self.count as usize
    }

    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// Bytes so far, uncompressed.
    pub fn size_in_bytes(&self) -> usize {
        self.buf.len()
    }

    /// Appends a message. `timestamp` is ignored for magic 0.
    pub fn push(
        &mut self,
        timestamp: i64,
        key: Option<&[u8]>,
        value: Option<&[u8]>,
    ) -> ProtocolResult<()> {
        // Inner offsets of a magic-1 wrapper are relative; elsewhere absolute.
        let offset = if self.codec != Compression::None && self.magic == 1 {
            self.count
        } else {
            self.base_offset.wrapping_add(self.count)
        };
        self.max_timestamp = self.max_timestamp.max(timestamp);
        write_message(&mut self.buf, offset, self.magic, 0, timestamp, key, value)?;
        self.count += 1;
        Ok(())
    }

    /// The message set bytes (one wrapper message when compressed).
    pub fn finish(self) -> ProtocolResult<Bytes> {
        if self.codec == Compression::None {
            return Ok(self.buf.freeze());
        }
        if self.count == 0 {
            return Err(ProtocolError::Encode {
                what: "message set",
                reason: "no messages to compress".into(),
            });
        }
        let mut out = BytesMut::with_capacity(self.buf.len() / 2 + 64);
        let wrapper_offset = self.base_offset.wrapping_add(self.count - 1);
        out.put_i64(wrapper_offset);
        out.put_i32(0); // size, patched below
        out.put_u32(0); // crc, patched below
        out.put_i8(self.magic);
        out.put_i8(self.codec.code() as i8);
        if self.magic == 1 {
            out.put_i64(self.max_timestamp);
        }
        out.put_i32(-1); // null key
        let value_len_at = out.len();
        out.put_i32(0);
        let lz4 = if self.magic == 0 {
            Lz4Framing::OldKafka
        } else {
            Lz4Framing::Standard
        };
        let opts = CompressOptions {
            lz4,
            snappy: self.snappy,
        };
        compression::compress_with(self.codec, &self.buf, &mut out, opts)?;
        let value_len = out.len() - value_len_at - 4;
        patch_i32(
            &mut out,
            value_len_at,
            value_len,
            "compressed message value",
        )?;
        finish_message(&mut out, 0)?;
        Ok(out.freeze())
    }
}

fn patch_i32(out: &mut BytesMut, at: usize, v: usize, what: &'static str) -> ProtocolResult<()> {
    let v = i32::try_from(v).map_err(|_| ProtocolError::Encode {
        what,
        reason: format!("{v} bytes exceed i32::MAX"),
    })?;
    out[at..at + 4].copy_from_slice(&v.to_be_bytes());
    Ok(())
}

/// Patches size and CRC of the message starting at `start` and ending at `out`'s end.
fn finish_message(out: &mut BytesMut, start: usize) -> ProtocolResult<()> {
    let size = out.len() - start - LOG_OVERHEAD;
    patch_i32(out, start + 8, size, "message")?;
    let crc = crc32fast::hash(&out[start + 16..]);
    out[start + 12..start + 16].copy_from_slice(&crc.to_be_bytes());
    Ok(())
}

fn put_bytes_i32(out: &mut BytesMut, b: Option<&[u8]>, what: &'static str) -> ProtocolResult<()> {
    match b {
        None => out.put_i32(-1),
        Some(b) => {
            let n = i32::try_from(b.len()).map_err(|_| ProtocolError::Encode {
                what,
                reason: format!("{} bytes exceed i32::MAX", b.len()),
            })?;
            out.put_i32(n);
            out.put_slice(b);
        }
    }
    Ok(())
}

fn write_message(
    out: &mut BytesMut,
    offset: i64,
    magic: i8,
    attributes: i8,
    timestamp: i64,
    key: Option<&[u8]>,
    value: Option<&[u8]>,
) -> ProtocolResult<()> {
    let start = out.len();
    let n = LOG_OVERHEAD
        + V0_OVERHEAD
        + if magic == 1 { 8 } else { 0 }
        + key.map_or(0, |k| k.len())
        + value.map_or(0, |v| v.len());
    out.reserve(n);
    out.put_i64(offset);
    out.put_i32(0);
    out.put_u32(0);
    out.put_i8(magic);
    out.put_i8(attributes);
    if magic == 1 {
        out.put_i64(timestamp);
    }
    put_bytes_i32(out, key, "message key")?;
    put_bytes_i32(out, value, "message value")?;
    finish_message(out, start)
}
