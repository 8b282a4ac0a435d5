//! Kafka frames as the proxy sees them: read/write a size-prefixed frame, read a request's API key and
//! correlation id, and the byte-level rewrites the faults and the address rewrite make.

use std::io::{self, Read, Write};

/// Largest frame relayed; anything bigger is treated as a broken stream.
const MAX_FRAME: usize = 512 * 1024 * 1024;

/// One frame's body (without its length), or `None` at a clean end of stream.
pub(crate) fn read_frame(r: &mut impl Read) -> io::Result<Option<Vec<u8>>> {
    let mut len = [0u8; 4];
    match r.read_exact(&mut len) {
        Ok(()) => {}
        Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => return Ok(None),
        Err(e) => return Err(e),
    }
    let size = usize::try_from(i32::from_be_bytes(len))
        .ok()
        .filter(|n| *n <= MAX_FRAME)
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidData, "bad frame length"))?;
    let mut body = vec![0u8; size];
    r.read_exact(&mut body)?;
    Ok(Some(body))
}

/// Write `body` with its length prefix, but only its first `keep` bytes.
pub(crate) fn write_partial(w: &mut impl Write, body: &[u8], keep: usize) -> io::Result<()> {
    let len = i32::try_from(body.len()).unwrap_or(i32::MAX);
    w.write_all(&len.to_be_bytes())?;
    w.write_all(&body[..keep.min(body.len())])?;
    w.flush()
}

/// Write a whole frame.
pub(crate) fn write_frame(w: &mut impl Write, body: &[u8]) -> io::Result<()> {
    write_partial(w, body, body.len())
}

/// A request's `(api_key, correlation_id)` (request header: api_key i16, api_version i16, correlation_id i32).
pub(crate) fn request_key(body: &[u8]) -> Option<(i16, i32)> {
    let key = i16::from_be_bytes(body.get(0..2)?.try_into().ok()?);
    let corr = i32::from_be_bytes(body.get(4..8)?.try_into().ok()?);
    Some((key, corr))
}

/// A response's correlation id (its first four bytes).
pub(crate) fn response_correlation_id(body: &[u8]) -> Option<i32> {
    Some(i32::from_be_bytes(body.get(0..4)?.try_into().ok()?))
}

/// Replace every `host` followed by `from` (a big-endian port) with `host` followed by `to`: a broker's address
/// in Metadata and FindCoordinator responses, whatever the string encoding before it. Lengths do not change.
pub(crate) fn rewrite_port(body: &mut [u8], host: &[u8], from: [u8; 4], to: [u8; 4]) -> usize {
    let mut pattern = host.to_vec();
    pattern.extend_from_slice(&from);
    let mut count = 0;
    let mut i = 0;
    while i + pattern.len() <= body.len() {
        if body[i..i + pattern.len()] == pattern[..] {
            body[i + host.len()..i + pattern.len()].copy_from_slice(&to);
            count += 1;
            i += pattern.len();
        } else {
            i += 1;
        }
    }
    count
}

/// Invert every 7th byte after the correlation id.
pub(crate) fn flip_bytes(body: &mut [u8]) {
    for b in body.iter_mut().skip(4).step_by(7) {
        *b = !*b;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_advertised_port_is_rewritten_in_place() {
        let mut body = b"xx\x00\x09127.0.0.1\x00\x00\x23\x84yy".to_vec();
        let n = rewrite_port(
            &mut body,
            b"127.0.0.1",
            9092i32.to_be_bytes(),
            5555i32.to_be_bytes(),
        );
        assert_eq!(n, 1);
        assert_eq!(&body[13..17], &5555i32.to_be_bytes());
        assert_eq!(body.len(), 19);
    }

    #[test]
    fn frames_round_trip_and_a_short_stream_is_an_error() {
        let mut out = Vec::new();
        write_frame(&mut out, &[0, 3, 0, 1, 0, 0, 0, 7]).unwrap();
        let body = read_frame(&mut &out[..]).unwrap().unwrap();
        assert_eq!(request_key(&body), Some((3, 7)));
        assert!(read_frame(&mut &out[..6]).is_err());
        assert!(read_frame(&mut &[][..]).unwrap().is_none());
    }
}
