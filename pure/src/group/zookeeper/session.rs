//! One ZooKeeper session of a group member: the connection (bounded by `zookeeper_connection_timeout_ms`)
//! and the children watches PyKafka sets (`/brokers/ids`, `/brokers/topics`, the group's `ids`). A watch that
//! fires re-arms itself first and then raises the `changed` flag, so a rebalance started after the flag
//! sees every change up to the re-arm and a later change fires again.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use ferrokafka_core::Error;
use tokio::sync::watch;
use zookeeper_client::{Client, EventType};

/// kazoo's default session timeout, which PyKafka keeps: a member that vanishes loses its znodes after it.
pub const SESSION_TIMEOUT: Duration = Duration::from_secs(10);
const BROKER_IDS: &str = "/brokers/ids";
const BROKER_TOPICS: &str = "/brokers/topics";
/// Pause before re-listing after a failed read (connection loss while the session lives).
const RETRY_PAUSE: Duration = Duration::from_millis(500);

/// A live session and its watches.
pub struct Session {
    pub client: Client,
    /// Set when a watched node changed since the last rebalance.
    pub changed: Arc<AtomicBool>,
    /// Dropped with the session, which ends the watch tasks (they hold client clones, and the ZooKeeper
    /// session closes only with the last clone).
    closing: watch::Sender<()>,
}

impl Session {
    /// Connects to `hosts` (`host:port[,…][/chroot]`) within `timeout`, or fails with
    /// [`ErrorKind::ZooKeeperUnavailable`] (or [`ErrorKind::Config`] for a malformed host string).
    pub async fn connect(hosts: &str, timeout: Duration) -> Result<Session, Error> {
        let connecting = Client::connector()
            .with_connection_timeout(timeout)
            .with_session_timeout(SESSION_TIMEOUT)
            .connect(hosts);
        let client = match tokio::time::timeout(timeout, connecting).await {
            Ok(Ok(c)) => c,
            Ok(Err(zookeeper_client::Error::BadArguments(why))) => {
                return Err(Error::config(
                    "zookeeper_connect",
                    format!("{hosts:?}: {why}"),
                ))
            }
            Ok(Err(e)) => return Err(unavailable(hosts, format!("cannot connect: {e}"))),
            Err(_) => {
                return Err(unavailable(
                    hosts,
                    format!(
                        "no session within zookeeper_connection_timeout_ms ({} ms)",
                        timeout.as_millis()
                    ),
                ))
            }
        };
        // PyKafka: "is your Kafka cluster running?" when the brokers' registry is missing.
        match client.check_stat(BROKER_IDS).await {
            Ok(Some(_)) => {}
            Ok(None) => {
                return Err(unavailable(
                    hosts,
                    format!("{BROKER_IDS} does not exist: not the ZooKeeper of a ZooKeeper-mode Kafka cluster (or wrong chroot)"),
                ))
            }
            Err(e) => return Err(unavailable(hosts, format!("reading {BROKER_IDS}: {e}"))),
        }
        Ok(Session {
            client,
            changed: Arc::new(AtomicBool::new(false)),
            closing: watch::channel(()).0,
        })
    }

    /// Watches the brokers, the topics and the group's members; any change raises `changed`.
    pub fn watch(&self, group_ids: &str) {
        for path in [BROKER_IDS, BROKER_TOPICS, group_ids] {
            tokio::spawn(watch_children(
                self.client.clone(),
                path.to_string(),
                Arc::clone(&self.changed),
                self.closing.subscribe(),
            ));
        }
    }

    /// Whether the session is over (expired, closed, auth failed): its ephemeral nodes are gone.
    pub fn is_terminated(&self) -> bool {
        self.client.state().is_terminated()
    }

    /// Takes the "something changed" flag.
    pub fn take_changed(&self) -> bool {
        self.changed.swap(false, Ordering::SeqCst)
    }
}

/// Re-arms a children watch on `path` until the session ends or the session is closed by us.
async fn watch_children(
    client: Client,
    path: String,
    changed: Arc<AtomicBool>,
    mut closing: watch::Receiver<()>,
) {
    let mut armed_once = false;
    loop {
        if closing.has_changed().is_err() {
            return;
        }
        if client.state().is_terminated() {
            changed.store(true, Ordering::SeqCst);
            return;
        }
        let watcher = match client.get_and_watch_children(&path).await {
            Ok((_, _, w)) => w,
            // Not there yet (a group without members): wait for its creation instead.
            Err(zookeeper_client::Error::NoNode) => {
                match client.check_and_watch_stat(&path).await {
                    Ok((_, w)) => w,
                    Err(_) => {
                        tokio::time::sleep(RETRY_PAUSE).await;
                        continue;
                    }
                }
            }
            Err(_) => {
                tokio::time::sleep(RETRY_PAUSE).await;
                continue;
            }
        };
        // PyKafka ignores the callback fired while the watches are set; later re-arms report the change.
        if armed_once {
            changed.store(true, Ordering::SeqCst);
        }
        armed_once = true;
        tokio::select! {
            event = watcher.changed() => {
                if event.event_type == EventType::Session && event.session_state.is_terminated() {
                    changed.store(true, Ordering::SeqCst);
                    return;
                }
            }
            // Only an error can come: the sender never sends, it is dropped with the session.
            _ = closing.changed() => return,
        }
    }
}

pub fn unavailable(hosts: &str, reason: impl Into<String>) -> Error {
    Error::zookeeper_unavailable(hosts.to_string(), reason.into())
}
