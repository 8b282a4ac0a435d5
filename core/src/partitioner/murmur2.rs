//! The Java client's default key placement (`Utils.murmur2`), which librdkafka also offers as `murmur2_random`.

use super::{no_partitions, nth_sorted, random_partition, Partitioner};
use crate::error::Result;

/// The Kafka Java client's `org.apache.kafka.common.utils.Utils.murmur2(byte[])`: 32-bit MurmurHash2 with seed
/// `0x9747b28c`, little-endian 4-byte blocks, the tail bytes folded in from the highest down. Returned as Java's
/// signed `int`, so the values compare directly with Java's (e.g. `murmur2(b"21") == -973932308`).
///
/// Java reads every byte as `data[i] & 0xff` and multiplies with 32-bit wrap-around, which is exactly `u32`
/// wrapping arithmetic on unsigned bytes, as here; librdkafka's `rd_murmur2` is the same function.
pub fn murmur2(data: &[u8]) -> i32 {
    const SEED: u32 = 0x9747_b28c;
    const M: u32 = 0x5bd1_e995;
    const R: u32 = 24;

    // Java: `int h = seed ^ length` (array lengths fit in an int).
    let mut h: u32 = SEED ^ (data.len() as u32);
    let mut blocks = data.chunks_exact(4);
    for block in &mut blocks {
        let mut k = u32::from_le_bytes([block[0], block[1], block[2], block[3]]);
        k = k.wrapping_mul(M);
        k ^= k >> R;
        k = k.wrapping_mul(M);
        h = h.wrapping_mul(M);
        h ^= k;
    }
    // Java's fall-through `switch (length % 4)`.
    let tail = blocks.remainder();
    if tail.len() >= 3 {
        h ^= u32::from(tail[2]) << 16;
    }
    if tail.len() >= 2 {
        h ^= u32::from(tail[1]) << 8;
    }
    if !tail.is_empty() {
        h ^= u32::from(tail[0]);
        h = h.wrapping_mul(M);
    }
    h ^= h >> 13;
    h = h.wrapping_mul(M);
    h ^= h >> 15;
    h as i32
}

/// The Java client's `Utils.toPositive(int)`: `number & 0x7fffffff`, not `abs` (which would overflow for
/// `i32::MIN` and give other partitions for negative hashes).
pub fn to_positive(number: i32) -> i32 {
    number & 0x7fff_ffff
}

/// The Java producer's placement of keyed messages, `toPositive(murmur2(key)) % numPartitions` (the
/// `DefaultPartitioner` before Kafka 3.3, `BuiltInPartitioner.partitionForKey` since), which is also librdkafka's
/// `murmur2_random` partitioner. Use it so ferrokafka, Java and librdkafka producers (with
/// `partitioner=murmur2_random`) put a key on the same partition. An empty key (`Some(b"")`) is hashed like any
/// other, as both do.
///
/// Java and librdkafka use the hash modulo the partition count *as the partition id*; here it indexes the ids
/// sorted, which is the same thing for a topic whose ids are `0..n`, as every Kafka topic's are.
///
/// **Keyless messages** (`None`) go to a uniformly random partition, per message, as librdkafka's
/// `murmur2_random` does. The Java producer instead is "sticky" for null keys (since Kafka 2.4; adaptive since
/// 3.3): it keeps one partition until a batch fills or `linger.ms` expires, then switches. Both spread load evenly
/// over time and neither promises anything about where a null key goes, so the difference only shows in batch
/// sizes, not in correctness; batching is the producer's concern, not a partitioner's.
#[derive(Debug, Clone, Copy, Default)]
pub struct Murmur2Partitioner;

impl Murmur2Partitioner {
    /// The partitioner (stateless; `new` for symmetry with the other partitioners).
    pub fn new() -> Self {
        Murmur2Partitioner
    }
}

impl Partitioner for Murmur2Partitioner {
    fn partition(&self, partitions: &[i32], key: Option<&[u8]>) -> Result<i32> {
        let Some(key) = key else {
            return random_partition(partitions);
        };
        if partitions.is_empty() {
            return Err(no_partitions());
        }
        // to_positive(..) >= 0, so the cast is lossless; the index is < partitions.len().
        let index = to_positive(murmur2(key)) as usize % partitions.len();
        Ok(nth_sorted(partitions, index))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Apache Kafka's `UtilsTest.testMurmur2` (clients/src/test/java/org/apache/kafka/common/utils/UtilsTest.java).
    #[test]
    fn kafka_utils_test_vectors() {
        let cases: [(&[u8], i32); 6] = [
            (b"21", -973932308),
            (b"foobar", -790332482),
            (b"a-little-bit-long-string", -985981536),
            (b"a-little-bit-longer-string", -1486304829),
            (
                b"lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8",
                -58897971,
            ),
            (b"abc", 479470107),
        ];
        for (key, want) in cases {
            assert_eq!(
                murmur2(key),
                want,
                "murmur2({:?})",
                String::from_utf8_lossy(key)
            );
        }
    }

    #[test]
    fn to_positive_masks_the_sign_bit() {
        assert_eq!(to_positive(-973932308), -973932308 & 0x7fffffff);
        assert_eq!(to_positive(i32::MIN), 0);
        assert_eq!(to_positive(-1), i32::MAX);
        assert_eq!(to_positive(5), 5);
    }

    #[test]
    fn keyed_placement_is_java_s() {
        let ids: Vec<i32> = (0..7).rev().collect();
        let want = to_positive(-790332482) % 7;
        assert_eq!(
            Murmur2Partitioner.partition(&ids, Some(b"foobar")).unwrap(),
            want
        );
        assert!(Murmur2Partitioner.partition(&[], Some(b"foobar")).is_err());
        assert!(Murmur2Partitioner.partition(&[], None).is_err());
        assert!(ids.contains(&Murmur2Partitioner.partition(&ids, None).unwrap()));
    }
}
