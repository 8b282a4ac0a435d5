//! The handle tests hold: a running cluster (or an external one), its addresses and node control.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

use crate::config::{KafkaConfig, KafkaVersion, Listener};
use crate::error::{IoContext, Result, TestkitError};
use crate::maven::ensure_jars;
use crate::node::{Node, NodeSpec};
use crate::process::Janitor;
use crate::sasl::{default_users, SaslUser};
use crate::tls::{self, TlsFiles};
use crate::wire;
use crate::zookeeper::{self, ZooKeeper};
use crate::{kraft, ApiVersions, Metadata};

/// How long a graceful node stop may take before the node is killed.
const STOP_TIMEOUT: Duration = Duration::from_secs(30);
/// Attempts when a freshly picked port was taken by someone else before the broker bound it.
const START_ATTEMPTS: usize = 3;

/// A Kafka cluster for tests: started processes (stopped on drop, never orphaned) or, with
/// [`KafkaCluster::external`], an address someone else runs.
#[derive(Debug)]
pub struct KafkaCluster {
    nodes: Vec<Mutex<Node>>,
    version: Option<KafkaVersion>,
    bootstrap: String,
    listeners: Vec<(Listener, String)>,
    tls: Option<TlsFiles>,
    users: Vec<SaslUser>,
    root: Option<PathBuf>,
    startup_timeout: Duration,
    zookeeper: Option<ZooKeeper>,
    // Last: deletes the directory after everything above has stopped.
    _janitor: Option<Janitor>,
}

impl KafkaCluster {
    /// Starts the cluster described by `config` and waits until every node is ready:
    /// ApiVersions answers and Metadata lists all brokers. Downloads jars on first use.
    pub fn start(config: KafkaConfig) -> Result<KafkaCluster> {
        if config.nodes == 0 {
            return Err(TestkitError::Config(
                "a cluster needs at least one node".into(),
            ));
        }
        if config.zookeeper && !config.version.has_zookeeper_mode() {
            return Err(TestkitError::Config(
                "ZooKeeper mode exists only in Kafka 3.9 and older".into(),
            ));
        }
        if !config.zookeeper && config.version.needs_zookeeper() {
            return Err(TestkitError::Config(format!(
                "Kafka {} runs in ZooKeeper mode only (KafkaConfig::zookeeper(true))",
                config.version.release()
            )));
        }
        let jars = ensure_jars(config.version.distribution())?;
        let jvm_extra = crate::cds::archive_args(config.version, &jars);
        let started = Instant::now();
        let cluster = Self::start_with(&config, &jars, &jvm_extra)?;
        crate::timings::record(&describe(&config), started.elapsed());
        Ok(cluster)
    }

    /// Starts with extra JVM flags, retrying port clashes.
    pub(crate) fn start_with(
        config: &KafkaConfig,
        jars: &Path,
        jvm_extra: &[String],
    ) -> Result<KafkaCluster> {
        let mut attempt = 1;
        loop {
            match Self::start_once(config, jars, jvm_extra) {
                Err((e, true)) if attempt < START_ATTEMPTS => {
                    eprintln!("[ferrokafka-testkit] port clash, retrying: {e}");
                    attempt += 1;
                }
                Err((e, _)) => return Err(e),
                Ok(c) => return Ok(c),
            }
        }
    }

    /// Returns the error and whether it was a port clash worth retrying.
    fn start_once(
        config: &KafkaConfig,
        jars: &Path,
        jvm_extra: &[String],
    ) -> std::result::Result<KafkaCluster, (TestkitError, bool)> {
        let fatal = |e: TestkitError| (e, false);
        let tag = format!(
            "kafka-{}{}",
            config.version.release(),
            if config.zookeeper { "-zk" } else { "" }
        );
        let root = new_root_dir(&tag).map_err(fatal)?;
        let janitor = if keep_dirs() {
            eprintln!("[ferrokafka-testkit] keeping {}", root.display());
            None
        } else {
            Some(Janitor::spawn(&root).map_err(fatal)?)
        };
        match Self::launch(config, jars, root.clone(), jvm_extra) {
            Ok(mut cluster) => {
                cluster._janitor = janitor;
                Ok(cluster)
            }
            Err((e, clash)) => {
                if clash {
                    // Nothing worth reading: the retry gets a fresh directory.
                    drop(janitor);
                } else if let Some(j) = janitor {
                    // The error names log files in here; leave them for the reader.
                    j.disarm();
                }
                Err((e, clash))
            }
        }
    }

    fn launch(
        config: &KafkaConfig,
        jars: &Path,
        root: PathBuf,
        jvm_extra: &[String],
    ) -> std::result::Result<KafkaCluster, (TestkitError, bool)> {
        let fatal = |e: TestkitError| (e, false);
        let tls = if config.ssl {
            Some(tls::generate(&root.join("tls")).map_err(fatal)?)
        } else {
            None
        };
        let users = if config.sasl {
            default_users()
        } else {
            Vec::new()
        };
        let deadline = Instant::now() + config.startup_timeout;
        let (zk, specs) = if config.zookeeper {
            let zk =
                ZooKeeper::start(&root.join("zookeeper"), config.startup_timeout).map_err(fatal)?;
            let specs = zookeeper::prepare_brokers(config, &root, jars, zk.connect(), jvm_extra)
                .map_err(fatal)?;
            (Some(zk), specs)
        } else {
            let specs = kraft::prepare(config, &root, jars, tls.as_ref(), &users, jvm_extra)
                .map_err(fatal)?;
            (None, specs)
        };
        let bootstrap = join_addrs(&specs, Listener::Plaintext);
        let listeners = config
            .listeners()
            .into_iter()
            .map(|l| (l, join_addrs(&specs, l)))
            .collect();
        let cluster = KafkaCluster {
            nodes: specs
                .into_iter()
                .map(|s| Mutex::new(Node::new(s)))
                .collect(),
            version: Some(config.version),
            bootstrap,
            listeners,
            tls,
            users,
            root: Some(root),
            startup_timeout: config.startup_timeout,
            zookeeper: zk,
            _janitor: None,
        };
        for i in 0..cluster.nodes.len() {
            cluster.lock(i).start().map_err(fatal)?;
        }
        match cluster.wait_all_ready(deadline) {
            Ok(()) => Ok(cluster),
            Err(e) => {
                let clash = (0..cluster.nodes.len()).any(|i| cluster.lock(i).bind_failed());
                Err((e, clash))
            }
        }
    }

    /// A cluster someone else runs, e.g. from `KAFKA_BOOTSTRAP`. Node control is unavailable.
    pub fn external(bootstrap: impl Into<String>) -> KafkaCluster {
        let bootstrap = bootstrap.into();
        KafkaCluster {
            nodes: Vec::new(),
            version: None,
            listeners: vec![(Listener::Plaintext, bootstrap.clone())],
            bootstrap,
            tls: None,
            users: Vec::new(),
            root: None,
            startup_timeout: Duration::from_secs(60),
            zookeeper: None,
            _janitor: None,
        }
    }

    /// `host:port,…` of the PLAINTEXT listeners, for `bootstrap.servers`.
    pub fn bootstrap(&self) -> &str {
        &self.bootstrap
    }

    /// `host:port,…` of `listener`, if the cluster has it.
    pub fn listener_bootstrap(&self, listener: Listener) -> Option<&str> {
        self.listeners
            .iter()
            .find(|(l, _)| *l == listener)
            .map(|(_, a)| a.as_str())
    }

    /// The Kafka line, or `None` for an external cluster (treat it as 4.x).
    pub fn version(&self) -> Option<KafkaVersion> {
        self.version
    }

    /// The test CA certificate (PEM) clients must trust on the SSL listeners.
    pub fn ca_pem(&self) -> Option<&Path> {
        self.tls.as_ref().map(|t| t.ca_pem.as_path())
    }

    /// The test CA, broker and client certificates of the SSL listeners (`None` without SSL).
    pub fn tls_files(&self) -> Option<&TlsFiles> {
        self.tls.as_ref()
    }

    /// Users accepted by every SASL mechanism ([`SaslMechanism::ALL`](crate::SaslMechanism::ALL)); empty without SASL.
    pub fn sasl_users(&self) -> &[SaslUser] {
        &self.users
    }

    /// `host:port` of the ZooKeeper server in ZooKeeper mode (env `ZOOKEEPER_CONNECT` for external clusters).
    pub fn zookeeper_connect(&self) -> Option<String> {
        match &self.zookeeper {
            Some(zk) => Some(zk.connect().to_string()),
            None if self.nodes.is_empty() => std::env::var("ZOOKEEPER_CONNECT").ok(),
            None => None,
        }
    }

    /// The cluster's temp directory (configs, data, logs); `None` for external clusters.
    pub fn dir(&self) -> Option<&Path> {
        self.root.as_deref()
    }

    /// Number of nodes the testkit manages (0 for external clusters).
    pub fn node_count(&self) -> usize {
        self.nodes.len()
    }

    /// `node.id` / `broker.id` of node `index` (ids are `index + 1`).
    pub fn node_id(&self, index: usize) -> Result<i32> {
        Ok(self.node(index)?.spec.id)
    }

    /// PLAINTEXT `host:port` of node `index`.
    pub fn node_addr(&self, index: usize) -> Result<String> {
        Ok(self.node(index)?.spec.plaintext().to_string())
    }

    /// The JVM pid of node `index`, if running.
    pub fn node_pid(&self, index: usize) -> Result<Option<u32>> {
        let mut n = self.node(index)?;
        Ok(if n.is_running() { n.pid() } else { None })
    }

    /// The stdout/stderr log of node `index`.
    pub fn node_log(&self, index: usize) -> Result<PathBuf> {
        Ok(self.node(index)?.spec.log.clone())
    }

    /// Whether node `index`'s JVM is running.
    pub fn node_running(&self, index: usize) -> Result<bool> {
        Ok(self.node(index)?.is_running())
    }

    /// Graceful stop of node `index` (SIGTERM, SIGKILL after 30 s). Its data is kept.
    pub fn stop_node(&self, index: usize) -> Result<()> {
        self.node(index)?.stop(STOP_TIMEOUT);
        Ok(())
    }

    /// Graceful stop with a custom patience (class-data training: the JVM dumps on exit).
    pub(crate) fn stop_node_within(&self, index: usize, timeout: Duration) -> Result<()> {
        self.node(index)?.stop(timeout);
        Ok(())
    }

    /// SIGKILL node `index`, like a crash. Its data is kept.
    pub fn kill_node(&self, index: usize) -> Result<()> {
        self.node(index)?.kill();
        Ok(())
    }

    /// Starts a stopped or killed node `index` and waits until it is ready and sees every running node.
    pub fn start_node(&self, index: usize) -> Result<()> {
        self.node(index)?.start()?;
        let expected = self.running_count();
        let deadline = Instant::now() + self.startup_timeout;
        self.node(index)?.wait_ready(expected, deadline)
    }

    /// Stops node `index` gracefully, then [`start_node`](Self::start_node)s it.
    pub fn restart_node(&self, index: usize) -> Result<()> {
        self.stop_node(index)?;
        self.start_node(index)
    }

    /// Waits until every running node answers and lists every running node.
    pub fn wait_ready(&self) -> Result<()> {
        self.wait_all_ready(Instant::now() + self.startup_timeout)
    }

    /// ApiVersions v0 from the first reachable broker.
    pub fn api_versions(&self) -> Result<ApiVersions> {
        self.first_ok(|addr| wire::api_versions(addr, Duration::from_secs(5)))
    }

    /// Metadata v4 for `topics` (empty = brokers only) from the first reachable broker.
    pub fn metadata(&self, topics: &[&str]) -> Result<Metadata> {
        self.first_ok(|addr| wire::metadata(addr, topics, Duration::from_secs(5)))
    }

    /// Creates `name` with `partitions` and replication min(3, brokers), and waits until every
    /// partition has a leader on every broker. Fails if the topic exists.
    pub fn create_topic(&self, name: &str, partitions: i32) -> Result<()> {
        self.create_topic_with(name, partitions, None, &[])
    }

    /// [`create_topic`](Self::create_topic) with an explicit replication factor and topic configs.
    pub fn create_topic_with(
        &self,
        name: &str,
        partitions: i32,
        replication_factor: Option<i16>,
        configs: &[(&str, &str)],
    ) -> Result<()> {
        let deadline = Instant::now() + Duration::from_secs(60);
        let meta = self.metadata(&[])?;
        let rf = replication_factor.unwrap_or(meta.brokers.len().clamp(1, 3) as i16);
        let target = meta
            .brokers
            .iter()
            .find(|b| b.node_id == meta.controller_id)
            .or(meta.brokers.first())
            .map(|b| format!("{}:{}", b.host, b.port))
            .unwrap_or_else(|| self.addrs().first().cloned().unwrap_or_default());
        loop {
            let (code, message) = wire::create_topic(
                &target,
                name,
                partitions,
                rf,
                configs,
                Duration::from_secs(30),
            )?;
            match code {
                0 => break,
                // Retriable right after startup: NOT_CONTROLLER, BROKER_NOT_AVAILABLE, REQUEST_TIMED_OUT,
                // INVALID_REPLICATION_FACTOR (brokers still registering).
                41 | 8 | 7 | 38 if Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(250))
                }
                _ => {
                    return Err(TestkitError::Protocol {
                        addr: target,
                        reason: format!(
                            "CreateTopics {name}: error {code}{}",
                            message.map(|m| format!(" ({m})")).unwrap_or_default()
                        ),
                    })
                }
            }
        }
        // Every broker must know the leaders before clients (which may ask any broker) use it.
        for addr in self.addrs() {
            loop {
                let ready = wire::metadata(&addr, &[name], Duration::from_secs(5))
                    .ok()
                    .and_then(|m| m.topics.into_iter().find(|t| t.name == name))
                    .is_some_and(|t| {
                        t.error_code == 0
                            && t.partitions.len() == partitions.max(0) as usize
                            && t.partitions.iter().all(|&(_, leader)| leader >= 0)
                    });
                if ready {
                    break;
                }
                if Instant::now() > deadline {
                    return Err(TestkitError::Protocol {
                        addr,
                        reason: format!("topic {name} has no leaders after 60 s"),
                    });
                }
                std::thread::sleep(Duration::from_millis(100));
            }
        }
        Ok(())
    }

    fn node(&self, index: usize) -> Result<MutexGuard<'_, Node>> {
        if self.nodes.is_empty() {
            return Err(TestkitError::External(self.bootstrap.clone()));
        }
        if index >= self.nodes.len() {
            return Err(TestkitError::NoSuchNode {
                index,
                count: self.nodes.len(),
            });
        }
        Ok(self.lock(index))
    }

    fn lock(&self, index: usize) -> MutexGuard<'_, Node> {
        self.nodes[index]
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn running_count(&self) -> usize {
        (0..self.nodes.len())
            .filter(|&i| self.lock(i).is_running())
            .count()
    }

    /// PLAINTEXT addresses of running nodes, or the external bootstrap list.
    fn addrs(&self) -> Vec<String> {
        if self.nodes.is_empty() {
            return self
                .bootstrap
                .split(',')
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .collect();
        }
        (0..self.nodes.len())
            .filter_map(|i| {
                let mut n = self.lock(i);
                n.is_running().then(|| n.spec.plaintext().to_string())
            })
            .collect()
    }

    fn first_ok<T>(&self, f: impl Fn(&str) -> Result<T>) -> Result<T> {
        let mut last = TestkitError::Protocol {
            addr: self.bootstrap.clone(),
            reason: "no running broker".to_string(),
        };
        for addr in self.addrs() {
            match f(&addr) {
                Ok(v) => return Ok(v),
                Err(e) => last = e,
            }
        }
        Err(last)
    }

    fn wait_all_ready(&self, deadline: Instant) -> Result<()> {
        let running: Vec<usize> = (0..self.nodes.len())
            .filter(|&i| self.lock(i).is_running())
            .collect();
        let expected = running.len();
        let mut pending = running;
        while !pending.is_empty() {
            let mut still = Vec::new();
            for i in pending {
                if !self.lock(i).poll_ready(expected)? {
                    still.push(i);
                }
            }
            pending = still;
            if pending.is_empty() {
                break;
            }
            if Instant::now() > deadline {
                return Err(self.lock(pending[0]).not_ready_error());
            }
            std::thread::sleep(Duration::from_millis(200));
        }
        Ok(())
    }
}

impl Drop for KafkaCluster {
    /// Kills every node at once: the data is thrown away, so a graceful shutdown only costs time.
    fn drop(&mut self) {
        for n in &self.nodes {
            n.lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner())
                .kill();
        }
    }
}

fn join_addrs(specs: &[NodeSpec], listener: Listener) -> String {
    specs
        .iter()
        .filter_map(|s| s.addr(listener))
        .collect::<Vec<_>>()
        .join(",")
}

/// E.g. `kafka-4.1.1 x3 kraft ssl sasl start`.
fn describe(config: &KafkaConfig) -> String {
    format!(
        "kafka-{} x{} {}{}{}{} start",
        config.version.release(),
        config.nodes,
        if config.zookeeper {
            "zookeeper"
        } else {
            "kraft"
        },
        if config.ssl { " ssl" } else { "" },
        if config.ssl_client_auth {
            " client-auth"
        } else {
            ""
        },
        if config.sasl { " sasl" } else { "" },
    )
}

fn keep_dirs() -> bool {
    std::env::var("FERROKAFKA_TESTKIT_KEEP").is_ok_and(|v| !v.is_empty() && v != "0")
}

/// A fresh directory under the system temp dir, unique per process and call.
fn new_root_dir(tag: &str) -> Result<PathBuf> {
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!(
        "ferrokafka-testkit-{tag}-{}-{n}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).ctx(|| format!("creating {}", dir.display()))?;
    Ok(dir)
}
