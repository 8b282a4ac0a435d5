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
//!
//! Differences from PyKafka (its bugs fixed; everything else follows PyKafka §2.1/§2.2):
//! - offset gaps are accepted on every topic (PyKafka stalls forever on a non-compacted gap, #989);
//!   `compacted_topic` is kept for parity only;
//! - a message larger than `fetch_message_max_bytes` grows the partition's fetch size (to at least the needed
//!   size, doubling, up to 64 MiB) and is fetched first (KIP-74); past the cap `MessageSetDecodeFailure` says
//!   what to raise. PyKafka raises `MessageSetDecodeFailure` with no growth;
//! - every fetch error code has an action (`error_actions`); an unknown code is returned by `consume()` as
//!   `ErrorKind::Kafka` and the partition retries after `fetch_error_backoff_ms` (PyKafka's KeyError kills the
//!   fetcher). UNKNOWN_TOPIC_OR_PARTITION refreshes leaders and retries instead of raising;
//! - `fetch_error_backoff_ms` is used (PyKafka: only by the rdkafka consumer);
//! - an empty ListOffsets answer (a timestamp after the last message) resets to LATEST (PyKafka uses -2 as
//!   a literal offset, then falls back through OFFSET_OUT_OF_RANGE);
//! - `commit_offsets` returns the partition error left after its retries (PyKafka only logs it);
//!   auto-commit logs; OFFSET_METADATA_TOO_LARGE and authorization errors fail at once;
//! - `offsets_commit_max_retries = 0` still makes one attempt (PyKafka makes none);
//! - `num_consumer_fetchers` is ignored: one fetcher task per leader broker.

pub mod backend;
mod cluster_backend;
mod consume;
mod decode;
pub mod error_actions;
mod fetch_round;
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
pub(crate) use cluster_backend::{
    commit_on, fetch_committed_on, fetch_request, fetched_partitions,
};
pub use cluster_backend::{ClusterBackend, COMMIT_VERSIONS, FETCH_VERSIONS, OFFSET_FETCH_VERSIONS};
pub(crate) use decode::decode_partition;
pub use partition_state::MAX_FETCH_SIZE_CAP;
pub use simple::PureSimpleConsumer;
