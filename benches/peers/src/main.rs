//! `ferrokafka-peers PEER MODE …`: one produce or consume run of another Kafka client, driven the fastest way
//! it offers, printing one JSON line (`seconds` from the first message; latencies when paced). `ferrokafka-perf
//! compare` runs it as a child and measures its CPU and peak RSS as for every other client.

mod args;
mod krafka_peer;
mod raw;
mod rdkafka_peers;
mod rskafka_peer;

use std::process::ExitCode;

use clap::Parser;

use args::{Cli, Mode, Peer};

/// What one run measured.
#[derive(Debug, Default, serde::Serialize)]
pub struct Outcome {
    /// From the first message sent or received to the last acknowledged or received.
    pub seconds: f64,
    /// Enqueue-to-acknowledgement latencies in ms, sorted (paced `--rate` runs only).
    #[serde(skip)]
    pub latencies_ms: Vec<f64>,
    pub latency_p50_ms: Option<f64>,
    pub latency_p99_ms: Option<f64>,
    pub latency_max_ms: Option<f64>,
}

impl Outcome {
    /// The outcome with its latency quantiles filled in.
    fn finish(mut self) -> Self {
        self.latencies_ms.sort_by(f64::total_cmp);
        let q = |q: f64| {
            let n = self.latencies_ms.len();
            (n > 0).then(|| self.latencies_ms[((q * n as f64).ceil() as usize).clamp(1, n) - 1])
        };
        self.latency_p50_ms = q(0.50);
        self.latency_p99_ms = q(0.99);
        self.latency_max_ms = self.latencies_ms.last().copied();
        self
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match (cli.peer, cli.mode) {
        (Peer::RdkafkaBase, Mode::Produce) => rdkafka_peers::base_produce(&cli),
        (Peer::RdkafkaBase, Mode::Consume) => rdkafka_peers::base_consume(&cli),
        (Peer::RdkafkaFuture, Mode::Produce) => rdkafka_peers::future_produce(&cli),
        (Peer::RdkafkaFuture, Mode::Consume) => rdkafka_peers::stream_consume(&cli),
        (Peer::Rskafka, Mode::Produce) => rskafka_peer::produce(&cli),
        (Peer::Rskafka, Mode::Consume) => rskafka_peer::consume(&cli),
        (Peer::Krafka, Mode::Produce) => krafka_peer::produce(&cli),
        (Peer::Krafka, Mode::Consume) => krafka_peer::consume(&cli),
        (Peer::Raw, Mode::Produce) => raw::produce(&cli),
        (Peer::Raw, Mode::Consume) => Err("the raw ceiling client only produces".into()),
    };
    match result {
        Ok(outcome) => match serde_json::to_string(&outcome.finish()) {
            Ok(line) => {
                println!("{line}");
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("ferrokafka-peers: cannot print the outcome: {e}");
                ExitCode::FAILURE
            }
        },
        Err(e) => {
            eprintln!("ferrokafka-peers {:?} {:?}: {e}", cli.peer, cli.mode);
            ExitCode::FAILURE
        }
    }
}

/// A run's failure, as text for the parent to show.
pub type RunResult = Result<Outcome, String>;

/// The payload every client sends: `a..z` repeated, as ferrokafka-perf's.
pub fn payload(size: usize) -> Vec<u8> {
    (0..size).map(|i| b'a' + (i % 26) as u8).collect()
}

/// Sleeps until message `i` is due when paced at `rate` msgs/s from `start` (no-op unpaced).
pub fn pace(rate: Option<u64>, start: std::time::Instant, i: u64) {
    if let Some(rate) = rate.filter(|r| *r > 0) {
        let due = start + std::time::Duration::from_secs_f64(i as f64 / rate as f64);
        let now = std::time::Instant::now();
        if due > now {
            std::thread::sleep(due - now);
        }
    }
}
