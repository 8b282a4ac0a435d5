//! Framing: the 4-byte size prefix, request/response headers, and the frame-size guard.
//!
//! A request frame is `int32 size | request header | body`; a response frame is `int32 size | response header |
//! body`. The connection layer reads the size with [`frame_length`] (rejecting oversize frames before buffering
//! them), or splits whole frames off a read buffer with [`split_frame`], then hands the frame *without* its size
//! prefix to [`decode_response`].

use bytes::{Buf, BufMut, Bytes, BytesMut};

use super::error::{ProtocolError, ProtocolResult};
use super::messages::{RequestHeader, ResponseHeader};
use super::primitives::{encode_error, Decoder};
use super::traits::{Message, Request};

/// A sensible default for the largest response frame accepted: 100 MiB, the Java client's
/// `socket.request.max.bytes` default on the broker side.
pub const DEFAULT_MAX_FRAME_SIZE: usize = 100 * 1024 * 1024;

/// Encodes `int32 size | request header | body` for `req` at `version`.
///
/// The header is v2 for flexible request versions, else v1 ([`Request::request_header_version`]).
pub fn encode_request<R: Request>(
    req: &R,
    version: i16,
    correlation_id: i32,
    client_id: Option<&str>,
) -> ProtocolResult<BytesMut> {
    R::check_version(version)?;
    let mut out = BytesMut::with_capacity(64);
    out.put_i32(0); // patched below
    let header = RequestHeader {
        request_api_key: R::API_KEY,
        request_api_version: version,
        correlation_id,
        client_id: client_id.map(str::to_owned),
        ..RequestHeader::default()
    };
    header.encode(&mut out, R::request_header_version(version))?;
    req.encode(&mut out, version)?;
    let size = i32::try_from(out.len() - 4)
        .map_err(|_| encode_error("request frame", "longer than 2 GiB"))?;
    out[..4].copy_from_slice(&size.to_be_bytes());
    Ok(out)
}

/// Decodes a response frame (header + body, *without* the 4-byte size prefix) to `R`'s response at `version`,
/// returning the correlation id with the body. Trailing bytes after the body are ignored, as the Java client does.
pub fn decode_response<R: Request>(
    frame: Bytes,
    version: i16,
) -> ProtocolResult<(i32, R::Response)> {
    R::Response::check_version(version)?;
    let mut d = Decoder::new(frame);
    let header = ResponseHeader::decode(&mut d, R::response_header_version(version))?;
    let body = R::Response::decode(&mut d, version)?;
    Ok((header.correlation_id, body))
}

/// Decodes a request frame (header + body, without the size prefix): what a broker (or a test fake) reads.
/// Returns the header and the body; the header's api key must be `R`'s.
pub fn decode_request<R: Request>(frame: Bytes) -> ProtocolResult<(RequestHeader, R)> {
    let mut d = Decoder::new(frame);
    // The first 4 bytes (api key, version) decide the header version, so peek them with a throwaway decoder.
    let mut peek = d.clone();
    let key = peek.i16("request api key")?;
    let version = peek.i16("request api version")?;
    if key != R::API_KEY {
        return Err(ProtocolError::Unsupported {
            what: "request api key",
            value: i64::from(key),
        });
    }
    R::check_version(version)?;
    let header = RequestHeader::decode(&mut d, R::request_header_version(version))?;
    let body = R::decode(&mut d, version)?;
    Ok((header, body))
}

/// Reads a frame's size prefix and checks it: negative is `Invalid`, over `max_frame_size` is `FrameTooLarge`.
/// Call it on the first 4 bytes before buffering the rest, so a garbage length never drives an allocation.
pub fn frame_length(prefix: [u8; 4], max_frame_size: usize) -> ProtocolResult<usize> {
    let size = i32::from_be_bytes(prefix);
    if size < 0 {
        return Err(ProtocolError::Invalid {
            what: "frame size",
            offset: 0,
            reason: format!("negative size {size}"),
        });
    }
    let size = size as usize;
    if size > max_frame_size {
        return Err(ProtocolError::FrameTooLarge {
            size,
            max: max_frame_size,
        });
    }
    Ok(size)
}

/// Splits one whole frame (without its size prefix) off the front of `buf`, or returns `Ok(None)` when more
/// bytes are needed. The size is checked with [`frame_length`] first.
pub fn split_frame(buf: &mut BytesMut, max_frame_size: usize) -> ProtocolResult<Option<Bytes>> {
    let Some(prefix) = buf.get(..4) else {
        return Ok(None);
    };
    let mut p = [0u8; 4];
    p.copy_from_slice(prefix);
    let size = frame_length(p, max_frame_size)?;
    if buf.len() < 4 + size {
        buf.reserve(4 + size - buf.len());
        return Ok(None);
    }
    buf.advance(4);
    Ok(Some(buf.split_to(size).freeze()))
}
