//! The pure engine's SimpleConsumer (PyKafka's `SimpleConsumer`).
//!
//! Layout, one job per file:
//! - [`backend`]: the trait the consumer needs from the cluster (fetch, list/commit/fetch offsets, leaders);
//! - `partition_state`: one partition's position (L, N), prefetch buffer and fetch size;
//! - `offsets`: starting offsets, commit, fetch and reset with PyKafka's retry shape;
//! - `fetcher`: per-broker fetch tasks, the leader supervisor, auto-reset and auto-commit;
//! - `decode`: fetched bytes → messages (all formats, codecs, read_committed);
//! - [`error_actions`]: what each per-partition error code does;
//! - `consume`: round-robin consumption and the timeout rules;
//! - `simple`: [`PureSimpleConsumer`], which implements `ConsumerApi`.

pub mod backend;
mod cluster_backend;
mod consume;
mod decode;
pub mod error_actions;
mod fetcher;
mod offsets;
mod partition_state;
mod shared;
mod simple;
#[cfg(test)]
mod tests;

pub use backend::{
    AbortedTxn, CommitEntry, ConsumerBackend, FetchParams, FetchedCommit, FetchedPartition,
    GroupMember, ListedOffset, PartitionFetch,
};
pub use cluster_backend::ClusterBackend;
pub use partition_state::MAX_FETCH_SIZE_CAP;
pub use simple::PureSimpleConsumer;
