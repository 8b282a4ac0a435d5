//! PyKafka's `GroupHashingPartitioner`: a key spreads over a fixed group of consecutive partitions.

use std::fmt;
use std::sync::Arc;

use rand::Rng;

use super::{key_required, nth_sorted, HashFn, KeyHash, Partitioner};
use crate::error::{Error, Result};

/// PyKafka's `GroupHashingPartitioner(hash_func, group_size=1)`:
/// `sorted(partitions)[abs(hash_func(key) + random.randrange(0, group_size)) % len(partitions)]`.
///
/// Identical keys go to one of `group_size` consecutive partitions (in sorted-id order, wrapping), chosen
/// uniformly at random per message; PyKafka's doc: "16 partitions and group_size=4, messages with the identical
/// keys will be shared equally between a subset of four partitions". The random offset is added *before*
/// `abs`, as in PyKafka, which matters for hash functions that return negative numbers.
///
/// As in PyKafka there is **no default hash**: one must be given (PyKafka raises `ValueError` for
/// `hash_func=None`). Pass [`sha1_hash`](super::sha1_hash) for the same hash as `HashingPartitioner`'s
/// default (PyKafka users then pass `lambda k: int(sha1(k).hexdigest(), 16)`).
///
/// Errors, all [`ErrorKind::InvalidInput`](crate::ErrorKind::InvalidInput) like PyKafka's `ValueError`s: `group_size < 1` at construction; a `None`
/// key; `group_size` larger than the number of partitions (checked per call, since the count can change).
#[derive(Clone)]
pub struct GroupHashingPartitioner {
    hash_fn: HashFn,
    group_size: usize,
}

impl GroupHashingPartitioner {
    /// `group_size` must be at least 1.
    pub fn new(
        hash_fn: impl Fn(&[u8]) -> KeyHash + Send + Sync + 'static,
        group_size: usize,
    ) -> Result<Self> {
        if group_size < 1 {
            return Err(Error::invalid_input(
                "group_size",
                "group_size cannot be < 1 when using GroupHashingPartitioner",
            ));
        }
        Ok(GroupHashingPartitioner {
            hash_fn: Arc::new(hash_fn),
            group_size,
        })
    }

    /// How many consecutive partitions a key's group spans.
    pub fn group_size(&self) -> usize {
        self.group_size
    }

    /// The partition PyKafka picks when `random.randrange(0, group_size)` returns `offset`: the deterministic
    /// half of [`Partitioner::partition`], which calls this with a uniformly random `offset < group_size`.
    /// Public so placements can be checked against PyKafka without depending on a random stream.
    pub fn partition_for_offset(
        &self,
        partitions: &[i32],
        key: Option<&[u8]>,
        offset: usize,
    ) -> Result<i32> {
        let key = key.ok_or_else(|| key_required("GroupHashingPartitioner"))?;
        if self.group_size > partitions.len() {
            // Also covers an empty list, since group_size >= 1.
            return Err(Error::invalid_input(
                "group_size",
                format!(
                    "group_size cannot be > available partitions ({} > {})",
                    self.group_size,
                    partitions.len()
                ),
            ));
        }
        let n = partitions.len() as u64;
        let index = (self.hash_fn)(key).abs_plus_mod(offset as u64, n);
        // index < n = partitions.len().
        Ok(nth_sorted(partitions, index as usize))
    }
}

impl fmt::Debug for GroupHashingPartitioner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GroupHashingPartitioner")
            .field("group_size", &self.group_size)
            .finish_non_exhaustive()
    }
}

impl Partitioner for GroupHashingPartitioner {
    fn partition(&self, partitions: &[i32], key: Option<&[u8]>) -> Result<i32> {
        let offset = rand::thread_rng().gen_range(0..self.group_size);
        self.partition_for_offset(partitions, key, offset)
    }
}

#[cfg(test)]
mod tests {
    use super::super::sha1_hash;
    use super::*;

    #[test]
    fn group_size_must_be_positive_and_fit() {
        assert!(GroupHashingPartitioner::new(sha1_hash, 0).is_err());
        let p = GroupHashingPartitioner::new(sha1_hash, 4).unwrap();
        assert!(p.partition(&[0, 1, 2], Some(b"k")).is_err());
        assert!(p.partition(&[], Some(b"k")).is_err());
        assert!(p.partition(&[0, 1, 2, 3], None).is_err());
        assert!(p.partition(&[0, 1, 2, 3], Some(b"k")).is_ok());
    }

    #[test]
    fn a_key_spreads_over_its_group_only() {
        let p = GroupHashingPartitioner::new(|_: &[u8]| KeyHash::Int(14), 4).unwrap();
        let ids: Vec<i32> = (0..16).rev().collect();
        let mut seen = std::collections::BTreeSet::new();
        for _ in 0..500 {
            seen.insert(p.partition(&ids, Some(b"k")).unwrap());
        }
        // 14, 15, 16 % 16 = 0, 17 % 16 = 1.
        assert_eq!(seen.into_iter().collect::<Vec<_>>(), vec![0, 1, 14, 15]);
    }

    #[test]
    fn negative_hashes_add_the_offset_before_abs() {
        let p = GroupHashingPartitioner::new(|_: &[u8]| KeyHash::Int(-2), 4).unwrap();
        let ids = [0, 1, 2, 3, 4, 5, 6];
        // abs(-2 + r) % 7 for r = 0..4: 2, 1, 0, 1.
        let got: Vec<i32> = (0..4)
            .map(|r| p.partition_for_offset(&ids, Some(b"k"), r).unwrap())
            .collect();
        assert_eq!(got, vec![2, 1, 0, 1]);
    }
}
