//! One broker connection shared by many callers: requests are pipelined, each tagged with a correlation id;
//! a writer task sends frames in order and a reader task hands each response to the caller waiting on that id.
//!
//! A request that times out gives `ErrorKind::Timeout` naming the broker, and *retires* the connection: a broker that
//! left one response unfinished (a truncated frame, a stall) cannot be trusted to answer the next, so every other
//! waiting request fails at once with a retriable `SocketDisconnected` and the next request opens a new
//! connection. A frame that cannot be parsed (bad length, unknown correlation id, undecodable body) does the same.
//! A closed connection stays closed: callers reconnect through [`super::BrokerChannel`].

use std::collections::HashMap;
use std::sync::atomic::{AtomicI32, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use bytes::{BufMut, Bytes, BytesMut};
use tokio::io::{ReadHalf, WriteHalf};
use tokio::sync::{mpsc, oneshot};
use tokio::task::AbortHandle;

use ferrokafka_core::{BrokerRef, Error};

use super::framing::{disconnected, read_frame_reusing, write_all};
use super::handshake::Handshaker;
use super::recv_buffers::RecvBuffers;
use super::transport::{self, BoxStream};
use super::versions::{api_name, ApiVersionTable};
use super::{sasl, wire, ConnectionConfig};

type Reply = oneshot::Sender<Result<Bytes, Error>>;

#[derive(Default)]
struct State {
    pending: HashMap<i32, Reply>,
    closed: Option<Error>,
    tasks: Vec<AbortHandle>,
}

struct Shared {
    state: Mutex<State>,
    broker: BrokerRef,
    /// Written frames' buffers, for the next requests (see [`SPARE_SEND_BUFFERS`]).
    send_buffers: Mutex<Vec<BytesMut>>,
}

/// Frame buffers kept per connection once written. Why: a produce request of ~1 MB encoded into a fresh
/// allocation is a fresh `mmap` each time, page-faulted in while it is written, then unmapped; a written
/// buffer serves the next request with its pages already in place. At most this many, each at most
/// [`LARGEST_SPARE_SEND_BUFFER`] bytes.
const SPARE_SEND_BUFFERS: usize = 4;
const LARGEST_SPARE_SEND_BUFFER: usize = 16 * 1024 * 1024;

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        // Nothing panics while holding this lock; recover rather than propagate poisoning.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// An empty buffer for the next frame: a written one when there is one.
    fn frame_buffer(&self) -> BytesMut {
        let mut spare = self.send_buffers.lock().unwrap_or_else(|e| e.into_inner());
        spare.pop().unwrap_or_default()
    }

    /// Keep a written frame's buffer if no one else holds it.
    fn recycle(&self, frame: Bytes) {
        if frame.len() > LARGEST_SPARE_SEND_BUFFER {
            return;
        }
        if let Ok(mut buffer) = frame.try_into_mut() {
            buffer.clear();
            let mut spare = self.send_buffers.lock().unwrap_or_else(|e| e.into_inner());
            if spare.len() < SPARE_SEND_BUFFERS {
                spare.push(buffer);
            }
        }
    }

    /// Close the connection: fail every waiting request with `err`, stop both tasks.
    fn fail_all(&self, err: Error) {
        let (pending, tasks) = {
            let mut st = self.lock();
            if st.closed.is_none() {
                st.closed = Some(err.clone());
            }
            (
                std::mem::take(&mut st.pending),
                std::mem::take(&mut st.tasks),
            )
        };
        for (_, reply) in pending {
            let _ = reply.send(Err(err.clone()));
        }
        for t in tasks {
            t.abort();
        }
    }
}

/// A multiplexed connection to one broker, after ApiVersions and SASL.
pub struct Connection {
    shared: Arc<Shared>,
    writer: mpsc::Sender<Bytes>,
    versions: ApiVersionTable,
    next_correlation_id: AtomicI32,
    client_id: String,
    timeout: Duration,
}

impl std::fmt::Debug for Connection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Connection")
            .field("broker", &self.shared.broker)
            .field("closed", &self.is_closed())
            .finish()
    }
}

impl Connection {
    /// Connect, negotiate versions (narrowed by a `broker_version` pin), authenticate, and start the reader and writer
    /// tasks on the current tokio runtime. `broker` is the label used in errors: `id (host:port)`.
    pub async fn connect(
        host: &str,
        port: u16,
        broker: &BrokerRef,
        config: &ConnectionConfig,
    ) -> Result<Arc<Connection>, Error> {
        let timeout = config.request_timeout;
        let open = || {
            transport::open(
                host,
                port,
                broker,
                config.connect_timeout,
                config.source_address,
                config.tls.as_ref(),
            )
        };
        let mut stream = open().await?;
        let mut next_corr = 1;
        // Asked even under a `broker_version` pin: the answer narrows the pin, so a pin this broker cannot
        // serve fails with a clear error instead of a request the broker drops.
        let mut hs = handshaker(&mut stream, broker, config, next_corr);
        let negotiated = hs.api_versions().await?;
        next_corr = hs.next_correlation_id;
        let versions = match (negotiated, &config.pinned_versions) {
            (Some(table), Some(pinned)) => pinned.clone().with_broker_ranges(&table),
            (Some(table), None) => table,
            (None, pinned) => {
                // A pre-0.10 broker closes the connection on ApiVersions: reconnect and speak the pin, else 0.9.
                tracing::info!(%broker, "no ApiVersions support: using 0.9 API versions");
                stream = open().await?;
                next_corr = 1;
                pinned.clone().unwrap_or_else(ApiVersionTable::fallback_09)
            }
        };
        if let Some(sasl_config) = &config.sasl {
            let mut hs = handshaker(&mut stream, broker, config, next_corr);
            sasl::authenticate(&mut hs, sasl_config, &versions).await?;
            next_corr = hs.next_correlation_id;
        }
        Ok(Self::start(
            stream,
            broker,
            versions,
            next_corr,
            config.client_id.clone(),
            timeout,
            config.max_frame_size,
        ))
    }

    /// Multiplex an already set-up stream (tests use this with in-memory streams).
    pub fn start(
        stream: BoxStream,
        broker: &BrokerRef,
        versions: ApiVersionTable,
        first_correlation_id: i32,
        client_id: String,
        timeout: Duration,
        max_frame_size: usize,
    ) -> Arc<Connection> {
        let shared = Arc::new(Shared {
            state: Mutex::new(State::default()),
            broker: broker.clone(),
            send_buffers: Mutex::new(Vec::new()),
        });
        let (read, write) = tokio::io::split(stream);
        let (tx, rx) = mpsc::channel(256);
        let writer = tokio::spawn(write_loop(write, rx, Arc::clone(&shared)));
        let reader = tokio::spawn(read_loop(read, max_frame_size, Arc::clone(&shared)));
        {
            let mut st = shared.lock();
            if st.closed.is_some() {
                writer.abort();
                reader.abort();
            } else {
                st.tasks = vec![writer.abort_handle(), reader.abort_handle()];
            }
        }
        Arc::new(Connection {
            shared,
            writer: tx,
            versions,
            next_correlation_id: AtomicI32::new(first_correlation_id),
            client_id,
            timeout,
        })
    }

    /// `id (host:port)` of the peer.
    pub fn broker(&self) -> &BrokerRef {
        &self.shared.broker
    }

    /// The broker's API version ranges.
    pub fn api_versions(&self) -> &ApiVersionTable {
        &self.versions
    }

    /// The version to speak for `api_key`, given the versions this client implements.
    pub fn version_for(&self, api_key: i16, ours: (i16, i16)) -> Result<i16, Error> {
        self.versions.choose(api_key, ours, self.broker())
    }

    /// True once the connection broke or was closed; a new one is needed.
    pub fn is_closed(&self) -> bool {
        self.shared.lock().closed.is_some()
    }

    /// The default per-request timeout (socket_timeout_ms, or the offsets channel's).
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// Send a request whose body is already encoded at `version`; return the response frame with its header
    /// stripped. `request_header` / `response_header` are the header versions for this API and version.
    pub async fn request(
        &self,
        api_key: i16,
        version: i16,
        request_header: i16,
        response_header: i16,
        body: &[u8],
    ) -> Result<Bytes, Error> {
        self.request_with_timeout(
            api_key,
            version,
            request_header,
            response_header,
            body,
            self.timeout,
        )
        .await
    }

    /// [`Connection::request`] with an explicit timeout (e.g. a Fetch that waits `max_wait` on the broker).
    pub async fn request_with_timeout(
        &self,
        api_key: i16,
        version: i16,
        request_header: i16,
        response_header: i16,
        body: &[u8],
        timeout: Duration,
    ) -> Result<Bytes, Error> {
        let headers = (request_header, response_header);
        self.request_encoded(api_key, version, headers, timeout, |out| {
            out.put_slice(body);
            Ok(())
        })
        .await
    }

    /// The frame for a request, its body written in place by `body` into a recycled buffer.
    fn frame(
        &self,
        api_key: i16,
        version: i16,
        request_header: i16,
        correlation_id: i32,
        body: impl FnOnce(&mut BytesMut) -> Result<(), Error>,
    ) -> Result<Bytes, Error> {
        let mut out = self.shared.frame_buffer();
        let ids = wire::RequestIds {
            api_key,
            api_version: version,
            header_version: request_header,
            correlation_id,
        };
        wire::encode_request_into(&mut out, ids, &self.client_id, body)?;
        Ok(out.freeze())
    }

    /// [`Connection::request_with_timeout`] with the body encoded in place by `body`. `headers` are the request
    /// and response header versions.
    pub async fn request_encoded(
        &self,
        api_key: i16,
        version: i16,
        headers: (i16, i16),
        timeout: Duration,
        body: impl FnOnce(&mut BytesMut) -> Result<(), Error>,
    ) -> Result<Bytes, Error> {
        let (request_header, response_header) = headers;
        let corr = self.next_correlation_id.fetch_add(1, Ordering::Relaxed);
        let frame = self.frame(api_key, version, request_header, corr, body)?;
        let (tx, rx) = oneshot::channel();
        {
            let mut st = self.shared.lock();
            if let Some(e) = &st.closed {
                return Err(e.clone());
            }
            st.pending.insert(corr, tx);
        }
        if self.writer.send(frame).await.is_err() {
            self.shared.lock().pending.remove(&corr);
            return Err(self.closed_error());
        }
        match tokio::time::timeout(timeout, rx).await {
            Ok(Ok(Ok(frame))) => wire::response_body(frame, response_header, self.broker())
                .inspect_err(|e| self.retire(&format!("unparsable response: {e}"))),
            Ok(Ok(Err(e))) => Err(e),
            Ok(Err(_)) => Err(self.closed_error()),
            Err(_) => {
                self.shared.lock().pending.remove(&corr);
                let what = format!("{} v{version} response", api_name(api_key));
                self.retire(&format!(
                    "{what} timed out after {} ms",
                    timeout.as_millis()
                ));
                Err(Error::timeout(
                    format!("{what} from broker {}", self.broker()),
                    timeout,
                ))
            }
        }
    }

    /// Send a request that has no response (Produce with acks=0). Returns once it is queued for writing.
    /// `body` encodes the request's body in place, after the header.
    pub async fn send_without_response(
        &self,
        api_key: i16,
        version: i16,
        request_header: i16,
        body: impl FnOnce(&mut BytesMut) -> Result<(), Error>,
    ) -> Result<(), Error> {
        if let Some(e) = &self.shared.lock().closed {
            return Err(e.clone());
        }
        let corr = self.next_correlation_id.fetch_add(1, Ordering::Relaxed);
        let frame = self.frame(api_key, version, request_header, corr, body)?;
        self.writer
            .send(frame)
            .await
            .map_err(|_| self.closed_error())
    }

    /// Close the connection; waiting requests fail with `SocketDisconnected`.
    pub fn close(&self) {
        self.shared.fail_all(disconnected(
            self.broker(),
            "connection closed by the client",
        ));
    }

    /// Take this connection out of service because it can no longer be trusted to make progress: every other
    /// waiting request fails now with a retriable `SocketDisconnected` saying `why`, and the owning channel
    /// opens a fresh connection on next use.
    pub fn retire(&self, why: &str) {
        tracing::debug!(broker = %self.broker(), why, "retiring connection");
        self.shared.fail_all(disconnected(
            self.broker(),
            format!("connection retired: {why}"),
        ));
    }

    fn closed_error(&self) -> Error {
        self.shared
            .lock()
            .closed
            .clone()
            .unwrap_or_else(|| disconnected(self.broker(), "connection closed"))
    }
}

impl Drop for Connection {
    fn drop(&mut self) {
        self.close();
    }
}

fn handshaker<'a>(
    stream: &'a mut BoxStream,
    broker: &'a BrokerRef,
    config: &'a ConnectionConfig,
    next_corr: i32,
) -> Handshaker<'a> {
    Handshaker {
        stream,
        broker,
        client_id: &config.client_id,
        timeout: config.request_timeout,
        max_frame_size: config.max_frame_size,
        next_correlation_id: next_corr,
    }
}

async fn write_loop(
    mut w: WriteHalf<BoxStream>,
    mut rx: mpsc::Receiver<Bytes>,
    shared: Arc<Shared>,
) {
    while let Some(frame) = rx.recv().await {
        if let Err(e) = write_all(&mut w, &frame, &shared.broker).await {
            shared.fail_all(e);
            return;
        }
        shared.recycle(frame);
    }
}

async fn read_loop(mut r: ReadHalf<BoxStream>, max_frame_size: usize, shared: Arc<Shared>) {
    let mut buffers = RecvBuffers::default();
    loop {
        let frame =
            match read_frame_reusing(&mut r, max_frame_size, &shared.broker, &mut buffers).await {
                Ok(f) => f,
                Err(e) => {
                    shared.fail_all(e);
                    return;
                }
            };
        let Some(corr) = wire::correlation_id(&frame) else {
            shared.fail_all(Error::protocol(
                format!(
                    "response frame of {} bytes has no correlation id",
                    frame.len()
                ),
                ferrokafka_core::ErrorContext::broker(&shared.broker),
            ));
            return;
        };
        let reply = shared.lock().pending.remove(&corr);
        match reply {
            Some(reply) => {
                let _ = reply.send(Ok(frame));
            }
            None => {
                // A timed-out request retires the connection, so no late answer can arrive here: this is a
                // duplicated or corrupted frame, and later frames cannot be trusted either.
                // Retriable: whoever waits lost its answer to a broken stream, not to a refusal.
                shared.fail_all(disconnected(
                    &shared.broker,
                    format!("connection retired: a response with correlation id {corr} nobody waits for"),
                ));
                return;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ferrokafka_core::ErrorKind;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    fn conn(stream: tokio::io::DuplexStream, timeout_ms: u64) -> Arc<Connection> {
        Connection::start(
            Box::new(stream),
            &BrokerRef {
                id: Some(1),
                address: "test:9092".into(),
            },
            ApiVersionTable::fallback_09(),
            1,
            "t".into(),
            Duration::from_millis(timeout_ms),
            1024,
        )
    }

    async fn read_request(s: &mut tokio::io::DuplexStream) -> i32 {
        let mut len = [0u8; 4];
        s.read_exact(&mut len).await.unwrap();
        let mut body = vec![0u8; i32::from_be_bytes(len) as usize];
        s.read_exact(&mut body).await.unwrap();
        i32::from_be_bytes([body[4], body[5], body[6], body[7]])
    }

    #[tokio::test]
    async fn pipelined_responses_are_matched_by_correlation_id() {
        let (client, mut server) = tokio::io::duplex(4096);
        let c = conn(client, 2000);
        let (a, b) = (c.clone(), c.clone());
        let ta = tokio::spawn(async move { a.request(3, 0, 1, 0, b"a").await });
        let tb = tokio::spawn(async move { b.request(3, 0, 1, 0, b"b").await });
        let first = read_request(&mut server).await;
        let second = read_request(&mut server).await;
        // Answer in reverse order, each with its id as the body.
        for corr in [second, first] {
            let mut f = vec![0, 0, 0, 8];
            f.extend_from_slice(&corr.to_be_bytes());
            f.extend_from_slice(&corr.to_be_bytes());
            server.write_all(&f).await.unwrap();
        }
        let ra = ta.await.unwrap().unwrap();
        let rb = tb.await.unwrap().unwrap();
        assert_ne!(ra, rb);
        assert_eq!(ra.len(), 4);
    }

    #[tokio::test]
    async fn a_close_mid_frame_fails_every_waiting_request_naming_the_broker() {
        let (client, mut server) = tokio::io::duplex(4096);
        let c = conn(client, 5000);
        let (a, b) = (c.clone(), c.clone());
        let ta = tokio::spawn(async move { a.request(1, 0, 1, 0, b"").await });
        let tb = tokio::spawn(async move { b.request(1, 0, 1, 0, b"").await });
        read_request(&mut server).await;
        read_request(&mut server).await;
        server.write_all(&[0, 0, 0, 100, 0, 0]).await.unwrap();
        drop(server);
        for t in [ta, tb] {
            let e = t.await.unwrap().unwrap_err();
            assert!(e.kind() == ErrorKind::SocketDisconnected, "{e}");
            assert!(e.to_string().contains("1 (test:9092)"), "{e}");
        }
        assert!(c.is_closed());
        assert!(c.request(1, 0, 1, 0, b"").await.is_err());
    }

    #[tokio::test]
    async fn garbage_is_a_protocol_error_and_silence_a_timeout() {
        let (client, _server) = tokio::io::duplex(4096);
        let c = conn(client, 100);
        let e = c.request(3, 0, 1, 0, b"").await.unwrap_err();
        assert!(e.kind() == ErrorKind::Timeout, "{e}");
        assert!(e.to_string().contains("Metadata v0") && e.to_string().contains("1 (test:9092)"));

        let (client, mut server) = tokio::io::duplex(4096);
        let c = conn(client, 2000);
        server
            .write_all(b"HTTP/1.1 400 Bad Request\r\n")
            .await
            .unwrap();
        let e = c.request(3, 0, 1, 0, b"").await.unwrap_err();
        assert!(
            matches!(
                e.kind(),
                ErrorKind::Protocol | ErrorKind::SocketDisconnected
            ),
            "{e}"
        );
        assert!(c.is_closed());
    }

    #[tokio::test]
    async fn a_truncated_response_retires_the_connection_and_fails_the_others_at_once() {
        let (client, mut server) = tokio::io::duplex(4096);
        let first = conn(client, 300);
        let (a, b) = (first.clone(), first.clone());
        let ta = tokio::spawn(async move { a.request(3, 0, 1, 0, b"a").await });
        let corr = read_request(&mut server).await;
        // Another request, with a longer timeout, queued behind the first on the same connection.
        let tb = tokio::spawn(async move {
            b.request_with_timeout(1, 0, 1, 0, b"b", Duration::from_secs(30))
                .await
        });
        read_request(&mut server).await;
        // Right length prefix, fewer bytes, socket kept open.
        let mut f = vec![0, 0, 0, 20];
        f.extend_from_slice(&corr.to_be_bytes());
        server.write_all(&f).await.unwrap();
        let started = std::time::Instant::now();
        let e = ta.await.unwrap().unwrap_err();
        assert!(e.kind() == ErrorKind::Timeout, "{e}");
        let e = tb.await.unwrap().unwrap_err();
        assert!(started.elapsed() < Duration::from_secs(2), "{e}");
        assert!(e.kind() == ErrorKind::SocketDisconnected, "{e}");
        assert!(e.is_retriable() && e.to_string().contains("retired"), "{e}");
        assert!(first.is_closed(), "a timed-out connection is not reused");
    }

    #[tokio::test]
    async fn a_response_nobody_waits_for_retires_the_connection() {
        let (client, mut server) = tokio::io::duplex(4096);
        let c = conn(client, 2000);
        let c2 = c.clone();
        let t = tokio::spawn(async move { c2.request(3, 0, 1, 0, b"").await });
        let corr = read_request(&mut server).await;
        let mut f = vec![0, 0, 0, 4];
        f.extend_from_slice(&(corr + 1000).to_be_bytes());
        server.write_all(&f).await.unwrap();
        let e = t.await.unwrap().unwrap_err();
        assert!(e.kind() == ErrorKind::SocketDisconnected, "{e}");
        assert!(e.to_string().contains("correlation id"), "{e}");
        assert!(c.is_closed());
    }

    #[tokio::test]
    async fn a_broker_closing_on_api_versions_is_treated_as_0_9() {
        let c = connect_to_pre_0_10_broker(None).await;
        assert_eq!(
            c.api_versions().source(),
            &super::super::VersionSource::Fallback09
        );
        assert_eq!(c.version_for(1, (0, 17)).unwrap(), 1);
    }

    #[tokio::test]
    async fn a_pin_is_used_as_is_by_a_broker_closing_on_api_versions() {
        let pin = super::super::ApiVersionTable::pinned((0, 8, 2), "0.8.2");
        let c = connect_to_pre_0_10_broker(pin).await;
        assert_eq!(
            c.api_versions().source(),
            &super::super::VersionSource::Pinned {
                pin: "0.8.2".into(),
                broker_answered: false
            }
        );
        assert_eq!(c.version_for(1, (0, 17)).unwrap(), 0);
        assert!(c.version_for(11, (0, 9)).is_err(), "no groups in 0.8");
    }

    /// A listener that hangs up on the first request (what 0.8/0.9 brokers do with ApiVersions), then keeps
    /// the second connection open.
    async fn connect_to_pre_0_10_broker(
        pinned_versions: Option<super::super::ApiVersionTable>,
    ) -> Arc<Connection> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        tokio::spawn(async move {
            // First connection: read ApiVersions, hang up (what 0.8/0.9 brokers do).
            let (mut s, _) = listener.accept().await.unwrap();
            let mut buf = [0u8; 64];
            let _ = s.read(&mut buf).await;
            drop(s);
            // Second connection: stays open.
            let (s, _) = listener.accept().await.unwrap();
            tokio::time::sleep(Duration::from_secs(5)).await;
            drop(s);
        });
        let config = super::super::ConnectionConfig {
            client_id: "t".into(),
            request_timeout: Duration::from_secs(2),
            connect_timeout: Duration::from_secs(2),
            source_address: None,
            tls: None,
            sasl: None,
            pinned_versions,
            max_frame_size: 1024,
        };
        Connection::connect(
            "127.0.0.1",
            port,
            &BrokerRef {
                id: Some(0),
                address: "old".into(),
            },
            &config,
        )
        .await
        .unwrap()
    }
}
