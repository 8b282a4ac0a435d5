//! One client run's figures, printed as a table row or JSON (the format `compare` reads back).

use serde::{Deserialize, Serialize};

/// The result of one produce or consume run.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Report {
    /// e.g. "ferrokafka-pure", "java", "pykafka".
    pub client: String,
    /// "produce" or "consume".
    pub mode: String,
    pub messages: u64,
    pub size: u64,
    pub compression: String,
    pub acks: i16,
    /// Wall time from the first produce/consume call to the last delivery/message.
    pub seconds: f64,
    pub msgs_per_s: f64,
    /// Value bytes per second / 1e6.
    pub mb_per_s: f64,
    /// Produce latency (enqueue to delivery) in ms; absent for consume runs.
    pub latency_p50_ms: Option<f64>,
    pub latency_p99_ms: Option<f64>,
    pub latency_max_ms: Option<f64>,
    /// User + system CPU seconds of the whole process, start-up included.
    pub cpu_seconds: f64,
    pub peak_rss_mb: f64,
}

impl Report {
    /// Fill msgs/s and MB/s from messages, size and seconds.
    pub fn with_rates(mut self) -> Self {
        if self.seconds > 0.0 {
            self.msgs_per_s = self.messages as f64 / self.seconds;
            self.mb_per_s = self.msgs_per_s * self.size as f64 / 1e6;
        }
        self
    }

    /// CPU microseconds per message.
    pub fn cpu_us_per_msg(&self) -> f64 {
        if self.messages == 0 {
            0.0
        } else {
            self.cpu_seconds * 1e6 / self.messages as f64
        }
    }

    pub fn print(&self, json: bool) {
        if json {
            match serde_json::to_string(self) {
                Ok(s) => println!("{s}"),
                Err(e) => eprintln!("cannot serialize the report: {e}"),
            }
            return;
        }
        let ms = |v: Option<f64>| v.map_or("-".to_string(), |v| format!("{v:.1}"));
        println!("| client | mode | msgs | size | codec | acks | msgs/s | MB/s | p50 ms | p99 ms | max ms | CPU s | CPU µs/msg | peak RSS MB |");
        println!("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|");
        println!(
            "| {} | {} | {} | {} | {} | {} | {:.0} | {:.1} | {} | {} | {} | {:.2} | {:.2} | {:.0} |",
            self.client,
            self.mode,
            self.messages,
            self.size,
            self.compression,
            self.acks,
            self.msgs_per_s,
            self.mb_per_s,
            ms(self.latency_p50_ms),
            ms(self.latency_p99_ms),
            ms(self.latency_max_ms),
            self.cpu_seconds,
            self.cpu_us_per_msg(),
            self.peak_rss_mb
        );
    }
}

/// The q-quantile (0..=1) of sorted values, nearest rank.
pub fn quantile(sorted: &[f64], q: f64) -> Option<f64> {
    if sorted.is_empty() {
        return None;
    }
    let rank = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    Some(sorted[rank - 1])
}
