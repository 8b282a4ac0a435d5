//! Producer options (PyKafka §1.6), validated as PyKafka's `valid_int` does, plus zstd and sane bounds.

use super::{at_least_minus_one, non_negative, positive};
use crate::compression::Compression;
use crate::error::{Error, Result};

/// `max_retries`' default: no bound of its own, retries go on until `delivery_timeout_ms` (Java's `retries`
/// default, librdkafka's `message.send.max.retries` default and maximum).
pub const RETRY_UNTIL_DELIVERY_TIMEOUT: i64 = i32::MAX as i64;

/// PyKafka's `Producer` arguments (the partitioner and serializer are given to the builder, not kept here),
/// with PyKafka's defaults except `linger_ms` (5 ms, not 5000), `max_retries` and the KIP-91/580 additions:
/// see README's Differences.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProducerOptions {
    /// Codec of produced batches.
    pub compression: Compression,
    /// Retries per message after the first attempt (attempts = max_retries + 1), an extra bound besides
    /// `delivery_timeout_ms`. Default [`RETRY_UNTIL_DELIVERY_TIMEOUT`] (`i32::MAX`, as Java's `retries` and
    /// librdkafka's `message.send.max.retries`): retry until the delivery timeout. PyKafka's default is 3.
    pub max_retries: i64,
    /// The first retry's backoff; each further retry of a batch doubles it, up to `retry_backoff_max_ms`
    /// (KIP-580, with ±20 % jitter).
    pub retry_backoff_ms: i64,
    /// The longest backoff between retries (KIP-580); at least `retry_backoff_ms`.
    pub retry_backoff_max_ms: i64,
    /// KIP-91: the longest a message may take from `produce()` to its delivery report, queued (also waiting
    /// for a partition leader), in flight and between retries. A message not delivered by then is reported
    /// as a `Timeout` error naming its partition, with the last attempt's error as its source. Must be at
    /// least `linger_ms + ack_timeout_ms` (Java's rule). Default 120 000 (Java's `delivery.timeout.ms`).
    pub delivery_timeout_ms: i64,
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
    /// Client-side wait for reports in sync produce and in stop(); -1 = forever. (A partition without a
    /// leader is waited for up to `delivery_timeout_ms`, per message.)
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
            max_retries: RETRY_UNTIL_DELIVERY_TIMEOUT,
            retry_backoff_ms: 100,
            retry_backoff_max_ms: 1_000,
            delivery_timeout_ms: 120_000,
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
        if self.max_retries > RETRY_UNTIL_DELIVERY_TIMEOUT {
            return Err(Error::config(
                "max_retries",
                format!(
                    "must be at most {RETRY_UNTIL_DELIVERY_TIMEOUT} (retry until delivery_timeout_ms)"
                ),
            ));
        }
        positive("retry_backoff_ms", self.retry_backoff_ms)?;
        if self.retry_backoff_max_ms < self.retry_backoff_ms {
            return Err(Error::config(
                "retry_backoff_max_ms",
                format!(
                    "must be at least retry_backoff_ms ({}), got {}",
                    self.retry_backoff_ms, self.retry_backoff_max_ms
                ),
            ));
        }
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
        self.validate_delivery_timeout()?;
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

    /// Java's rule: a message must have time for its linger and one whole request (`ack_timeout_ms`, Java's
    /// `request.timeout.ms`) before its delivery timeout, else it could expire before its first answer.
    fn validate_delivery_timeout(&self) -> Result<()> {
        positive("delivery_timeout_ms", self.delivery_timeout_ms)?;
        if self.delivery_timeout_ms > i32::MAX as i64 {
            return Err(Error::config("delivery_timeout_ms", "must fit in 32 bits"));
        }
        let linger = if self.sync { 0 } else { self.linger_ms };
        let least = linger.saturating_add(self.ack_timeout_ms);
        if self.delivery_timeout_ms < least {
            return Err(Error::config(
                "delivery_timeout_ms",
                format!(
                    "must be at least linger_ms + ack_timeout_ms ({linger} + {} = {least}), got {}",
                    self.ack_timeout_ms, self.delivery_timeout_ms
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
        assert_eq!(o.max_retries, RETRY_UNTIL_DELIVERY_TIMEOUT);
        assert_eq!(
            (o.delivery_timeout_ms, o.retry_backoff_max_ms),
            (120_000, 1_000)
        );
    }

    #[test]
    fn delivery_timeout_covers_linger_and_one_request() {
        let exact = ProducerOptions {
            delivery_timeout_ms: 10_005,
            ..Default::default()
        };
        assert!(exact.validate().is_ok());
        // A sync producer does not linger.
        let sync = ProducerOptions {
            sync: true,
            delivery_timeout_ms: 10_000,
            ..Default::default()
        };
        assert!(sync.validate().is_ok());
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
            (
                "retry_backoff_max_ms",
                Box::new(|o| o.retry_backoff_max_ms = 99),
            ),
            (
                "delivery_timeout_ms",
                Box::new(|o| o.delivery_timeout_ms = 0),
            ),
            (
                "delivery_timeout_ms",
                Box::new(|o| o.delivery_timeout_ms = 10_004),
            ),
            (
                "max_retries",
                Box::new(|o| o.max_retries = i32::MAX as i64 + 1),
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
