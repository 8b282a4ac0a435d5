//! Request and response headers around an already-encoded body, written and read by the generated
//! [`RequestHeader`] / [`ResponseHeader`]: the multiplexed connection and the handshake frame every request here.

use bytes::{BufMut, Bytes, BytesMut};

use ferrokafka_core::{BrokerRef, Error};

use super::typed::protocol_error;
use crate::protocol::messages::{RequestHeader, ResponseHeader};
use crate::protocol::reader::Reader;
use crate::protocol::{Decoder, Message};

/// `client_id` cut to what the header's int16-length string can carry (at a character boundary): an absurd id is
/// shortened rather than failing every request.
fn header_client_id(client_id: &str) -> String {
    let mut end = client_id.len().min(i16::MAX as usize);
    while !client_id.is_char_boundary(end) {
        end -= 1;
    }
    client_id[..end].to_string()
}

/// Size prefix, request header (`header_version` 1, or 2 with an empty tagged-field section), then `body`.
pub fn encode_request(
    api_key: i16,
    api_version: i16,
    header_version: i16,
    correlation_id: i32,
    client_id: &str,
    body: &[u8],
) -> Result<Bytes, Error> {
    let mut out = BytesMut::with_capacity(body.len() + 20 + client_id.len());
    encode_request_into(
        &mut out,
        RequestIds {
            api_key,
            api_version,
            header_version,
            correlation_id,
        },
        client_id,
        |out| {
            out.put_slice(body);
            Ok(())
        },
    )?;
    Ok(out.freeze())
}

/// What a request header says besides the client id.
#[derive(Debug, Clone, Copy)]
pub struct RequestIds {
    pub api_key: i16,
    pub api_version: i16,
    pub header_version: i16,
    pub correlation_id: i32,
}

/// [`encode_request`] appended to `out`, the body written in place by `body` (no copy of it).
pub fn encode_request_into(
    out: &mut BytesMut,
    ids: RequestIds,
    client_id: &str,
    body: impl FnOnce(&mut BytesMut) -> Result<(), Error>,
) -> Result<(), Error> {
    let RequestIds {
        api_key,
        api_version,
        header_version,
        correlation_id,
    } = ids;
    let start = out.len();
    out.put_i32(0); // length, patched below
    let header = RequestHeader {
        request_api_key: api_key,
        request_api_version: api_version,
        correlation_id,
        client_id: Some(header_client_id(client_id)),
        ..RequestHeader::default()
    };
    header
        .encode(out, header_version)
        .map_err(|e| Error::invalid_input("request header", e.to_string()))?;
    body(out)?;
    let size = out.len() - start - 4;
    let len = i32::try_from(size).map_err(|_| {
        Error::invalid_input("request", format!("{size} bytes do not fit a Kafka frame"))
    })?;
    out[start..start + 4].copy_from_slice(&len.to_be_bytes());
    Ok(())
}

/// Strips a response header (v0: correlation id; v1: plus tagged fields) and returns the body, zero-copy.
pub fn response_body(
    frame: Bytes,
    header_version: i16,
    broker: &BrokerRef,
) -> Result<Bytes, Error> {
    let mut d = Decoder::new(frame);
    ResponseHeader::decode(&mut d, header_version).map_err(|e| {
        protocol_error(
            e,
            &format!("decoding ResponseHeader v{header_version}"),
            broker,
        )
    })?;
    Ok(d.take_rest())
}

/// The correlation id at the start of a response frame.
pub fn correlation_id(frame: &[u8]) -> Option<i32> {
    Reader::new(frame, 0).i32("correlation id").ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use ferrokafka_core::ErrorKind;

    #[test]
    fn request_header_layout() {
        let f = encode_request(18, 0, 1, 7, "ab", &[9]).unwrap();
        assert_eq!(
            &f[..],
            &[0, 0, 0, 13, 0, 18, 0, 0, 0, 0, 0, 7, 0, 2, b'a', b'b', 9]
        );
        let f = encode_request(3, 12, 2, 1, "", &[]).unwrap();
        assert_eq!(f.len(), 4 + 2 + 2 + 4 + 2 + 1);
        let long = "é".repeat(20_000);
        let f = encode_request(3, 0, 1, 1, &long, &[]).unwrap();
        let id_len = i16::from_be_bytes([f[12], f[13]]);
        assert_eq!(id_len, i16::MAX - 1, "cut at a character boundary");
    }

    #[test]
    fn response_header_v1_skips_tags_and_garbage_is_an_error() {
        let frame = Bytes::from_static(&[0, 0, 0, 5, 1, 0, 2, 0xaa, 0xbb, 42]);
        assert_eq!(
            &response_body(frame, 1, &BrokerRef::address("b")).unwrap()[..],
            &[42]
        );
        let e = response_body(
            Bytes::from_static(&[0, 0]),
            0,
            &BrokerRef {
                id: Some(7),
                address: "h:1".into(),
            },
        )
        .unwrap_err();
        assert!(
            e.kind() == ErrorKind::Protocol && e.to_string().contains("7 (h:1)"),
            "{e}"
        );
        assert_eq!(correlation_id(&[0, 0, 1, 2, 9]), Some(258));
        assert_eq!(correlation_id(&[0, 0, 1]), None);
    }
}
