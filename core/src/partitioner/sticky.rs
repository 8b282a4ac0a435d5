//! The sticky partitioner (KIP-480): keyless messages stay on one partition until its batch is sent.

use std::sync::atomic::{AtomicI64, Ordering};

use rand::Rng;

use super::{no_partitions, Partitioner, RandomPartitioner};
use crate::error::Result;

/// No partition chosen yet (or the last one's batch was just sent).
const NONE: i64 = -1;

/// The pure engine's default partitioner: keyless messages all go to one partition until the producer sends
/// that partition's batch or finds it holding a full request's worth ([`Partitioner::on_batch_sent`]), then to
/// another chosen at random. Batches stay
/// large however many partitions the topic has (the Java client's and librdkafka's default since KIP-480).
///
/// Keyed messages keep PyKafka's default placement: the key is ignored and partitions are taken round-robin,
/// as [`RandomPartitioner`] does. Pick a key-hashing partitioner to place by key.
#[derive(Debug)]
pub struct StickyPartitioner {
    current: AtomicI64,
    keyed: RandomPartitioner,
}

impl Default for StickyPartitioner {
    fn default() -> Self {
        StickyPartitioner {
            current: AtomicI64::new(NONE),
            keyed: RandomPartitioner::new(),
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
    fn keyed_messages_are_round_robin_and_a_vanished_partition_is_replaced() {
        let p = StickyPartitioner::new();
        let got: Vec<i32> = (0..4)
            .map(|_| p.partition(&[0, 1, 2], Some(b"k")).unwrap())
            .collect();
        assert_eq!(got, vec![1, 2, 0, 1]);
        let first = p.partition(&[7], None).unwrap();
        assert_eq!(first, 7);
        assert!(matches!(p.partition(&[3, 4], None), Ok(3 | 4)));
        assert!(p.partition(&[], None).is_err());
    }
}
