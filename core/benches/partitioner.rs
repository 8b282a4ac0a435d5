//! Cost of choosing a partition for a 16-byte key over 12 partitions.

use criterion::{black_box, criterion_group, criterion_main, Criterion};
use ferrokafka_core::partitioner::{
    murmur2, ConsistentRandomPartitioner, HashingPartitioner, Murmur2Partitioner, Partitioner,
    RandomPartitioner,
};

fn partitioners(c: &mut Criterion) {
    let key = *b"user-0000012345!";
    let ids: Vec<i32> = (0..12).collect();
    let shuffled: Vec<i32> = vec![3, 7, 0, 11, 5, 1, 9, 2, 10, 4, 8, 6];

    c.bench_function("murmur2 hash, 16 B", |b| {
        b.iter(|| murmur2(black_box(&key)))
    });
    let murmur = Murmur2Partitioner;
    c.bench_function("murmur2 partitioner, 16 B, 12 partitions", |b| {
        b.iter(|| murmur.partition(black_box(&ids), Some(black_box(&key))))
    });
    let hashing = HashingPartitioner::new();
    c.bench_function("hashing (sha1) partitioner, 16 B, 12 partitions", |b| {
        b.iter(|| hashing.partition(black_box(&ids), Some(black_box(&key))))
    });
    c.bench_function(
        "hashing (sha1) partitioner, 16 B, 12 partitions unsorted",
        |b| b.iter(|| hashing.partition(black_box(&shuffled), Some(black_box(&key)))),
    );
    let consistent = ConsistentRandomPartitioner;
    c.bench_function("consistent_random (crc32) partitioner, 16 B", |b| {
        b.iter(|| consistent.partition(black_box(&ids), Some(black_box(&key))))
    });
    let round_robin = RandomPartitioner::new();
    c.bench_function("random (round-robin) partitioner", |b| {
        b.iter(|| round_robin.partition(black_box(&ids), None))
    });
}

criterion_group!(benches, partitioners);
criterion_main!(benches);
