//! The pure producer's hot path without a broker: `produce()` (partitioner, queue, accounting), the drain
//! into per-broker requests, RecordBatch v2 encoding, and completion of every message — over an in-memory
//! transport that acknowledges each partition at once. `cargo bench -p ferrokafka-pure --bench produce_path`.

use std::collections::HashMap;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use ferrokafka_core::options::ProducerOptions;
use ferrokafka_core::partitioner::RandomPartitioner;
use ferrokafka_core::{OutgoingMessage, ProducerApi, Result};
use ferrokafka_pure::producer::{
    BoxFuture, PartitionOutcome, ProduceCall, ProduceTransport, ProducerParts, PureProducer,
    RecordsEncoder, TopicLayout,
};

const PARTITIONS: i32 = 6;
const MESSAGES: u64 = 100_000;

/// Acknowledges every partition of every request immediately, counting offsets.
#[derive(Debug, Default)]
struct InstantAck {
    next_offset: AtomicI64,
}

impl ProduceTransport for InstantAck {
    fn layout(&self, _: &str) -> Result<TopicLayout> {
        Ok(TopicLayout {
            partitions: (0..PARTITIONS).collect(),
            leaders: (0..PARTITIONS)
                .map(|p| (p, p % 2))
                .collect::<HashMap<_, _>>(),
        })
    }

    fn partition_ids(&self, _: &str) -> Result<Vec<i32>> {
        Ok((0..PARTITIONS).collect())
    }

    fn refresh_metadata<'a>(&'a self, _: &'a str) -> BoxFuture<'a, Result<()>> {
        Box::pin(async { Ok(()) })
    }

    fn produce_version(&self, _: i32) -> BoxFuture<'_, Result<i16>> {
        Box::pin(async { Ok(9) })
    }

    fn produce(
        &self,
        _: i32,
        _: i16,
        call: ProduceCall,
    ) -> BoxFuture<'_, Result<Vec<PartitionOutcome>>> {
        Box::pin(async move {
            Ok(call
                .partitions
                .into_iter()
                .map(|(partition, records)| PartitionOutcome {
                    partition,
                    error_code: 0,
                    base_offset: self
                        .next_offset
                        .fetch_add(records.len() as i64, Ordering::Relaxed),
                    log_append_time_ms: -1,
                    error_message: None,
                })
                .collect())
        })
    }
}

fn produce_path(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("runtime");
    let value = Bytes::from(vec![b'x'; 100]);
    let mut group = c.benchmark_group("produce_path");
    group.throughput(Throughput::Elements(MESSAGES));
    group.sample_size(10);
    group.bench_function("100k x 100 B, linger 0", |b| {
        b.iter_batched(
            || {
                let options = ProducerOptions {
                    linger_ms: 0,
                    max_queued_messages: 200_000,
                    ..Default::default()
                };
                PureProducer::new(ProducerParts {
                    topic: "bench".into(),
                    options,
                    transport: Arc::new(InstantAck::default()),
                    encoder: Arc::new(RecordsEncoder),
                    partitioner: Arc::new(RandomPartitioner::default()),
                    runtime: runtime.handle().clone(),
                })
                .expect("producer")
            },
            |producer| {
                for _ in 0..MESSAGES {
                    // The futures are dropped: completion still runs, as for a fire-and-forget caller.
                    drop(
                        producer
                            .produce(OutgoingMessage::new(value.clone()))
                            .expect("queued"),
                    );
                }
                producer.flush(Duration::from_secs(60)).expect("flushed");
                producer
            },
            BatchSize::PerIteration,
        )
    });
    group.finish();
}

criterion_group!(benches, produce_path);
criterion_main!(benches);
