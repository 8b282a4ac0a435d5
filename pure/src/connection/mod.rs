//! Broker connections for the pure engine: TCP or TLS (rustls), SASL PLAIN/SCRAM, size-prefixed frames with a
//! maximum size, and a multiplexed connection per broker (pipelined requests matched by correlation id).
//!
//! Layers, bottom up: [`framing`] (frames) → [`transport`] (TCP/TLS) → [`handshake`] + [`sasl`] (ApiVersions,
//! authentication) → [`multiplex::Connection`] (shared, pipelined) → [`channel::BrokerChannel`] (reconnects).

pub mod channel;
pub mod framing;
pub mod handshake;
pub mod multiplex;
pub mod pins;
pub mod recv_buffers;
pub mod sasl;
pub mod scram;
pub mod tls;
pub mod transport;
pub mod typed;
pub mod versions;
pub mod wire;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use ferrokafka_core::ResolvedClient;
use ferrokafka_core::{Error, SaslConfig};

pub use channel::BrokerChannel;
pub use multiplex::Connection;
pub use typed::protocol_error;
pub use versions::{ApiVersionTable, VersionSource};

/// Everything needed to open a connection to any broker of a cluster.
#[derive(Clone)]
pub struct ConnectionConfig {
    pub client_id: String,
    /// Per-request timeout: `socket_timeout_ms`, or `offsets_channel_socket_timeout_ms` on the offsets channel.
    pub request_timeout: Duration,
    /// TCP connect + TLS handshake timeout (`socket_timeout_ms`).
    pub connect_timeout: Duration,
    pub source_address: Option<SocketAddr>,
    pub tls: Option<Arc<rustls::ClientConfig>>,
    pub sasl: Option<SaslConfig>,
    /// Set when `broker_version` is below 0.11: the pin's ranges, narrowed by each broker's ApiVersions.
    pub pinned_versions: Option<ApiVersionTable>,
    pub max_frame_size: usize,
}

impl std::fmt::Debug for ConnectionConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConnectionConfig")
            .field("client_id", &self.client_id)
            .field("request_timeout", &self.request_timeout)
            .field("tls", &self.tls.is_some())
            .field("sasl", &self.sasl)
            .field("pinned_versions", &self.pinned_versions.is_some())
            .finish()
    }
}

impl ConnectionConfig {
    /// The main connections' config (`socket_timeout_ms`). Reads certificate files now, so a bad path fails here.
    pub fn from_options(options: &ResolvedClient) -> Result<Self, Error> {
        let timeout = options.socket_timeout;
        let pinned_versions = match &options.broker_version {
            Some(v) => {
                let parsed = ferrokafka_core::options::parse_broker_version(v)?;
                ApiVersionTable::pinned(parsed, v)
            }
            None => None,
        };
        Ok(ConnectionConfig {
            client_id: options.client_id.clone(),
            request_timeout: timeout,
            connect_timeout: timeout,
            source_address: transport::parse_source_address(&options.source_address)?,
            tls: options
                .ssl_config
                .as_ref()
                .map(tls::client_config)
                .transpose()?,
            sasl: options.sasl_config.clone(),
            pinned_versions,
            max_frame_size: framing::DEFAULT_MAX_FRAME_SIZE,
        })
    }

    /// The offsets channel's config: the same, with `offsets_channel_socket_timeout_ms` for requests.
    pub fn offsets_channel(&self, options: &ResolvedClient) -> Self {
        ConnectionConfig {
            request_timeout: options.offsets_channel_socket_timeout,
            ..self.clone()
        }
    }
}
