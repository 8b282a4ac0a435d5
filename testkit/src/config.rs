//! What kind of cluster to start.

use std::time::Duration;

use crate::maven::Distribution;

/// A Kafka line the testkit can run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KafkaVersion {
    /// Apache Kafka 4.1.1: KRaft only, RecordBatch v2 only, Produce ≥ 3, Fetch ≥ 4.
    Kafka4,
    /// Apache Kafka 3.9.1: the last line with ZooKeeper mode and the old API versions / message formats.
    Kafka39,
    /// Apache Kafka 2.8.2 (Scala 2.13), ZooKeeper mode only: a real pre-3.0 broker for compatibility tests.
    Kafka28,
    /// Apache Kafka 1.1.1 (Scala 2.12), ZooKeeper mode only: the oldest release that runs on Java 17 here.
    Kafka11,
}

impl KafkaVersion {
    /// The exact release, e.g. `"4.1.1"`.
    pub fn release(self) -> &'static str {
        match self {
            KafkaVersion::Kafka4 => "4.1.1",
            KafkaVersion::Kafka39 => "3.9.1",
            KafkaVersion::Kafka28 => "2.8.2",
            KafkaVersion::Kafka11 => "1.1.1",
        }
    }

    /// Whether this release can run in ZooKeeper mode (KRaft is not offered for the pre-3.x lines).
    pub fn has_zookeeper_mode(self) -> bool {
        self != KafkaVersion::Kafka4
    }

    /// Whether this release can only run in ZooKeeper mode.
    pub fn needs_zookeeper(self) -> bool {
        matches!(self, KafkaVersion::Kafka28 | KafkaVersion::Kafka11)
    }

    pub(crate) fn distribution(self) -> Distribution {
        match self {
            KafkaVersion::Kafka4 => Distribution::Kafka4,
            KafkaVersion::Kafka39 => Distribution::Kafka39,
            KafkaVersion::Kafka28 => Distribution::Kafka28,
            KafkaVersion::Kafka11 => Distribution::Kafka11,
        }
    }
}

/// A client listener of the brokers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Listener {
    /// Always present; also the inter-broker listener.
    Plaintext,
    /// TLS, server-authenticated by the test CA ([`KafkaCluster::ca_pem`](crate::KafkaCluster::ca_pem)).
    Ssl,
    /// SASL (PLAIN, SCRAM-SHA-256, SCRAM-SHA-512) without TLS.
    SaslPlaintext,
    /// SASL over TLS.
    SaslSsl,
}

impl Listener {
    /// The Kafka listener name and security protocol (they are the same here).
    pub fn name(self) -> &'static str {
        match self {
            Listener::Plaintext => "PLAINTEXT",
            Listener::Ssl => "SSL",
            Listener::SaslPlaintext => "SASL_PLAINTEXT",
            Listener::SaslSsl => "SASL_SSL",
        }
    }
}

/// How to start a cluster. Start from [`KafkaConfig::kafka4`] or [`KafkaConfig::kafka39`].
#[derive(Debug, Clone)]
pub struct KafkaConfig {
    /// Which Kafka.
    pub version: KafkaVersion,
    /// Number of nodes; each is a combined broker+controller (static voters) in KRaft mode.
    pub nodes: usize,
    /// Add an `SSL` listener (and `SASL_SSL` if `sasl`).
    pub ssl: bool,
    /// Add a `SASL_PLAINTEXT` listener (and `SASL_SSL` if `ssl`) with users `alice`, `bob`.
    pub sasl: bool,
    /// The SSL listeners require a client certificate signed by the test CA (`ssl.client.auth=required`);
    /// [`TlsFiles`](crate::TlsFiles) holds one, with an encrypted key.
    pub ssl_client_auth: bool,
    /// Kafka 3.9 and older: run a ZooKeeper server and the broker in ZooKeeper mode instead of KRaft.
    pub zookeeper: bool,
    /// Max heap per node; `None` = 512 MiB for one node, 384 MiB each for more.
    pub heap_mb: Option<u32>,
    /// C1-only JIT for faster start (default). Turn off for benchmarks.
    pub fast_start: bool,
    /// Extra `server.properties` entries; they override the testkit's.
    pub properties: Vec<(String, String)>,
    /// How long to wait for every node to be ready.
    pub startup_timeout: Duration,
}

impl KafkaConfig {
    /// One Kafka 4.1.1 node, PLAINTEXT only.
    pub fn kafka4() -> Self {
        Self::new(KafkaVersion::Kafka4)
    }

    /// One Kafka 3.9.1 node in KRaft mode, PLAINTEXT only.
    pub fn kafka39() -> Self {
        Self::new(KafkaVersion::Kafka39)
    }

    /// ZooKeeper plus one Kafka 2.8.2 broker, PLAINTEXT only.
    pub fn kafka28() -> Self {
        Self::new(KafkaVersion::Kafka28).zookeeper(true)
    }

    /// ZooKeeper plus one Kafka 1.1.1 broker, PLAINTEXT only.
    pub fn kafka11() -> Self {
        Self::new(KafkaVersion::Kafka11).zookeeper(true)
    }

    /// One node of `version`, PLAINTEXT only.
    pub fn new(version: KafkaVersion) -> Self {
        KafkaConfig {
            version,
            nodes: 1,
            ssl: false,
            sasl: false,
            ssl_client_auth: false,
            zookeeper: false,
            heap_mb: None,
            fast_start: true,
            properties: Vec::new(),
            startup_timeout: Duration::from_secs(180),
        }
    }

    /// Sets the number of nodes.
    pub fn nodes(mut self, n: usize) -> Self {
        self.nodes = n;
        self
    }

    /// Adds the SSL listener(s).
    pub fn ssl(mut self, on: bool) -> Self {
        self.ssl = on;
        self
    }

    /// Adds the SSL listener(s), requiring a client certificate ([`KafkaConfig::ssl_client_auth`]).
    pub fn ssl_client_auth(mut self, on: bool) -> Self {
        self.ssl_client_auth = on;
        self.ssl |= on;
        self
    }

    /// Adds the SASL listener(s).
    pub fn sasl(mut self, on: bool) -> Self {
        self.sasl = on;
        self
    }

    /// ZooKeeper mode (Kafka 3.9 only).
    pub fn zookeeper(mut self, on: bool) -> Self {
        self.zookeeper = on;
        self
    }

    /// Adds or overrides one `server.properties` entry.
    pub fn property(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.properties.push((key.into(), value.into()));
        self
    }

    pub(crate) fn heap(&self) -> u32 {
        self.heap_mb
            .unwrap_or(if self.nodes <= 1 { 512 } else { 384 })
    }

    /// The listeners this config asks for, PLAINTEXT first.
    pub(crate) fn listeners(&self) -> Vec<Listener> {
        let mut l = vec![Listener::Plaintext];
        if self.ssl {
            l.push(Listener::Ssl);
        }
        if self.sasl {
            l.push(Listener::SaslPlaintext);
        }
        if self.ssl && self.sasl {
            l.push(Listener::SaslSsl);
        }
        l
    }
}
