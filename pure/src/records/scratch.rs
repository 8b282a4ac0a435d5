//! A small stack buffer for a record's fixed-size prefix, so the encoder appends it to the output in one copy
//! instead of one call per field. Varints are encoded by [`crate::protocol::varint`], the crate's one encoder.

use crate::protocol::varint::{encode_uvarlong, zigzag32, zigzag64};

/// Up to [`Scratch::CAPACITY`] bytes, filled field by field, then copied out with [`Scratch::as_slice`].
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

    /// The bytes written so far.
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

    /// Appends `b` (callers check [`Scratch::room`] first).
    #[inline(always)]
    pub fn bytes(&mut self, b: &[u8]) {
        self.buf[self.len..self.len + b.len()].copy_from_slice(b);
        self.len += b.len();
    }

    /// Appends a zigzag varint.
    #[inline(always)]
    pub fn varint(&mut self, v: i32) {
        encode_uvarlong(u64::from(zigzag32(v)), |b| self.u8(b))
    }

    /// Appends a zigzag varlong.
    #[inline(always)]
    pub fn varlong(&mut self, v: i64) {
        encode_uvarlong(zigzag64(v), |b| self.u8(b))
    }
}

impl Default for Scratch {
    fn default() -> Self {
        Self::new()
    }
}
