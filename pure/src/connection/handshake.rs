//! Sequential request/response on a fresh stream, before it is multiplexed: ApiVersions, then SASL. The messages
//! are the generated ones; only the raw SASL v0 token exchange has no Kafka framing.

use std::time::Duration;

use bytes::Bytes;

use ferrokafka_core::{BrokerRef, Error, ErrorContext, ErrorKind, KafkaCode};

use super::framing::{read_frame, size_prefixed, write_all};
use super::transport::BoxStream;
use super::typed::{decode_body, encode_body};
use super::versions::{api_name, ApiRange, ApiVersionTable};
use super::wire::{self, correlation_id};
use crate::protocol::messages::ApiVersionsRequest;
use crate::protocol::Request;

/// One request at a time on a stream that is not yet shared.
pub struct Handshaker<'a> {
    pub stream: &'a mut BoxStream,
    pub broker: &'a BrokerRef,
    pub client_id: &'a str,
    pub timeout: Duration,
    pub max_frame_size: usize,
    pub next_correlation_id: i32,
}

impl Handshaker<'_> {
    fn timeout_err(&self, what: &str) -> Error {
        Error::timeout(format!("{what} from broker {}", self.broker), self.timeout)
    }

    /// Sends `req` at `version` and decodes the response at the same version.
    pub async fn send<R: Request>(&mut self, req: &R, version: i16) -> Result<R::Response, Error> {
        let body = encode_body(req, version, self.broker)?;
        let corr = self.next_correlation_id;
        self.next_correlation_id = self.next_correlation_id.wrapping_add(1);
        let frame = wire::encode_request(
            R::API_KEY,
            version,
            R::request_header_version(version),
            corr,
            self.client_id,
            &body,
        )?;
        let what = format!("{} v{version} response", api_name(R::API_KEY));
        let io = async {
            write_all(self.stream, &frame, self.broker).await?;
            read_frame(self.stream, self.max_frame_size, self.broker).await
        };
        let frame = tokio::time::timeout(self.timeout, io)
            .await
            .map_err(|_| self.timeout_err(&what))??;
        if correlation_id(&frame) != Some(corr) {
            return Err(Error::protocol(
                format!(
                    "{what}: correlation id {:?}, expected {corr}",
                    correlation_id(&frame)
                ),
                ErrorContext::broker(self.broker),
            ));
        }
        let body = wire::response_body(frame, R::response_header_version(version), self.broker)?;
        decode_body::<R>(body, version, self.broker)
    }

    /// SaslHandshake v0's raw form: a size-prefixed token each way, no Kafka headers.
    pub async fn raw(&mut self, token: &[u8], expect_reply: bool) -> Result<Bytes, Error> {
        let frame = size_prefixed(token)?;
        let io = async {
            write_all(self.stream, &frame, self.broker).await?;
            if expect_reply {
                read_frame(self.stream, self.max_frame_size, self.broker).await
            } else {
                Ok(Bytes::new())
            }
        };
        tokio::time::timeout(self.timeout, io)
            .await
            .map_err(|_| self.timeout_err("raw SASL token"))?
    }

    /// ApiVersions v0 (every broker from 0.10 answers it). `Ok(None)` when the broker closes the connection
    /// instead (pre-0.10).
    pub async fn api_versions(&mut self) -> Result<Option<ApiVersionTable>, Error> {
        let resp = match self.send(&ApiVersionsRequest::default(), 0).await {
            Ok(r) => r,
            Err(e)
                if e.kind() == ErrorKind::SocketDisconnected
                    && e.reason().starts_with("connection closed by the broker") =>
            {
                return Ok(None)
            }
            Err(e) => return Err(e),
        };
        if let Some(code) = KafkaCode::from_i16(resp.error_code) {
            return Err(Error::kafka_with_message(
                code,
                Some("ApiVersions v0 refused".into()),
                ErrorContext::broker(self.broker),
            ));
        }
        let ranges: Vec<ApiRange> = resp
            .api_keys
            .iter()
            .map(|k| ApiRange {
                api_key: k.api_key,
                min: k.min_version,
                max: k.max_version,
            })
            .collect();
        Ok(Some(ApiVersionTable::negotiated(&ranges)))
    }
}
