//! Class-data sharing (AppCDS) for broker JVMs: the class metadata of a trained broker is kept
//! in `<cache>/cds/<dist>.jsa` and mapped by later JVMs, which cuts a broker's start on a busy
//! 2-core machine from ~12 s to ~5 s.
//!
//! Training = one throwaway single-node broker started with `-XX:ArchiveClassesAtExit`, asked a
//! few requests, then stopped with SIGTERM (the JVM writes the archive on its way out). A JVM
//! that cannot use an archive (another JDK, another jar set) warns in its log and runs without.
//! `FERROKAFKA_TESTKIT_CDS=0` turns this off; delete `<cache>/cds` to retrain.

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::cluster::KafkaCluster;
use crate::config::{KafkaConfig, KafkaVersion};
use crate::error::{IoContext, Result, TestkitError};
use crate::maven::{cache_dir, ensure_jars};

/// One lock per version, so the two versions train side by side.
static TRAIN_4: Mutex<()> = Mutex::new(());
static TRAIN_39: Mutex<()> = Mutex::new(());

/// The JVM flags that map `version`'s archive, training it first if it does not exist yet.
/// Failure to train only costs speed: it is reported on stderr and no flag is returned.
pub(crate) fn archive_args(version: KafkaVersion, jars: &Path) -> Vec<String> {
    if disabled() {
        return Vec::new();
    }
    let archive = archive_path(version);
    if !archive.is_file() {
        let lock = match version {
            KafkaVersion::Kafka4 => &TRAIN_4,
            KafkaVersion::Kafka39 => &TRAIN_39,
            // Started rarely (compatibility tests only): not worth a training run.
            KafkaVersion::Kafka28 | KafkaVersion::Kafka11 => return Vec::new(),
        };
        let _guard = lock.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if !archive.is_file() {
            if let Err(e) = train(version, jars, &archive) {
                eprintln!(
                    "[ferrokafka-testkit] no class-data archive for kafka-{} ({e}); starting without",
                    version.release()
                );
                return Vec::new();
            }
        }
    }
    vec![format!("-XX:SharedArchiveFile={}", archive.display())]
}

/// Makes sure `version`'s jars and class-data archive exist (CI calls this before the tests).
pub fn prepare(version: KafkaVersion) -> Result<()> {
    let jars = ensure_jars(version.distribution())?;
    if !disabled() && !archive_path(version).is_file() {
        let _ = archive_args(version, &jars);
    }
    Ok(())
}

fn disabled() -> bool {
    std::env::var("FERROKAFKA_TESTKIT_CDS").is_ok_and(|v| v == "0")
}

fn archive_path(version: KafkaVersion) -> PathBuf {
    cache_dir()
        .join("cds")
        .join(format!("{}.jsa", version.distribution().name()))
}

fn train(version: KafkaVersion, jars: &Path, archive: &Path) -> Result<()> {
    let started = Instant::now();
    let dir = archive.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).ctx(|| format!("creating {}", dir.display()))?;
    let tmp = dir.join(format!(
        "{}.{}.tmp",
        version.distribution().name(),
        std::process::id()
    ));
    let _ = std::fs::remove_file(&tmp);
    // SSL and SASL listeners so their classes are in the archive too.
    let config = KafkaConfig::new(version).ssl(true).sasl(true);
    let record = [format!("-XX:ArchiveClassesAtExit={}", tmp.display())];
    let cluster = KafkaCluster::start_with(&config, jars, &record)?;
    let topic = crate::unique_name("cds-training");
    let _ = cluster.create_topic(&topic, 1);
    let _ = cluster.metadata(&[&topic]);
    let log = cluster.node_log(0)?;
    // Writing the archive takes a while on a busy machine; a KILL would lose it.
    cluster.stop_node_within(0, Duration::from_secs(180))?;
    drop(cluster);
    let written = std::fs::metadata(&tmp).map(|m| m.len()).unwrap_or(0);
    if written == 0 {
        return Err(TestkitError::Process {
            what: format!("kafka-{} class-data training", version.release()),
            reason: "the JVM wrote no archive".to_string(),
            log,
            tail: String::new(),
        });
    }
    std::fs::rename(&tmp, archive).ctx(|| format!("moving {}", archive.display()))?;
    crate::timings::record(
        &format!("class-data archive kafka-{}", version.release()),
        started.elapsed(),
    );
    Ok(())
}
