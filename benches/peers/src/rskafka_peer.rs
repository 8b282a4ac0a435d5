//! rskafka 0.6 (InfluxData), as its docs suggest using it: one `BatchProducer` per partition fed round-robin
//! (its aggregator's limit leaves out the batch framing, so it is 85% of the request size), and one `fetch_records` loop per partition. rskafka always produces with acks=all.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::StreamExt;
use rskafka::client::partition::{PartitionClient, UnknownTopicHandling};
use rskafka::client::producer::aggregator::RecordAggregator;
use rskafka::client::producer::BatchProducerBuilder;
use rskafka::client::ClientBuilder;
use rskafka::record::Record;

use crate::args::Cli;
use crate::rdkafka_peers::runtime;
use crate::{payload, Outcome, RunResult};

/// The aggregator counts record sizes without the batch's framing: 85% of the request size keeps the
/// encoded batch under it (950,000 was seen failing with MessageTooLarge at 100 B values).
fn aggregator_limit(cli: &Cli) -> usize {
    (cli.max_request_size as usize).saturating_mul(85) / 100
}

async fn partition_clients(cli: &Cli) -> Result<Vec<Arc<PartitionClient>>, String> {
    let client = ClientBuilder::new(vec![cli.bootstrap.clone()])
        .build()
        .await
        .map_err(|e| format!("rskafka client: {e}"))?;
    let mut out = Vec::new();
    for p in 0..cli.partitions {
        let pc = client
            .partition_client(cli.topic.clone(), p, UnknownTopicHandling::Retry)
            .await
            .map_err(|e| format!("partition client {p}: {e}"))?;
        out.push(Arc::new(pc));
    }
    Ok(out)
}

pub fn produce(cli: &Cli) -> RunResult {
    runtime()?.block_on(async {
        let producers: Vec<_> = partition_clients(cli)
            .await?
            .into_iter()
            .map(|pc| {
                BatchProducerBuilder::new(pc)
                    .with_linger(Duration::from_millis(cli.linger_ms))
                    .build(RecordAggregator::new(aggregator_limit(cli)))
            })
            .collect();
        let value = payload(cli.size as usize);
        let start = Instant::now();
        let mut window = futures::stream::FuturesUnordered::new();
        for i in 0..cli.messages {
            let producer = &producers[(i % producers.len() as u64) as usize];
            let record = Record {
                key: None,
                value: Some(value.clone()),
                headers: Default::default(),
                timestamp: chrono::Utc::now(),
            };
            let sent = Instant::now();
            window.push(async move { (producer.produce(record).await, sent) });
            if window.len() >= 200_000 {
                while window.len() > 100_000 {
                    if let Some((r, _)) = window.next().await {
                        r.map_err(|e| format!("produce: {e}"))?;
                    }
                }
            }
        }
        while let Some((r, _)) = window.next().await {
            r.map_err(|e| format!("produce: {e}"))?;
        }
        Ok(Outcome {
            seconds: start.elapsed().as_secs_f64(),
            ..Outcome::default()
        })
    })
}

pub fn consume(cli: &Cli) -> RunResult {
    runtime()?.block_on(async {
        let clients = partition_clients(cli).await?;
        let count = Arc::new(AtomicU64::new(0));
        let first = Arc::new(std::sync::OnceLock::<Instant>::new());
        let target = cli.messages;
        let mut tasks = Vec::new();
        for pc in clients {
            let (count, first) = (Arc::clone(&count), Arc::clone(&first));
            tasks.push(tokio::spawn(async move {
                let mut offset = 0i64;
                let mut idle = Instant::now();
                while count.load(Ordering::Relaxed) < target {
                    let (records, high) = pc
                        .fetch_records(offset, 1..8 * 1024 * 1024, 500)
                        .await
                        .map_err(|e| format!("fetch: {e}"))?;
                    if records.is_empty() {
                        if offset >= high && idle.elapsed() > Duration::from_secs(1) {
                            return Ok::<(), String>(()); // this partition is read to its end
                        }
                        continue;
                    }
                    idle = Instant::now();
                    first.get_or_init(Instant::now);
                    offset = records.last().map_or(offset, |r| r.offset + 1);
                    count.fetch_add(records.len() as u64, Ordering::Relaxed);
                }
                Ok(())
            }));
        }
        for t in tasks {
            t.await.map_err(|e| format!("fetch task: {e}"))??;
        }
        let got = count.load(Ordering::Relaxed);
        if got < target {
            return Err(format!("ran dry after {got} of {target} messages"));
        }
        Ok(Outcome {
            seconds: first.get().map_or(0.0, |s| s.elapsed().as_secs_f64()),
            ..Outcome::default()
        })
    })
}
