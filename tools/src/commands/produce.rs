//! `produce TOPIC`: kcat-style producing from stdin. Messages are split at `-D` (a newline by default), or
//! all of stdin is one message with `--raw`; `-K` splits a key off each message; `-H` adds headers.

use std::collections::{BTreeMap, VecDeque};
use std::io::Read;
use std::time::Duration;

use ferrokafka::{partitioner, Compression, DeliveryFuture, OutgoingMessage, Producer, Topic};
use serde_json::{json, Value};

use super::Ctx;
use crate::cli::ProduceArgs;
use crate::config_file::Settings;
use crate::error::{CliError, CliResult};
use crate::escape::unescape;
use crate::output::{print, print_json, Table};
use crate::progress;

/// Deliveries awaited in order once this many are outstanding, so memory stays bounded on a long stdin.
const MAX_IN_FLIGHT: usize = 10_000;

/// What every message gets.
struct Template {
    key_delimiter: Option<Vec<u8>>,
    headers: Vec<(String, Vec<u8>)>,
    partition: Option<i32>,
}

impl Template {
    fn message(&self, bytes: &[u8]) -> OutgoingMessage {
        let (key, value) = match self
            .key_delimiter
            .as_deref()
            .and_then(|d| find(bytes, d).map(|i| (i, d.len())))
        {
            Some((i, n)) => (Some(&bytes[..i]), &bytes[i + n..]),
            None => (None, bytes),
        };
        let mut m = OutgoingMessage::new(value.to_vec());
        if let Some(k) = key {
            m = m.with_key(k.to_vec());
        }
        for (name, v) in &self.headers {
            m = m.with_header(name.clone(), v.clone());
        }
        m.partition = self.partition;
        m
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() {
        return None;
    }
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn parse_header(h: &str) -> CliResult<(String, Vec<u8>)> {
    let (name, value) = h
        .split_once('=')
        .ok_or_else(|| CliError::usage(format!("-H/--header {h:?} is not name=value")))?;
    Ok((name.to_string(), unescape(value, "-H/--header")?))
}

fn parse_acks(s: &str) -> CliResult<i16> {
    match s.to_ascii_lowercase().as_str() {
        "all" | "-1" => Ok(-1),
        "0" => Ok(0),
        "1" => Ok(1),
        _ => Err(CliError::usage(format!(
            "--acks {s:?} is not -1 (all), 0 or 1"
        ))),
    }
}

/// The producer, with command-line values first and `--config` values next.
fn build_producer(topic: &Topic, args: &ProduceArgs, file: &Settings) -> CliResult<Producer> {
    let pick = |cli: &Option<String>, key: &str| cli.clone().or_else(|| file.get(key).cloned());
    let compression = match pick(&args.compression, "compression") {
        Some(c) => c
            .parse::<Compression>()
            .map_err(|e| CliError::usage(format!("-z/--compression: {e}")))?,
        None => Compression::None,
    };
    let acks = pick(&args.acks, "acks").map_or(Ok(1), |a| parse_acks(&a))?;
    let linger = match (args.linger_ms, file.get("linger-ms")) {
        (Some(l), _) => l,
        (None, Some(l)) => l
            .parse()
            .map_err(|_| CliError::usage(format!("linger-ms: {l:?} is not a number of ms")))?,
        (None, None) => 5,
    };
    let builder = topic
        .producer()
        .compression(compression)
        .required_acks(acks)
        .linger_ms(linger)
        .pending_timeout_ms(args.flush_timeout_ms)
        .use_rdkafka(args.use_rdkafka);
    let name = pick(&args.partitioner, "partitioner");
    let builder = match name.as_deref().unwrap_or("consistent_random") {
        "consistent_random" => builder.partitioner(partitioner::ConsistentRandomPartitioner::new()),
        "murmur2" => builder.partitioner(partitioner::Murmur2Partitioner::new()),
        "hashing" => builder.partitioner(partitioner::HashingPartitioner::new()),
        "random" => builder.partitioner(partitioner::RandomPartitioner::new()),
        other => {
            return Err(CliError::usage(format!(
                "--partitioner {other:?} is not consistent_random, murmur2, hashing or random"
            )))
        }
    };
    Ok(builder.build()?)
}

/// Messages and first/last offsets per partition.
#[derive(Default)]
struct Tally {
    per_partition: BTreeMap<i32, (u64, i64, i64)>,
    failed: u64,
    first_error: Option<ferrokafka::Error>,
}

impl Tally {
    fn settle(&mut self, f: DeliveryFuture) {
        match f.wait() {
            Ok(d) => {
                let e = self
                    .per_partition
                    .entry(d.partition_id)
                    .or_insert((0, d.offset, d.offset));
                e.0 += 1;
                e.1 = e.1.min(d.offset);
                e.2 = e.2.max(d.offset);
            }
            Err(err) => {
                self.failed += 1;
                self.first_error.get_or_insert(err);
            }
        }
    }

    fn delivered(&self) -> u64 {
        self.per_partition.values().map(|v| v.0).sum()
    }
}

/// Deliveries not yet looked at, and the tally of those that were.
#[derive(Default)]
struct Deliveries {
    in_flight: VecDeque<DeliveryFuture>,
    tally: Tally,
}

impl Deliveries {
    /// Past `MAX_IN_FLIGHT` the oldest is awaited (it is almost always done by then).
    fn push(&mut self, f: DeliveryFuture) {
        self.in_flight.push_back(f);
        while self.in_flight.len() > MAX_IN_FLIGHT {
            if let Some(f) = self.in_flight.pop_front() {
                self.tally.settle(f);
            }
        }
    }

    fn finish(mut self) -> Tally {
        for f in self.in_flight.drain(..) {
            self.tally.settle(f);
        }
        self.tally
    }
}

/// Calls `each` for every message of stdin: all of it with `raw`, else the pieces between delimiters (a
/// trailing delimiter ends the last message; it does not start an empty one).
fn read_messages(
    raw: bool,
    delimiter: &[u8],
    mut each: impl FnMut(&[u8]) -> CliResult<()>,
) -> CliResult<()> {
    let mut stdin = std::io::stdin().lock();
    let read_err = |e| CliError::io("reading stdin", e);
    if raw {
        let mut all = Vec::new();
        stdin.read_to_end(&mut all).map_err(read_err)?;
        return each(&all);
    }
    let mut buf = Vec::new();
    let mut chunk = vec![0u8; 64 * 1024];
    loop {
        let n = stdin.read(&mut chunk).map_err(read_err)?;
        buf.extend_from_slice(&chunk[..n]);
        let mut start = 0;
        while let Some(i) = find(&buf[start..], delimiter) {
            each(&buf[start..start + i])?;
            start += i + delimiter.len();
        }
        buf.drain(..start);
        if n == 0 {
            break;
        }
    }
    match buf.is_empty() {
        true => Ok(()),
        false => each(&buf),
    }
}

/// `produce`.
pub fn produce(ctx: &Ctx, args: &ProduceArgs, file: &Settings) -> CliResult<()> {
    super::check_engine(args.use_rdkafka)?;
    let topic = ctx.existing_topic(&args.topic)?;
    if let Some(p) = args.partition {
        if !topic.partitions().contains_key(&p) {
            return Err(CliError::usage(format!(
                "topic {:?} has no partition {p}",
                topic.name()
            )));
        }
    }
    let template = Template {
        key_delimiter: args
            .key_delimiter
            .as_deref()
            .map(|d| unescape(d, "-K/--key-delimiter"))
            .transpose()?,
        headers: args
            .headers
            .iter()
            .map(|h| parse_header(h))
            .collect::<CliResult<_>>()?,
        partition: args.partition,
    };
    let delimiter = unescape(&args.delimiter, "-D/--delimiter")?;
    if delimiter.is_empty() && !args.raw {
        return Err(CliError::usage(
            "-D/--delimiter must not be empty (use --raw for all of stdin)",
        ));
    }
    let producer = build_producer(&topic, args, file)?;
    let bar = progress::bar(None, "produced");
    let mut deliveries = Deliveries::default();
    read_messages(args.raw, &delimiter, |bytes| {
        deliveries.push(producer.produce_with(template.message(bytes))?);
        bar.inc(1);
        Ok(())
    })?;
    producer.flush(Duration::from_millis(
        u64::try_from(args.flush_timeout_ms).unwrap_or(u64::MAX),
    ))?;
    let tally = deliveries.finish();
    producer.stop()?;
    bar.finish_and_clear();
    if let Some(e) = &tally.first_error {
        return Err(CliError::Other(format!(
            "{} of {} messages failed; first failure: {e}",
            tally.failed,
            tally.failed + tally.delivered()
        )));
    }
    report(ctx, topic.name(), &tally)
}

fn report(ctx: &Ctx, topic: &str, tally: &Tally) -> CliResult<()> {
    if ctx.json {
        let list: Vec<Value> = tally
            .per_partition
            .iter()
            .map(|(p, (n, first, last))| {
                json!({"partition": p, "messages": n, "first_offset": first, "last_offset": last})
            })
            .collect();
        return print_json(
            &json!({"topic": topic, "messages": tally.delivered(), "partitions": list}),
        );
    }
    let mut table = Table::new(&["Partition", "Messages", "First Offset", "Last Offset"]);
    for (p, (n, first, last)) in &tally.per_partition {
        table.row(vec![
            p.to_string(),
            n.to_string(),
            first.to_string(),
            last.to_string(),
        ]);
    }
    print(&format!(
        "Produced {} messages to {topic}.\n{}",
        tally.delivered(),
        table.render()
    ))
}
