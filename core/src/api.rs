//! The trait layer both engines implement: the public producer and consumers dispatch to either.
//!
//! Blocking methods may be called from any plain thread; the `_async` forms never block a tokio worker.

use std::collections::BTreeMap;
use std::future::Future;
use std::time::Duration;

use crate::delivery::DeliveryFuture;
use crate::error::Result;
use crate::error_code::KafkaCode;
use crate::message::{DeliveryReport, Message, OutgoingMessage};

/// Where `reset_offsets` moves a partition (PyKafka's int / OffsetType / datetime).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResetTarget {
    /// PyKafka's integer form: the *last consumed* offset, so consumption resumes at `offset + 1`.
    LastConsumed(i64),
    /// The oldest available message.
    Earliest,
    /// The next message to be appended.
    Latest,
    /// The first offset whose timestamp is at or after this time (ms since the epoch).
    Timestamp(i64),
}

/// A partition's committed offset as OffsetFetch returned it (`offset` = the next offset to consume, -1 = none).
///
/// `error` is the partition's own error code from the answer (None when the broker said NONE), as PyKafka's
/// per-partition `OffsetFetchPartitionResponse.err`; such an entry has offset -1 and no metadata.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommittedOffset {
    pub offset: i64,
    pub metadata: Option<String>,
    pub error: Option<KafkaCode>,
}

impl CommittedOffset {
    /// A committed offset the broker answered without error.
    pub fn new(offset: i64, metadata: Option<String>) -> CommittedOffset {
        CommittedOffset {
            offset,
            metadata,
            error: None,
        }
    }

    /// A partition the broker answered with `code`: no offset (-1), no metadata.
    pub fn failed(code: KafkaCode) -> CommittedOffset {
        CommittedOffset {
            offset: -1,
            metadata: None,
            error: Some(code),
        }
    }

    /// Whether a partition's OffsetFetch `code` belongs in the answer map (a fact about that partition that
    /// retrying will not change) rather than failing or retrying the whole call: not retriable, and not
    /// about the group, the member or the request (those apply to every partition alike).
    pub fn keeps_error(code: KafkaCode) -> bool {
        use KafkaCode::*;
        !code.is_retriable()
            && !matches!(
                code,
                UnknownError
                    | IllegalGeneration
                    | UnknownMemberId
                    | RebalanceInProgress
                    | InvalidGroupId
                    | GroupAuthorizationFailed
                    | GroupIdNotFound
                    | UnsupportedVersion
            )
    }
}

/// A producer for one topic (PyKafka's `Producer`).
pub trait ProducerApi: Send + Sync {
    /// Queue a message. Blocks while the queue is full if `block_on_queue_full`, else fails with
    /// `ProducerQueueFull`. In `sync` mode it waits for delivery and returns its error.
    fn produce(&self, message: OutgoingMessage) -> Result<DeliveryFuture>;

    /// [`ProducerApi::produce`] for a caller that will not await the outcome: no future is made, so an engine
    /// can skip the per-message channel. Reports (when on) and `sync` behave as for `produce`.
    fn produce_detached(&self, message: OutgoingMessage) -> Result<()> {
        self.produce(message).map(drop)
    }

    /// The same without blocking a tokio worker: waits for queue space asynchronously.
    fn produce_async(
        &self,
        message: OutgoingMessage,
    ) -> impl Future<Output = Result<DeliveryFuture>> + Send;

    /// The next delivery report for messages produced on the calling thread. `Ok(None)` on timeout.
    fn get_delivery_report(
        &self,
        block: bool,
        timeout: Option<Duration>,
    ) -> Result<Option<DeliveryReport>>;

    /// Send everything queued and wait for it, up to `timeout`.
    fn flush(&self, timeout: Duration) -> Result<()>;

    /// Start sending (no-op when running).
    fn start(&self) -> Result<()>;

    /// Flush (bounded by `pending_timeout_ms`) and stop. Messages not sent are reported as failed.
    fn stop(&self) -> Result<()>;
}

/// A consumer of one topic's partitions (PyKafka's `SimpleConsumer`; balanced consumers add group membership).
pub trait ConsumerApi: Send + Sync {
    /// The next message. `block` waits up to `consumer_timeout_ms` (forever when -1 or 0); `Ok(None)` = none.
    fn consume(&self, block: bool) -> Result<Option<Message>>;

    /// The next message without blocking a tokio worker; `Ok(None)` after `consumer_timeout_ms`.
    fn consume_async(&self) -> impl Future<Output = Result<Option<Message>>> + Send;

    /// Commit `(partition, offset)` pairs verbatim, or, with `None`, every held partition at last consumed + 1.
    fn commit_offsets(&self, partition_offsets: Option<&[(i32, i64)]>) -> Result<()>;

    /// The group's committed offsets; moves the positions too when `reset_offset_on_fetch`.
    ///
    /// A partition answered with its own lasting error (see [`CommittedOffset::keeps_error`]) stays in the
    /// `Ok` map with `error` set and offset -1 (a reset moves it to `auto_offset_reset`), like PyKafka's
    /// per-partition responses. Retriable codes are retried up to the offsets retries; a group-wide error, a
    /// failed request or retries used up is `Err`.
    fn fetch_offsets(&self) -> Result<BTreeMap<i32, CommittedOffset>>;

    /// Move partitions (all to `auto_offset_reset` with `None`), flush their buffers, and commit if grouped.
    fn reset_offsets(&self, targets: Option<&[(i32, ResetTarget)]>) -> Result<()>;

    /// Last consumed offset per partition, -2 where nothing was consumed (PyKafka's `held_offsets`).
    fn held_offsets(&self) -> BTreeMap<i32, i64>;

    /// The partition ids this consumer reads.
    fn partitions(&self) -> Vec<i32>;

    fn start(&self) -> Result<()>;

    /// Stop fetching; commits first when auto-commit is on.
    fn stop(&self) -> Result<()>;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_lasting_partition_codes_are_kept_in_the_answer() {
        use KafkaCode::*;
        for kept in [TopicAuthorizationFailed, OffsetMetadataTooLarge] {
            assert!(CommittedOffset::keeps_error(kept), "{kept:?}");
        }
        for not_kept in [
            UnknownTopicOrPartition,
            GroupLoadInProgress,
            NotCoordinatorForGroup,
            GroupAuthorizationFailed,
            InvalidGroupId,
            UnknownMemberId,
            UnknownError,
            UnsupportedVersion,
        ] {
            assert!(!CommittedOffset::keeps_error(not_kept), "{not_kept:?}");
        }
        assert_eq!(
            CommittedOffset::failed(TopicAuthorizationFailed),
            CommittedOffset {
                offset: -1,
                metadata: None,
                error: Some(TopicAuthorizationFailed),
            }
        );
    }
}
