//! The default partitioner: keyed messages by murmur2 (Java's placement), keyless ones sticky (KIP-480).

use std::sync::atomic::{AtomicI64, Ordering};

use rand::Rng;

use super::{no_partitions, Murmur2Partitioner, Partitioner};
use crate::error::Result;

/// No partition chosen yet (or the last one's batch was just sent).
const NONE: i64 = -1;

/// The pure engine's default partitioner, the Java client's default placement: keyless messages all go to one
/// partition until the producer sends that partition's batch or finds it holding a full request's worth
/// ([`Partitioner::on_batch_sent`]), then to another chosen at random. Batches stay large however many
/// partitions the topic has (the Java client's and librdkafka's default since KIP-480).
///
/// Keyed messages go where [`Murmur2Partitioner`] puts them, as the Java client's and librdkafka's
/// `murmur2_random` do, so a key keeps its partition and its order (PyKafka's default ignores the key and
/// goes round-robin: pass `RandomPartitioner::new()` for that).
#[derive(Debug)]
pub struct StickyPartitioner {
    current: AtomicI64,
    keyed: Murmur2Partitioner,
}

impl Default for StickyPartitioner {
    fn default() -> Self {
        StickyPartitioner {
            current: AtomicI64::new(NONE),
            keyed: Murmur2Partitioner::new(),
        }
    }
}

impl StickyPartitioner {
    /// A partitioner that has not chosen a partition yet.
    pub fn new() -> Self {
        Self::default()
    }
}

/// Whether `id` is one of `partitions` (ids are usually `0..n` in order: check that slot first).
fn listed(partitions: &[i32], id: i64) -> bool {
    let Ok(id) = i32::try_from(id) else {
        return false;
    };
    let slot = usize::try_from(id).ok().and_then(|i| partitions.get(i));
    slot == Some(&id) || partitions.contains(&id)
}

impl Partitioner for StickyPartitioner {
    fn partition(&self, partitions: &[i32], key: Option<&[u8]>) -> Result<i32> {
        if key.is_some() {
            return self.keyed.partition(partitions, key);
        }
        if partitions.is_empty() {
            return Err(no_partitions());
        }
        let current = self.current.load(Ordering::Acquire);
        if listed(partitions, current) {
            return Ok(current as i32);
        }
        let chosen = i64::from(partitions[rand::thread_rng().gen_range(0..partitions.len())]);
        // Another thread may have chosen first: everyone sticks to the winner.
        match self
            .current
            .compare_exchange(current, chosen, Ordering::AcqRel, Ordering::Acquire)
        {
            Ok(_) => Ok(chosen as i32),
            Err(winner) if listed(partitions, winner) => Ok(winner as i32),
            Err(_) => Ok(chosen as i32),
        }
    }

    fn on_batch_sent(&self, partition: i32) {
        // Only the partition being stuck to moves on; a batch of an older one changes nothing.
        let _ = self.current.compare_exchange(
            i64::from(partition),
            NONE,
            Ordering::AcqRel,
            Ordering::Relaxed,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sticks_until_the_batch_is_sent_then_moves() {
        let p = StickyPartitioner::new();
        let ids: Vec<i32> = (0..100).collect();
        let first = p.partition(&ids, None).unwrap();
        assert!((0..1000).all(|_| p.partition(&ids, None).unwrap() == first));
        p.on_batch_sent(first + 1);
        assert_eq!(
            p.partition(&ids, None).unwrap(),
            first,
            "another partition's batch"
        );
        // After its batch is sent it picks again at random: over many batches, more than one partition.
        let mut seen = std::collections::BTreeSet::new();
        for _ in 0..50 {
            let now = p.partition(&ids, None).unwrap();
            seen.insert(now);
            p.on_batch_sent(now);
        }
        assert!(seen.len() > 1, "{seen:?}");
    }

    #[test]
    fn keyed_messages_are_hashed_and_a_vanished_partition_is_replaced() {
        let p = StickyPartitioner::new();
        let ids: Vec<i32> = (0..7).collect();
        // Kafka's UtilsTest vectors: murmur2("21") = -973932308 and murmur2("abc") = 479470107, so the Java
        // client puts them on partitions 3 and 4 of 7, every time.
        assert!((0..4).all(|_| p.partition(&ids, Some(b"21")).unwrap() == 3));
        assert!((0..4).all(|_| p.partition(&ids, Some(b"abc")).unwrap() == 4));
        let first = p.partition(&[7], None).unwrap();
        assert_eq!(first, 7);
        assert!(matches!(p.partition(&[3, 4], None), Ok(3 | 4)));
        assert!(p.partition(&[], None).is_err());
    }
}
