//! Typed requests over a [`Connection`]: encode a generated request at a version, decode its response.

use bytes::{Bytes, BytesMut};

use ferrokafka_core::{BrokerRef, Error, ErrorContext};

use super::Connection;
use crate::protocol::{Decoder, Message, ProtocolError, Request, VersionRange};

/// A protocol error as `ErrorKind::Protocol`, naming the broker and what was being done.
pub fn protocol_error(e: ProtocolError, what: &str, broker: &BrokerRef) -> Error {
    Error::protocol(format!("{what}: {e}"), ErrorContext::broker(broker))
}

/// `req`'s body at `version`; an encode error names the request and the broker.
pub(crate) fn encode_body<R: Request>(
    req: &R,
    version: i16,
    broker: &BrokerRef,
) -> Result<BytesMut, Error> {
    let mut body = BytesMut::new();
    encode_into(req, version, broker, &mut body)?;
    Ok(body)
}

/// [`encode_body`] appended to `out`.
fn encode_into<R: Request>(
    req: &R,
    version: i16,
    broker: &BrokerRef,
    out: &mut BytesMut,
) -> Result<(), Error> {
    req.encode(out, version)
        .map_err(|e| protocol_error(e, &format!("encoding {} v{version}", R::NAME), broker))
}

/// The response to `R` at `version` from its body (header already stripped).
pub(crate) fn decode_body<R: Request>(
    body: Bytes,
    version: i16,
    broker: &BrokerRef,
) -> Result<R::Response, Error> {
    let mut d = Decoder::new(body);
    R::Response::decode(&mut d, version).map_err(|e| {
        protocol_error(
            e,
            &format!("decoding {} v{version}", R::Response::NAME),
            broker,
        )
    })
}

impl Connection {
    /// Send `req` at `version` and decode the response at the same version.
    pub async fn send<R: Request>(&self, req: &R, version: i16) -> Result<R::Response, Error> {
        self.send_with_timeout(req, version, self.timeout()).await
    }

    /// [`Connection::send`] with its own timeout (a Fetch that long-polls for `max_wait_ms` needs more than
    /// `socket_timeout_ms`).
    pub async fn send_with_timeout<R: Request>(
        &self,
        req: &R,
        version: i16,
        timeout: std::time::Duration,
    ) -> Result<R::Response, Error> {
        let headers = (
            R::request_header_version(version),
            R::response_header_version(version),
        );
        let broker = self.broker();
        let resp = self
            .request_encoded(R::API_KEY, version, headers, timeout, |out| {
                encode_into(req, version, broker, out)
            })
            .await?;
        // A body that does not decode leaves us unsure where the broker's stream stands: retire the connection.
        decode_body::<R>(resp, version, self.broker())
            .inspect_err(|e| self.retire(&format!("undecodable response: {e}")))
    }

    /// Send a request the broker does not answer (Produce with acks=0).
    pub async fn send_without_reply<R: Request>(&self, req: &R, version: i16) -> Result<(), Error> {
        let broker = self.broker();
        self.send_without_response(
            R::API_KEY,
            version,
            R::request_header_version(version),
            |out| encode_into(req, version, broker, out),
        )
        .await
    }

    /// The version to speak for `R`: the highest in `ours` (default: every version the generated code has)
    /// and the broker's range.
    pub fn version_of<R: Request>(&self, ours: Option<VersionRange>) -> Result<i16, Error> {
        let ours = ours.unwrap_or(R::VERSIONS);
        self.version_for(R::API_KEY, (ours.min, ours.max))
    }

    /// Choose the version, build the request for it, send it. Returns the version used with the response.
    pub async fn send_negotiated<R: Request>(
        &self,
        ours: Option<VersionRange>,
        build: impl FnOnce(i16) -> R,
    ) -> Result<(i16, R::Response), Error> {
        let version = self.version_of::<R>(ours)?;
        let req = build(version);
        Ok((version, self.send(&req, version).await?))
    }
}
