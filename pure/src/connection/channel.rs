//! A reconnecting handle to one broker connection: hands out the live connection, or opens a new one. After a
//! failed connect, attempts within an exponential backoff window (100 ms doubling to 5 s) fail at once with the
//! same error, so a dead broker is not hammered and a restarted one is found again.

use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::Mutex;

use ferrokafka_core::{BrokerRef, Error};

use super::multiplex::Connection;
use super::ConnectionConfig;

const BACKOFF_START: Duration = Duration::from_millis(100);
const BACKOFF_MAX: Duration = Duration::from_secs(5);

#[derive(Default)]
struct State {
    conn: Option<Arc<Connection>>,
    failures: u32,
    retry_at: Option<Instant>,
    last_error: Option<Error>,
}

/// One logical connection to a broker (the main one, or the offsets channel).
pub struct BrokerChannel {
    host: String,
    port: u16,
    label: BrokerRef,
    config: Arc<ConnectionConfig>,
    state: Mutex<State>,
}

impl std::fmt::Debug for BrokerChannel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "BrokerChannel({})", self.label)
    }
}

impl BrokerChannel {
    /// Nothing is opened until [`BrokerChannel::get`].
    pub fn new(host: &str, port: u16, label: &BrokerRef, config: Arc<ConnectionConfig>) -> Self {
        BrokerChannel {
            host: host.to_string(),
            port,
            label: label.clone(),
            config,
            state: Mutex::new(State::default()),
        }
    }

    /// The live connection, connecting if there is none (or the last error, inside the backoff window).
    pub async fn get(&self) -> Result<Arc<Connection>, Error> {
        let mut st = self.state.lock().await;
        if let Some(c) = &st.conn {
            if !c.is_closed() {
                return Ok(Arc::clone(c));
            }
            st.conn = None;
        }
        // Inside the backoff window, fail at once with the last error: callers (metadata refresh trying the
        // next host, engines with their own retry backoff) should not queue behind a dead broker.
        if let (Some(at), Some(last)) = (st.retry_at, &st.last_error) {
            if Instant::now() < at {
                return Err(last.clone());
            }
        }
        match Connection::connect(&self.host, self.port, &self.label, &self.config).await {
            Ok(c) => {
                st.failures = 0;
                st.retry_at = None;
                st.last_error = None;
                st.conn = Some(Arc::clone(&c));
                Ok(c)
            }
            Err(e) => {
                let backoff = BACKOFF_START
                    .saturating_mul(1 << st.failures.min(10))
                    .min(BACKOFF_MAX);
                st.failures = st.failures.saturating_add(1);
                st.retry_at = Some(Instant::now() + backoff);
                st.last_error = Some(e.clone());
                tracing::debug!(broker = %self.label, error = %e.report(), ?backoff, "connect failed");
                Err(e)
            }
        }
    }

    /// True if a connection is open now (no connect attempt).
    pub fn is_connected(&self) -> bool {
        self.state
            .try_lock()
            .map(|st| st.conn.as_ref().is_some_and(|c| !c.is_closed()))
            .unwrap_or(false)
    }

    /// Drop the current connection (its waiting requests fail); the next `get` reconnects without backoff.
    pub async fn reset(&self) {
        let mut st = self.state.lock().await;
        if let Some(c) = st.conn.take() {
            c.close();
        }
        st.retry_at = None;
    }

    /// Close the current connection without waiting (its waiting requests fail). A connect in progress is
    /// left to finish; its connection closes when the last user drops it.
    pub fn close_now(&self) {
        if let Ok(mut st) = self.state.try_lock() {
            if let Some(c) = st.conn.take() {
                c.close();
            }
        }
    }

    pub fn label(&self) -> &BrokerRef {
        &self.label
    }

    pub fn host(&self) -> &str {
        &self.host
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// The config connections are opened with.
    pub fn config(&self) -> Arc<ConnectionConfig> {
        Arc::clone(&self.config)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn failed_connects_back_off_and_fail_fast_in_between() {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let config = Arc::new(ConnectionConfig {
            client_id: "t".into(),
            request_timeout: Duration::from_secs(1),
            connect_timeout: Duration::from_secs(1),
            source_address: None,
            tls: None,
            sasl: None,
            pinned_versions: None,
            max_frame_size: 1024,
        });
        let ch = BrokerChannel::new(
            "127.0.0.1",
            port,
            &BrokerRef {
                id: Some(7),
                address: "127.0.0.1".into(),
            },
            config,
        );
        let first = ch.get().await.unwrap_err();
        assert!(first.to_string().contains("7 (127.0.0.1)"), "{first}");
        let started = Instant::now();
        let second = ch.get().await.unwrap_err();
        assert_eq!(first.to_string(), second.to_string());
        assert!(started.elapsed() < Duration::from_millis(50));
        assert!(!ch.is_connected());
        ch.reset().await;
        assert!(ch.get().await.is_err());
    }
}
