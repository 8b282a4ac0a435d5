//! `ferrokafka-perf compare`: every client on the same workloads, interleaved (round 1 runs each client once,
//! then round 2, …) so that the machine's drift hits all of them alike; medians and ranges over the rounds, and
//! ratios to raw rust-rdkafka (`BaseProducer` / `BaseConsumer`) within the same run. Kafka 4.1.1, one broker;
//! PyKafka (which cannot speak to Kafka 4) gets its own Kafka 3.9.1 broker, with ferrokafka and rust-rdkafka
//! again there for its ratios.

use std::path::Path;
use std::time::Instant;

use clap::ValueEnum;

use crate::error::Error;
use ferrokafka_testkit::{unique_name, KafkaCluster, KafkaConfig};

use crate::cli::{CompareArgs, RECORD_OVERHEAD};
use crate::clients::{self, Client, Row, Workload};
use crate::stats::{render_section, Section};
use crate::usage;

/// PyKafka 2.8.0's own default request size; larger values need more.
const DEFAULT_REQUEST_SIZE: u64 = 1_000_012;

pub fn run(args: &CompareArgs) -> Result<(), Error> {
    let started = Instant::now();
    let (kafka39_clients, kafka4_clients): (Vec<Client>, Vec<Client>) =
        args.clients.iter().partition(|c| c.needs_kafka39());
    let python = if args.clients.iter().any(|c| c.is_python()) {
        Some(clients::pykafka_python()?)
    } else {
        None
    };
    let mut sections = Vec::new();
    if !kafka4_clients.is_empty() {
        sections.extend(on_broker(
            KafkaConfig::kafka4(),
            "Kafka 4.1.1",
            &kafka4_clients,
            args,
            python.as_deref(),
        )?);
    }
    if !kafka39_clients.is_empty() {
        // Ratios need the reference and ferrokafka on the same broker.
        let mut with_refs = vec![Client::Pure, Client::Native, Client::RdkafkaBase];
        with_refs.extend(kafka39_clients);
        sections.extend(on_broker(
            KafkaConfig::kafka39(),
            "Kafka 3.9.1",
            &with_refs,
            args,
            python.as_deref(),
        )?);
    }
    let markdown = render(args, &sections, started.elapsed().as_secs());
    println!("{markdown}");
    if let Some(readme) = &args.write_readme {
        write_between_markers(readme, &args.readme_section, &markdown)?;
        eprintln!("wrote {}", readme.display());
    }
    Ok(())
}

/// Every workload of `args` with `clients` on one fresh broker of `config`.
fn on_broker(
    config: KafkaConfig,
    broker: &'static str,
    clients: &[Client],
    args: &CompareArgs,
    python: Option<&Path>,
) -> Result<Vec<Section>, Error> {
    let testkit = |e: ferrokafka_testkit::TestkitError| Error::Harness(format!("testkit: {e}"));
    let kafka = KafkaCluster::start(config).map_err(testkit)?;
    let b = kafka.bootstrap().to_string();
    let payload_dir = kafka.dir().unwrap_or(Path::new("."));
    let broker_pid = kafka.node_pid(0).ok().flatten();
    let mut sections = Vec::new();
    let mut warmed_up = false;
    for &size in &args.sizes {
        let payload = payload_dir.join(format!("payload-{size}"));
        std::fs::write(&payload, payload_bytes(size))
            .map_err(|e| Error::Harness(format!("writing {}: {e}", payload.display())))?;
        for &partitions in &args.partitions {
            let w = Workload {
                messages: messages_for(args, size),
                size,
                compression: "none",
                acks: args.acks,
                partitions,
                linger_ms: args.linger_ms,
                rate: args.rate,
                max_request_size: (size + RECORD_OVERHEAD).max(DEFAULT_REQUEST_SIZE),
                check_crcs: args.check_crcs,
            };
            if !warmed_up {
                // The broker's JVM compiles its hot paths during its first runs: one untimed produce first, so
                // that round 1's first client is not measured against a cold broker.
                let topic = fresh_topic(&kafka, &w)?;
                clients::ferrokafka(Client::Pure, "produce", &b, &topic, &w)?;
                delete_topic(&kafka, &topic)?;
                warmed_up = true;
            }
            let produce = interleaved(args.rounds, clients, |client| {
                let topic = fresh_topic(&kafka, &w)?;
                let w = workload_for(client, &w, args);
                let row = with_broker_cpu(broker_pid, &w, || {
                    run_one(client, "produce", &b, &topic, &w, &payload, python)
                });
                delete_topic(&kafka, &topic)?;
                row
            })?;
            let s = Section::new(broker, "produce", w, produce);
            eprintln!("{}", render_section(&s));
            sections.push(s);
            if args.no_consume || args.rate.is_some() {
                continue;
            }
            // One topic, filled once, read by every consumer in every round.
            let topic = fresh_topic(&kafka, &w)?;
            clients::ferrokafka(Client::Pure, "produce", &b, &topic, &w)?;
            let consumers: Vec<Client> = clients.iter().copied().filter(|c| c.consumes()).collect();
            let consume = interleaved(args.rounds, &consumers, |client| {
                let w = workload_for(client, &w, args);
                run_one(client, "consume", &b, &topic, &w, &payload, python)
            })?;
            delete_topic(&kafka, &topic)?;
            let s = Section::new(broker, "consume", w, consume);
            eprintln!("{}", render_section(&s));
            sections.push(s);
        }
    }
    Ok(sections)
}

/// Run `once` and add the broker's CPU per million messages over that run (utime + stime of the broker's JVM
/// before and after, from /proc; the broker is this tool's own, so nothing else loads it).
fn with_broker_cpu(
    broker_pid: Option<u32>,
    w: &Workload,
    once: impl FnOnce() -> Result<Row, Error>,
) -> Result<Row, Error> {
    let before = broker_pid.and_then(usage::cpu_seconds_of);
    let mut row = once()?;
    let after = broker_pid.and_then(usage::cpu_seconds_of);
    if let (Some(a), Some(b)) = (after, before) {
        row.broker_cpu_s_per_m = Some((a - b) * 1e6 / w.messages.max(1) as f64);
    }
    Ok(row)
}

/// Messages per run: `--messages` for small values, `--big-bytes ÷ size` (at least 20) for big ones.
fn messages_for(args: &CompareArgs, size: u64) -> u64 {
    if size < 64 * 1024 {
        args.messages
    } else {
        (args.big_bytes / size).max(20)
    }
}

/// The workload as `client` runs it: the Python clients' message count is capped by `--python-messages`.
fn workload_for(client: Client, w: &Workload, args: &CompareArgs) -> Workload {
    match args.python_messages {
        Some(n) if client.is_python() => Workload {
            messages: n.min(w.messages),
            ..*w
        },
        _ => *w,
    }
}

fn run_one(
    client: Client,
    mode: &str,
    bootstrap: &str,
    topic: &str,
    w: &Workload,
    payload: &Path,
    python: Option<&Path>,
) -> Result<Row, Error> {
    match (client, mode) {
        (Client::Pure | Client::Native, _) => {
            clients::ferrokafka(client, mode, bootstrap, topic, w)
        }
        (Client::Java, "produce") => clients::java_produce(bootstrap, topic, w, payload),
        (Client::Java, _) => clients::java_consume(bootstrap, topic, w),
        (Client::PyKafka | Client::PyKafkaRdkafka | Client::Confluent, _) => {
            let python = python.ok_or_else(|| Error::Harness("no Python environment".into()))?;
            clients::python(client, python, mode, bootstrap, topic, w)
        }
        _ => clients::peer(client, mode, bootstrap, topic, w),
    }
}

/// Round after round, each client once per round; every client's rows in round order.
fn interleaved(
    rounds: u32,
    clients: &[Client],
    mut once: impl FnMut(Client) -> Result<Row, Error>,
) -> Result<Vec<(Client, Vec<Row>)>, Error> {
    let mut rows: Vec<(Client, Vec<Row>)> = clients.iter().map(|c| (*c, Vec::new())).collect();
    for round in 0..rounds {
        for (client, runs) in rows.iter_mut() {
            let row = once(*client).map_err(|e| {
                Error::Harness(format!("{} (round {}): {e}", client.name(), round + 1))
            })?;
            eprintln!(
                "  round {} {}: {:.0} msgs/s, {:.2} CPU µs/msg",
                round + 1,
                client.name(),
                row.msgs_per_s,
                row.cpu_us_per_msg
            );
            runs.push(row);
        }
    }
    Ok(rows)
}

/// The same bytes the ferrokafka runs produce: `a..z` repeated, one line (ProducerPerformance's payload file).
fn payload_bytes(size: u64) -> Vec<u8> {
    (0..size).map(|i| b'a' + (i % 26) as u8).collect()
}

fn fresh_topic(kafka: &KafkaCluster, w: &Workload) -> Result<String, Error> {
    let topic = unique_name("perf");
    let max_message = (w.max_request_size + RECORD_OVERHEAD).to_string();
    let configs: Vec<(&str, &str)> = if w.max_request_size > DEFAULT_REQUEST_SIZE {
        vec![("max.message.bytes", max_message.as_str())]
    } else {
        Vec::new()
    };
    kafka
        .create_topic_with(&topic, w.partitions, None, &configs)
        .map_err(|e| Error::Harness(format!("creating {topic}: {e}")))?;
    // Every client, peers included, starts on a topic whose leaders serve it.
    let client = ferrokafka::KafkaClient::new(kafka.bootstrap())?;
    crate::run::wait_for_leaders(&client.topic(&topic)?)?;
    Ok(topic)
}

/// Delete a run's topic once it is measured, so that every round meets a broker holding the same topics (a kept
/// topic of 1000 partitions keeps its logs, indexes and page cache on the broker for the rest of the run).
fn delete_topic(kafka: &KafkaCluster, topic: &str) -> Result<(), Error> {
    let client = ferrokafka::KafkaClient::new(kafka.bootstrap())?;
    client.delete_topics(&[topic], 30_000)?;
    Ok(())
}

fn render(args: &CompareArgs, sections: &[Section], seconds: u64) -> String {
    let list = |v: &[String]| v.join(",");
    let mut out = format!(
        "Measured by `cargo run --release -p ferrokafka-perf -- compare --sizes {} --partitions {} --rounds {}{}{}{}` \
         in one run of {seconds} s on {}.\n\
         Each client is a child process; CPU (user + sys) and peak RSS come from `getrusage` of that child, start-up \
         included; broker CPU is the broker JVM's user + sys CPU (/proc) during each produce run, per million messages. Rounds are interleaved (every client once per round, after one untimed warm-up run of the broker; each run's topic is deleted once measured); each cell is the median over the rounds, \
         msgs/s with its range. \"msgs/s\" counts from the first message (the Java consumer: its fetch time); \
         \"N ÷ wall\" divides by the whole process's wall time, start-up and connection included. Ratios are to \
         rust-rdkafka's `BaseProducer` / `BaseConsumer` in the same run. A fresh topic per produce run; \
         linger {} ms, acks={} everywhere.\n\n",
        list(&args.sizes.iter().map(u64::to_string).collect::<Vec<_>>()),
        list(&args.partitions.iter().map(i32::to_string).collect::<Vec<_>>()),
        args.rounds,
        args.rate.map_or(String::new(), |r| format!(" --rate {r}")),
        clients_flag(args),
        match (&args.write_readme, args.readme_section.as_str()) {
            (None, _) => String::new(),
            (Some(_), "perf") => " --write-readme README.md".to_string(),
            (Some(_), section) => format!(" --write-readme README.md --readme-section {section}"),
        },
        machine(),
        args.linger_ms,
        args.acks,
    );
    for s in sections {
        out.push_str(&render_section(s));
        out.push('\n');
    }
    out
}

/// The flags that chose the clients and message counts, so that the printed command repeats the run.
fn clients_flag(args: &CompareArgs) -> String {
    let names: Vec<String> = args
        .clients
        .iter()
        .filter_map(|c| c.to_possible_value().map(|v| v.get_name().to_string()))
        .collect();
    let mut out = format!(
        " --messages {} --clients {}",
        args.messages,
        names.join(",")
    );
    if let Some(n) = args.python_messages {
        out.push_str(&format!(" --python-messages {n}"));
    }
    if args.sizes.iter().any(|&s| s >= 64 * 1024) {
        out.push_str(&format!(" --big-bytes {}", args.big_bytes));
    }
    if let Some(on) = args.check_crcs {
        out.push_str(&format!(" --check-crcs {on}"));
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

fn write_between_markers(readme: &Path, section: &str, markdown: &str) -> Result<(), Error> {
    let (start, end) = (
        format!("<!-- {section}:start -->"),
        format!("<!-- {section}:end -->"),
    );
    let text = std::fs::read_to_string(readme)
        .map_err(|e| Error::Harness(format!("reading {}: {e}", readme.display())))?;
    let (Some(a), Some(b)) = (text.find(&start), text.find(&end)) else {
        return Err(Error::Harness(format!(
            "{} has no {start} … {end} markers",
            readme.display()
        )));
    };
    if b < a {
        return Err(Error::Harness(format!("{end} comes before {start}")));
    }
    let new = format!("{}{start}\n{markdown}\n{}", &text[..a], &text[b..]);
    std::fs::write(readme, new)
        .map_err(|e| Error::Harness(format!("writing {}: {e}", readme.display())))
}
