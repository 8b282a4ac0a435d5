//! Producer options (PyKafka §1.6), validated as PyKafka's `valid_int` does, plus zstd and sane bounds.

use super::{at_least_minus_one, non_negative, positive};
use crate::compression::Compression;
use crate::error::{Error, Result};

/// PyKafka's `Producer` arguments (the partitioner and serializer are given to the builder, not kept here),
/// with PyKafka's defaults except `linger_ms` (5 ms, not 5000: see README's Differences).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProducerOptions {
    /// Codec of produced batches.
    pub compression: Compression,
    /// Retries per message after the first attempt (attempts = max_retries + 1).
    pub max_retries: i64,
    /// Sleep after a failed request before retrying.
    pub retry_backoff_ms: i64,
    /// -1 all in-sync replicas, 0 no response, 1 leader (2+ treated as -1, as librdkafka does).
    pub required_acks: i16,
    /// Broker-side ack timeout (the ProduceRequest timeout).
    pub ack_timeout_ms: i64,
    /// Cap on messages queued per broker; past it produce blocks or fails (`block_on_queue_full`).
    pub max_queued_messages: i64,
    /// Send as soon as a broker queue holds this many. Forced to 1 when `sync`.
    pub min_queued_messages: i64,
    /// Upper bound on batching delay; 0 = send as soon as possible. Default 5 (Java's and librdkafka's;
    /// PyKafka's 5000 made one awaited delivery take 5 s).
    pub linger_ms: i64,
    /// Idle wait after a linger interval with an empty queue: 0 none, >0 bounded, -1 until produce/stop.
    pub queue_empty_timeout_ms: i64,
    /// Block when the queue is full (true) or fail with `ProducerQueueFull` (false).
    pub block_on_queue_full: bool,
    /// Max bytes of one produce request; also the max size of one message.
    pub max_request_size: i64,
    /// `produce()` waits for delivery and returns its error.
    pub sync: bool,
    /// Keep per-thread delivery reports for `get_delivery_report`. Ignored (implied) when `sync`.
    pub delivery_reports: bool,
    /// Client-side wait for reports in sync produce and in stop(), and the longest a partition waits for a
    /// leader (pure engine; librdkafka's `message.timeout.ms` plays that part); -1 = forever.
    pub pending_timeout_ms: i64,
    /// Start in `build()`.
    pub auto_start: bool,
    /// Idempotent producer (KIP-98): the broker drops resent duplicates, so retries after a timeout or a
    /// lost connection cannot write a message twice and per-partition order holds. Needs `required_acks`
    /// -1 and a broker of 0.11 or newer. Off by default (PyKafka has no such option).
    pub enable_idempotence: bool,
}

impl Default for ProducerOptions {
    fn default() -> Self {
        ProducerOptions {
            compression: Compression::None,
            max_retries: 3,
            retry_backoff_ms: 100,
            required_acks: 1,
            ack_timeout_ms: 10_000,
            max_queued_messages: 100_000,
            min_queued_messages: 70_000,
            linger_ms: 5,
            queue_empty_timeout_ms: 0,
            block_on_queue_full: true,
            max_request_size: 1_000_012,
            sync: false,
            delivery_reports: false,
            pending_timeout_ms: 5_000,
            auto_start: true,
            enable_idempotence: false,
        }
    }
}

impl ProducerOptions {
    /// Check every option; the error names the first bad one and its value.
    pub fn validate(&self) -> Result<()> {
        non_negative("max_retries", self.max_retries)?;
        positive("retry_backoff_ms", self.retry_backoff_ms)?;
        if !(-1..=i16::MAX).contains(&self.required_acks) {
            return Err(Error::config(
                "required_acks",
                format!(
                    "must be -1, 0, 1 or a replica count, got {}",
                    self.required_acks
                ),
            ));
        }
        non_negative("ack_timeout_ms", self.ack_timeout_ms)?;
        if self.ack_timeout_ms > i32::MAX as i64 {
            return Err(Error::config("ack_timeout_ms", "must fit in 32 bits"));
        }
        // 0 would accept nothing (PyKafka blocks or raises on the first message): refuse it up front.
        positive("max_queued_messages", self.max_queued_messages)?;
        if !self.sync {
            positive("min_queued_messages", self.min_queued_messages)?;
        }
        non_negative("linger_ms", self.linger_ms)?;
        at_least_minus_one("queue_empty_timeout_ms", self.queue_empty_timeout_ms)?;
        positive("max_request_size", self.max_request_size)?;
        if self.max_request_size > i32::MAX as i64 {
            return Err(Error::config("max_request_size", "must fit in 32 bits"));
        }
        at_least_minus_one("pending_timeout_ms", self.pending_timeout_ms)?;
        if self.enable_idempotence && self.wire_acks() != -1 {
            return Err(Error::config(
                "enable_idempotence",
                format!(
                    "needs required_acks = -1 (all in-sync replicas), got {}",
                    self.required_acks
                ),
            ));
        }
        Ok(())
    }

    /// The acks value sent on the wire: values above 1 become -1 (all replicas), as librdkafka does.
    pub fn wire_acks(&self) -> i16 {
        if self.required_acks > 1 {
            -1
        } else {
            self.required_acks
        }
    }

    /// `min_queued_messages` as the producer uses it: 1 when `sync`.
    pub fn effective_min_queued(&self) -> i64 {
        if self.sync {
            1
        } else {
            self.min_queued_messages
        }
    }

    /// Whether reports are kept: `delivery_reports`, or implied by `sync`.
    pub fn reports_enabled(&self) -> bool {
        self.delivery_reports || self.sync
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_pykafkas_but_linger_and_valid() {
        let o = ProducerOptions::default();
        assert_eq!(
            (o.linger_ms, o.min_queued_messages, o.max_queued_messages),
            (5, 70_000, 100_000)
        );
        assert!(o.validate().is_ok());
    }

    #[test]
    fn bad_values_name_the_option() {
        type Setter = Box<dyn Fn(&mut ProducerOptions)>;
        let cases: Vec<(&str, Setter)> = vec![
            ("linger_ms", Box::new(|o| o.linger_ms = -1)),
            ("required_acks", Box::new(|o| o.required_acks = -2)),
            ("retry_backoff_ms", Box::new(|o| o.retry_backoff_ms = 0)),
            (
                "max_queued_messages",
                Box::new(|o| o.max_queued_messages = 0),
            ),
            ("max_request_size", Box::new(|o| o.max_request_size = 0)),
            (
                "queue_empty_timeout_ms",
                Box::new(|o| o.queue_empty_timeout_ms = -5),
            ),
            (
                "min_queued_messages",
                Box::new(|o| o.min_queued_messages = 0),
            ),
            (
                "enable_idempotence",
                Box::new(|o| o.enable_idempotence = true),
            ),
        ];
        for (name, set) in cases {
            let mut o = ProducerOptions::default();
            set(&mut o);
            let e = o.validate().unwrap_err();
            assert!(e.to_string().contains(name), "{name}: {e}");
        }
        let o = ProducerOptions {
            sync: true,
            min_queued_messages: 0,
            ..Default::default()
        };
        assert!(o.validate().is_ok());
        assert_eq!(o.effective_min_queued(), 1);
        let idempotent = ProducerOptions {
            enable_idempotence: true,
            required_acks: -1,
            ..Default::default()
        };
        assert!(idempotent.validate().is_ok());
        assert_eq!(
            ProducerOptions {
                required_acks: 2,
                ..Default::default()
            }
            .wire_acks(),
            -1
        );
    }
}
