//! Kafka's size-prefixed frames: an `int32` length, then that many bytes.
//!
//! The length is checked against a maximum *before* anything is allocated, so a server that answers garbage
//! (an HTTP banner reads as a 1.2 GB length) gives a typed error instead of an allocation or a hang.

use bytes::{BufMut, Bytes, BytesMut};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

use ferrokafka_core::{BrokerRef, Error, ErrorContext};

use super::recv_buffers::RecvBuffers;

/// Default largest frame accepted from a broker: above Kafka's `fetch.max.bytes` default (50 MiB) with room.
pub const DEFAULT_MAX_FRAME_SIZE: usize = 256 * 1024 * 1024;

/// Read one frame's body (without the length prefix). `broker` names the peer in errors.
pub async fn read_frame<R: AsyncRead + Unpin>(
    reader: &mut R,
    max_frame_size: usize,
    broker: &BrokerRef,
) -> Result<Bytes, Error> {
    read_frame_reusing(reader, max_frame_size, broker, &mut RecvBuffers::default()).await
}

/// [`read_frame`] into a buffer from `buffers`, which keeps the frame for reuse once it is free.
pub async fn read_frame_reusing<R: AsyncRead + Unpin>(
    reader: &mut R,
    max_frame_size: usize,
    broker: &BrokerRef,
    buffers: &mut RecvBuffers,
) -> Result<Bytes, Error> {
    let mut len = [0u8; 4];
    let mut got = 0;
    while got < 4 {
        let n = reader
            .read(&mut len[got..])
            .await
            .map_err(|e| io_failed(broker, "read", e))?;
        if n == 0 {
            let reason = if got == 0 {
                "connection closed by the broker".to_string()
            } else {
                format!("connection closed mid-frame after {got} of 4 length bytes")
            };
            return Err(disconnected(broker, reason));
        }
        got += n;
    }
    let size = i32::from_be_bytes(len);
    if size < 0 || size as usize > max_frame_size {
        return Err(Error::protocol(format!(
                "frame length {size} is outside 0..={max_frame_size} (bytes {}; is this a Kafka port, and is TLS set the same on both sides?)",
                ferrokafka_core::error::hex_ascii(&len)
            ), ErrorContext::broker(broker)));
    }
    let size = size as usize;
    // Read straight into uninitialised capacity: zeroing a multi-MiB fetch response first would be one more
    // pass over it. `limit` stops each read at the frame's end, so the next frame's bytes stay in the socket.
    let mut body: BytesMut = buffers.take(size);
    while body.len() < size {
        let left = size - body.len();
        let n = reader
            .read_buf(&mut (&mut body).limit(left))
            .await
            .map_err(|e| io_failed(broker, "read", e))?;
        if n == 0 {
            return Err(disconnected(
                broker,
                format!(
                    "connection closed mid-frame after {} of {size} bytes",
                    body.len()
                ),
            ));
        }
    }
    let frame = body.freeze();
    buffers.keep(&frame);
    Ok(frame)
}

/// Write a whole frame (the caller has already put the length prefix in front) and flush it.
pub async fn write_all<W: AsyncWrite + Unpin>(
    writer: &mut W,
    frame: &[u8],
    broker: &BrokerRef,
) -> Result<(), Error> {
    writer
        .write_all(frame)
        .await
        .map_err(|e| io_failed(broker, "write", e))?;
    writer
        .flush()
        .await
        .map_err(|e| io_failed(broker, "flush", e))
}

/// Prefix `body` with its length.
pub fn size_prefixed(body: &[u8]) -> Result<Bytes, Error> {
    let len = i32::try_from(body.len()).map_err(|_| {
        Error::protocol(
            format!("request of {} bytes exceeds i32::MAX", body.len()),
            ErrorContext::default(),
        )
    })?;
    let mut out = BytesMut::with_capacity(body.len() + 4);
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(body);
    Ok(out.freeze())
}

/// The error for a broken or closed socket.
pub fn disconnected(broker: &BrokerRef, reason: impl Into<String>) -> Error {
    Error::socket_disconnected(broker, reason)
}

/// A failed socket operation (`read`, `write`, `connect`…), keeping the io error as the source.
pub fn io_failed(broker: &BrokerRef, what: &str, e: std::io::Error) -> Error {
    // The io error is source(): the reason names the step only, so a report says each once.
    Error::socket_disconnected(broker, format!("{what} failed")).with_source(e)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ferrokafka_core::ErrorKind;

    #[tokio::test]
    async fn frames_round_trip_and_bad_lengths_are_typed_errors() {
        let framed = size_prefixed(b"hello").unwrap();
        let mut r: &[u8] = &framed;
        assert_eq!(
            &read_frame(&mut r, 100, &BrokerRef::address("b"))
                .await
                .unwrap()[..],
            b"hello"
        );

        let mut r: &[u8] = b"HTTP/1.1 400";
        let e = read_frame(
            &mut r,
            1024,
            &BrokerRef {
                id: Some(1),
                address: "h:1".into(),
            },
        )
        .await
        .unwrap_err();
        assert!(e.kind() == ErrorKind::Protocol, "{e}");
        assert!(e.to_string().contains("1 (h:1)"), "{e}");

        let mut r: &[u8] = &[0, 0, 0, 10, 1, 2];
        let e = read_frame(&mut r, 1024, &BrokerRef::address("b"))
            .await
            .unwrap_err();
        assert!(e.to_string().contains("mid-frame after 2 of 10"), "{e}");

        let mut r: &[u8] = &[0, 0];
        let e = read_frame(&mut r, 1024, &BrokerRef::address("b"))
            .await
            .unwrap_err();
        assert!(e.kind() == ErrorKind::SocketDisconnected, "{e}");

        let mut r: &[u8] = &[0xff, 0xff, 0xff, 0xff];
        assert!(read_frame(&mut r, 1024, &BrokerRef::address("b"))
            .await
            .is_err());
    }
}
