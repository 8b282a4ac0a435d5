//! The `produce` and `consume` subcommands: one ferrokafka engine, one workload, one report.

use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use crate::error::Error;
use ferrokafka::{DeliveryFuture, KafkaClient, OutgoingMessage};

use crate::cli::{Engine, RunArgs};
use crate::report::{quantile, Report};
use crate::usage;

/// Every n-th message's delivery is timed: timing all of them would cost as much as producing.
const LATENCY_SAMPLE_EVERY: u64 = 16;
/// PyKafka's default `fetch_message_max_bytes`, kept unless `--size` needs more.
const DEFAULT_FETCH_MAX_BYTES: u64 = 1024 * 1024;
/// How long the final flush may take before the run fails.
const FLUSH_TIMEOUT: Duration = Duration::from_secs(600);

fn client_name(engine: Engine) -> String {
    match engine {
        Engine::Pure => "ferrokafka-pure".into(),
        Engine::Native => "ferrokafka-native".into(),
    }
}

fn base_report(args: &RunArgs, mode: &str) -> Report {
    Report {
        client: client_name(args.engine),
        mode: mode.into(),
        messages: args.messages,
        size: args.size,
        compression: args.compression.name().into(),
        acks: args.acks,
        ..Report::default()
    }
}

/// Produce `--messages` values of `--size` bytes, fire-and-forget except for a latency sample (every message
/// when paced with `--rate`). Unsampled messages go through `produce_detached`, as a program that never looks
/// at a delivery would send them.
pub fn produce(args: &RunArgs) -> Result<Report, Error> {
    args.check()
        .map_err(|e| Error::Harness(format!("--size: {e}")))?;
    let client = KafkaClient::new(&args.bootstrap)?;
    let topic = client.topic(&args.topic)?;
    wait_for_leaders(&topic)?;
    let mut builder = topic
        .producer()
        .compression(args.compression.compression())
        .required_acks(args.acks)
        .linger_ms(args.linger_ms)
        .max_request_size(args.request_size() as i64)
        .use_rdkafka(args.engine == Engine::Native);
    if args.round_robin {
        builder = builder.partitioner(ferrokafka::partitioner::RandomPartitioner::new());
    }
    let producer = builder.build()?;
    let value = bytes_value(args.size);
    // A bounded channel: a slow latency thread slows the producer down instead of growing memory.
    let (tx, rx) = mpsc::sync_channel::<(Instant, DeliveryFuture)>(100_000);
    let waiter = thread::spawn(move || {
        let mut latencies = Vec::new();
        let mut failure = None;
        for (sent, future) in rx {
            match future.wait() {
                Ok(_) => latencies.push(sent.elapsed().as_secs_f64() * 1e3),
                Err(e) => failure = Some(e),
            }
        }
        (latencies, failure)
    });
    let start = Instant::now();
    let sample_every = if args.rate.is_some() {
        1
    } else {
        LATENCY_SAMPLE_EVERY
    };
    for i in 0..args.messages {
        pace(args.rate, start, i);
        if i % sample_every == 0 {
            let sent = Instant::now();
            let future = producer.produce(value.clone())?;
            tx.send((sent, future))
                .map_err(|_| Error::Harness("the latency thread stopped".into()))?;
        } else {
            producer.produce_detached(OutgoingMessage::new(value.clone()))?;
        }
    }
    producer.flush(FLUSH_TIMEOUT)?;
    let seconds = start.elapsed().as_secs_f64();
    drop(tx);
    let (mut latencies, failure) = waiter
        .join()
        .map_err(|_| Error::Harness("the latency thread panicked".into()))?;
    if let Some(e) = failure {
        return Err(e.into());
    }
    latencies.sort_by(f64::total_cmp);
    Ok(Report {
        seconds,
        latency_p50_ms: quantile(&latencies, 0.50),
        latency_p99_ms: quantile(&latencies, 0.99),
        latency_max_ms: latencies.last().copied(),
        cpu_seconds: usage::cpu_seconds(),
        peak_rss_mb: usage::peak_rss_bytes() as f64 / 1e6,
        ..base_report(args, "produce")
    }
    .with_rates())
}

/// How long a fresh topic may take until every partition's leader serves it.
const LEADERS_TIMEOUT: Duration = Duration::from_secs(120);

/// Wait, before the clock starts, until every partition's leader answers for it (ListOffsets succeeds), as a
/// program writing to a topic it just created would. Metadata names a fresh topic's leaders before the
/// brokers have created its logs; at 1000 partitions on a loaded machine that takes seconds, and a timed run
/// would measure the wait (or run into the producer's leader-wait bound) instead of the producer.
pub(crate) fn wait_for_leaders(topic: &ferrokafka::Topic) -> Result<(), Error> {
    let deadline = Instant::now() + LEADERS_TIMEOUT;
    loop {
        let last = match topic.latest_available_offsets() {
            Ok(offsets) => match offsets.iter().find(|(_, o)| o.error.is_some()) {
                None if !offsets.is_empty() => return Ok(()),
                None => "no partitions yet".to_string(),
                Some((p, o)) => format!("partition {p}: {:?}", o.error),
            },
            Err(e) => e.to_string(),
        };
        if Instant::now() > deadline {
            return Err(Error::Harness(format!(
                "topic {:?} not writable after {LEADERS_TIMEOUT:?}: {last}",
                topic.name()
            )));
        }
        thread::sleep(Duration::from_millis(200));
        // Look again with fresh metadata.
        let _ = topic.update();
    }
}

/// Consume `--messages` messages from the start of the topic; fails if the topic runs dry first.
pub fn consume(args: &RunArgs) -> Result<Report, Error> {
    let client = KafkaClient::new(&args.bootstrap)?;
    let topic = client.topic(&args.topic)?;
    let mut builder = topic
        .simple_consumer()
        .consumer_timeout_ms(10_000)
        .use_rdkafka(args.engine == Engine::Native);
    if let Some(on) = args.check_crcs {
        builder = builder.check_crcs(on);
    }
    if args.request_size() > DEFAULT_FETCH_MAX_BYTES {
        // Big messages: one fetch must hold at least one whole message.
        builder = builder.fetch_message_max_bytes(args.request_size() as i64);
    }
    let consumer = builder.build()?;
    let mut count = 0u64;
    let mut bytes = 0u64;
    let mut start = None;
    while count < args.messages {
        match consumer.consume(true)? {
            Some(m) => {
                start.get_or_insert_with(Instant::now);
                count += 1;
                bytes += m.value.as_ref().map_or(0, |v| v.len() as u64);
            }
            None => {
                return Err(Error::Harness(format!(
                    "topic {} ran dry after {count} of {} messages (10 s without one)",
                    args.topic, args.messages
                )))
            }
        }
    }
    let seconds = start.map_or(0.0, |s| s.elapsed().as_secs_f64());
    Ok(Report {
        seconds,
        size: bytes / count.max(1),
        cpu_seconds: usage::cpu_seconds(),
        peak_rss_mb: usage::peak_rss_bytes() as f64 / 1e6,
        ..base_report(args, "consume")
    }
    .with_rates())
}

/// Sleeps until message `i` is due when paced at `rate` msgs/s from `start` (no-op unpaced).
fn pace(rate: Option<u64>, start: Instant, i: u64) {
    if let Some(rate) = rate {
        let due = start + Duration::from_secs_f64(i as f64 / rate as f64);
        let now = Instant::now();
        if due > now {
            thread::sleep(due - now);
        }
    }
}

fn bytes_value(size: u64) -> bytes::Bytes {
    // Not all one byte, so compressed runs do some work; still highly compressible, like perf-test payloads.
    // A shared `Bytes`: a clone per message is a reference count, as a real application's buffer would be.
    (0..size)
        .map(|i| b'a' + (i % 26) as u8)
        .collect::<Vec<u8>>()
        .into()
}
