//! Kafka's primitive wire types: a bounds-checked [`Decoder`] over [`Bytes`] and `put_*` encoders into [`BytesMut`].
//!
//! Every length prefix is checked against the bytes that remain *before* anything is allocated, so a hostile
//! 2 GB length in a 10-byte frame is a [`ProtocolError::Truncated`], never an allocation. Strings and byte
//! fields are zero-copy slices of the input where the type allows (`Bytes`); strings are validated UTF-8 copies.
//! Every fixed-width and varint read goes through [`Reader`], the crate's one byte reader; the varint encoders
//! are [`super::varint`]'s, re-exported here for the generated code and record batches.

use bytes::{BufMut, Bytes, BytesMut};

use super::error::{ProtocolError, ProtocolResult};
use super::reader::Reader;
pub use super::varint::{
    put_uvarint, put_uvarlong, put_varint, put_varlong, uvarint_len, varint_len, varlong_len,
};

/// A Kafka UUID (topic ids and the like): 16 raw bytes, all-zero meaning "none".
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default, PartialOrd, Ord)]
pub struct Uuid(pub [u8; 16]);

impl Uuid {
    /// The all-zero UUID Kafka uses for "no id".
    pub const ZERO: Uuid = Uuid([0; 16]);

    /// True for [`Uuid::ZERO`].
    pub fn is_zero(&self) -> bool {
        self.0 == [0; 16]
    }
}

impl std::fmt::Debug for Uuid {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Display::fmt(self, f)
    }
}

impl std::fmt::Display for Uuid {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for (i, b) in self.0.iter().enumerate() {
            if matches!(i, 4 | 6 | 8 | 10) {
                f.write_str("-")?;
            }
            write!(f, "{b:02x}")?;
        }
        Ok(())
    }
}

/// Reads Kafka primitives from a `Bytes` buffer, tracking the position so errors say where.
///
/// `base` is the absolute offset of this buffer's start in the enclosing frame, so sub-decoders (tagged fields)
/// still report frame offsets.
#[derive(Debug, Clone)]
pub struct Decoder {
    buf: Bytes,
    pos: usize,
    base: usize,
}

impl Decoder {
    /// A decoder over `buf`, positions counted from its start.
    pub fn new(buf: Bytes) -> Self {
        Decoder {
            buf,
            pos: 0,
            base: 0,
        }
    }

    /// Absolute position of the next byte to read.
    pub fn position(&self) -> usize {
        self.base + self.pos
    }

    /// Bytes left to read.
    pub fn remaining(&self) -> usize {
        self.buf.len() - self.pos
    }

    /// True when everything has been read.
    pub fn is_empty(&self) -> bool {
        self.remaining() == 0
    }

    /// The unread bytes (zero-copy), consuming them.
    pub fn take_rest(&mut self) -> Bytes {
        let rest = self.buf.slice(self.pos..);
        self.pos = self.buf.len();
        rest
    }

    /// Runs `f` on the crate's one byte [`Reader`] over the unread bytes, then advances past what it read.
    #[inline]
    fn read<T>(
        &mut self,
        f: impl FnOnce(&mut Reader<'_>) -> ProtocolResult<T>,
    ) -> ProtocolResult<T> {
        let mut r = Reader::new(&self.buf[self.pos..], self.base + self.pos);
        let out = f(&mut r);
        self.pos += r.pos();
        out
    }

    fn invalid(
        &self,
        what: &'static str,
        offset: usize,
        reason: impl Into<String>,
    ) -> ProtocolError {
        ProtocolError::Invalid {
            what,
            offset,
            reason: reason.into(),
        }
    }

    /// Checks that `n` bytes remain, without consuming them.
    pub fn ensure(&self, n: usize, what: &'static str) -> ProtocolResult<()> {
        Reader::new(&self.buf[self.pos..], self.position()).ensure(n, what)
    }

    /// The next `n` bytes as a zero-copy slice.
    pub fn take(&mut self, n: usize, what: &'static str) -> ProtocolResult<Bytes> {
        self.ensure(n, what)?;
        let out = self.buf.slice(self.pos..self.pos + n);
        self.pos += n;
        Ok(out)
    }

    /// A decoder over the next `n` bytes (consumed from this one), keeping absolute positions.
    pub fn sub(&mut self, n: usize, what: &'static str) -> ProtocolResult<Decoder> {
        let base = self.position();
        let buf = self.take(n, what)?;
        Ok(Decoder { buf, pos: 0, base })
    }

    /// `int8`.
    pub fn i8(&mut self, what: &'static str) -> ProtocolResult<i8> {
        self.read(|r| r.i8(what))
    }
    /// `int16`, big-endian.
    pub fn i16(&mut self, what: &'static str) -> ProtocolResult<i16> {
        self.read(|r| r.i16(what))
    }
    /// `int32`, big-endian.
    pub fn i32(&mut self, what: &'static str) -> ProtocolResult<i32> {
        self.read(|r| r.i32(what))
    }
    /// `int64`, big-endian.
    pub fn i64(&mut self, what: &'static str) -> ProtocolResult<i64> {
        self.read(|r| r.i64(what))
    }
    /// `uint16`, big-endian.
    pub fn u16(&mut self, what: &'static str) -> ProtocolResult<u16> {
        self.read(|r| r.u16(what))
    }
    /// `uint32`, big-endian.
    pub fn u32(&mut self, what: &'static str) -> ProtocolResult<u32> {
        self.read(|r| r.u32(what))
    }
    /// `float64`, IEEE 754 big-endian.
    pub fn f64(&mut self, what: &'static str) -> ProtocolResult<f64> {
        self.read(|r| r.f64(what))
    }
    /// `bool`: one byte, non-zero is true (as the Java reader does).
    pub fn bool(&mut self, what: &'static str) -> ProtocolResult<bool> {
        Ok(self.i8(what)? != 0)
    }
    /// `uuid`: 16 raw bytes.
    pub fn uuid(&mut self, what: &'static str) -> ProtocolResult<Uuid> {
        self.read(|r| r.fixed(what)).map(Uuid)
    }

    /// Unsigned LEB128 varint of at most 5 bytes (32 bits).
    pub fn uvarint(&mut self, what: &'static str) -> ProtocolResult<u32> {
        self.read(|r| r.uvarint(what))
    }

    /// Unsigned LEB128 varint of at most 10 bytes (64 bits).
    pub fn uvarlong(&mut self, what: &'static str) -> ProtocolResult<u64> {
        self.read(|r| r.uvarlong(what))
    }

    /// Zigzag-encoded signed varint (32 bits), as used in record batches.
    pub fn varint(&mut self, what: &'static str) -> ProtocolResult<i32> {
        self.read(|r| r.varint(what))
    }

    /// Zigzag-encoded signed varlong (64 bits), as used in record batches.
    pub fn varlong(&mut self, what: &'static str) -> ProtocolResult<i64> {
        self.read(|r| r.varlong(what))
    }

    /// A length prefix: `int16`/`int32` (classic, -1 = null) or unsigned varint of length+1 (compact, 0 = null).
    /// `None` means null. The length is checked against the remaining bytes (each unit at least one byte).
    fn length(
        &mut self,
        compact: bool,
        wide: bool,
        what: &'static str,
    ) -> ProtocolResult<Option<usize>> {
        let start = self.position();
        let len: i64 = if compact {
            i64::from(self.uvarint(what)?) - 1
        } else if wide {
            i64::from(self.i32(what)?)
        } else {
            i64::from(self.i16(what)?)
        };
        if len == -1 {
            return Ok(None);
        }
        if len < 0 {
            return Err(self.invalid(what, start, format!("negative length {len}")));
        }
        let len = len as usize;
        self.ensure(len, what)?;
        Ok(Some(len))
    }

    fn non_null(
        &self,
        v: Option<usize>,
        what: &'static str,
        start: usize,
    ) -> ProtocolResult<usize> {
        v.ok_or_else(|| self.invalid(what, start, "null where the version does not allow it"))
    }

    fn utf8(&self, b: Bytes, what: &'static str, start: usize) -> ProtocolResult<String> {
        String::from_utf8(b.to_vec())
            .map_err(|e| self.invalid(what, start, format!("invalid UTF-8: {e}")))
    }

    /// A (compact) string that may not be null.
    pub fn string(&mut self, compact: bool, what: &'static str) -> ProtocolResult<String> {
        let start = self.position();
        let len = self.length(compact, false, what)?;
        let len = self.non_null(len, what, start)?;
        let b = self.take(len, what)?;
        self.utf8(b, what, start)
    }

    /// A (compact) string, null allowed when `nullable`.
    pub fn opt_string(
        &mut self,
        compact: bool,
        nullable: bool,
        what: &'static str,
    ) -> ProtocolResult<Option<String>> {
        let start = self.position();
        match self.length(compact, false, what)? {
            None if nullable => Ok(None),
            None => Err(self.invalid(what, start, "null where the version does not allow it")),
            Some(len) => {
                let b = self.take(len, what)?;
                self.utf8(b, what, start).map(Some)
            }
        }
    }

    /// (Compact) bytes that may not be null, as a zero-copy slice.
    pub fn bytes(&mut self, compact: bool, what: &'static str) -> ProtocolResult<Bytes> {
        let start = self.position();
        let len = self.length(compact, true, what)?;
        let len = self.non_null(len, what, start)?;
        self.take(len, what)
    }

    /// (Compact) bytes, null allowed when `nullable`, as a zero-copy slice.
    pub fn opt_bytes(
        &mut self,
        compact: bool,
        nullable: bool,
        what: &'static str,
    ) -> ProtocolResult<Option<Bytes>> {
        let start = self.position();
        match self.length(compact, true, what)? {
            None if nullable => Ok(None),
            None => Err(self.invalid(what, start, "null where the version does not allow it")),
            Some(len) => self.take(len, what).map(Some),
        }
    }

    /// An array length (`int32` or compact); `None` is a null array. Each element takes at least one byte,
    /// so a length beyond the remaining bytes is `Truncated` before anything is allocated.
    pub fn array_len(
        &mut self,
        compact: bool,
        what: &'static str,
    ) -> ProtocolResult<Option<usize>> {
        self.length(compact, true, what)
    }

    fn elements<T>(
        &mut self,
        len: usize,
        mut f: impl FnMut(&mut Decoder) -> ProtocolResult<T>,
    ) -> ProtocolResult<Vec<T>> {
        let mut out = Vec::with_capacity(len.min(self.remaining()));
        for _ in 0..len {
            out.push(f(self)?);
        }
        Ok(out)
    }

    /// A (compact) array that may not be null; `f` reads one element.
    pub fn array<T>(
        &mut self,
        compact: bool,
        what: &'static str,
        f: impl FnMut(&mut Decoder) -> ProtocolResult<T>,
    ) -> ProtocolResult<Vec<T>> {
        let start = self.position();
        let len = self.array_len(compact, what)?;
        let len = self.non_null(len, what, start)?;
        self.elements(len, f)
    }

    /// A (compact) array, null allowed when `nullable`; `f` reads one element.
    pub fn opt_array<T>(
        &mut self,
        compact: bool,
        nullable: bool,
        what: &'static str,
        f: impl FnMut(&mut Decoder) -> ProtocolResult<T>,
    ) -> ProtocolResult<Option<Vec<T>>> {
        let start = self.position();
        match self.array_len(compact, what)? {
            None if nullable => Ok(None),
            None => Err(self.invalid(what, start, "null where the version does not allow it")),
            Some(len) => self.elements(len, f).map(Some),
        }
    }

    /// A tagged-field section. `known(tag, field_decoder)` decodes a tag it knows and returns `true`; any
    /// other tag is kept raw in `unknown`. Unknown tags are never an error (forward compatibility).
    pub fn tagged_fields(
        &mut self,
        unknown: &mut Vec<(u32, Bytes)>,
        mut known: impl FnMut(u32, &mut Decoder) -> ProtocolResult<bool>,
    ) -> ProtocolResult<()> {
        let count = self.uvarint("tagged field count")?;
        for _ in 0..count {
            let tag = self.uvarint("tag")?;
            let size = self.uvarint("tagged field size")? as usize;
            let mut field = self.sub(size, "tagged field")?;
            if !known(tag, &mut field)? {
                unknown.push((tag, field.buf));
            }
        }
        Ok(())
    }
}

/// `ProtocolError::Encode` for a value that cannot be written.
pub fn encode_error(what: &'static str, reason: impl Into<String>) -> ProtocolError {
    ProtocolError::Encode {
        what,
        reason: reason.into(),
    }
}

/// The error for a non-default value in a field the version lacks (the Java client's rule).
pub fn unsupported_field(what: &'static str, version: i16) -> ProtocolError {
    encode_error(
        what,
        format!("field set to a non-default value, but version {version} does not have it"),
    )
}

/// `int8`.
pub fn put_i8(out: &mut BytesMut, v: i8) {
    out.put_i8(v);
}
/// `int16`.
pub fn put_i16(out: &mut BytesMut, v: i16) {
    out.put_i16(v);
}
/// `int32`.
pub fn put_i32(out: &mut BytesMut, v: i32) {
    out.put_i32(v);
}
/// `int64`.
pub fn put_i64(out: &mut BytesMut, v: i64) {
    out.put_i64(v);
}
/// `uint16`.
pub fn put_u16(out: &mut BytesMut, v: u16) {
    out.put_u16(v);
}
/// `uint32`.
pub fn put_u32(out: &mut BytesMut, v: u32) {
    out.put_u32(v);
}
/// `float64`.
pub fn put_f64(out: &mut BytesMut, v: f64) {
    out.put_f64(v);
}
/// `bool` as 0/1.
pub fn put_bool(out: &mut BytesMut, v: bool) {
    out.put_u8(u8::from(v));
}
/// `uuid`.
pub fn put_uuid(out: &mut BytesMut, v: &Uuid) {
    out.put_slice(&v.0);
}

/// Writes a length prefix; `None` is null. Classic strings use int16, everything else int32.
fn put_len(
    out: &mut BytesMut,
    len: Option<usize>,
    compact: bool,
    wide: bool,
    what: &'static str,
) -> ProtocolResult<()> {
    match (len, compact) {
        (None, true) => put_uvarint(out, 0),
        (None, false) if wide => put_i32(out, -1),
        (None, false) => put_i16(out, -1),
        (Some(n), true) => {
            let n = u32::try_from(n)
                .ok()
                .filter(|n| *n < i32::MAX as u32)
                .ok_or_else(|| encode_error(what, format!("length {n} too long")))?;
            put_uvarint(out, n + 1);
        }
        (Some(n), false) if wide => {
            let n =
                i32::try_from(n).map_err(|_| encode_error(what, format!("length {n} too long")))?;
            put_i32(out, n);
        }
        (Some(n), false) => {
            let n = i16::try_from(n)
                .map_err(|_| encode_error(what, format!("string length {n} over 32767")))?;
            put_i16(out, n);
        }
    }
    Ok(())
}

fn require<T>(v: Option<T>, nullable: bool, what: &'static str) -> ProtocolResult<Option<T>> {
    if v.is_none() && !nullable {
        return Err(encode_error(
            what,
            "null, but this version does not allow null",
        ));
    }
    Ok(v)
}

/// A non-null (compact) string.
pub fn put_string(
    out: &mut BytesMut,
    v: &str,
    compact: bool,
    what: &'static str,
) -> ProtocolResult<()> {
    put_len(out, Some(v.len()), compact, false, what)?;
    out.put_slice(v.as_bytes());
    Ok(())
}

/// A (compact) string that may be null when `nullable` (else `None` is an encode error).
pub fn put_opt_string(
    out: &mut BytesMut,
    v: Option<&str>,
    compact: bool,
    nullable: bool,
    what: &'static str,
) -> ProtocolResult<()> {
    match require(v, nullable, what)? {
        Some(s) => put_string(out, s, compact, what),
        None => put_len(out, None, compact, false, what),
    }
}

/// Non-null (compact) bytes.
pub fn put_bytes(
    out: &mut BytesMut,
    v: &[u8],
    compact: bool,
    what: &'static str,
) -> ProtocolResult<()> {
    put_len(out, Some(v.len()), compact, true, what)?;
    out.put_slice(v);
    Ok(())
}

/// (Compact) bytes that may be null when `nullable`.
pub fn put_opt_bytes(
    out: &mut BytesMut,
    v: Option<&[u8]>,
    compact: bool,
    nullable: bool,
    what: &'static str,
) -> ProtocolResult<()> {
    match require(v, nullable, what)? {
        Some(b) => put_bytes(out, b, compact, what),
        None => put_len(out, None, compact, true, what),
    }
}

/// A non-null (compact) array; `f` writes one element.
pub fn put_array<T>(
    out: &mut BytesMut,
    v: &[T],
    compact: bool,
    what: &'static str,
    mut f: impl FnMut(&mut BytesMut, &T) -> ProtocolResult<()>,
) -> ProtocolResult<()> {
    put_len(out, Some(v.len()), compact, true, what)?;
    for e in v {
        f(out, e)?;
    }
    Ok(())
}

/// A (compact) array that may be null when `nullable`.
pub fn put_opt_array<T>(
    out: &mut BytesMut,
    v: Option<&[T]>,
    compact: bool,
    nullable: bool,
    what: &'static str,
    f: impl FnMut(&mut BytesMut, &T) -> ProtocolResult<()>,
) -> ProtocolResult<()> {
    match require(v, nullable, what)? {
        Some(v) => put_array(out, v, compact, what, f),
        None => put_len(out, None, compact, true, what),
    }
}

/// A tagged-field section: the known fields (already encoded) merged with the unknown raw ones, in tag order.
pub fn put_tagged_fields(
    out: &mut BytesMut,
    mut known: Vec<(u32, Bytes)>,
    unknown: &[(u32, Bytes)],
) -> ProtocolResult<()> {
    if known.is_empty() && unknown.is_empty() {
        put_uvarint(out, 0);
        return Ok(());
    }
    known.extend(unknown.iter().cloned());
    known.sort_by_key(|(tag, _)| *tag);
    if known.windows(2).any(|w| w[0].0 == w[1].0) {
        return Err(encode_error("tagged fields", "the same tag appears twice"));
    }
    let count =
        u32::try_from(known.len()).map_err(|_| encode_error("tagged fields", "too many"))?;
    put_uvarint(out, count);
    for (tag, data) in &known {
        put_uvarint(out, *tag);
        let len =
            u32::try_from(data.len()).map_err(|_| encode_error("tagged field", "too long"))?;
        put_uvarint(out, len);
        out.put_slice(data);
    }
    Ok(())
}

/// Errors unless `unknown` is empty: non-flexible versions have no tagged-field section (Java's rule).
pub fn no_tagged_fields(unknown: &[(u32, Bytes)], version: i16) -> ProtocolResult<()> {
    if unknown.is_empty() {
        Ok(())
    } else {
        Err(encode_error(
            "tagged fields",
            format!("set, but version {version} is not flexible"),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn dec(b: &[u8]) -> Decoder {
        Decoder::new(Bytes::copy_from_slice(b))
    }

    #[test]
    fn huge_length_is_truncated_not_allocated() {
        // int32 length 0x7fffffff then a few bytes.
        let mut d = dec(&[0x7f, 0xff, 0xff, 0xff, 1, 2, 3, 4, 5, 6]);
        let e = d.bytes(false, "b").unwrap_err();
        assert!(
            matches!(
                e,
                ProtocolError::Truncated {
                    needed: 0x7fff_ffff,
                    available: 6,
                    offset: 4,
                    ..
                }
            ),
            "{e:?}"
        );
        let mut d = dec(&[0x7f, 0xff, 0xff, 0xff, 1, 2]);
        let e = d.array(false, "a", |d| d.i8("x")).unwrap_err();
        assert!(matches!(e, ProtocolError::Truncated { .. }), "{e:?}");
        // compact: uvarint 0xffffffff.
        let mut d = dec(&[0xff, 0xff, 0xff, 0xff, 0x0f, 0]);
        assert!(matches!(
            d.compact_probe(),
            Err(ProtocolError::Truncated { .. })
        ));
    }

    impl Decoder {
        fn compact_probe(&mut self) -> ProtocolResult<Bytes> {
            self.bytes(true, "b")
        }
    }

    #[test]
    fn nulls_and_errors() {
        assert_eq!(
            dec(&[0xff, 0xff]).opt_string(false, true, "s").unwrap(),
            None
        );
        assert!(dec(&[0xff, 0xff]).string(false, "s").is_err());
        assert_eq!(dec(&[0]).opt_string(true, true, "s").unwrap(), None);
        assert_eq!(dec(&[1]).string(true, "s").unwrap(), "");
        assert!(matches!(
            dec(&[0xff, 0xfe]).string(false, "s"),
            Err(ProtocolError::Invalid { .. })
        ));
        assert!(matches!(
            dec(&[0, 1, 0xff]).string(false, "s"),
            Err(ProtocolError::Invalid { .. })
        ));
        assert!(matches!(
            dec(&[0x80; 6]).uvarint("v"),
            Err(ProtocolError::Invalid { .. })
        ));
        assert!(matches!(
            dec(&[0xff, 0xff, 0xff, 0xff, 0x1f]).uvarint("v"),
            Err(ProtocolError::Invalid { .. })
        ));
        assert!(matches!(
            dec(&[0x80]).uvarint("v"),
            Err(ProtocolError::Truncated { .. })
        ));
        let mut o = BytesMut::new();
        assert!(put_string(&mut o, &"x".repeat(40_000), false, "s").is_err());
        assert!(put_opt_string(&mut o, None, false, false, "s").is_err());
    }

    #[test]
    fn sub_decoder_positions_are_absolute() {
        let mut d = dec(&[1, 2, 3, 4, 5]);
        d.i8("a").unwrap();
        let mut s = d.sub(2, "s").unwrap();
        assert_eq!(s.position(), 1);
        let e = s.i32("x").unwrap_err();
        assert!(matches!(e, ProtocolError::Truncated { offset: 1, .. }));
        assert_eq!(d.position(), 3);
    }

    proptest! {
        #[test]
        fn strings_roundtrip(s: Option<String>, compact: bool, bytes: Option<Vec<u8>>) {
            let mut o = BytesMut::new();
            put_opt_string(&mut o, s.as_deref(), compact, true, "s").unwrap();
            put_opt_bytes(&mut o, bytes.as_deref(), compact, true, "b").unwrap();
            let mut d = Decoder::new(o.freeze());
            prop_assert_eq!(d.opt_string(compact, true, "s").unwrap(), s);
            prop_assert_eq!(d.opt_bytes(compact, true, "b").unwrap().map(|b| b.to_vec()), bytes);
            prop_assert!(d.is_empty());
        }

        #[test]
        fn primitives_never_panic(data: Vec<u8>, compact: bool) {
            let mut d = Decoder::new(Bytes::from(data));
            let _ = d.opt_string(compact, true, "s");
            let _ = d.opt_bytes(compact, true, "b");
            let _ = d.varlong("v");
            let _ = d.opt_array(compact, true, "a", |d| d.string(compact, "e"));
            let mut unknown = Vec::new();
            let _ = d.tagged_fields(&mut unknown, |_, _| Ok(false));
        }
    }
}
