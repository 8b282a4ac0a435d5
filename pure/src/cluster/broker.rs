//! A broker of the cluster: its id and address, and one connection per traffic class so no class waits
//! behind another: produce, control (metadata, group membership, coordinator lookups, ListOffsets, admin), and
//! the offsets channel (PyKafka's `offsets_channel`: OffsetCommit, OffsetFetch). Fetches do not use these:
//! each consumer opens its own (see `consumer::cluster_backend`), so a long poll blocks nobody else.

use std::sync::Arc;

use ferrokafka_core::{BrokerRef, Error};

use crate::connection::{BrokerChannel, Connection, ConnectionConfig};
use crate::protocol::{Request, VersionRange};

/// One broker. Connections open lazily and reopen (with backoff) after they break.
#[derive(Debug)]
pub struct Broker {
    id: i32,
    host: String,
    port: u16,
    rack: Option<String>,
    main: BrokerChannel,
    produce: BrokerChannel,
    offsets: BrokerChannel,
}

impl Broker {
    /// A broker known by id; `offsets_config` carries `offsets_channel_socket_timeout_ms`.
    pub fn new(
        id: i32,
        host: &str,
        port: u16,
        rack: Option<String>,
        config: Arc<ConnectionConfig>,
        offsets_config: Arc<ConnectionConfig>,
    ) -> Self {
        let label = BrokerRef::new(id, host, port);
        Broker {
            id,
            host: host.to_string(),
            port,
            rack,
            main: BrokerChannel::new(host, port, &label, Arc::clone(&config)),
            produce: BrokerChannel::new(host, port, &label, config),
            offsets: BrokerChannel::new(host, port, &label, offsets_config),
        }
    }

    pub fn id(&self) -> i32 {
        self.id
    }
    pub fn host(&self) -> &str {
        &self.host
    }
    pub fn port(&self) -> u16 {
        self.port
    }
    pub fn rack(&self) -> Option<&str> {
        self.rack.as_deref()
    }
    /// `id (host:port)`, as errors name it.
    pub fn label(&self) -> &BrokerRef {
        self.main.label()
    }
    /// Whether the main connection is open now.
    pub fn connected(&self) -> bool {
        self.main.is_connected()
    }
    /// Whether the offsets channel is open now.
    pub fn offsets_channel_connected(&self) -> bool {
        self.offsets.is_connected()
    }

    /// The control connection (Metadata, ListOffsets, admin, group membership, FindCoordinator).
    pub async fn connection(&self) -> Result<Arc<Connection>, Error> {
        self.main.get().await
    }

    /// The produce connection: a slow Produce (acks=-1) never holds up metadata or coordinator calls.
    pub async fn produce_connection(&self) -> Result<Arc<Connection>, Error> {
        self.produce.get().await
    }

    /// A new, unopened channel to this broker with the main config, for a caller that wants a connection of
    /// its own (a consumer's fetches).
    pub fn private_channel(&self) -> BrokerChannel {
        BrokerChannel::new(&self.host, self.port, self.label(), self.main.config())
    }

    /// The offsets channel (OffsetCommit, OffsetFetch), with its own timeout.
    pub async fn offsets_connection(&self) -> Result<Arc<Connection>, Error> {
        self.offsets.get().await
    }

    /// Negotiate the version, build the request for it, send it on the main connection.
    pub async fn request<R: Request>(
        &self,
        ours: Option<VersionRange>,
        build: impl FnOnce(i16) -> R,
    ) -> Result<(i16, R::Response), Error> {
        self.connection().await?.send_negotiated(ours, build).await
    }

    /// The same on the offsets channel.
    pub async fn offsets_request<R: Request>(
        &self,
        ours: Option<VersionRange>,
        build: impl FnOnce(i16) -> R,
    ) -> Result<(i16, R::Response), Error> {
        self.offsets_connection()
            .await?
            .send_negotiated(ours, build)
            .await
    }

    /// Close every connection (they reopen on next use).
    pub async fn disconnect(&self) {
        self.main.reset().await;
        self.produce.reset().await;
        self.offsets.reset().await;
    }
}
