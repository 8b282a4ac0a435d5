//! Placeholder until the `partitioners` branch lands: PyKafka's RandomPartitioner (a counter from index 1).

use std::sync::atomic::{AtomicUsize, Ordering};

use ferrokafka_core::{Error, Partitioner, Result};

/// PyKafka's `RandomPartitioner`: a round-robin counter whose first pick is index 1.
#[derive(Debug, Default)]
pub struct RandomPartitioner {
    idx: AtomicUsize,
}

impl RandomPartitioner {
    pub fn new() -> Self {
        Self::default()
    }
}

impl Partitioner for RandomPartitioner {
    fn partition(&self, partitions: &[i32], _key: Option<&[u8]>) -> Result<i32> {
        if partitions.is_empty() {
            return Err(Error::invalid_input("partitions", "the topic has none"));
        }
        let i = self.idx.fetch_add(1, Ordering::Relaxed).wrapping_add(1) % partitions.len();
        Ok(partitions[i])
    }
}
