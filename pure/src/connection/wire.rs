//! The few messages a connection speaks before it is handed out: request/response headers, ApiVersions v0,
//! SaslHandshake v0/v1 and SaslAuthenticate v0/v1. Hand-written (all non-flexible, a few fields each) so the
//! transport does not depend on the generated message code; everything else goes through `protocol`.

use bytes::{BufMut, Bytes, BytesMut};

use ferrokafka_core::{Error, ErrorContext};

/// API keys the connection layer itself uses.
pub const API_VERSIONS: i16 = 18;
pub const SASL_HANDSHAKE: i16 = 17;
pub const SASL_AUTHENTICATE: i16 = 36;

/// Request header (v1, or v2 with an empty tagged-field section) followed by `body`, size-prefixed.
pub fn encode_request(
    api_key: i16,
    api_version: i16,
    header_version: i16,
    correlation_id: i32,
    client_id: &str,
    body: &[u8],
) -> Bytes {
    let mut out = BytesMut::with_capacity(body.len() + 20 + client_id.len());
    out.put_i32(0); // length, patched below
    out.put_i16(api_key);
    out.put_i16(api_version);
    out.put_i32(correlation_id);
    // client_id is a nullable (non-compact) string even in header v2; clamp absurd ids rather than fail.
    let id = &client_id.as_bytes()[..client_id.len().min(i16::MAX as usize)];
    out.put_i16(id.len() as i16);
    out.put_slice(id);
    if header_version >= 2 {
        out.put_u8(0); // no tagged fields
    }
    out.put_slice(body);
    let len = (out.len() - 4) as i32;
    out[..4].copy_from_slice(&len.to_be_bytes());
    out.freeze()
}

/// A bounds-checked reader for the hand-written messages. Errors name the field.
pub struct Reader {
    buf: Bytes,
    pos: usize,
    broker: String,
}

impl Reader {
    pub fn new(buf: Bytes, broker: &str) -> Self {
        Reader {
            buf,
            pos: 0,
            broker: broker.to_string(),
        }
    }

    fn err(&self, what: &str, reason: impl std::fmt::Display) -> Error {
        Error::Protocol {
            detail: format!("bad {what} at byte {}: {reason}", self.pos),
            context: ErrorContext::broker(&self.broker),
        }
    }

    fn take(&mut self, n: usize, what: &str) -> Result<&[u8], Error> {
        if self.buf.len() - self.pos < n {
            return Err(self.err(
                what,
                format!("needs {n} bytes, {} left", self.buf.len() - self.pos),
            ));
        }
        let s = &self.buf[self.pos..self.pos + n];
        self.pos += n;
        Ok(s)
    }

    pub fn i16(&mut self, what: &str) -> Result<i16, Error> {
        let b = self.take(2, what)?;
        Ok(i16::from_be_bytes([b[0], b[1]]))
    }

    pub fn i32(&mut self, what: &str) -> Result<i32, Error> {
        let b = self.take(4, what)?;
        Ok(i32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    }

    pub fn i64(&mut self, what: &str) -> Result<i64, Error> {
        let b = self.take(8, what)?;
        let mut a = [0u8; 8];
        a.copy_from_slice(b);
        Ok(i64::from_be_bytes(a))
    }

    pub fn uvarint(&mut self, what: &str) -> Result<u64, Error> {
        let mut v = 0u64;
        for shift in (0..35).step_by(7) {
            let b = self.take(1, what)?[0];
            v |= u64::from(b & 0x7f) << shift;
            if b & 0x80 == 0 {
                return Ok(v);
            }
        }
        Err(self.err(what, "varint longer than 5 bytes"))
    }

    /// `string` / `nullable_string` (int16 length; -1 = null).
    pub fn nullable_string(&mut self, what: &str) -> Result<Option<String>, Error> {
        let len = self.i16(what)?;
        if len < 0 {
            return Ok(None);
        }
        let b = self.take(len as usize, what)?.to_vec();
        String::from_utf8(b)
            .map(Some)
            .map_err(|e| self.err(what, e))
    }

    /// `bytes` (int32 length; -1 = null, read as empty).
    pub fn bytes(&mut self, what: &str) -> Result<Bytes, Error> {
        let len = self.i32(what)?;
        if len < 0 {
            return Ok(Bytes::new());
        }
        let start = self.pos;
        self.take(len as usize, what)?;
        Ok(self.buf.slice(start..start + len as usize))
    }

    /// An array length (int32; -1 = null = 0), checked against the bytes left at `min_item` bytes per item.
    pub fn array_len(&mut self, what: &str, min_item: usize) -> Result<usize, Error> {
        let n = self.i32(what)?;
        let n = n.max(0) as usize;
        if n.saturating_mul(min_item) > self.buf.len() - self.pos {
            return Err(self.err(what, format!("{n} items cannot fit")));
        }
        Ok(n)
    }

    /// Skip a tagged-field section (flexible versions).
    pub fn skip_tagged_fields(&mut self) -> Result<(), Error> {
        let n = self.uvarint("tagged field count")?;
        for _ in 0..n {
            self.uvarint("tag")?;
            let size = self.uvarint("tagged field size")? as usize;
            self.take(size, "tagged field")?;
        }
        Ok(())
    }

    /// The unread rest, zero-copy.
    pub fn rest(self) -> Bytes {
        self.buf.slice(self.pos..)
    }
}

/// Strip a response header (v0: correlation id; v1: plus tagged fields) and return the body.
pub fn response_body(frame: Bytes, header_version: i16, broker: &str) -> Result<Bytes, Error> {
    let mut r = Reader::new(frame, broker);
    r.i32("correlation id")?;
    if header_version >= 1 {
        r.skip_tagged_fields()?;
    }
    Ok(r.rest())
}

/// The correlation id at the start of a response frame.
pub fn correlation_id(frame: &[u8]) -> Option<i32> {
    frame
        .get(..4)
        .map(|b| i32::from_be_bytes([b[0], b[1], b[2], b[3]]))
}

/// One API's version range, as ApiVersions reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ApiRange {
    pub api_key: i16,
    pub min: i16,
    pub max: i16,
}

/// Decode an ApiVersions v0 response body: error code, then `[api_key min max]`.
pub fn decode_api_versions_v0(body: Bytes, broker: &str) -> Result<(i16, Vec<ApiRange>), Error> {
    let mut r = Reader::new(body, broker);
    let error = r.i16("ApiVersions error_code")?;
    let n = r.array_len("ApiVersions api_keys", 6)?;
    let mut out = Vec::with_capacity(n);
    for _ in 0..n {
        out.push(ApiRange {
            api_key: r.i16("api_key")?,
            min: r.i16("min_version")?,
            max: r.i16("max_version")?,
        });
    }
    Ok((error, out))
}

/// SaslHandshake v0/v1 request body: the mechanism name.
pub fn encode_sasl_handshake(mechanism: &str) -> Bytes {
    let mut out = BytesMut::new();
    out.put_i16(mechanism.len() as i16);
    out.put_slice(mechanism.as_bytes());
    out.freeze()
}

/// SaslHandshake response: error code and the broker's enabled mechanisms.
pub fn decode_sasl_handshake(body: Bytes, broker: &str) -> Result<(i16, Vec<String>), Error> {
    let mut r = Reader::new(body, broker);
    let error = r.i16("SaslHandshake error_code")?;
    let n = r.array_len("SaslHandshake mechanisms", 2)?;
    let mut mechs = Vec::with_capacity(n);
    for _ in 0..n {
        mechs.push(r.nullable_string("mechanism")?.unwrap_or_default());
    }
    Ok((error, mechs))
}

/// SaslAuthenticate v0/v1 request body: the token as `bytes`.
pub fn encode_sasl_authenticate(token: &[u8]) -> Bytes {
    let mut out = BytesMut::with_capacity(token.len() + 4);
    out.put_i32(token.len() as i32);
    out.put_slice(token);
    out.freeze()
}

/// SaslAuthenticate v0/v1 response: error code, error message, the server's token.
pub fn decode_sasl_authenticate(
    body: Bytes,
    broker: &str,
) -> Result<(i16, Option<String>, Bytes), Error> {
    let mut r = Reader::new(body, broker);
    let error = r.i16("SaslAuthenticate error_code")?;
    let message = r.nullable_string("SaslAuthenticate error_message")?;
    let token = r.bytes("SaslAuthenticate auth_bytes")?;
    Ok((error, message, token))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_header_layout() {
        let f = encode_request(18, 0, 1, 7, "ab", &[9]);
        assert_eq!(
            &f[..],
            &[0, 0, 0, 13, 0, 18, 0, 0, 0, 0, 0, 7, 0, 2, b'a', b'b', 9]
        );
        let f = encode_request(3, 12, 2, 1, "", &[]);
        assert_eq!(f.len(), 4 + 2 + 2 + 4 + 2 + 1);
    }

    #[test]
    fn api_versions_decode_and_garbage_is_an_error() {
        let body = Bytes::from_static(&[0, 0, 0, 0, 0, 1, 0, 3, 0, 0, 0, 12]);
        let (err, ranges) = decode_api_versions_v0(body, "b").unwrap();
        assert_eq!(err, 0);
        assert_eq!(
            ranges,
            vec![ApiRange {
                api_key: 3,
                min: 0,
                max: 12
            }]
        );
        let e = decode_api_versions_v0(Bytes::from_static(&[0, 0, 0x7f, 0, 0, 0]), "b");
        assert!(e.is_err());
    }

    #[test]
    fn response_header_v1_skips_tags() {
        let frame = Bytes::from_static(&[0, 0, 0, 5, 1, 0, 2, 0xaa, 0xbb, 42]);
        assert_eq!(&response_body(frame, 1, "b").unwrap()[..], &[42]);
    }
}
