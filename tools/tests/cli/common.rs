//! Spawning `kafka-tools` with a deadline, and library helpers to check what it did.

use std::io::Write;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use ferrokafka::{ClientOptions, KafkaClient};
use ferrokafka_testkit::{shared_kafka4, unique_name, KafkaCluster};
use serde_json::Value;

/// Longest one invocation may take before the test fails (and the child is killed).
const DEADLINE: Duration = Duration::from_secs(90);

pub struct Out {
    pub code: i32,
    pub stdout: Vec<u8>,
    pub stderr: String,
}

impl Out {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.stdout).into_owned()
    }

    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not one JSON document ({e}): {}", self.text()))
    }

    /// Exit 0, nothing on stderr.
    pub fn ok(self) -> Self {
        assert_eq!(
            self.code,
            0,
            "stderr: {}\nstdout: {}",
            self.stderr,
            self.text()
        );
        assert!(self.stderr.is_empty(), "stderr on success: {}", self.stderr);
        self
    }

    /// Exit `code` with exactly one line on stderr containing `needle` (case-insensitive).
    pub fn fails(self, code: i32, needle: &str) -> Self {
        assert_eq!(
            self.code,
            code,
            "stderr: {}\nstdout: {}",
            self.stderr,
            self.text()
        );
        assert_eq!(
            self.stderr.lines().count(),
            1,
            "one stderr line: {:?}",
            self.stderr
        );
        assert!(
            self.stderr.starts_with("kafka-tools: error: "),
            "{}",
            self.stderr
        );
        assert!(
            self.stderr.to_lowercase().contains(&needle.to_lowercase()),
            "{needle:?} not in {:?}",
            self.stderr
        );
        self
    }
}

pub fn kafka() -> &'static KafkaCluster {
    shared_kafka4()
}

/// Run the binary with exactly these arguments.
pub fn run_raw(args: &[&str], stdin: &[u8]) -> Out {
    let mut child = Command::new(env!("CARGO_BIN_EXE_kafka-tools"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn kafka-tools");
    let mut input = child.stdin.take().expect("stdin");
    let data = stdin.to_vec();
    let writer = std::thread::spawn(move || {
        let _ = input.write_all(&data);
    });
    let started = Instant::now();
    while child.try_wait().expect("wait").is_none() {
        if started.elapsed() > DEADLINE {
            let _ = child.kill();
            panic!("kafka-tools {args:?} still running after {DEADLINE:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let _ = writer.join();
    let out = child.wait_with_output().expect("output");
    Out {
        code: out.status.code().unwrap_or(-1),
        stdout: out.stdout,
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Run against the PLAINTEXT listener (`-b` first, as PyKafka's global option).
pub fn run(args: &[&str]) -> Out {
    run_in(args, b"")
}

/// The same with stdin.
pub fn run_in(args: &[&str], stdin: &[u8]) -> Out {
    let mut all = vec!["-b", kafka().bootstrap()];
    all.extend_from_slice(args);
    run_raw(&all, stdin)
}

pub fn client() -> KafkaClient {
    let mut o = ClientOptions::new(kafka().bootstrap());
    o.socket_timeout_ms = 15_000;
    KafkaClient::with_options(o).expect("client connects")
}

/// A new topic with `partitions` partitions, made through the testkit.
pub fn topic(prefix: &str, partitions: i32) -> String {
    let name = unique_name(prefix);
    kafka()
        .create_topic(&name, partitions)
        .expect("create topic");
    name
}

/// The table rows of human output whose first cell is `first`, split on whitespace.
pub fn row(text: &str, first: &str) -> Vec<String> {
    text.lines()
        .map(|l| l.split_whitespace().map(str::to_string).collect::<Vec<_>>())
        .find(|cells| cells.first().map(String::as_str) == Some(first))
        .unwrap_or_else(|| panic!("no row starting with {first:?} in\n{text}"))
}
