//! SimpleConsumer options (PyKafka §1.7) and the offset types they use.

use super::{non_negative, positive, validate_name};
use crate::error::{Error, Result};

/// PyKafka's `OffsetType`: where to start when there is no usable offset.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OffsetType {
    /// The oldest available offset (-2 on the wire).
    Earliest,
    /// The offset of the next message to be appended (-1 on the wire).
    Latest,
}

impl OffsetType {
    /// The magic value ListOffsets takes.
    pub fn as_i64(self) -> i64 {
        match self {
            OffsetType::Earliest => -2,
            OffsetType::Latest => -1,
        }
    }

    /// -2 → Earliest, -1 → Latest.
    pub fn from_i64(v: i64) -> Option<OffsetType> {
        match v {
            -2 => Some(OffsetType::Earliest),
            -1 => Some(OffsetType::Latest),
            _ => None,
        }
    }
}

/// PyKafka's `SimpleConsumer` arguments (the deserializer is given to the builder, not kept here).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsumerOptions {
    /// Needed for commit/fetch of offsets; ASCII only.
    pub consumer_group: Option<String>,
    /// Partition ids to consume; `None` = all.
    pub partitions: Option<Vec<i32>>,
    /// Per-partition max bytes of one fetch.
    pub fetch_message_max_bytes: i64,
    /// Fetcher tasks (the pure engine uses one per broker regardless; kept for PyKafka parity).
    pub num_consumer_fetchers: i64,
    /// Commit consumed offsets periodically and on stop (needs `consumer_group`).
    pub auto_commit_enable: bool,
    /// Interval of those commits.
    pub auto_commit_interval_ms: i64,
    /// Max messages buffered per partition (prefetch bound).
    pub queued_max_messages: i64,
    /// Bytes the broker waits for (up to `fetch_wait_max_ms`) before answering a fetch.
    pub fetch_min_bytes: i64,
    /// Backoff after a failed fetch.
    pub fetch_error_backoff_ms: i64,
    /// Broker-side max wait of a fetch.
    pub fetch_wait_max_ms: i64,
    /// Backoff for commit / offset-fetch / list-offset retries (sleep i × this before attempt i).
    pub offsets_channel_backoff_ms: i64,
    /// Retries of commit / offset-fetch / reset.
    pub offsets_commit_max_retries: i64,
    /// Where to go on OffsetOutOfRange and for partitions with no committed offset.
    pub auto_offset_reset: OffsetType,
    /// ms without messages before `consume()` returns None; -1 (and 0) = block forever.
    pub consumer_timeout_ms: i64,
    /// Start fetching at build time; otherwise at `start()`.
    pub auto_start: bool,
    /// Reset to `auto_offset_reset` (and commit) at start.
    pub reset_offset_on_start: bool,
    /// Accept offset gaps (log compaction).
    pub compacted_topic: bool,
    /// Deprecated in PyKafka; -1 for standalone groups.
    pub generation_id: i32,
    /// Deprecated in PyKafka; empty for standalone groups.
    pub consumer_id: String,
    /// `fetch_offsets()` also moves the consumer's positions.
    pub reset_offset_on_fetch: bool,
    /// Skip aborted transactional records (isolation level read_committed).
    pub read_committed: bool,
    /// Verify the CRC of every fetched batch (CRC-32C for v2, CRC-32 for v0/v1 messages) before its records
    /// are delivered. On by default on both engines, as in the Java client: a batch corrupted on the way is
    /// then a `MessageSetDecodeFailure` error instead of silently wrong data. It costs one CRC pass over every
    /// fetched byte (about a fifth of the pure consumer's CPU on multi-MiB values); librdkafka's own default
    /// is off and PyKafka never checks.
    pub check_crcs: bool,
}

impl Default for ConsumerOptions {
    fn default() -> Self {
        ConsumerOptions {
            consumer_group: None,
            partitions: None,
            fetch_message_max_bytes: 1_048_576,
            num_consumer_fetchers: 1,
            auto_commit_enable: false,
            auto_commit_interval_ms: 60_000,
            queued_max_messages: 2_000,
            fetch_min_bytes: 1,
            fetch_error_backoff_ms: 500,
            fetch_wait_max_ms: 100,
            offsets_channel_backoff_ms: 1_000,
            offsets_commit_max_retries: 5,
            auto_offset_reset: OffsetType::Earliest,
            consumer_timeout_ms: -1,
            auto_start: true,
            reset_offset_on_start: false,
            compacted_topic: false,
            generation_id: -1,
            consumer_id: String::new(),
            reset_offset_on_fetch: true,
            read_committed: false,
            check_crcs: true,
        }
    }
}

/// Offsets a caller may commit: a position (≥ 0), or -1 / -2 (PyKafka's "latest" / "earliest" markers,
/// stored as given). Anything below -2 is refused, naming the partition.
pub fn check_commit_offsets(partition_offsets: Option<&[(i32, i64)]>) -> Result<()> {
    for (partition, offset) in partition_offsets.unwrap_or_default() {
        if *offset < -2 {
            return Err(Error::config(
                "commit_offsets",
                format!("offset {offset} for partition {partition} is below -2"),
            ));
        }
    }
    Ok(())
}

/// The longest a fetch may wait on the broker given the request timeout: `max(socket_timeout_ms - 1000,
/// socket_timeout_ms / 2)`. A long poll that outlives its own request timeout would be cut and retried forever,
/// and librdkafka asks for the same 1 s of room (`fetch.wait.max.ms` + 1000 ≤ `socket.timeout.ms`).
pub fn fetch_wait_cap_ms(socket_timeout_ms: i64) -> i64 {
    socket_timeout_ms
        .saturating_sub(1000)
        .max(socket_timeout_ms / 2)
        .max(0)
}

impl ConsumerOptions {
    /// `fetch_wait_max_ms`, capped by [`fetch_wait_cap_ms`] for this `socket_timeout_ms`: what both engines send.
    pub fn effective_fetch_wait_ms(&self, socket_timeout_ms: i64) -> i64 {
        self.fetch_wait_max_ms
            .min(fetch_wait_cap_ms(socket_timeout_ms))
    }

    /// The group offsets are committed to and fetched from. Both engines ask here, so a consumer without a
    /// group fails the same way on either: `ErrorKind::Config` naming `consumer_group`.
    pub fn offsets_group(&self) -> Result<&str> {
        self.consumer_group.as_deref().ok_or_else(|| {
            Error::config("consumer_group", "must be set to commit or fetch offsets")
        })
    }

    /// Check every option; the error names the first bad one and its value.
    pub fn validate(&self) -> Result<()> {
        if let Some(g) = &self.consumer_group {
            validate_name("consumer group", g)?;
        }
        if let Some(p) = &self.partitions {
            if let Some(bad) = p.iter().find(|id| **id < 0) {
                return Err(Error::config(
                    "partitions",
                    format!("partition id {bad} is negative"),
                ));
            }
        }
        positive("fetch_message_max_bytes", self.fetch_message_max_bytes)?;
        if self.fetch_message_max_bytes > i32::MAX as i64 {
            return Err(Error::config(
                "fetch_message_max_bytes",
                "must fit in 32 bits",
            ));
        }
        positive("num_consumer_fetchers", self.num_consumer_fetchers)?;
        positive("auto_commit_interval_ms", self.auto_commit_interval_ms)?;
        positive("queued_max_messages", self.queued_max_messages)?;
        positive("fetch_min_bytes", self.fetch_min_bytes)?;
        non_negative("fetch_error_backoff_ms", self.fetch_error_backoff_ms)?;
        non_negative("fetch_wait_max_ms", self.fetch_wait_max_ms)?;
        positive(
            "offsets_channel_backoff_ms",
            self.offsets_channel_backoff_ms,
        )?;
        non_negative(
            "offsets_commit_max_retries",
            self.offsets_commit_max_retries,
        )?;
        if self.consumer_timeout_ms < -1 {
            return Err(Error::config(
                "consumer_timeout_ms",
                format!("must be -1, 0 or > 0, got {}", self.consumer_timeout_ms),
            ));
        }
        if self.auto_commit_enable && self.consumer_group.is_none() {
            return Err(Error::config(
                "auto_commit_enable",
                "needs a consumer_group",
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_pykafkas_and_valid() {
        let o = ConsumerOptions::default();
        assert_eq!(o.auto_offset_reset, OffsetType::Earliest);
        assert_eq!(o.queued_max_messages, 2000);
        assert!(o.check_crcs, "CRCs are verified unless turned off");
        assert!(o.validate().is_ok());
    }

    #[test]
    fn bad_values_name_the_option() {
        let e = ConsumerOptions {
            fetch_min_bytes: 0,
            ..Default::default()
        }
        .validate()
        .unwrap_err();
        assert!(e.to_string().contains("fetch_min_bytes"));
        let e = ConsumerOptions {
            consumer_group: Some("grüppe".into()),
            ..Default::default()
        }
        .validate()
        .unwrap_err();
        assert!(e.to_string().contains("not ASCII"));
        let e = ConsumerOptions {
            auto_commit_enable: true,
            ..Default::default()
        }
        .validate()
        .unwrap_err();
        assert!(e.to_string().contains("auto_commit_enable"));
        assert_eq!(OffsetType::from_i64(-1), Some(OffsetType::Latest));
    }
}
