//! A reconnecting handle to one broker connection: hands out the live connection, or opens a new one with
//! exponential backoff after failures, so a dead broker is not hammered and a restarted one is found again.

use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::Mutex;

use ferrokafka_core::Error;

use super::multiplex::Connection;
use super::ConnectionConfig;

const BACKOFF_START: Duration = Duration::from_millis(100);
const BACKOFF_MAX: Duration = Duration::from_secs(5);

#[derive(Default)]
struct State {
    conn: Option<Arc<Connection>>,
    failures: u32,
    retry_at: Option<Instant>,
}

/// One logical connection to a broker (the main one, or the offsets channel).
pub struct BrokerChannel {
    host: String,
    port: u16,
    label: String,
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
    pub fn new(host: &str, port: u16, label: &str, config: Arc<ConnectionConfig>) -> Self {
        BrokerChannel {
            host: host.to_string(),
            port,
            label: label.to_string(),
            config,
            state: Mutex::new(State::default()),
        }
    }

    /// The live connection, connecting (after any backoff still due) if there is none.
    pub async fn get(&self) -> Result<Arc<Connection>, Error> {
        let mut st = self.state.lock().await;
        if let Some(c) = &st.conn {
            if !c.is_closed() {
                return Ok(Arc::clone(c));
            }
            st.conn = None;
        }
        if let Some(at) = st.retry_at {
            tokio::time::sleep_until(at.into()).await;
        }
        match Connection::connect(&self.host, self.port, &self.label, &self.config).await {
            Ok(c) => {
                st.failures = 0;
                st.retry_at = None;
                st.conn = Some(Arc::clone(&c));
                Ok(c)
            }
            Err(e) => {
                let backoff = BACKOFF_START
                    .saturating_mul(1 << st.failures.min(10))
                    .min(BACKOFF_MAX);
                st.failures = st.failures.saturating_add(1);
                st.retry_at = Some(Instant::now() + backoff);
                tracing::debug!(broker = %self.label, error = %e, ?backoff, "connect failed");
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

    pub fn label(&self) -> &str {
        &self.label
    }

    pub fn host(&self) -> &str {
        &self.host
    }

    pub fn port(&self) -> u16 {
        self.port
    }
}
