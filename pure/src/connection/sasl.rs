//! SASL PLAIN and SCRAM-SHA-256/512 over SaslHandshake v1 + SaslAuthenticate, or SaslHandshake v0 and raw
//! size-prefixed tokens for brokers without SaslAuthenticate. Failures are `ErrorKind::Authentication`, at once.

use bytes::Bytes;

use ferrokafka_core::{Error, ErrorKind, KafkaCode, SaslConfig, SaslMechanism};

use super::handshake::Handshaker;
use super::scram::{ScramClient, ScramHash};
use super::versions::ApiVersionTable;
use crate::protocol::messages::{SaslAuthenticateRequest, SaslHandshakeRequest};
use crate::protocol::Message;

/// Authenticate the stream behind `hs` with `sasl`.
pub async fn authenticate(
    hs: &mut Handshaker<'_>,
    sasl: &SaslConfig,
    versions: &ApiVersionTable,
) -> Result<(), Error> {
    let mechanism = sasl.mechanism.name();
    let broker = hs.broker.clone();
    let fail = |reason: String| Error::authentication(&broker, mechanism.to_string(), reason);
    let handshake_v = match versions.range(SaslHandshakeRequest::API_KEY) {
        Some((_, max)) if max >= 1 => 1,
        _ => 0,
    };
    // The highest SaslAuthenticate version in both the broker's range and ours (v0-v1, non-flexible).
    let auth_v = versions
        .range(SaslAuthenticateRequest::API_KEY)
        .and_then(|(min, max)| (max.min(1) >= min).then_some(max.min(1)));
    let request = SaslHandshakeRequest {
        mechanism: mechanism.to_string(),
    };
    let resp = hs
        .send(&request, handshake_v)
        .await
        .map_err(|e| fail("SaslHandshake failed".into()).with_source(e))?;
    if let Some(code) = KafkaCode::from_i16(resp.error_code) {
        return Err(fail(format!(
            "broker refused the mechanism ({code}); it offers {:?}",
            resp.mechanisms
        )));
    }
    // SaslHandshake v1 → SaslAuthenticate (if the broker has v0 or v1); else raw tokens.
    let mut session = Session {
        raw: handshake_v == 0 || auth_v.is_none(),
        auth_version: auth_v.unwrap_or(0),
        mechanism,
    };
    let result = match sasl.mechanism {
        SaslMechanism::Plain => {
            let token = format!("\0{}\0{}", sasl.username, sasl.password);
            // v0 raw mode: the broker answers an empty frame on success (and hangs up on failure).
            session
                .exchange(hs, token.as_bytes(), true)
                .await
                .map(|_| ())
        }
        SaslMechanism::ScramSha256 | SaslMechanism::ScramSha512 => {
            let hash = if sasl.mechanism == SaslMechanism::ScramSha256 {
                ScramHash::Sha256
            } else {
                ScramHash::Sha512
            };
            scram(&mut session, hs, hash, sasl).await
        }
        _ => Err(Error::config(
            "sasl_config.mechanism",
            format!("{mechanism} is not supported"),
        )),
    };
    result.map_err(|e| match e.kind() {
        ErrorKind::Authentication | ErrorKind::Config => e,
        // `e` is source(): the reason does not repeat it.
        ErrorKind::SocketDisconnected => fail(
            "the broker closed the connection during authentication; wrong username or password?"
                .into(),
        )
        .with_source(e),
        _ => fail("the exchange failed".into()).with_source(e),
    })
}

async fn scram(
    session: &mut Session,
    hs: &mut Handshaker<'_>,
    hash: ScramHash,
    sasl: &SaslConfig,
) -> Result<(), Error> {
    let broker = hs.broker.clone();
    let fail = |reason: String| Error::authentication(&broker, sasl.mechanism.name(), reason);
    let mut client = ScramClient::new(hash, &sasl.username, &sasl.password);
    let server_first = session
        .exchange(hs, client.client_first().as_bytes(), true)
        .await?;
    let server_first = String::from_utf8_lossy(&server_first).into_owned();
    let client_final = client
        .client_final(&server_first)
        .map_err(|e| fail(e.to_string()))?;
    let server_final = session.exchange(hs, client_final.as_bytes(), true).await?;
    client
        .verify_server_final(&String::from_utf8_lossy(&server_final))
        .map_err(|e| fail(e.to_string()))
}

struct Session {
    raw: bool,
    auth_version: i16,
    mechanism: &'static str,
}

impl Session {
    /// Send a token, return the server's.
    async fn exchange(
        &mut self,
        hs: &mut Handshaker<'_>,
        token: &[u8],
        expect_reply: bool,
    ) -> Result<Bytes, Error> {
        if self.raw {
            return hs.raw(token, expect_reply).await;
        }
        let request = SaslAuthenticateRequest {
            auth_bytes: Bytes::copy_from_slice(token),
            ..Default::default()
        };
        let resp = hs.send(&request, self.auth_version).await?;
        if let Some(code) = KafkaCode::from_i16(resp.error_code) {
            return Err(Error::authentication(
                hs.broker,
                self.mechanism.to_string(),
                format!(
                    "{code}{}",
                    resp.error_message
                        .map(|m| format!(": {m}"))
                        .unwrap_or_default()
                ),
            ));
        }
        Ok(resp.auth_bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::connection::transport::BoxStream;
    use crate::connection::versions::ApiRange;
    use ferrokafka_core::{BrokerRef, ErrorKind};
    use std::time::Duration;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    async fn read_frame(s: &mut tokio::io::DuplexStream) -> Vec<u8> {
        let mut len = [0u8; 4];
        s.read_exact(&mut len).await.unwrap();
        let mut body = vec![0u8; i32::from_be_bytes(len) as usize];
        s.read_exact(&mut body).await.unwrap();
        body
    }

    /// A broker with SaslHandshake v0 only: handshake, then a raw PLAIN token, then an empty frame.
    async fn old_broker(mut s: tokio::io::DuplexStream, password: &'static [u8]) {
        let req = read_frame(&mut s).await;
        assert_eq!(&req[..4], &[0, 17, 0, 0], "SaslHandshake v0");
        let mut resp = req[4..8].to_vec(); // correlation id
        resp.extend_from_slice(&[0, 0, 0, 0, 0, 1, 0, 5]);
        resp.extend_from_slice(b"PLAIN");
        let mut framed = (resp.len() as i32).to_be_bytes().to_vec();
        framed.extend_from_slice(&resp);
        s.write_all(&framed).await.unwrap();
        let token = read_frame(&mut s).await;
        let mut expected = b"\0alice\0".to_vec();
        expected.extend_from_slice(password);
        if token == expected {
            s.write_all(&[0, 0, 0, 0]).await.unwrap();
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
    }

    async fn run(password: &str) -> Result<(), Error> {
        let (client, server) = tokio::io::duplex(4096);
        tokio::spawn(old_broker(server, b"pw"));
        let mut stream: BoxStream = Box::new(client);
        let mut hs = Handshaker {
            stream: &mut stream,
            broker: &BrokerRef {
                id: Some(0),
                address: "old:9092".into(),
            },
            client_id: "t",
            timeout: Duration::from_secs(2),
            max_frame_size: 1024,
            next_correlation_id: 1,
        };
        let versions = ApiVersionTable::negotiated(&[ApiRange {
            api_key: 17,
            min: 0,
            max: 0,
        }]);
        let cfg = SaslConfig {
            mechanism: SaslMechanism::Plain,
            username: "alice".into(),
            password: password.into(),
        };
        authenticate(&mut hs, &cfg, &versions).await
    }

    #[tokio::test]
    async fn sasl_handshake_v0_sends_raw_tokens() {
        run("pw").await.unwrap();
        let e = run("wrong").await.unwrap_err();
        assert!(e.kind() == ErrorKind::Authentication, "{e}");
        assert!(e.to_string().contains("0 (old:9092)"), "{e}");
    }
}
