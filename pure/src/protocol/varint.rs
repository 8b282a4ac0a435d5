//! Kafka's varints, encoded one way for the whole crate: unsigned LEB128 (`unsigned_varint`, compact lengths and
//! tagged fields) and zigzag (`varint` / `varlong`, record batch v2 fields).
//!
//! Decoding lives in [`super::reader::Reader`] (checked, with errors) and in the [`varint_at`] / [`varlong_at`]
//! fast paths the record decoder tries first; a property test keeps the two in agreement.

use bytes::BufMut;

/// Zigzag-encodes a 32-bit value (small magnitudes, either sign, become small unsigned values).
#[inline(always)]
pub fn zigzag32(v: i32) -> u32 {
    ((v << 1) ^ (v >> 31)) as u32
}

/// Zigzag-encodes a 64-bit value.
#[inline(always)]
pub fn zigzag64(v: i64) -> u64 {
    ((v << 1) ^ (v >> 63)) as u64
}

/// Undoes [`zigzag32`].
#[inline(always)]
pub fn unzigzag32(u: u32) -> i32 {
    ((u >> 1) as i32) ^ -((u & 1) as i32)
}

/// Undoes [`zigzag64`].
#[inline(always)]
pub fn unzigzag64(u: u64) -> i64 {
    ((u >> 1) as i64) ^ -((u & 1) as i64)
}

/// Bytes a value takes as an unsigned varint (for size computations).
#[inline]
pub fn uvarint_len(v: u64) -> usize {
    // 1 byte per 7 bits, at least one byte.
    let bits = 64 - (v | 1).leading_zeros() as usize;
    bits.div_ceil(7)
}

/// Bytes a zigzag varint of `v` takes on the wire.
#[inline]
pub fn varint_len(v: i32) -> usize {
    uvarint_len(u64::from(zigzag32(v)))
}

/// Bytes a zigzag varlong of `v` takes on the wire.
#[inline]
pub fn varlong_len(v: i64) -> usize {
    uvarint_len(zigzag64(v))
}

/// The one LEB128 encoder: hands each output byte to `push`, low 7 bits first.
#[inline(always)]
pub fn encode_uvarlong(mut v: u64, mut push: impl FnMut(u8)) {
    while v >= 0x80 {
        push((v as u8) | 0x80);
        v >>= 7;
    }
    push(v as u8);
}

/// Unsigned LEB128 varint (64 bits). One-byte values are written directly; longer ones in one copy.
#[inline]
pub fn put_uvarlong<B: BufMut>(out: &mut B, v: u64) {
    if v < 0x80 {
        out.put_u8(v as u8);
        return;
    }
    let mut tmp = [0u8; 10];
    let mut n = 0;
    encode_uvarlong(v, |b| {
        tmp[n] = b;
        n += 1;
    });
    out.put_slice(&tmp[..n]);
}

/// Unsigned LEB128 varint (32 bits).
#[inline]
pub fn put_uvarint<B: BufMut>(out: &mut B, v: u32) {
    put_uvarlong(out, u64::from(v));
}

/// Zigzag signed varint (32 bits).
#[inline]
pub fn put_varint<B: BufMut>(out: &mut B, v: i32) {
    put_uvarlong(out, u64::from(zigzag32(v)));
}

/// Zigzag signed varlong (64 bits).
#[inline]
pub fn put_varlong<B: BufMut>(out: &mut B, v: i64) {
    put_uvarlong(out, zigzag64(v));
}

/// Fast path: a zigzag varint at `buf[*pos..]`, advancing `pos`. `None` for anything unusual (truncated, over
/// 5 bytes, over 32 bits); the caller then re-reads with [`super::reader::Reader`] for the precise error.
#[inline(always)]
pub fn varint_at(buf: &[u8], pos: &mut usize) -> Option<i32> {
    let b = *buf.get(*pos)?;
    let u = if b < 0x80 {
        *pos += 1;
        u32::from(b)
    } else {
        let mut u = u32::from(b & 0x7f);
        let mut i = 1;
        loop {
            let b = *buf.get(*pos + i)?;
            u |= u32::from(b & 0x7f) << (7 * i);
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
    Some(unzigzag32(u))
}

/// Fast path for a zigzag varlong (at most 10 bytes, at most 64 bits); see [`varint_at`].
#[inline(always)]
pub fn varlong_at(buf: &[u8], pos: &mut usize) -> Option<i64> {
    let b = *buf.get(*pos)?;
    let u = if b < 0x80 {
        *pos += 1;
        u64::from(b)
    } else {
        let mut u = u64::from(b & 0x7f);
        let mut i = 1;
        loop {
            let b = *buf.get(*pos + i)?;
            u |= u64::from(b & 0x7f) << (7 * i);
            if b < 0x80 {
                if i == 9 && b > 1 {
                    return None;
                }
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
    Some(unzigzag64(u))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::reader::Reader;
    use proptest::prelude::*;

    #[test]
    fn known_encodings() {
        let cases: &[(i64, &[u8])] = &[
            (0, &[0]),
            (-1, &[1]),
            (1, &[2]),
            (63, &[0x7e]),
            (-64, &[0x7f]),
            (64, &[0x80, 1]),
        ];
        for (v, b) in cases {
            let mut o = Vec::new();
            put_varlong(&mut o, *v);
            assert_eq!(&o[..], *b);
            assert_eq!(Reader::new(b, 0).varlong("v").unwrap(), *v);
            let mut o = Vec::new();
            put_varint(&mut o, *v as i32);
            assert_eq!(&o[..], *b);
        }
        assert_eq!(uvarint_len(0), 1);
        assert_eq!(uvarint_len(127), 1);
        assert_eq!(uvarint_len(128), 2);
        assert_eq!(uvarint_len(u64::MAX), 10);
    }

    proptest! {
        #[test]
        fn varints_roundtrip(a: u32, b: u64, c: i32, e: i64) {
            let mut o = Vec::new();
            put_uvarint(&mut o, a);
            put_uvarlong(&mut o, b);
            put_varint(&mut o, c);
            put_varlong(&mut o, e);
            prop_assert_eq!(
                o.len(),
                uvarint_len(a.into()) + uvarint_len(b) + varint_len(c) + varlong_len(e)
            );
            let mut r = Reader::new(&o, 0);
            prop_assert_eq!(r.uvarint("a").unwrap(), a);
            prop_assert_eq!(r.uvarlong("b").unwrap(), b);
            prop_assert_eq!(r.varint("c").unwrap(), c);
            prop_assert_eq!(r.varlong("e").unwrap(), e);
            prop_assert_eq!(r.remaining(), 0);
        }

        #[test]
        fn fast_path_agrees_with_the_reader(data in proptest::collection::vec(any::<u8>(), 0..12)) {
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
    }
}
