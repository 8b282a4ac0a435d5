//! How a message's partition is chosen: PyKafka's partitioners, and the Java client's / librdkafka's.
//!
//! Which one to use depends on who else writes to the topic:
//!
//! | partitioner | places a key like | null key |
//! |---|---|---|
//! | [`StickyPartitioner`] (the default, both engines) | murmur2, as [`Murmur2Partitioner`] | one partition until its batch is sent (KIP-480) |
//! | [`RandomPartitioner`] (PyKafka's default) | ignores the key: round-robin | round-robin |
//! | [`HashingPartitioner`] | PyKafka's `HashingPartitioner` (SHA-1) | error |
//! | [`GroupHashingPartitioner`] | PyKafka's `GroupHashingPartitioner` | error |
//! | [`Murmur2Partitioner`] | the Java client's default, librdkafka's `murmur2_random` | random |
//! | [`ConsistentRandomPartitioner`] | librdkafka's default `consistent_random` (CRC-32) | random |
//!
//! All of them take the topic's partition ids in metadata order. The key-hashing ones sort the ids first,
//! as PyKafka does (`sorted(partitions)`), so the answer does not depend on the order metadata listed them in.
//! The Java client and librdkafka use `hash % partition_count` as the partition id itself; for a topic whose ids
//! are `0..n` (every Kafka topic) that is the same as indexing the sorted ids, so the three clients agree.

use std::fmt::Debug;
use std::sync::Arc;

use rand::Rng;

use crate::error::{Error, Result};

mod consistent;
mod group_hashing;
mod hashing;
mod murmur2;
mod random;
mod sticky;

pub use consistent::ConsistentRandomPartitioner;
pub use group_hashing::GroupHashingPartitioner;
pub use hashing::{sha1_hash, HashFn, HashingPartitioner, KeyHash};
pub use murmur2::{murmur2, to_positive, Murmur2Partitioner};
pub use random::RandomPartitioner;
pub use sticky::StickyPartitioner;

/// Chooses a partition for a key. `partitions` are the topic's partition ids in metadata order.
///
/// PyKafka's `BasePartitioner.__call__(partitions, key)`, returning the chosen id rather than a `Partition`.
/// An empty `partitions` is an [`ErrorKind::InvalidInput`](crate::ErrorKind::InvalidInput) (PyKafka would raise `ZeroDivisionError`).
pub trait Partitioner: Send + Sync + Debug {
    /// The partition id for `key` (`None` for a keyless message), one of `partitions`.
    fn partition(&self, partitions: &[i32], key: Option<&[u8]>) -> Result<i32>;

    /// The producer just sent a batch of `partition`, or that partition's queue holds a full request's
    /// worth (the pure engine): a sticky partitioner moves on. Others ignore it.
    fn on_batch_sent(&self, _partition: i32) {}
}

impl<P: Partitioner + ?Sized> Partitioner for Box<P> {
    fn partition(&self, partitions: &[i32], key: Option<&[u8]>) -> Result<i32> {
        (**self).partition(partitions, key)
    }
    fn on_batch_sent(&self, partition: i32) {
        (**self).on_batch_sent(partition)
    }
}

impl<P: Partitioner + ?Sized> Partitioner for Arc<P> {
    fn partition(&self, partitions: &[i32], key: Option<&[u8]>) -> Result<i32> {
        (**self).partition(partitions, key)
    }
    fn on_batch_sent(&self, partition: i32) {
        (**self).on_batch_sent(partition)
    }
}

/// The error for a topic with no partitions.
fn no_partitions() -> Error {
    Error::invalid_input("partitions", "the topic has no partitions to choose from")
}

/// The error PyKafka raises (`ValueError`) when a hashing partitioner gets no key.
fn key_required(partitioner: &str) -> Error {
    Error::invalid_input(
        "key",
        format!("key cannot be None when using {partitioner} (PyKafka raises ValueError)"),
    )
}

/// The `index`-th smallest id: `sorted(partitions)[index]` in PyKafka. `index` must be `< partitions.len()`.
///
/// Avoids the copy when the ids are already sorted, which is how brokers usually list them.
fn nth_sorted(partitions: &[i32], index: usize) -> i32 {
    if partitions.windows(2).all(|w| w[0] <= w[1]) {
        return partitions[index];
    }
    let mut sorted = partitions.to_vec();
    sorted.sort_unstable();
    sorted[index]
}

/// A uniformly random id, for keyless messages (librdkafka's `rd_kafka_msg_partitioner_random`).
fn random_partition(partitions: &[i32]) -> Result<i32> {
    if partitions.is_empty() {
        return Err(no_partitions());
    }
    Ok(partitions[rand::thread_rng().gen_range(0..partitions.len())])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nth_sorted_sorts_only_when_needed() {
        assert_eq!(nth_sorted(&[0, 1, 2], 1), 1);
        assert_eq!(nth_sorted(&[2, 0, 1], 0), 0);
        assert_eq!(nth_sorted(&[2, 0, 1], 2), 2);
        assert_eq!(nth_sorted(&[7], 0), 7);
    }

    #[test]
    fn boxed_and_shared_partitioners_delegate() {
        let boxed: Box<dyn Partitioner> = Box::new(HashingPartitioner::new());
        let shared: Arc<dyn Partitioner> = Arc::new(HashingPartitioner::new());
        let direct = HashingPartitioner::new()
            .partition(&[0, 1, 2], Some(b"k"))
            .ok();
        assert!(direct.is_some());
        assert_eq!(boxed.partition(&[0, 1, 2], Some(b"k")).ok(), direct);
        assert_eq!(shared.partition(&[0, 1, 2], Some(b"k")).ok(), direct);
    }
}
