//! Opening a byte stream to a broker: TCP (optionally bound to `source_address`), then TLS if configured.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::{lookup_host, TcpSocket, TcpStream};

use ferrokafka_core::{BrokerRef, Error};

use super::framing::io_failed;
use super::tls;

/// A plain or TLS stream to a broker.
pub trait Stream: AsyncRead + AsyncWrite + Unpin + Send + 'static {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send + 'static> Stream for T {}

/// A boxed broker stream.
pub type BoxStream = Box<dyn Stream>;

/// TCP connect to `host:port` within `timeout`, trying each resolved address; then the TLS handshake.
pub async fn open(
    host: &str,
    port: u16,
    broker: &BrokerRef,
    timeout: Duration,
    source: Option<SocketAddr>,
    tls_config: Option<&Arc<rustls::ClientConfig>>,
) -> Result<BoxStream, Error> {
    let tcp = tokio::time::timeout(timeout, tcp_connect(host, port, broker, source))
        .await
        .map_err(|_| Error::timeout(format!("TCP connection to broker {broker}"), timeout))??;
    let _ = tcp.set_nodelay(true);
    let Some(config) = tls_config else {
        return Ok(Box::new(tcp));
    };
    let name = tls::server_name(host, broker)?;
    let connector = tokio_rustls::TlsConnector::from(Arc::clone(config));
    let stream = tokio::time::timeout(timeout, connector.connect(name, tcp))
        .await
        .map_err(|_| {
            Error::timeout(
                format!("TLS handshake with broker {broker} (is this port a TLS listener?)"),
                timeout,
            )
        })?
        .map_err(|e| tls::handshake_error(broker, e))?;
    Ok(Box::new(stream))
}

async fn tcp_connect(
    host: &str,
    port: u16,
    broker: &BrokerRef,
    source: Option<SocketAddr>,
) -> Result<TcpStream, Error> {
    let addrs: Vec<SocketAddr> = lookup_host((host, port))
        .await
        .map_err(|e| io_failed(broker, &format!("resolving {host:?}"), e))?
        .collect();
    let mut last = Error::socket_disconnected(broker, format!("{host:?} resolved to no address"));
    for addr in addrs {
        let socket = if addr.is_ipv4() {
            TcpSocket::new_v4()
        } else {
            TcpSocket::new_v6()
        }
        .map_err(|e| io_failed(broker, "socket", e))?;
        if let Some(src) = source {
            if src.is_ipv4() != addr.is_ipv4() {
                last = Error::socket_disconnected(
                    broker,
                    format!("source_address {src} and {addr} are different IP families"),
                );
                continue;
            }
            socket
                .bind(src)
                .map_err(|e| io_failed(broker, &format!("binding source_address {src}"), e))?;
        }
        match socket.connect(addr).await {
            Ok(s) => return Ok(s),
            Err(e) => last = io_failed(broker, &format!("connect to {addr}"), e),
        }
    }
    Err(last)
}

/// Parse `source_address` (`host:port`, port 0 = any) to a socket address. Empty → `None`.
pub fn parse_source_address(source: &str) -> Result<Option<SocketAddr>, Error> {
    if source.trim().is_empty() {
        return Ok(None);
    }
    let bad = || Error::config("source_address", format!("{source:?} is not host:port"));
    let (host, port) = ferrokafka_core::options::split_host_port(source.trim())
        .map_err(|why| Error::config("source_address", why))?;
    let port: u16 = port.parse().map_err(|_| bad())?;
    let ip: std::net::IpAddr = host.parse().map_err(|_| {
        Error::config(
            "source_address",
            format!("{host:?} is not an IP address (a name would need resolving per connection)"),
        )
    })?;
    Ok(Some(SocketAddr::new(ip, port)))
}
