//! Medians, ranges and ratios of a section's interleaved rounds, and its markdown table.

use crate::clients::{Client, Row, Workload};

/// One workload on one broker and mode, with every client's rows (one per round).
pub struct Section {
    pub broker: &'static str,
    pub mode: &'static str,
    pub workload: Workload,
    pub rows: Vec<(Client, Vec<Row>)>,
}

impl Section {
    pub fn new(
        broker: &'static str,
        mode: &'static str,
        workload: Workload,
        rows: Vec<(Client, Vec<Row>)>,
    ) -> Self {
        Section {
            broker,
            mode,
            workload,
            rows,
        }
    }

    /// The client's median of `f` over its rounds.
    fn median_of(&self, client: Client, f: impl Fn(&Row) -> f64) -> Option<f64> {
        self.rows
            .iter()
            .find(|(c, _)| *c == client)
            .and_then(|(_, rows)| median(rows.iter().map(&f).collect()))
    }
}

/// The median (mean of the middle two for an even count); `None` when empty.
pub fn median(mut values: Vec<f64>) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    values.sort_by(f64::total_cmp);
    let n = values.len();
    Some(if n % 2 == 1 {
        values[n / 2]
    } else {
        (values[n / 2 - 1] + values[n / 2]) / 2.0
    })
}

fn opt(v: Option<f64>, digits: usize) -> String {
    v.map_or("–".into(), |v| format!("{v:.digits$}"))
}

/// Rates as `1.23 M` / `456 k` / `789`.
fn rate(v: f64) -> String {
    if v >= 1e6 {
        format!("{:.2} M", v / 1e6)
    } else if v >= 1e3 {
        format!("{:.0} k", v / 1e3)
    } else {
        format!("{v:.0}")
    }
}

/// The section's table: one line per client, medians over the rounds, ratios to rust-rdkafka's base client.
pub fn render_section(s: &Section) -> String {
    let w = &s.workload;
    let reference = Client::RdkafkaBase;
    let ref_rate = s.median_of(reference, |r| r.msgs_per_s);
    let ref_cpu = s.median_of(reference, |r| r.cpu_us_per_msg);
    let paced = w.rate.is_some();
    let mut out = format!("**{} — {}, {}**\n\n", s.mode, s.broker, w.label());
    out.push_str(
        "| client | msgs/s (median, range) | MB/s | N ÷ wall | CPU µs/msg | peak RSS MB |",
    );
    if paced || s.mode == "produce" {
        out.push_str(" p50 ms | p99 ms | broker CPU s / M msgs |");
    }
    out.push_str(" ÷ rdkafka msgs/s | ÷ rdkafka CPU/msg |\n|---|---:|---:|---:|---:|---:|");
    if paced || s.mode == "produce" {
        out.push_str("---:|---:|---:|");
    }
    out.push_str("---:|---:|\n");
    for (client, rows) in &s.rows {
        let m = |f: fn(&Row) -> f64| s.median_of(*client, f);
        let lo = rows
            .iter()
            .map(|r| r.msgs_per_s)
            .fold(f64::INFINITY, f64::min);
        let hi = rows.iter().map(|r| r.msgs_per_s).fold(0.0, f64::max);
        let msgs = m(|r| r.msgs_per_s).unwrap_or(0.0);
        let cpu = m(|r| r.cpu_us_per_msg).unwrap_or(0.0);
        let fewer = rows
            .iter()
            .map(|r| r.messages)
            .min()
            .filter(|n| *n < w.messages)
            .map_or(String::new(), |n| format!(" ({} msgs)", rate(n as f64)));
        out.push_str(&format!(
            "| {}{fewer} | {} ({}–{}) | {:.1} | {} | {:.2} | {:.0} |",
            client.name(),
            rate(msgs),
            rate(lo),
            rate(hi),
            msgs * w.size as f64 / 1e6,
            rate(m(|r| r.process_msgs_per_s).unwrap_or(0.0)),
            cpu,
            m(|r| r.peak_rss_mb).unwrap_or(0.0),
        ));
        if paced || s.mode == "produce" {
            let q = |f: fn(&Row) -> Option<f64>| median(rows.iter().filter_map(f).collect());
            out.push_str(&format!(
                " {} | {} | {} |",
                opt(q(|r| r.p50_ms), 1),
                opt(q(|r| r.p99_ms), 1),
                opt(q(|r| r.broker_cpu_s_per_m), 2)
            ));
        }
        let ratio = |a: f64, b: Option<f64>| {
            b.filter(|b| *b > 0.0)
                .map_or("–".into(), |b| format!("{:.2}", a / b))
        };
        out.push_str(&format!(
            " {} | {} |\n",
            ratio(msgs, ref_rate),
            ratio(cpu, ref_cpu)
        ));
    }
    out
}
