//! PyKafka's `RandomPartitioner`, which is a round-robin counter, not random.

use std::sync::atomic::{AtomicUsize, Ordering};

use super::{no_partitions, Partitioner};
use crate::error::Result;

/// PyKafka's `RandomPartitioner` (its producer's default): despite the name, a round-robin counter.
///
/// PyKafka keeps `self.idx = 0` and on each call does `idx = (idx + 1) % len(partitions)` and returns
/// `partitions[idx]`, so the **first message goes to list index 1** (index 0 when there is one partition),
/// and the list is used in metadata order, unsorted. The key is ignored. Its doc: "Uses a non-random
/// incrementing counter to provide even distribution across partitions without wasting CPU cycles".
///
/// The counter is an atomic updated with one compare-and-swap per call, so concurrent producers sharing one
/// partitioner each get the next index, exactly as the sequential PyKafka code would hand them out.
#[derive(Debug, Default)]
pub struct RandomPartitioner {
    idx: AtomicUsize,
}

impl RandomPartitioner {
    /// A counter at 0, so the first call returns `partitions[1 % len]`.
    pub fn new() -> Self {
        Self::default()
    }
}

impl Partitioner for RandomPartitioner {
    fn partition(&self, partitions: &[i32], _key: Option<&[u8]>) -> Result<i32> {
        let n = partitions.len();
        if n == 0 {
            // PyKafka raises ZeroDivisionError here, leaving the counter alone; so do we (typed).
            return Err(no_partitions());
        }
        let step = |idx: usize| Some((idx % n + 1) % n);
        let previous = match self
            .idx
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, step)
        {
            Ok(previous) | Err(previous) => previous,
        };
        Ok(partitions[(previous % n + 1) % n])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn starts_at_index_one_and_keeps_metadata_order() {
        let p = RandomPartitioner::new();
        let ids = [5, 3, 9];
        let got: Vec<i32> = (0..7).map(|_| p.partition(&ids, None).unwrap()).collect();
        assert_eq!(got, vec![3, 9, 5, 3, 9, 5, 3]);
    }

    #[test]
    fn single_partition_and_changing_counts() {
        let p = RandomPartitioner::new();
        assert_eq!(p.partition(&[4], Some(b"k")).unwrap(), 4);
        // idx is now 0 (= (0 + 1) % 1); PyKafka's idx carries over to the new length.
        assert_eq!(p.partition(&[0, 1, 2, 3], None).unwrap(), 1);
        assert_eq!(p.partition(&[0, 1, 2, 3], None).unwrap(), 2);
        // idx = 2; with two partitions (2 + 1) % 2 = 1.
        assert_eq!(p.partition(&[0, 1], None).unwrap(), 1);
    }

    #[test]
    fn empty_is_an_error_and_leaves_the_counter() {
        let p = RandomPartitioner::new();
        assert!(p.partition(&[], None).is_err());
        assert_eq!(p.partition(&[0, 1], None).unwrap(), 1);
    }

    #[test]
    fn concurrent_calls_are_an_even_round_robin() {
        let p = std::sync::Arc::new(RandomPartitioner::new());
        let ids = [0, 1, 2, 3];
        let handles: Vec<_> = (0..4)
            .map(|_| {
                let p = p.clone();
                std::thread::spawn(move || {
                    let mut counts = [0usize; 4];
                    for _ in 0..1000 {
                        counts[p.partition(&ids, None).unwrap() as usize] += 1;
                    }
                    counts
                })
            })
            .collect();
        let mut total = [0usize; 4];
        for h in handles {
            for (t, c) in total.iter_mut().zip(h.join().unwrap()) {
                *t += c;
            }
        }
        assert_eq!(total, [1000; 4]);
    }
}
