//! One error type for the testkit; every broker failure names the log file to read.

use std::path::PathBuf;

/// What went wrong while fetching jars or running brokers.
#[derive(Debug, thiserror::Error)]
pub enum TestkitError {
    /// A required program is not installed; the message names the Debian package.
    #[error("`{tool}` not found on PATH; install it with `apt-get install -y {package}`")]
    MissingTool {
        /// The program that was looked for.
        tool: &'static str,
        /// The Debian package that provides it.
        package: &'static str,
    },
    /// Maven could not resolve the jars (no network, bad pom).
    #[error("maven failed to fetch {what} (exit {status}); maven output in {}", log.display())]
    Maven {
        /// Which distribution was being fetched.
        what: String,
        /// Maven's exit status.
        status: String,
        /// The file holding maven's output.
        log: PathBuf,
    },
    /// A JVM (broker, controller, ZooKeeper, tool) exited or never became ready.
    #[error("{what}: {reason}; log: {}{}", log.display(), tail_section(tail))]
    Process {
        /// The node or tool, e.g. `kafka-4.1.1 node 2`.
        what: String,
        /// What happened.
        reason: String,
        /// The process's stdout/stderr log.
        log: PathBuf,
        /// The last lines of that log, for the test output.
        tail: String,
    },
    /// A Kafka request made by the testkit itself failed.
    #[error("kafka request to {addr} failed: {reason}")]
    Protocol {
        /// The broker address.
        addr: String,
        /// What was wrong with the exchange.
        reason: String,
    },
    /// Node control on a cluster the testkit did not start (`KAFKA_BOOTSTRAP`).
    #[error("the cluster at {0} was not started by the testkit; it cannot be controlled")]
    External(String),
    /// A node index outside the cluster.
    #[error("no node {index}; the cluster has {count} node(s)")]
    NoSuchNode {
        /// The requested index.
        index: usize,
        /// The number of nodes.
        count: usize,
    },
    /// A configuration the testkit cannot run.
    #[error("unsupported testkit configuration: {0}")]
    Config(String),
    /// Certificate generation failed.
    #[error("certificate generation failed: {0}")]
    Tls(#[from] rcgen::Error),
    /// Encrypting the test client key failed.
    #[error("encrypting the client key failed: {0}")]
    KeyEncryption(String),
    /// Filesystem or process-spawn failure.
    #[error("{context}: {source}")]
    Io {
        /// What the testkit was doing.
        context: String,
        /// The underlying error.
        source: std::io::Error,
    },
}

fn tail_section(tail: &str) -> String {
    if tail.is_empty() {
        String::new()
    } else {
        format!("\n--- last log lines ---\n{tail}")
    }
}

/// Shorthand for results in this crate.
pub type Result<T, E = TestkitError> = std::result::Result<T, E>;

/// Adds context to `io::Error`s.
pub(crate) trait IoContext<T> {
    fn ctx(self, context: impl FnOnce() -> String) -> Result<T>;
}

impl<T> IoContext<T> for std::io::Result<T> {
    fn ctx(self, context: impl FnOnce() -> String) -> Result<T> {
        self.map_err(|source| TestkitError::Io {
            context: context(),
            source,
        })
    }
}
