//! Zigzag varints (Kafka's `varint`/`varlong`) as RecordBatch v2 records use them.
//!
//! Kept local to `records/` so the record hot loop has no dependency on the protocol layer's
//! (unsigned, compact-field) varints; the two will be unified later.

use bytes::BufMut;

use crate::protocol::{ProtocolError, ProtocolResult};

/// Bytes a zigzag varint of `v` takes on the wire.
#[inline]
pub fn varint_len(v: i32) -> usize {
    uvarint_len(zigzag32(v) as u64)
}

/// Bytes a zigzag varlong of `v` takes on the wire.
#[inline]
pub fn varlong_len(v: i64) -> usize {
    uvarint_len(zigzag64(v))
}

#[inline]
fn uvarint_len(u: u64) -> usize {
    // 1 byte per 7 bits, at least one byte.
    let bits = 64 - (u | 1).leading_zeros() as usize;
    bits.div_ceil(7)
}

#[inline]
fn zigzag32(v: i32) -> u32 {
    ((v << 1) ^ (v >> 31)) as u32
}

#[inline]
fn zigzag64(v: i64) -> u64 {
    ((v << 1) ^ (v >> 63)) as u64
}

/// Appends a zigzag varint.
#[inline]
pub fn put_varint<B: BufMut>(out: &mut B, v: i32) {
    put_uvarint(out, zigzag32(v) as u64)
}

/// Appends a zigzag varlong.
#[inline]
pub fn put_varlong<B: BufMut>(out: &mut B, v: i64) {
    put_uvarint(out, zigzag64(v))
}

#[inline]
fn put_uvarint<B: BufMut>(out: &mut B, mut u: u64) {
    if u < 0x80 {
        out.put_u8(u as u8);
        return;
    }
    let mut tmp = [0u8; 10];
    let mut n = 0;
    while u >= 0x80 {
        tmp[n] = (u as u8) | 0x80;
        u >>= 7;
        n += 1;
    }
    tmp[n] = u as u8;
    out.put_slice(&tmp[..=n]);
}

/// A small stack buffer for a record's fixed-size prefix, so the encoder appends it to the
/// output in one copy instead of one call per field.
pub struct Scratch {
    buf: [u8; 64],
    len: usize,
}

impl Scratch {
    /// Room guaranteed after `new()`: 64 bytes.
    pub const CAPACITY: usize = 64;

    #[inline(always)]
    pub fn new() -> Self {
        Scratch {
            buf: [0; 64],
            len: 0,
        }
    }

    #[inline(always)]
    pub fn as_slice(&self) -> &[u8] {
        &self.buf[..self.len]
    }

    /// Bytes still free.
    #[inline(always)]
    pub fn room(&self) -> usize {
        Self::CAPACITY - self.len
    }

    /// Callers keep track of room: at most 10 bytes per varlong, 5 per varint.
    #[inline(always)]
    pub fn u8(&mut self, b: u8) {
        self.buf[self.len] = b;
        self.len += 1;
    }

    #[inline(always)]
    pub fn bytes(&mut self, b: &[u8]) {
        self.buf[self.len..self.len + b.len()].copy_from_slice(b);
        self.len += b.len();
    }

    #[inline(always)]
    fn uvarint(&mut self, mut u: u64) {
        while u >= 0x80 {
            self.u8((u as u8) | 0x80);
            u >>= 7;
        }
        self.u8(u as u8);
    }

    #[inline(always)]
    pub fn varint(&mut self, v: i32) {
        self.uvarint(zigzag32(v) as u64)
    }

    #[inline(always)]
    pub fn varlong(&mut self, v: i64) {
        self.uvarint(zigzag64(v))
    }
}

impl Default for Scratch {
    fn default() -> Self {
        Self::new()
    }
}

/// Fast path: a zigzag varint at `buf[*pos..]`, advancing `pos`. `None` for anything
/// unusual (truncated, over 5 bytes, over 32 bits); the caller then re-reads with
/// [`Reader`] to get the precise error.
#[inline(always)]
pub fn varint_at(buf: &[u8], pos: &mut usize) -> Option<i32> {
    let b = *buf.get(*pos)?;
    let u = if b < 0x80 {
        *pos += 1;
        b as u32
    } else {
        let mut u = (b & 0x7f) as u32;
        let mut i = 1;
        loop {
            let b = *buf.get(*pos + i)?;
            u |= ((b & 0x7f) as u32) << (7 * i);
            if b < 0x80 {
                if i == 4 && b > 0x0f {
                    return None;
                }
                break;
            }
            i += 1;
            if i == 5 {
                return None;
            }
        }
        *pos += i + 1;
        u
    };
    Some(((u >> 1) as i32) ^ -((u & 1) as i32))
}

/// Fast path for a zigzag varlong; see [`varint_at`].
#[inline(always)]
pub fn varlong_at(buf: &[u8], pos: &mut usize) -> Option<i64> {
    let b = *buf.get(*pos)?;
    let u = if b < 0x80 {
        *pos += 1;
        b as u64
    } else {
        let mut u = (b & 0x7f) as u64;
        let mut i = 1;
        loop {
            let b = *buf.get(*pos + i)?;
            u |= ((b & 0x7f) as u64) << (7 * i);
            if b < 0x80 {
                break;
            }
            i += 1;
            if i == 10 {
                return None;
            }
        }
        *pos += i + 1;
        u
    };
    Some(((u >> 1) as i64) ^ -((u & 1) as i64))
}

/// A bounds-checked reader over a byte slice. `base` is the absolute position of `buf[0]`
/// in the buffer being decoded, so errors say where in the caller's bytes they happened.
pub struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
    base: usize,
}

impl<'a> Reader<'a> {
    #[inline]
    pub fn new(buf: &'a [u8], base: usize) -> Self {
        Reader { buf, pos: 0, base }
    }

    /// Position relative to the start of `buf`.
    #[inline]
    pub fn pos(&self) -> usize {
        self.pos
    }

    /// Absolute position (for error messages).
    #[inline]
    pub fn abs(&self) -> usize {
        self.base + self.pos
    }

    #[inline]
    pub fn remaining(&self) -> usize {
        self.buf.len() - self.pos
    }

    #[inline]
    fn truncated(&self, what: &'static str, needed: usize) -> ProtocolError {
        ProtocolError::Truncated {
            what,
            offset: self.abs(),
            needed,
            available: self.remaining(),
        }
    }

    #[inline]
    pub fn take(&mut self, n: usize, what: &'static str) -> ProtocolResult<&'a [u8]> {
        match self
            .pos
            .checked_add(n)
            .and_then(|end| self.buf.get(self.pos..end))
        {
            Some(s) => {
                self.pos += n;
                Ok(s)
            }
            _ => Err(self.truncated(what, n)),
        }
    }

    /// Skips `n` bytes and returns the range they occupied (relative to `buf`).
    #[inline]
    pub fn skip(&mut self, n: usize, what: &'static str) -> ProtocolResult<std::ops::Range<usize>> {
        if n > self.remaining() {
            return Err(self.truncated(what, n));
        }
        let start = self.pos;
        self.pos += n;
        Ok(start..self.pos)
    }

    #[inline]
    pub fn i8(&mut self, what: &'static str) -> ProtocolResult<i8> {
        match self.buf.get(self.pos) {
            Some(&b) => {
                self.pos += 1;
                Ok(b as i8)
            }
            None => Err(self.truncated(what, 1)),
        }
    }

    #[inline]
    pub fn i16(&mut self, what: &'static str) -> ProtocolResult<i16> {
        let s = self.take(2, what)?;
        Ok(i16::from_be_bytes([s[0], s[1]]))
    }

    #[inline]
    pub fn i32(&mut self, what: &'static str) -> ProtocolResult<i32> {
        let s = self.take(4, what)?;
        Ok(i32::from_be_bytes([s[0], s[1], s[2], s[3]]))
    }

    #[inline]
    pub fn u32(&mut self, what: &'static str) -> ProtocolResult<u32> {
        Ok(self.i32(what)? as u32)
    }

    #[inline]
    pub fn i64(&mut self, what: &'static str) -> ProtocolResult<i64> {
        let s = self.take(8, what)?;
        let mut a = [0u8; 8];
        a.copy_from_slice(s);
        Ok(i64::from_be_bytes(a))
    }

    #[inline]
    fn uvarint(&mut self, max_bytes: usize, what: &'static str) -> ProtocolResult<u64> {
        // Fast path: one byte.
        if let Some(&b) = self.buf.get(self.pos) {
            if b < 0x80 {
                self.pos += 1;
                return Ok(b as u64);
            }
        }
        let start = self.pos;
        let mut out = 0u64;
        for i in 0..max_bytes {
            let Some(&b) = self.buf.get(self.pos) else {
                self.pos = start;
                return Err(self.truncated(what, i + 1));
            };
            self.pos += 1;
            out |= ((b & 0x7f) as u64) << (7 * i);
            if b < 0x80 {
                return Ok(out);
            }
        }
        let offset = self.base + start;
        self.pos = start;
        Err(ProtocolError::Invalid {
            what,
            offset,
            reason: format!("varint longer than {max_bytes} bytes"),
        })
    }

    /// A zigzag varint (at most 5 bytes; high bits beyond 32 are rejected).
    #[inline]
    pub fn varint(&mut self, what: &'static str) -> ProtocolResult<i32> {
        let start = self.abs();
        let u = self.uvarint(5, what)?;
        if u > u32::MAX as u64 {
            return Err(ProtocolError::Invalid {
                what,
                offset: start,
                reason: "varint overflows 32 bits".into(),
            });
        }
        let u = u as u32;
        Ok(((u >> 1) as i32) ^ -((u & 1) as i32))
    }

    /// A zigzag varlong (at most 10 bytes).
    #[inline]
    pub fn varlong(&mut self, what: &'static str) -> ProtocolResult<i64> {
        let u = self.uvarint(10, what)?;
        Ok(((u >> 1) as i64) ^ -((u & 1) as i64))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn known_encodings() {
        let mut v = Vec::new();
        put_varint(&mut v, 0);
        put_varint(&mut v, -1);
        put_varint(&mut v, 1);
        put_varint(&mut v, 63);
        put_varint(&mut v, -64);
        put_varint(&mut v, 64);
        assert_eq!(v, [0x00, 0x01, 0x02, 0x7e, 0x7f, 0x80, 0x01]);
    }

    #[test]
    fn overlong_and_truncated() {
        let mut r = Reader::new(&[0xff, 0xff, 0xff, 0xff, 0xff, 0x01], 7);
        assert!(matches!(
            r.varint("x"),
            Err(ProtocolError::Invalid { offset: 7, .. })
        ));
        let mut r = Reader::new(&[0xff, 0xff, 0xff, 0xff, 0x1f], 0);
        assert!(matches!(r.varint("x"), Err(ProtocolError::Invalid { .. })));
        let mut r = Reader::new(&[0x80], 0);
        assert!(matches!(
            r.varlong("x"),
            Err(ProtocolError::Truncated { .. })
        ));
    }

    proptest! {
        #[test]
        fn varint_roundtrip(v: i32) {
            let mut b = Vec::new();
            put_varint(&mut b, v);
            prop_assert_eq!(b.len(), varint_len(v));
            let mut r = Reader::new(&b, 0);
            prop_assert_eq!(r.varint("v").unwrap(), v);
            prop_assert_eq!(r.remaining(), 0);
        }

        #[test]
        fn fast_path_agrees(data in proptest::collection::vec(any::<u8>(), 0..12)) {
            let mut p = 0;
            let fast = varint_at(&data, &mut p);
            let mut r = Reader::new(&data, 0);
            match (fast, r.varint("v")) {
                (Some(a), Ok(b)) => { prop_assert_eq!(a, b); prop_assert_eq!(p, r.pos()); }
                (None, Err(_)) => {}
                (a, b) => prop_assert!(false, "{:?} vs {:?}", a, b),
            }
            let mut p = 0;
            let fast = varlong_at(&data, &mut p);
            let mut r = Reader::new(&data, 0);
            match (fast, r.varlong("v")) {
                (Some(a), Ok(b)) => { prop_assert_eq!(a, b); prop_assert_eq!(p, r.pos()); }
                (None, Err(_)) => {}
                (a, b) => prop_assert!(false, "{:?} vs {:?}", a, b),
            }
        }

        #[test]
        fn varlong_roundtrip(v: i64) {
            let mut b = Vec::new();
            put_varlong(&mut b, v);
            prop_assert_eq!(b.len(), varlong_len(v));
            let mut r = Reader::new(&b, 0);
            prop_assert_eq!(r.varlong("v").unwrap(), v);
        }
    }
}
