//! Sequential request/response on a fresh stream, before it is multiplexed: ApiVersions, then SASL.

use std::time::Duration;

use bytes::Bytes;

use ferrokafka_core::{Error, ErrorContext, KafkaCode};

use super::framing::{read_frame, size_prefixed, write_all};
use super::transport::BoxStream;
use super::versions::ApiVersionTable;
use super::wire::{self, correlation_id};

/// One request at a time on a stream that is not yet shared.
pub struct Handshaker<'a> {
    pub stream: &'a mut BoxStream,
    pub broker: &'a str,
    pub client_id: &'a str,
    pub timeout: Duration,
    pub max_frame_size: usize,
    pub next_correlation_id: i32,
}

impl Handshaker<'_> {
    fn timeout_err(&self, what: &str) -> Error {
        Error::Timeout {
            what: format!("{what} from broker {}", self.broker),
            after_ms: self.timeout.as_millis() as u64,
        }
    }

    /// Send a non-flexible request (header v1) and return the response body (header v0 stripped).
    pub async fn request(
        &mut self,
        api_key: i16,
        version: i16,
        body: &[u8],
    ) -> Result<Bytes, Error> {
        let corr = self.next_correlation_id;
        self.next_correlation_id = self.next_correlation_id.wrapping_add(1);
        let frame = wire::encode_request(api_key, version, 1, corr, self.client_id, body);
        let what = format!("{} v{version} response", super::versions::api_name(api_key));
        let io = async {
            write_all(self.stream, &frame, self.broker).await?;
            read_frame(self.stream, self.max_frame_size, self.broker).await
        };
        let frame = tokio::time::timeout(self.timeout, io)
            .await
            .map_err(|_| self.timeout_err(&what))??;
        if correlation_id(&frame) != Some(corr) {
            return Err(Error::Protocol {
                detail: format!(
                    "{what}: correlation id {:?}, expected {corr}",
                    correlation_id(&frame)
                ),
                context: ErrorContext::broker(self.broker),
            });
        }
        wire::response_body(frame, 0, self.broker)
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

    /// ApiVersions v0. `Ok(None)` when the broker closes the connection instead (pre-0.10).
    pub async fn api_versions(&mut self) -> Result<Option<ApiVersionTable>, Error> {
        let body = match self.request(wire::API_VERSIONS, 0, &[]).await {
            Ok(b) => b,
            Err(Error::SocketDisconnected { reason, .. })
                if reason.starts_with("connection closed by the broker") =>
            {
                return Ok(None)
            }
            Err(e) => return Err(e),
        };
        let (code, ranges) = wire::decode_api_versions_v0(body, self.broker)?;
        if let Some(code) = KafkaCode::from_i16(code) {
            return Err(Error::Kafka {
                code,
                message: Some("ApiVersions v0 refused".into()),
                context: ErrorContext::broker(self.broker),
            });
        }
        Ok(Some(ApiVersionTable::negotiated(&ranges)))
    }
}
