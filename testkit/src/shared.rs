//! One cluster per test binary, started on first use; tests isolate by unique names.
//!
//! `static` values are never dropped, so these clusters stop when the test process exits:
//! the process wrapper sees its lifeline pipe close and ends the JVM (see `process.rs`).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;
use std::time::{SystemTime, UNIX_EPOCH};

use crate::cluster::KafkaCluster;
use crate::config::KafkaConfig;

type Slot = OnceLock<Result<KafkaCluster, String>>;

static KAFKA4: Slot = OnceLock::new();
static KAFKA39: Slot = OnceLock::new();
static KAFKA39_ZK: Slot = OnceLock::new();
static KAFKA28: Slot = OnceLock::new();
static KAFKA11: Slot = OnceLock::new();

/// The external cluster named by `KAFKA_BOOTSTRAP=host:port[,…]`, if set.
fn external() -> Option<KafkaCluster> {
    std::env::var("KAFKA_BOOTSTRAP")
        .ok()
        .filter(|s| !s.trim().is_empty())
        .map(KafkaCluster::external)
}

fn get(slot: &'static Slot, config: fn() -> KafkaConfig) -> &'static KafkaCluster {
    let result = slot.get_or_init(|| match external() {
        Some(c) => Ok(c),
        None => KafkaCluster::start(config()).map_err(|e| e.to_string()),
    });
    match result {
        Ok(c) => c,
        // Every test of the binary reports the same startup failure instead of retrying it.
        Err(e) => panic!("shared Kafka cluster failed to start: {e}"),
    }
}

/// A single Kafka 4.1.1 node shared by the whole test binary, with PLAINTEXT, SSL,
/// SASL_PLAINTEXT and SASL_SSL listeners (users: [`KafkaCluster::sasl_users`]).
///
/// `KAFKA_BOOTSTRAP` replaces it with an existing cluster (version `None`).
///
/// # Panics
/// If the broker cannot start; the message names its log file.
pub fn shared_kafka4() -> &'static KafkaCluster {
    get(&KAFKA4, || KafkaConfig::kafka4().ssl(true).sasl(true))
}

/// A single Kafka 3.9.1 node (KRaft) shared by the whole test binary, PLAINTEXT only.
/// It still accepts the oldest API versions and message formats v0/v1.
///
/// `KAFKA_BOOTSTRAP` replaces it with an existing cluster (version `None`).
///
/// # Panics
/// If the broker cannot start; the message names its log file.
pub fn shared_kafka39() -> &'static KafkaCluster {
    get(&KAFKA39, KafkaConfig::kafka39)
}

/// ZooKeeper plus a Kafka 3.9.1 broker in ZooKeeper mode, shared by the whole test binary,
/// for ZooKeeper-balanced consumers ([`KafkaCluster::zookeeper_connect`]).
///
/// `KAFKA_BOOTSTRAP` (and `ZOOKEEPER_CONNECT`) replace it with existing servers.
///
/// # Panics
/// If ZooKeeper or the broker cannot start; the message names the log file.
pub fn shared_kafka39_zk() -> &'static KafkaCluster {
    get(&KAFKA39_ZK, || KafkaConfig::kafka39().zookeeper(true))
}

/// ZooKeeper plus a Kafka 2.8.2 broker, shared by the whole test binary: a real pre-3.0 broker for
/// compatibility tests. `KAFKA_BOOTSTRAP` replaces it with an existing cluster.
///
/// # Panics
/// If ZooKeeper or the broker cannot start; the message names the log file.
pub fn shared_kafka28() -> &'static KafkaCluster {
    get(&KAFKA28, KafkaConfig::kafka28)
}

/// ZooKeeper plus a Kafka 1.1.1 broker, shared by the whole test binary: a real broker of the 1.x line
/// (no flexible versions, JoinGroup v0-v2, Fetch v0-v7). `KAFKA_BOOTSTRAP` replaces it.
///
/// # Panics
/// If ZooKeeper or the broker cannot start; the message names the log file.
pub fn shared_kafka11() -> &'static KafkaCluster {
    get(&KAFKA11, KafkaConfig::kafka11)
}

/// A topic/group name no other test (in this or a concurrent process) uses:
/// `prefix-<pid>-<counter>-<time>`, only `[A-Za-z0-9._-]`.
pub fn unique_name(prefix: &str) -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    let clean: String = prefix
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!("{clean}-{}-{n}-{nanos:x}", std::process::id())
}
