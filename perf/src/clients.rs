//! One measured run of each client kind: ferrokafka (this binary's `produce`/`consume`), Kafka's Java perf
//! tools, PyKafka. Each returns a [`Row`] built from what the client printed plus the launcher's CPU and RSS.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::error::Error;

use crate::children::{measure, Measured};
use crate::report::Report;

/// Which client a row is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Client {
    Pure,
    Native,
    Java,
    PyKafka,
}

impl Client {
    pub fn name(self) -> &'static str {
        match self {
            Client::Pure => "ferrokafka pure",
            Client::Native => "ferrokafka native (librdkafka)",
            Client::Java => "Java client (kafka-clients 4.1.1)",
            Client::PyKafka => "PyKafka 2.8.0 (pure Python)",
        }
    }
}

/// One workload: what to produce (or what a pre-filled topic holds).
#[derive(Debug, Clone, Copy)]
pub struct Workload {
    pub messages: u64,
    pub size: u64,
    pub compression: &'static str,
    pub acks: i16,
    pub partitions: i32,
}

impl Workload {
    pub fn label(&self) -> String {
        format!(
            "{} × {}, {}, acks={}",
            size_label(self.size),
            self.messages,
            self.compression,
            self.acks
        )
    }
}

pub fn size_label(size: u64) -> String {
    if size % 1024 == 0 {
        format!("{} KiB", size / 1024)
    } else {
        format!("{size} B")
    }
}

/// A measured run.
#[derive(Debug, Clone)]
pub struct Row {
    pub client: Client,
    pub msgs_per_s: f64,
    pub mb_per_s: f64,
    pub p50_ms: Option<f64>,
    pub p99_ms: Option<f64>,
    pub max_ms: Option<f64>,
    pub cpu_seconds: f64,
    pub cpu_us_per_msg: f64,
    pub peak_rss_mb: f64,
}

impl Row {
    fn new(client: Client, w: &Workload, seconds: f64, m: &Measured) -> Row {
        let msgs_per_s = if seconds > 0.0 {
            w.messages as f64 / seconds
        } else {
            0.0
        };
        Row {
            client,
            msgs_per_s,
            mb_per_s: msgs_per_s * w.size as f64 / 1e6,
            p50_ms: None,
            p99_ms: None,
            max_ms: None,
            cpu_seconds: m.cpu_seconds,
            cpu_us_per_msg: m.cpu_seconds * 1e6 / w.messages.max(1) as f64,
            peak_rss_mb: m.peak_rss_kb as f64 / 1024.0,
        }
    }
}

/// `ferrokafka-perf produce|consume` of this very binary, as a child.
pub fn ferrokafka(
    client: Client,
    mode: &str,
    bootstrap: &str,
    topic: &str,
    w: &Workload,
) -> Result<Row, Error> {
    let exe = std::env::current_exe()
        .map_err(|e| Error::Harness(format!("locating ferrokafka-perf itself: {e}")))?;
    let engine = if client == Client::Native {
        "native"
    } else {
        "pure"
    };
    let mut cmd = Command::new(exe);
    cmd.args([
        mode,
        "--engine",
        engine,
        "--bootstrap",
        bootstrap,
        "--topic",
        topic,
    ])
    .args(["--messages", &w.messages.to_string()])
    .args(["--size", &w.size.to_string()])
    .args(["--compression", w.compression])
    .args(["--acks", &w.acks.to_string(), "--linger-ms", "5", "--json"]);
    let m = measure(&cmd)?;
    let line = m.stdout.lines().last().unwrap_or_default();
    let report: Report = serde_json::from_str(line)
        .map_err(|e| Error::Harness(format!("ferrokafka-perf printed no report ({e}): {line}")))?;
    let mut row = Row::new(client, w, report.seconds, &m);
    row.p50_ms = report.latency_p50_ms;
    row.p99_ms = report.latency_p99_ms;
    row.max_ms = report.latency_max_ms;
    Ok(row)
}

/// Kafka's `ProducerPerformance`, with the same payload as ours (a one-line payload file).
pub fn java_produce(
    bootstrap: &str,
    topic: &str,
    w: &Workload,
    payload_file: &Path,
) -> Result<Row, Error> {
    let mut cmd =
        ferrokafka_testkit::kafka_tool_command("org.apache.kafka.tools.ProducerPerformance")
            .map_err(|e| Error::Harness(format!("Kafka's tools: {e}")))?;
    cmd.args(["--topic", topic, "--num-records", &w.messages.to_string()])
        .args(["--throughput", "-1", "--payload-file"])
        .arg(payload_file)
        .arg("--producer-props")
        .arg(format!("bootstrap.servers={bootstrap}"))
        .arg(format!("acks={}", w.acks))
        .arg(format!("compression.type={}", w.compression))
        .arg("linger.ms=5");
    let m = measure(&cmd)?;
    // "N records sent, X records/sec (Y MB/sec), A ms avg latency, M ms max latency, P ms 50th, P ms 95th,
    // P ms 99th, P ms 99.9th."
    let line = m
        .stdout
        .lines()
        .rfind(|l| l.contains("records sent"))
        .ok_or_else(|| {
            Error::Harness(format!(
                "ProducerPerformance printed no summary: {}",
                m.stdout
            ))
        })?;
    let fields: Vec<&str> = line.split(", ").collect();
    let number = |i: usize| -> Option<f64> {
        fields
            .get(i)
            .and_then(|f| f.split_whitespace().next())
            .and_then(|n| n.parse().ok())
    };
    let rate = number(1).ok_or_else(|| Error::Harness(format!("no rate in: {line}")))?;
    let mut row = Row::new(Client::Java, w, w.messages as f64 / rate, &m);
    row.max_ms = number(3);
    row.p50_ms = number(4);
    row.p99_ms = number(6);
    Ok(row)
}

/// Kafka's `ConsumerPerformance`: the rate over its fetch time (group join excluded, as ours starts at the
/// first message).
pub fn java_consume(bootstrap: &str, topic: &str, w: &Workload) -> Result<Row, Error> {
    let mut cmd =
        ferrokafka_testkit::kafka_tool_command("org.apache.kafka.tools.ConsumerPerformance")
            .map_err(|e| Error::Harness(format!("Kafka's tools: {e}")))?;
    cmd.args(["--bootstrap-server", bootstrap, "--topic", topic])
        .args(["--messages", &w.messages.to_string(), "--timeout", "60000"]);
    let m = measure(&cmd)?;
    // Header "start.time, end.time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec,
    // rebalance.time.ms, fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec", then one line of values.
    let mut lines = m
        .stdout
        .lines()
        .skip_while(|l| !l.starts_with("start.time"));
    let values = lines.nth(1).ok_or_else(|| {
        Error::Harness(format!(
            "ConsumerPerformance printed no figures: {}",
            m.stdout
        ))
    })?;
    let fields: Vec<f64> = values
        .split(',')
        .filter_map(|f| f.trim().parse().ok())
        .collect();
    let rate = fields
        .last()
        .copied()
        .filter(|r| *r > 0.0)
        .ok_or_else(|| Error::Harness(format!("no fetch.nMsg.sec in: {values}")))?;
    Ok(Row::new(Client::Java, w, w.messages as f64 / rate, &m))
}

/// PyKafka's producer or simple consumer through `python/pykafka_perf.py` in a private virtualenv.
pub fn pykafka(
    python: &Path,
    mode: &str,
    bootstrap: &str,
    topic: &str,
    w: &Workload,
) -> Result<Row, Error> {
    let script = PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/python/pykafka_perf.py"
    ));
    let mut cmd = Command::new(python);
    cmd.arg(script)
        .args([mode, bootstrap, topic])
        .args([w.messages.to_string(), w.size.to_string()]);
    let m = measure(&cmd)?;
    let line = m.stdout.lines().last().unwrap_or_default();
    let v: serde_json::Value = serde_json::from_str(line)
        .map_err(|e| Error::Harness(format!("pykafka_perf.py printed no JSON ({e}): {line}")))?;
    let seconds = v["seconds"].as_f64().unwrap_or(0.0);
    Ok(Row::new(Client::PyKafka, w, seconds, &m))
}

/// A virtualenv with PyKafka 2.8.0 (from PyPI) under the build's target directory; its `python`.
pub fn pykafka_python() -> Result<PathBuf, Error> {
    ferrokafka_testkit::pykafka_python().map_err(|e| Error::Harness(format!("PyKafka: {e}")))
}
