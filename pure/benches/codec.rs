//! RecordBatch v2 encode/decode throughput: 1000 records of 100 bytes, each codec.
//!
//! `cargo bench -p ferrokafka-pure --bench codec -- --warm-up-time 1 --measurement-time 3`
//!
//! Two groups: `record_batch_v2` (wall clock) and `record_batch_v2_cpu` (this thread's CPU
//! time from `/proc/thread-self/schedstat`), because the build machines are shared and wall
//! time there mostly measures the neighbours.

use std::time::Duration;

use criterion::measurement::{Measurement, ValueFormatter, WallTime};
use criterion::{
    black_box, criterion_group, criterion_main, BenchmarkGroup, BenchmarkId, Criterion, Throughput,
};
use ferrokafka_pure::compression::Compression;
use ferrokafka_pure::records::{
    decode_fetch_records, BatchOptions, DecodeOptions, RecordBatchBuilder,
};

const RECORDS: usize = 1000;
const VALUE: usize = 100;

/// Values that compress like typical JSON-ish payloads (not all zeros).
fn values() -> Vec<Vec<u8>> {
    (0..RECORDS)
        .map(|i| {
            format!(
                "{{\"id\":{i},\"user\":\"user-{}\",\"event\":\"click\",\"ts\":{}}}",
                i % 97,
                1_700_000_000_000u64 + i as u64
            )
            .into_bytes()
            .into_iter()
            .chain(std::iter::repeat(b'x'))
            .take(VALUE)
            .collect()
        })
        .collect()
}

fn encode(values: &[Vec<u8>], codec: Compression) -> bytes::Bytes {
    let opts = BatchOptions {
        compression: codec,
        ..Default::default()
    };
    let mut b = RecordBatchBuilder::with_capacity(opts, RECORDS * (VALUE + 16));
    for (i, v) in values.iter().enumerate() {
        b.push(1_700_000_000_000 + i as i64, None, Some(v), &[])
            .expect("push");
    }
    b.finish().expect("finish")
}

/// CPU time of the benchmarking thread, in nanoseconds (Linux).
struct ThreadCpu;

fn thread_cpu_ns() -> u64 {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse().ok())
        .expect("/proc/thread-self/schedstat (Linux only)")
}

impl Measurement for ThreadCpu {
    type Intermediate = u64;
    type Value = Duration;
    fn start(&self) -> u64 {
        thread_cpu_ns()
    }
    fn end(&self, start: u64) -> Duration {
        Duration::from_nanos(thread_cpu_ns().saturating_sub(start))
    }
    fn add(&self, a: &Duration, b: &Duration) -> Duration {
        *a + *b
    }
    fn zero(&self) -> Duration {
        Duration::ZERO
    }
    fn to_f64(&self, v: &Duration) -> f64 {
        v.as_nanos() as f64
    }
    fn formatter(&self) -> &dyn ValueFormatter {
        WallTime.formatter()
    }
}

fn bench(c: &mut Criterion) {
    let g = c.benchmark_group("record_batch_v2");
    run(g);
}

fn bench_cpu(c: &mut Criterion<ThreadCpu>) {
    let mut g = c.benchmark_group("record_batch_v2_cpu");
    // The clock only advances at context switches and ticks: few, long samples.
    g.sample_size(10)
        .sampling_mode(criterion::SamplingMode::Flat);
    run(g);
}

fn run<M: Measurement>(mut g: BenchmarkGroup<'_, M>) {
    let values = values();
    let raw = (RECORDS * VALUE) as u64;
    g.throughput(Throughput::Bytes(raw));
    for codec in Compression::ALL {
        g.bench_with_input(BenchmarkId::new("encode", codec), &codec, |b, &codec| {
            b.iter(|| encode(black_box(&values), codec))
        });
        let batch = encode(&values, codec);
        let opts = DecodeOptions::default();
        g.bench_with_input(BenchmarkId::new("decode", codec), &batch, |b, batch| {
            b.iter(|| {
                let f = decode_fetch_records(black_box(batch), &opts);
                assert_eq!(f.records.len(), RECORDS);
                f
            })
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_group! {
    name = benches_cpu;
    config = Criterion::default().with_measurement(ThreadCpu);
    targets = bench_cpu
}
criterion_main!(benches, benches_cpu);
