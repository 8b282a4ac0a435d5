//! One measured run of each client kind: ferrokafka (this binary's `produce`/`consume`), the Rust peers
//! (`ferrokafka-peers`: rust-rdkafka, rskafka, krafka, the raw ceiling), Kafka's Java perf tools, PyKafka (pure and
//! with its librdkafka extension) and confluent-kafka-python. Each returns a [`Row`] built from what the client
//! printed plus the launcher's CPU, RSS and wall time.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::error::Error;

use crate::children::{measure, Measured};

/// Which client a row is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, clap::ValueEnum)]
pub enum Client {
    Pure,
    Native,
    /// rust-rdkafka `BaseProducer` + poll thread / `BaseConsumer`: the reference of every ratio.
    RdkafkaBase,
    /// rust-rdkafka `FutureProducer` / `StreamConsumer`.
    RdkafkaFuture,
    Rskafka,
    /// krafka: `enqueue` with dropped handles and one `flush` / a groupless consumer's `poll`.
    Krafka,
    /// Pre-encoded batches only: the broker's ingest ceiling (produce only).
    Raw,
    Java,
    PyKafka,
    /// PyKafka with `use_rdkafka=True`.
    PyKafkaRdkafka,
    /// confluent-kafka-python.
    Confluent,
}

impl Client {
    pub fn name(self) -> &'static str {
        match self {
            Client::Pure => "ferrokafka pure",
            Client::Native => "ferrokafka native (librdkafka)",
            Client::RdkafkaBase => "rust-rdkafka 0.39 BaseProducer / BaseConsumer",
            Client::RdkafkaFuture => "rust-rdkafka 0.39 FutureProducer / StreamConsumer",
            Client::Rskafka => "rskafka 0.6 (BatchProducer / fetch_records loops)",
            Client::Krafka => "krafka 0.28 (enqueue + flush / poll)",
            Client::Raw => "pre-encoded ~1 MB batches (ceiling)",
            Client::Java => "Java client (kafka-clients 4.1.1)",
            Client::PyKafka => "PyKafka 2.8.0 (pure Python)",
            Client::PyKafkaRdkafka => "PyKafka 2.8.0 (use_rdkafka=True)",
            Client::Confluent => "confluent-kafka-python",
        }
    }

    /// Whether the client has a consumer to measure.
    pub fn consumes(self) -> bool {
        self != Client::Raw
    }

    /// The Python clients, which may run fewer messages (`--python-messages`).
    pub fn is_python(self) -> bool {
        matches!(
            self,
            Client::PyKafka | Client::PyKafkaRdkafka | Client::Confluent
        )
    }

    /// Clients that speak only to Kafka < 4 (PyKafka sends API versions Kafka 4 removed).
    pub fn needs_kafka39(self) -> bool {
        matches!(self, Client::PyKafka | Client::PyKafkaRdkafka)
    }

    /// `ferrokafka-peers`' name for a Rust peer.
    fn peer_name(self) -> Option<&'static str> {
        match self {
            Client::RdkafkaBase => Some("rdkafka-base"),
            Client::RdkafkaFuture => Some("rdkafka-future"),
            Client::Rskafka => Some("rskafka"),
            Client::Krafka => Some("krafka"),
            Client::Raw => Some("raw"),
            _ => None,
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
    pub linger_ms: i64,
    /// Paced run (msgs/s), every delivery timed.
    pub rate: Option<u64>,
    pub max_request_size: u64,
    /// Consumers' CRC check forced on or off where the client has the setting (ferrokafka's `check_crcs`,
    /// librdkafka's `check.crcs`); `None`: each client's default.
    pub check_crcs: Option<bool>,
}

impl Workload {
    pub fn label(&self) -> String {
        let rate = self
            .rate
            .map_or(String::new(), |r| format!(", paced at {r} msgs/s"));
        let crcs = match self.check_crcs {
            Some(true) => ", CRCs checked by ferrokafka and rust-rdkafka",
            Some(false) => ", CRCs checked by neither ferrokafka nor rust-rdkafka",
            None => "",
        };
        format!(
            "{} × {}, {} partitions, {}, acks={}, linger {} ms{rate}{crcs}",
            size_label(self.size),
            self.messages,
            self.partitions,
            self.compression,
            self.acks,
            self.linger_ms
        )
    }

    /// The arguments every Rust client takes (ferrokafka-perf's and ferrokafka-peers').
    fn common_args(&self, bootstrap: &str, topic: &str) -> Vec<String> {
        let flags = [
            ("--bootstrap", bootstrap.to_string()),
            ("--topic", topic.to_string()),
            ("--messages", self.messages.to_string()),
            ("--size", self.size.to_string()),
            ("--acks", self.acks.to_string()),
            ("--linger-ms", self.linger_ms.to_string()),
            ("--partitions", self.partitions.to_string()),
            ("--max-request-size", self.max_request_size.to_string()),
        ];
        let mut a: Vec<String> = flags
            .into_iter()
            .flat_map(|(flag, value)| [flag.to_string(), value])
            .collect();
        if let Some(r) = self.rate {
            a.extend(["--rate".to_string(), r.to_string()]);
        }
        a
    }

    /// `--check-crcs` for the clients that take it (ferrokafka's engines, the rust-rdkafka peers).
    fn crc_args(&self, client: Client) -> Vec<String> {
        let takes_it = matches!(
            client,
            Client::Pure | Client::Native | Client::RdkafkaBase | Client::RdkafkaFuture
        );
        match self.check_crcs {
            Some(on) if takes_it => vec!["--check-crcs".to_string(), on.to_string()],
            _ => Vec::new(),
        }
    }
}

pub fn size_label(size: u64) -> String {
    if size % (1024 * 1024) == 0 {
        format!("{} MiB", size / 1024 / 1024)
    } else if size % 1024 == 0 {
        format!("{} KiB", size / 1024)
    } else {
        format!("{size} B")
    }
}

/// A measured run.
#[derive(Debug, Clone)]
pub struct Row {
    pub client: Client,
    /// Messages this run produced or consumed (the Python clients may run fewer than the workload's).
    pub messages: u64,
    pub msgs_per_s: f64,
    pub mb_per_s: f64,
    pub p50_ms: Option<f64>,
    pub p99_ms: Option<f64>,
    pub max_ms: Option<f64>,
    pub cpu_seconds: f64,
    pub cpu_us_per_msg: f64,
    pub peak_rss_mb: f64,
    /// N ÷ the whole process's wall time (start-up and connection included).
    pub process_msgs_per_s: f64,
    /// The broker's CPU seconds (user + sys) during the run, per million messages, when the tool started the
    /// broker itself and could read its /proc entry.
    pub broker_cpu_s_per_m: Option<f64>,
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
            messages: w.messages,
            msgs_per_s,
            mb_per_s: msgs_per_s * w.size as f64 / 1e6,
            p50_ms: None,
            p99_ms: None,
            max_ms: None,
            cpu_seconds: m.cpu_seconds,
            cpu_us_per_msg: m.cpu_seconds * 1e6 / w.messages.max(1) as f64,
            peak_rss_mb: m.peak_rss_kb as f64 / 1024.0,
            process_msgs_per_s: if m.wall_seconds > 0.0 {
                w.messages as f64 / m.wall_seconds
            } else {
                0.0
            },
            broker_cpu_s_per_m: None,
        }
    }

    /// A row from a client that printed JSON with `seconds` and optional latency quantiles.
    fn from_json(client: Client, w: &Workload, m: &Measured) -> Result<Row, Error> {
        let line = m.stdout.lines().last().unwrap_or_default();
        let v: serde_json::Value = serde_json::from_str(line).map_err(|e| {
            Error::Harness(format!(
                "{} printed no JSON report ({e}): {line} {}",
                client.name(),
                m.stderr
            ))
        })?;
        let mut row = Row::new(client, w, v["seconds"].as_f64().unwrap_or(0.0), m);
        row.p50_ms = v["latency_p50_ms"].as_f64();
        row.p99_ms = v["latency_p99_ms"].as_f64();
        row.max_ms = v["latency_max_ms"].as_f64();
        Ok(row)
    }
}

/// A Rust peer (`ferrokafka-peers`, built next to this binary on first use) as a child.
pub fn peer(
    client: Client,
    mode: &str,
    bootstrap: &str,
    topic: &str,
    w: &Workload,
) -> Result<Row, Error> {
    let name = client
        .peer_name()
        .ok_or_else(|| Error::Harness(format!("{} is not a Rust peer", client.name())))?;
    let mut cmd = Command::new(peers_binary()?);
    cmd.args([name, mode])
        .args(w.common_args(bootstrap, topic))
        .args(w.crc_args(client));
    let m = measure(&cmd)?;
    Row::from_json(client, w, &m)
}

/// `ferrokafka-peers` beside this executable, built (same profile) if it is not there yet: the peer crates stay
/// out of the library's build and are compiled only when a comparison needs them.
fn peers_binary() -> Result<PathBuf, Error> {
    let me = std::env::current_exe()
        .map_err(|e| Error::Harness(format!("locating ferrokafka-perf itself: {e}")))?;
    let peers = me.with_file_name("ferrokafka-peers");
    if peers.exists() {
        return Ok(peers);
    }
    let release = me
        .parent()
        .and_then(Path::file_name)
        .is_some_and(|d| d == "release");
    let mut build = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    build.args(["build", "-p", "ferrokafka-peers", "--manifest-path"]);
    build.arg(concat!(env!("CARGO_MANIFEST_DIR"), "/../Cargo.toml"));
    if release {
        build.arg("--release");
    }
    eprintln!("building ferrokafka-peers (rust-rdkafka, rskafka, krafka, the raw client) …");
    let status = build
        .status()
        .map_err(|e| Error::Harness(format!("running cargo to build ferrokafka-peers: {e}")))?;
    if !status.success() || !peers.exists() {
        return Err(Error::Harness(format!(
            "building ferrokafka-peers failed ({status}); try `cargo build{} -p ferrokafka-peers`",
            if release { " --release" } else { "" }
        )));
    }
    Ok(peers)
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
    cmd.args([mode, "--engine", engine])
        .args(w.common_args(bootstrap, topic))
        .args(w.crc_args(client))
        .args(["--compression", w.compression, "--json"]);
    let m = measure(&cmd)?;
    Row::from_json(client, w, &m)
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
        .arg(format!("linger.ms={}", w.linger_ms))
        .arg(format!("max.request.size={}", w.max_request_size));
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

/// A Python client through `python/pykafka_perf.py` (PyKafka, pure or `use_rdkafka=True`) or
/// `python/confluent_perf.py` in the private virtualenv.
pub fn python(
    client: Client,
    python: &Path,
    mode: &str,
    bootstrap: &str,
    topic: &str,
    w: &Workload,
) -> Result<Row, Error> {
    let (script, flavour) = match client {
        Client::PyKafka => ("pykafka_perf.py", "pure"),
        Client::PyKafkaRdkafka => ("pykafka_perf.py", "rdkafka"),
        Client::Confluent => ("confluent_perf.py", "-"),
        other => {
            return Err(Error::Harness(format!(
                "{} is not a Python client",
                other.name()
            )))
        }
    };
    let script = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("python")
        .join(script);
    let mut cmd = Command::new(python);
    cmd.arg(script)
        .args([mode, bootstrap, topic])
        .args([w.messages.to_string(), w.size.to_string()])
        .args([flavour.to_string(), w.partitions.to_string()]);
    let m = measure(&cmd)?;
    Row::from_json(client, w, &m)
}

/// The testkit's PyKafka 2.8.0 virtualenv, with PyKafka's librdkafka extension and confluent-kafka added
/// when missing; its `python`.
///
/// The extension is compiled from PyKafka's sdist (`pip install --no-binary pykafka`), which needs Debian's
/// `librdkafka-dev` (librdkafka 2.0.2) and a C compiler; confluent-kafka comes as a wheel with its own
/// librdkafka.
pub fn pykafka_python() -> Result<PathBuf, Error> {
    let python = ferrokafka_testkit::pykafka_python()
        .map_err(|e| Error::Harness(format!("PyKafka: {e}")))?;
    let imports = |module: &str| {
        Command::new(&python)
            .args(["-c", &format!("import {module}")])
            .output()
            .is_ok_and(|o| o.status.success())
    };
    let pip = |args: &[&str], what: &str| -> Result<(), Error> {
        let out = Command::new(&python)
            .args(["-m", "pip", "install", "-q"])
            .args(args)
            .output()
            .map_err(|e| Error::Harness(format!("{what}: {e}")))?;
        if out.status.success() {
            Ok(())
        } else {
            Err(Error::Harness(format!(
                "{what} failed: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            )))
        }
    };
    if !imports("confluent_kafka") {
        pip(&["confluent-kafka"], "pip install confluent-kafka")?;
    }
    if !imports("pykafka.rdkafka._rd_kafka") {
        pip(
            &[
                "--no-binary",
                "pykafka",
                "--no-deps",
                "--force-reinstall",
                "--no-cache-dir",
                "pykafka==2.8.0",
            ],
            "building PyKafka's librdkafka extension (needs apt's librdkafka-dev)",
        )?;
        if !imports("pykafka.rdkafka._rd_kafka") {
            return Err(Error::Harness(
                "PyKafka's librdkafka extension did not build: install librdkafka-dev (apt) and a C compiler"
                    .into(),
            ));
        }
    }
    Ok(python)
}
