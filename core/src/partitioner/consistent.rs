//! librdkafka's default partitioner, `consistent_random`: CRC-32 of the key.

use super::{no_partitions, nth_sorted, random_partition, Partitioner};
use crate::error::Result;

/// librdkafka's default `partitioner=consistent_random` (`rd_kafka_msg_partitioner_consistent_random`):
/// `crc32(key) % partition_cnt` for a non-empty key, a random partition when the key is `None` **or empty**
/// (librdkafka tests `keylen == 0`). The CRC is the standard CRC-32 (IEEE, as zlib's `crc32`), which is what
/// librdkafka's `rd_crc32` computes.
///
/// Use it to share keyed topics with librdkafka-based producers left on their default (confluent-kafka-python,
/// kcat, ...). It differs from the Java client's placement ([`Murmur2Partitioner`](super::Murmur2Partitioner)) and
/// from PyKafka's ([`HashingPartitioner`](super::HashingPartitioner)). As there, the hash modulo the count indexes
/// the sorted ids, the same as librdkafka's id for a topic whose ids are `0..n`.
#[derive(Debug, Clone, Copy, Default)]
pub struct ConsistentRandomPartitioner;

impl ConsistentRandomPartitioner {
    /// The partitioner (stateless; `new` for symmetry with the other partitioners).
    pub fn new() -> Self {
        ConsistentRandomPartitioner
    }
}

impl Partitioner for ConsistentRandomPartitioner {
    fn partition(&self, partitions: &[i32], key: Option<&[u8]>) -> Result<i32> {
        let key = match key {
            Some(key) if !key.is_empty() => key,
            _ => return random_partition(partitions),
        };
        if partitions.is_empty() {
            return Err(no_partitions());
        }
        let index = crc32fast::hash(key) as usize % partitions.len();
        Ok(nth_sorted(partitions, index))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc32_of_the_key() {
        // zlib.crc32(b"123456789") == 0xcbf43926, the CRC-32 check value.
        let ids: Vec<i32> = (0..1000).collect();
        let want = (0xcbf4_3926u32 % 1000) as i32;
        let p = ConsistentRandomPartitioner;
        assert_eq!(p.partition(&ids, Some(b"123456789")).unwrap(), want);
        assert!(ids.contains(&p.partition(&ids, Some(b"")).unwrap()));
        assert!(ids.contains(&p.partition(&ids, None).unwrap()));
        assert!(p.partition(&[], None).is_err());
        assert!(p.partition(&[], Some(b"k")).is_err());
    }
}
