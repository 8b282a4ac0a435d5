//! Fetches the broker jars from Maven Central once, into a cache directory.
//!
//! The poms live in `testkit/maven/*/pom.xml` and are compiled in, so the cache can live anywhere.
//! The jars land in `<cache>/jars/<name>/`; a finished download is renamed into place, so a crash
//! mid-download never leaves a half-filled directory that looks complete.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Mutex;

use crate::error::{IoContext, Result, TestkitError};

/// A set of jars the testkit can run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Distribution {
    /// Apache Kafka 4.1.1 broker/controller (KRaft only) with a Log4j2 binding.
    Kafka4,
    /// Apache Kafka 3.9.1 broker (KRaft or ZooKeeper mode) with slf4j-simple.
    Kafka39,
    /// Apache Kafka 2.8.2 broker (ZooKeeper mode) with slf4j-simple.
    Kafka28,
    /// Apache Kafka 1.1.1 broker (ZooKeeper mode) with slf4j-simple.
    Kafka11,
    /// ZooKeeper 3.8.4 server (the version Kafka 3.9.1 is built against).
    ZooKeeper,
    /// `kafka-tools` 4.1.1 (perf and admin tools); only fetched when asked for.
    KafkaTools,
}

impl Distribution {
    /// The directory name under `maven/` and under the cache.
    pub fn name(self) -> &'static str {
        match self {
            Distribution::Kafka4 => "kafka-4.1.1",
            Distribution::Kafka39 => "kafka-3.9.1",
            Distribution::Kafka28 => "kafka-2.8.2",
            Distribution::Kafka11 => "kafka-1.1.1",
            Distribution::ZooKeeper => "zookeeper-3.8.4",
            Distribution::KafkaTools => "kafka-tools-4.1.1",
        }
    }

    fn pom(self) -> &'static str {
        match self {
            Distribution::Kafka4 => include_str!("../maven/kafka-4.1.1/pom.xml"),
            Distribution::Kafka39 => include_str!("../maven/kafka-3.9.1/pom.xml"),
            Distribution::Kafka28 => include_str!("../maven/kafka-2.8.2/pom.xml"),
            Distribution::Kafka11 => include_str!("../maven/kafka-1.1.1/pom.xml"),
            Distribution::ZooKeeper => include_str!("../maven/zookeeper-3.8.4/pom.xml"),
            Distribution::KafkaTools => include_str!("../maven/kafka-tools-4.1.1/pom.xml"),
        }
    }
}

/// The cache root: `$FERROKAFKA_TESTKIT_CACHE`, else `testkit/.cache` in the source tree (gitignored).
pub fn cache_dir() -> PathBuf {
    match std::env::var_os("FERROKAFKA_TESTKIT_CACHE") {
        Some(dir) if !dir.is_empty() => PathBuf::from(dir),
        _ => Path::new(env!("CARGO_MANIFEST_DIR")).join(".cache"),
    }
}

/// Serialises downloads within one process; across processes the final rename decides.
static FETCH_LOCK: Mutex<()> = Mutex::new(());

/// Returns the directory holding every jar of `dist`, downloading them on first use.
pub fn ensure_jars(dist: Distribution) -> Result<PathBuf> {
    let root = cache_dir();
    let dest = root.join("jars").join(dist.name());
    if is_complete(&dest) {
        return Ok(dest);
    }
    let _guard = FETCH_LOCK
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    if is_complete(&dest) {
        return Ok(dest);
    }
    require_tool("java", "openjdk-17-jre-headless")?;
    require_tool("mvn", "maven")?;

    let work = root
        .join("work")
        .join(format!("{}-{}", dist.name(), std::process::id()));
    let _ = std::fs::remove_dir_all(&work);
    std::fs::create_dir_all(&work).ctx(|| format!("creating {}", work.display()))?;
    let pom = work.join("pom.xml");
    std::fs::write(&pom, dist.pom()).ctx(|| format!("writing {}", pom.display()))?;
    let jars = work.join("jars");
    let log = work.join("maven.log");
    let log_file = std::fs::File::create(&log).ctx(|| format!("creating {}", log.display()))?;
    let log_err = log_file
        .try_clone()
        .ctx(|| format!("cloning {}", log.display()))?;
    let started = std::time::Instant::now();
    let mut output_arg = std::ffi::OsString::from("-DoutputDirectory=");
    output_arg.push(&jars);
    let status = Command::new("mvn")
        .arg("-q")
        .arg("-B")
        .arg("-f")
        .arg(&pom)
        .arg("dependency:copy-dependencies")
        .arg("-DincludeScope=runtime")
        .arg(output_arg)
        .stdin(Stdio::null())
        .stdout(log_file)
        .stderr(log_err)
        .status()
        .ctx(|| "running mvn".to_string())?;
    if !status.success() || !has_jars(&jars) {
        // Keep the log where the error says it is.
        let kept = root.join(format!("maven-{}.log", dist.name()));
        let _ = std::fs::rename(&log, &kept);
        let _ = std::fs::remove_dir_all(&work);
        return Err(TestkitError::Maven {
            what: dist.name().to_string(),
            status: status.to_string(),
            log: kept,
        });
    }
    std::fs::write(jars.join(".complete"), b"").ctx(|| format!("marking {}", jars.display()))?;
    if let Some(parent) = dest.parent() {
        std::fs::create_dir_all(parent).ctx(|| format!("creating {}", parent.display()))?;
    }
    // Another process may have won the race; its copy is as good as ours.
    if std::fs::rename(&jars, &dest).is_err() && !is_complete(&dest) {
        return Err(TestkitError::Io {
            context: format!("moving jars to {}", dest.display()),
            source: std::io::Error::other("rename failed"),
        });
    }
    let _ = std::fs::remove_dir_all(&work);
    crate::timings::record(&format!("jar fetch {}", dist.name()), started.elapsed());
    Ok(dest)
}

/// The `-cp` argument for a jar directory.
pub(crate) fn classpath(dir: &Path) -> String {
    format!("{}/*", dir.display())
}

fn is_complete(dir: &Path) -> bool {
    dir.join(".complete").is_file()
}

fn has_jars(dir: &Path) -> bool {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .flatten()
                .any(|e| e.path().extension().is_some_and(|x| x == "jar"))
        })
        .unwrap_or(false)
}

/// Fails with the Debian package to install when `tool` is not on PATH.
pub(crate) fn require_tool(tool: &'static str, package: &'static str) -> Result<()> {
    let found = std::env::var_os("PATH")
        .map(|path| std::env::split_paths(&path).any(|dir| dir.join(tool).is_file()))
        .unwrap_or(false);
    if found {
        Ok(())
    } else {
        Err(TestkitError::MissingTool { tool, package })
    }
}
