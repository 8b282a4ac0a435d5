//! How a message's partition is chosen. The algorithms (PyKafka's and murmur2) arrive with the producer.

use std::fmt::Debug;

use crate::error::Result;

/// Chooses a partition for a key. `partitions` are the topic's partition ids in metadata order.
pub trait Partitioner: Send + Sync + Debug {
    fn partition(&self, partitions: &[i32], key: Option<&[u8]>) -> Result<i32>;
}
