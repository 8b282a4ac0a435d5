//! `ferrokafka-perf compare`: the same workloads, in one run, with ferrokafka's two engines and the Java client
//! on one Kafka 4.1.1 broker, and with PyKafka (and both engines again) on one Kafka 3.9.1 broker, which PyKafka
//! can still speak to. Prints markdown tables with ratios to the native engine, optionally into README.

use std::path::Path;
use std::time::Instant;

use crate::error::Error;
use ferrokafka_testkit::{unique_name, KafkaCluster, KafkaConfig};

use crate::cli::CompareArgs;
use crate::clients::{self, size_label, Client, Row, Workload};

/// A table section: one workload and the rows of every client.
struct Section {
    workload: Workload,
    mode: &'static str,
    rows: Vec<Row>,
}

pub fn run(args: &CompareArgs) -> Result<(), Error> {
    let started = Instant::now();
    let testkit = |e: ferrokafka_testkit::TestkitError| Error::Harness(format!("testkit: {e}"));
    let mut sections = Vec::new();
    let mut python_sections = Vec::new();
    {
        let kafka = KafkaCluster::start(KafkaConfig::kafka4()).map_err(testkit)?;
        let b = kafka.bootstrap().to_string();
        let mut producers = vec![Client::Pure, Client::Native];
        if !args.no_java {
            producers.push(Client::Java);
        }
        let payload_dir = kafka.dir().unwrap_or(Path::new("."));
        for (size, messages) in [(100, args.small_messages), (1024, args.large_messages)] {
            let payload = payload_dir.join(format!("payload-{size}"));
            std::fs::write(&payload, payload_bytes(size))
                .map_err(|e| Error::Harness(format!("writing {}: {e}", payload.display())))?;
            for compression in ["none", "lz4", "zstd"] {
                for acks in [1, -1] {
                    let w = Workload {
                        messages,
                        size,
                        compression,
                        acks,
                        partitions: args.partitions,
                    };
                    let mut rows = Vec::new();
                    for &client in &producers {
                        rows.push(median(args.repeat, || {
                            let topic = fresh_topic(&kafka, &w)?;
                            match client {
                                Client::Java => clients::java_produce(&b, &topic, &w, &payload),
                                _ => clients::ferrokafka(client, "produce", &b, &topic, &w),
                            }
                        })?);
                    }
                    eprintln!("{}", render_section("produce", &w, &rows));
                    sections.push(Section {
                        workload: w,
                        mode: "produce",
                        rows,
                    });
                }
            }
            let w = Workload {
                messages,
                size,
                compression: "none",
                acks: 1,
                partitions: args.partitions,
            };
            let topic = fresh_topic(&kafka, &w)?;
            clients::ferrokafka(Client::Pure, "produce", &b, &topic, &w)?;
            let mut rows = Vec::new();
            for &client in &producers {
                rows.push(median(args.repeat, || match client {
                    Client::Java => clients::java_consume(&b, &topic, &w),
                    _ => clients::ferrokafka(client, "consume", &b, &topic, &w),
                })?);
            }
            eprintln!("{}", render_section("consume", &w, &rows));
            sections.push(Section {
                workload: w,
                mode: "consume",
                rows,
            });
        }
    }
    if !args.no_pykafka {
        let python = clients::pykafka_python()?;
        let kafka = KafkaCluster::start(KafkaConfig::kafka39()).map_err(testkit)?;
        let b = kafka.bootstrap().to_string();
        let w = Workload {
            messages: args.small_messages,
            size: 100,
            compression: "none",
            acks: 1,
            partitions: args.partitions,
        };
        let clients = [Client::Pure, Client::Native, Client::PyKafka];
        let mut rows = Vec::new();
        for client in clients {
            rows.push(median(args.repeat, || {
                let topic = fresh_topic(&kafka, &w)?;
                match client {
                    Client::PyKafka => clients::pykafka(&python, "produce", &b, &topic, &w),
                    _ => clients::ferrokafka(client, "produce", &b, &topic, &w),
                }
            })?);
        }
        python_sections.push(Section {
            workload: w,
            mode: "produce",
            rows,
        });
        let topic = fresh_topic(&kafka, &w)?;
        clients::ferrokafka(Client::Pure, "produce", &b, &topic, &w)?;
        let mut rows = Vec::new();
        for client in clients {
            rows.push(median(args.repeat, || match client {
                Client::PyKafka => clients::pykafka(&python, "consume", &b, &topic, &w),
                _ => clients::ferrokafka(client, "consume", &b, &topic, &w),
            })?);
        }
        python_sections.push(Section {
            workload: w,
            mode: "consume",
            rows,
        });
    }
    let markdown = render(
        args,
        &sections,
        &python_sections,
        started.elapsed().as_secs(),
    );
    println!("{markdown}");
    if let Some(readme) = &args.write_readme {
        write_between_markers(readme, &markdown)?;
        eprintln!("wrote {}", readme.display());
    }
    Ok(())
}

/// The same bytes the ferrokafka runs produce: `a..z` repeated, one line (ProducerPerformance's payload file).
fn payload_bytes(size: u64) -> Vec<u8> {
    (0..size).map(|i| b'a' + (i % 26) as u8).collect()
}

fn fresh_topic(kafka: &KafkaCluster, w: &Workload) -> Result<String, Error> {
    let topic = unique_name("perf");
    kafka
        .create_topic(&topic, w.partitions)
        .map_err(|e| Error::Harness(format!("creating {topic}: {e}")))?;
    Ok(topic)
}

/// Runs `once` `repeat` times and keeps the run with the median msgs/s.
fn median(repeat: u32, mut once: impl FnMut() -> Result<Row, Error>) -> Result<Row, Error> {
    let mut rows = (0..repeat.max(1))
        .map(|_| once())
        .collect::<Result<Vec<_>, _>>()?;
    rows.sort_by(|a, b| a.msgs_per_s.total_cmp(&b.msgs_per_s));
    Ok(rows.swap_remove(rows.len() / 2))
}

fn ms(v: Option<f64>) -> String {
    v.map_or("–".into(), |v| format!("{v:.0}"))
}

fn render_section(mode: &str, w: &Workload, rows: &[Row]) -> String {
    let native = rows.iter().find(|r| r.client == Client::Native);
    let mut out = format!("**{mode}, {}**\n\n", w.label());
    out.push_str("| client | msgs/s | MB/s | p50 ms | p99 ms | max ms | CPU s | CPU µs/msg | peak RSS MB | msgs/s ÷ native | CPU/msg ÷ native |\n");
    out.push_str("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    for r in rows {
        let ratio = |a: f64, b: Option<f64>| {
            b.filter(|b| *b > 0.0)
                .map_or("–".into(), |b| format!("{:.2}", a / b))
        };
        out.push_str(&format!(
            "| {} | {:.0} | {:.1} | {} | {} | {} | {:.2} | {:.2} | {:.0} | {} | {} |\n",
            r.client.name(),
            r.msgs_per_s,
            r.mb_per_s,
            ms(r.p50_ms),
            ms(r.p99_ms),
            ms(r.max_ms),
            r.cpu_seconds,
            r.cpu_us_per_msg,
            r.peak_rss_mb,
            ratio(r.msgs_per_s, native.map(|n| n.msgs_per_s)),
            ratio(r.cpu_us_per_msg, native.map(|n| n.cpu_us_per_msg)),
        ));
    }
    out
}

fn render(args: &CompareArgs, sections: &[Section], python: &[Section], seconds: u64) -> String {
    let mut out = String::new();
    out.push_str(&format!(
        "Measured by `cargo run --release -p ferrokafka-perf -- compare{}` in one run of {} s on {}.\n\
         Each client is a child process; CPU (user + sys) and peak RSS come from `getrusage` of that child, \
         start-up included. Fresh topic of {} partitions per produce run; linger 5 ms everywhere; produce latency \
         = enqueue to acknowledgement (ferrokafka: every 16th message; Java: all). The Java consumer's rate is over \
         its fetch time (group join excluded), ours from the first message. Median of {} run(s) per cell.\n\n",
        if args.write_readme.is_some() {
            " --write-readme README.md"
        } else {
            ""
        },
        seconds,
        machine(),
        args.partitions,
        args.repeat,
    ));
    out.push_str("Kafka 4.1.1, one broker:\n\n");
    for s in sections {
        out.push_str(&render_section(s.mode, &s.workload, &s.rows));
        out.push('\n');
    }
    if !python.is_empty() {
        out.push_str(
            "Kafka 3.9.1, one broker (PyKafka cannot speak to Kafka 4); PyKafka with `linger_ms=5`, \
             `min_queued_messages=10000`, no delivery reports:\n\n",
        );
        for s in python {
            out.push_str(&render_section(s.mode, &s.workload, &s.rows));
            let pure = s.rows.iter().find(|r| r.client == Client::Pure);
            let py = s.rows.iter().find(|r| r.client == Client::PyKafka);
            if let (Some(pure), Some(py)) = (pure, py) {
                if py.msgs_per_s > 0.0 {
                    out.push_str(&format!(
                        "\npure ÷ PyKafka ({}, {}): **{:.1}×** msgs/s\n",
                        s.mode,
                        size_label(s.workload.size),
                        pure.msgs_per_s / py.msgs_per_s
                    ));
                }
            }
            out.push('\n');
        }
    }
    out
}

/// Cores, CPU model and memory, from /proc.
fn machine() -> String {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find_map(|l| l.strip_prefix("model name"))
        .map(|m| m.trim_start_matches([' ', '\t', ':']).to_string())
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let mem_gib = std::fs::read_to_string("/proc/meminfo")
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix("MemTotal:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0 / 1024.0);
    format!("{cores} cores ({model}), {mem_gib:.0} GiB RAM, broker on the same machine")
}

const START: &str = "<!-- perf:start -->";
const END: &str = "<!-- perf:end -->";

fn write_between_markers(readme: &Path, markdown: &str) -> Result<(), Error> {
    let text = std::fs::read_to_string(readme)
        .map_err(|e| Error::Harness(format!("reading {}: {e}", readme.display())))?;
    let (Some(a), Some(b)) = (text.find(START), text.find(END)) else {
        return Err(Error::Harness(format!(
            "{} has no {START} … {END} markers",
            readme.display()
        )));
    };
    if b < a {
        return Err(Error::Harness(format!("{END} comes before {START}")));
    }
    let new = format!("{}{START}\n{markdown}\n{}", &text[..a], &text[b..]);
    std::fs::write(readme, new)
        .map_err(|e| Error::Harness(format!("writing {}: {e}", readme.display())))
}
