//! The crate's one bounds-checked byte reader: big-endian fixed-width integers and Kafka's varints over a
//! borrowed slice, with errors that say what was being read and where.
//!
//! The protocol [`super::Decoder`] (owned [`bytes::Bytes`], zero-copy fields) reads every primitive through it,
//! and the record decoders use it directly on fetched bytes.

use super::error::{ProtocolError, ProtocolResult};
use super::varint::{unzigzag32, unzigzag64};

/// A cursor over a byte slice. `base` is the absolute position of `buf[0]` in the buffer being decoded, so errors
/// name positions in the caller's bytes (the frame, the fetch response), not in a sub-slice.
#[derive(Debug, Clone)]
pub struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
    base: usize,
}

impl<'a> Reader<'a> {
    /// A reader over `buf`, whose first byte is at absolute position `base`.
    #[inline]
    pub fn new(buf: &'a [u8], base: usize) -> Self {
        Reader { buf, pos: 0, base }
    }

    /// Position relative to the start of `buf`.
    #[inline]
    pub fn pos(&self) -> usize {
        self.pos
    }

    /// Absolute position of the next byte (for error messages).
    #[inline]
    pub fn abs(&self) -> usize {
        self.base + self.pos
    }

    /// Bytes left to read.
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

    /// Checks that `n` bytes remain, without consuming them.
    #[inline]
    pub fn ensure(&self, n: usize, what: &'static str) -> ProtocolResult<()> {
        if n > self.remaining() {
            Err(self.truncated(what, n))
        } else {
            Ok(())
        }
    }

    /// The next `n` bytes.
    #[inline]
    pub fn take(&mut self, n: usize, what: &'static str) -> ProtocolResult<&'a [u8]> {
        self.skip(n, what).map(|range| &self.buf[range])
    }

    /// Skips `n` bytes and returns the range they occupied (relative to `buf`).
    #[inline]
    pub fn skip(&mut self, n: usize, what: &'static str) -> ProtocolResult<std::ops::Range<usize>> {
        self.ensure(n, what)?;
        let start = self.pos;
        self.pos += n;
        Ok(start..self.pos)
    }

    /// The next `N` bytes as an array.
    #[inline]
    pub fn fixed<const N: usize>(&mut self, what: &'static str) -> ProtocolResult<[u8; N]> {
        let mut out = [0u8; N];
        out.copy_from_slice(self.take(N, what)?);
        Ok(out)
    }

    /// `int8`.
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

    /// `int16`, big-endian.
    #[inline]
    pub fn i16(&mut self, what: &'static str) -> ProtocolResult<i16> {
        Ok(i16::from_be_bytes(self.fixed(what)?))
    }

    /// `int32`, big-endian.
    #[inline]
    pub fn i32(&mut self, what: &'static str) -> ProtocolResult<i32> {
        Ok(i32::from_be_bytes(self.fixed(what)?))
    }

    /// `int64`, big-endian.
    #[inline]
    pub fn i64(&mut self, what: &'static str) -> ProtocolResult<i64> {
        Ok(i64::from_be_bytes(self.fixed(what)?))
    }

    /// `uint16`, big-endian.
    #[inline]
    pub fn u16(&mut self, what: &'static str) -> ProtocolResult<u16> {
        Ok(u16::from_be_bytes(self.fixed(what)?))
    }

    /// `uint32`, big-endian.
    #[inline]
    pub fn u32(&mut self, what: &'static str) -> ProtocolResult<u32> {
        Ok(u32::from_be_bytes(self.fixed(what)?))
    }

    /// `float64`, IEEE 754 big-endian.
    #[inline]
    pub fn f64(&mut self, what: &'static str) -> ProtocolResult<f64> {
        Ok(f64::from_be_bytes(self.fixed(what)?))
    }

    /// Unsigned LEB128 of at most `max_bytes` bytes. On error nothing is consumed and the error points at the
    /// varint's first byte. A 10-byte varint whose last byte carries bits beyond 64 is an error, not truncated.
    #[inline]
    fn uvarlong_n(&mut self, max_bytes: usize, what: &'static str) -> ProtocolResult<u64> {
        // Fast path: one byte.
        if let Some(&b) = self.buf.get(self.pos) {
            if b < 0x80 {
                self.pos += 1;
                return Ok(u64::from(b));
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
            let chunk = u64::from(b & 0x7f);
            if i == 9 && chunk > 1 {
                self.pos = start;
                return Err(self.invalid(what, "varint overflows 64 bits"));
            }
            out |= chunk << (7 * i);
            if b < 0x80 {
                return Ok(out);
            }
        }
        self.pos = start;
        Err(self.invalid(what, format!("varint longer than {max_bytes} bytes")))
    }

    fn invalid(&self, what: &'static str, reason: impl Into<String>) -> ProtocolError {
        ProtocolError::Invalid {
            what,
            offset: self.abs(),
            reason: reason.into(),
        }
    }

    /// Unsigned LEB128 varint of at most 5 bytes (32 bits).
    #[inline]
    pub fn uvarint(&mut self, what: &'static str) -> ProtocolResult<u32> {
        let start = self.pos;
        let u = self.uvarlong_n(5, what)?;
        u32::try_from(u).map_err(|_| {
            self.pos = start;
            self.invalid(what, "varint overflows 32 bits")
        })
    }

    /// Unsigned LEB128 varint of at most 10 bytes (64 bits).
    #[inline]
    pub fn uvarlong(&mut self, what: &'static str) -> ProtocolResult<u64> {
        self.uvarlong_n(10, what)
    }

    /// A zigzag varint (at most 5 bytes; high bits beyond 32 are rejected).
    #[inline]
    pub fn varint(&mut self, what: &'static str) -> ProtocolResult<i32> {
        self.uvarint(what).map(unzigzag32)
    }

    /// A zigzag varlong (at most 10 bytes, at most 64 bits).
    #[inline]
    pub fn varlong(&mut self, what: &'static str) -> ProtocolResult<i64> {
        self.uvarlong(what).map(unzigzag64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overlong_overflowing_and_truncated_varints_point_at_their_start() {
        let mut r = Reader::new(&[0xff, 0xff, 0xff, 0xff, 0xff, 0x01], 7);
        assert!(matches!(
            r.varint("x"),
            Err(ProtocolError::Invalid { offset: 7, .. })
        ));
        assert_eq!(r.pos(), 0, "nothing consumed on error");
        let mut r = Reader::new(&[0xff, 0xff, 0xff, 0xff, 0x1f], 0);
        assert!(matches!(r.varint("x"), Err(ProtocolError::Invalid { .. })));
        let mut r = Reader::new(&[0x80; 11], 0);
        assert!(matches!(r.varlong("x"), Err(ProtocolError::Invalid { .. })));
        let mut ten = [0xff; 10];
        ten[9] = 0x02;
        assert!(matches!(
            Reader::new(&ten, 0).uvarlong("x"),
            Err(ProtocolError::Invalid { .. })
        ));
        assert_eq!(crate::protocol::varint::varlong_at(&ten, &mut 0), None);
        ten[9] = 0x01;
        assert_eq!(Reader::new(&ten, 0).uvarlong("x").unwrap(), u64::MAX);
        let mut r = Reader::new(&[0x80], 3);
        assert!(matches!(
            r.varlong("x"),
            Err(ProtocolError::Truncated {
                offset: 3,
                needed: 2,
                ..
            })
        ));
    }

    #[test]
    fn fixed_width_reads_are_big_endian_and_bounded() {
        let mut r = Reader::new(&[0, 1, 0, 0, 0, 2, 0xff], 10);
        assert_eq!(r.i16("a").unwrap(), 1);
        assert_eq!(r.i32("b").unwrap(), 2);
        assert_eq!(r.abs(), 16);
        let e = r.i16("c").unwrap_err();
        assert!(
            matches!(
                e,
                ProtocolError::Truncated {
                    offset: 16,
                    needed: 2,
                    available: 1,
                    ..
                }
            ),
            "{e:?}"
        );
        assert_eq!(r.i8("d").unwrap(), -1);
        assert_eq!(r.remaining(), 0);
    }
}
