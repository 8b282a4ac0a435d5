//! krafka 0.28 (pure Rust), driven the fastest way its docs offer: `enqueue` every record and drop its
//! `DeliveryHandle` (a dropped handle still delivers), `flush` at the end, and the producer's own metrics to
//! prove every record was acknowledged; 1 MiB batches (its default is 16 KiB) and a 256 MiB buffer. Idempotence
//! is turned off because it demands acks=all. The consumer belongs to no group, takes every partition from
//! the earliest offset and `poll`s batches of up to 10,000 records.

use std::time::{Duration, Instant};

use krafka::consumer::AutoOffsetReset;
use krafka::producer::{Acks, Producer};
use krafka::{Kafka, Record};

use crate::args::Cli;
use crate::rdkafka_peers::runtime;
use crate::{pace, payload, Outcome, RunResult};

/// Largest batch the producer builds, bytes (capped by `--max-request-size`).
const BATCH_BYTES: u64 = 1_048_576;
/// Records handed out per `poll`.
const POLL_RECORDS: i32 = 10_000;
/// How long the consumer may go without a record before the run fails.
const IDLE_LIMIT: Duration = Duration::from_secs(10);

async fn connect(cli: &Cli) -> Result<Kafka, String> {
    Kafka::builder(cli.bootstrap.clone())
        .client_id("ferrokafka-peers-krafka")
        .connect()
        .await
        .map_err(|e| format!("krafka connect: {e}"))
}

fn acks(cli: &Cli) -> Acks {
    match cli.acks {
        0 => Acks::None,
        1 => Acks::Leader,
        _ => Acks::All,
    }
}

async fn producer(cli: &Cli) -> Result<Producer, String> {
    connect(cli)
        .await?
        .producer()
        .acks(acks(cli))
        .idempotent(false)
        .linger(Duration::from_millis(cli.linger_ms))
        .batch_size(cli.max_request_size.min(BATCH_BYTES) as usize)
        .max_request_size(cli.max_request_size as usize)
        .buffer_memory(256 * 1024 * 1024)
        .build()
        .await
        .map_err(|e| format!("krafka producer: {e}"))
}

pub fn produce(cli: &Cli) -> RunResult {
    runtime()?.block_on(async {
        let producer = producer(cli).await?;
        let value = bytes::Bytes::from(payload(cli.size as usize));
        let timed = cli.rate.is_some();
        let mut waiting = Vec::new();
        let start = Instant::now();
        for i in 0..cli.messages {
            pace(cli.rate, start, i);
            let sent = Instant::now();
            let handle = producer
                .enqueue(Record::new(cli.topic.as_str(), value.clone()))
                .await
                .map_err(|e| format!("enqueue: {e}"))?;
            if timed {
                // Paced runs time every delivery, on their own task so the pacing is not held up.
                waiting.push(tokio::spawn(async move {
                    handle
                        .await
                        .map(|_| sent.elapsed().as_secs_f64() * 1e3)
                        .map_err(|e| format!("delivery: {e}"))
                }));
            }
        }
        producer.flush().await.map_err(|e| format!("flush: {e}"))?;
        let seconds = start.elapsed().as_secs_f64();
        let mut latencies_ms = Vec::with_capacity(waiting.len());
        for w in waiting {
            latencies_ms.push(w.await.map_err(|e| format!("delivery task: {e}"))??);
        }
        let m = producer.metrics().producer;
        producer.close().await.map_err(|e| format!("close: {e}"))?;
        if m.errors > 0 || m.records_sent < cli.messages {
            return Err(format!(
                "{} of {} records acknowledged, {} batches failed",
                m.records_sent, cli.messages, m.errors
            ));
        }
        Ok(Outcome {
            seconds,
            latencies_ms,
            ..Outcome::default()
        })
    })
}

pub fn consume(cli: &Cli) -> RunResult {
    runtime()?.block_on(async {
        let fetch_bytes = cli.max_request_size.max(BATCH_BYTES).min(i32::MAX as u64) as i32;
        let consumer = connect(cli)
            .await?
            .consumer_without_group()
            .auto_offset_reset(AutoOffsetReset::Earliest)
            .enable_auto_commit(false)
            .max_poll_records(POLL_RECORDS)
            .max_buffered_records(4 * POLL_RECORDS)
            .max_partition_fetch_bytes(fetch_bytes)
            .fetch_max_bytes(fetch_bytes.saturating_mul(8))
            .build()
            .await
            .map_err(|e| format!("krafka consumer: {e}"))?;
        consumer
            .assign(&cli.topic, (0..cli.partitions).collect())
            .await
            .map_err(|e| format!("assign: {e}"))?;
        let mut count = 0u64;
        let mut first = None;
        let mut idle = Instant::now();
        while count < cli.messages {
            let records = consumer
                .poll(Duration::from_millis(100))
                .await
                .map_err(|e| format!("poll: {e}"))?;
            if records.is_empty() {
                if idle.elapsed() > IDLE_LIMIT {
                    return Err(format!(
                        "ran dry after {count} of {} messages",
                        cli.messages
                    ));
                }
                continue;
            }
            first.get_or_insert_with(Instant::now);
            idle = Instant::now();
            count += records.len() as u64;
        }
        let seconds = first.map_or(0.0, |s: Instant| s.elapsed().as_secs_f64());
        consumer.close().await.map_err(|e| format!("close: {e}"))?;
        Ok(Outcome {
            seconds,
            ..Outcome::default()
        })
    })
}
