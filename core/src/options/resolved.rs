//! Options validated once and decoded into the `Duration`s and counts the engines read.
//!
//! The builders keep PyKafka's names and signed milliseconds (with -1 = forever); `resolve()` checks them and
//! turns them into typed values here, so no engine converts milliseconds or decodes a special value itself.
//! Each resolved struct dereferences to its options for the flags and names that need no decoding.

use std::ops::Deref;
use std::time::Duration;

use super::{ClientOptions, ConsumerOptions, GroupOptions, ProducerOptions};
use crate::error::Result;

/// Milliseconds already checked to be >= 0 as a `Duration` (a negative value, which `validate` refuses, is 0).
fn millis(ms: i64) -> Duration {
    Duration::from_millis(u64::try_from(ms).unwrap_or(0))
}

/// PyKafka's "-1 = forever": `None` for a negative value, else the wait.
fn millis_or_forever(ms: i64) -> Option<Duration> {
    u64::try_from(ms).ok().map(Duration::from_millis)
}

/// A count already checked to be > 0 (a value that does not fit is `usize::MAX`; a negative one is 0).
fn count(n: i64) -> usize {
    if n < 0 {
        0
    } else {
        usize::try_from(n).unwrap_or(usize::MAX)
    }
}

/// Milliseconds as the wire's `int32`, saturating (options bounded by `validate` always fit).
pub fn wire_ms(d: Duration) -> i32 {
    i32::try_from(d.as_millis()).unwrap_or(i32::MAX)
}

/// Implements `Deref` to the options a resolved struct was made from.
macro_rules! deref_to_options {
    ($resolved:ty, $options:ty) => {
        impl Deref for $resolved {
            type Target = $options;
            fn deref(&self) -> &$options {
                &self.options
            }
        }
    };
}

/// [`ClientOptions`], validated, with its timeouts as `Duration`s.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolvedClient {
    /// The options as given.
    pub options: ClientOptions,
    /// `socket_timeout_ms`.
    pub socket_timeout: Duration,
    /// `offsets_channel_socket_timeout_ms`.
    pub offsets_channel_socket_timeout: Duration,
}
deref_to_options!(ResolvedClient, ClientOptions);

impl ClientOptions {
    /// Validate, then decode the timeouts once.
    pub fn resolve(&self) -> Result<ResolvedClient> {
        self.validate()?;
        Ok(ResolvedClient {
            options: self.clone(),
            socket_timeout: millis(self.socket_timeout_ms),
            offsets_channel_socket_timeout: millis(self.offsets_channel_socket_timeout_ms),
        })
    }
}

/// [`ProducerOptions`], validated, with waits as `Duration`s and bounds as counts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolvedProducer {
    /// The options as given.
    pub options: ProducerOptions,
    /// `linger_ms`: the longest a batch waits to fill.
    pub linger: Duration,
    /// `retry_backoff_ms`: the first retry's backoff.
    pub retry_backoff: Duration,
    /// `retry_backoff_max_ms`: the cap of the growing backoff.
    pub retry_backoff_max: Duration,
    /// `delivery_timeout_ms`: from `produce()` to the report.
    pub delivery_timeout: Duration,
    /// `ack_timeout_ms`: the broker's wait for acks (send it with [`wire_ms`]).
    pub ack_timeout: Duration,
    /// `pending_timeout_ms`; `None` = -1, wait forever.
    pub pending_timeout: Option<Duration>,
    /// `queue_empty_timeout_ms`; `None` = -1, until produce or stop.
    pub queue_empty_timeout: Option<Duration>,
    /// `max_queued_messages`.
    pub max_queued_messages: usize,
    /// `min_queued_messages` as the producer uses it: 1 when `sync`.
    pub min_queued_messages: usize,
    /// `max_request_size` in bytes.
    pub max_request_size: usize,
}
deref_to_options!(ResolvedProducer, ProducerOptions);

impl ProducerOptions {
    /// Validate, then decode every wait and bound once.
    pub fn resolve(&self) -> Result<ResolvedProducer> {
        self.validate()?;
        Ok(ResolvedProducer {
            options: self.clone(),
            linger: millis(self.linger_ms),
            retry_backoff: millis(self.retry_backoff_ms),
            retry_backoff_max: millis(self.retry_backoff_max_ms),
            delivery_timeout: millis(self.delivery_timeout_ms),
            ack_timeout: millis(self.ack_timeout_ms),
            pending_timeout: millis_or_forever(self.pending_timeout_ms),
            queue_empty_timeout: millis_or_forever(self.queue_empty_timeout_ms),
            max_queued_messages: count(self.max_queued_messages),
            min_queued_messages: count(self.effective_min_queued()),
            max_request_size: count(self.max_request_size),
        })
    }
}

/// [`ConsumerOptions`], validated, with waits as `Duration`s and bounds as counts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolvedConsumer {
    /// The options as given.
    pub options: ConsumerOptions,
    /// `consumer_timeout_ms`: `None` = block forever (-1, and 0 as in PyKafka).
    pub consumer_timeout: Option<Duration>,
    /// `auto_commit_interval_ms`.
    pub auto_commit_interval: Duration,
    /// `fetch_error_backoff_ms`.
    pub fetch_error_backoff: Duration,
    /// `fetch_wait_max_ms` as asked (each engine caps it by its request timeout).
    pub fetch_wait_max: Duration,
    /// `offsets_channel_backoff_ms`.
    pub offsets_channel_backoff: Duration,
    /// `queued_max_messages`: the prefetch bound per partition.
    pub queued_max_messages: usize,
}
deref_to_options!(ResolvedConsumer, ConsumerOptions);

impl ConsumerOptions {
    /// Validate, then decode every wait and bound once.
    pub fn resolve(&self) -> Result<ResolvedConsumer> {
        self.validate()?;
        Ok(ResolvedConsumer {
            options: self.clone(),
            consumer_timeout: (self.consumer_timeout_ms > 0)
                .then(|| millis(self.consumer_timeout_ms)),
            auto_commit_interval: millis(self.auto_commit_interval_ms),
            fetch_error_backoff: millis(self.fetch_error_backoff_ms),
            fetch_wait_max: millis(self.fetch_wait_max_ms),
            offsets_channel_backoff: millis(self.offsets_channel_backoff_ms),
            queued_max_messages: count(self.queued_max_messages),
        })
    }
}

/// [`GroupOptions`], validated, with its timeouts as `Duration`s.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolvedGroup {
    /// The options as given.
    pub options: GroupOptions,
    /// `heartbeat_interval_ms`.
    pub heartbeat_interval: Duration,
    /// `rebalance_backoff_ms`: attempt i waits i × this.
    pub rebalance_backoff: Duration,
    /// `session_timeout_ms` (send it with [`wire_ms`]).
    pub session_timeout: Duration,
    /// `rebalance_timeout_ms` (send it with [`wire_ms`]).
    pub rebalance_timeout: Duration,
    /// `zookeeper_connection_timeout_ms`.
    pub zookeeper_connection_timeout: Duration,
}
deref_to_options!(ResolvedGroup, GroupOptions);

impl GroupOptions {
    /// Validate, then decode the timeouts once.
    pub fn resolve(&self) -> Result<ResolvedGroup> {
        self.validate()?;
        Ok(ResolvedGroup {
            options: self.clone(),
            heartbeat_interval: millis(self.heartbeat_interval_ms),
            rebalance_backoff: millis(self.rebalance_backoff_ms),
            session_timeout: millis(self.session_timeout_ms),
            rebalance_timeout: millis(self.rebalance_timeout_ms),
            zookeeper_connection_timeout: millis(self.zookeeper_connection_timeout_ms),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn producer_special_values_are_decoded() {
        let r = ProducerOptions::default().resolve().unwrap();
        assert_eq!(r.linger, Duration::from_millis(5));
        assert_eq!(r.pending_timeout, Some(Duration::from_secs(5)));
        assert_eq!(r.delivery_timeout, Duration::from_secs(120));
        assert_eq!(r.retry_backoff_max, Duration::from_secs(1));
        assert_eq!(r.queue_empty_timeout, Some(Duration::ZERO));
        assert_eq!(
            (r.max_queued_messages, r.min_queued_messages),
            (100_000, 70_000)
        );
        assert_eq!(wire_ms(r.ack_timeout), 10_000);
        let forever = ProducerOptions {
            pending_timeout_ms: -1,
            queue_empty_timeout_ms: -1,
            sync: true,
            linger_ms: 0,
            ..Default::default()
        }
        .resolve()
        .unwrap();
        assert_eq!(forever.pending_timeout, None);
        assert_eq!(forever.queue_empty_timeout, None);
        assert_eq!(forever.min_queued_messages, 1);
        assert_eq!(forever.linger, Duration::ZERO);
        let bad = ProducerOptions {
            pending_timeout_ms: -2,
            ..Default::default()
        };
        assert!(bad
            .resolve()
            .unwrap_err()
            .to_string()
            .contains("pending_timeout_ms"));
    }

    #[test]
    fn consumer_timeout_minus_one_and_zero_block_forever() {
        for ms in [-1, 0] {
            let r = ConsumerOptions {
                consumer_timeout_ms: ms,
                ..Default::default()
            }
            .resolve()
            .unwrap();
            assert_eq!(r.consumer_timeout, None, "{ms}");
        }
        let r = ConsumerOptions {
            consumer_timeout_ms: 250,
            ..Default::default()
        }
        .resolve()
        .unwrap();
        assert_eq!(r.consumer_timeout, Some(Duration::from_millis(250)));
        assert_eq!(r.queued_max_messages, 2000);
        assert_eq!(r.auto_commit_interval, Duration::from_secs(60));
        assert!(ConsumerOptions {
            consumer_timeout_ms: -2,
            ..Default::default()
        }
        .resolve()
        .is_err());
    }

    #[test]
    fn group_and_client_timeouts_are_durations() {
        let g = GroupOptions::default().resolve().unwrap();
        assert_eq!(g.heartbeat_interval, Duration::from_secs(3));
        assert_eq!(wire_ms(g.session_timeout), 30_000);
        assert_eq!(g.membership_protocol, crate::MembershipProtocol::Range);
        let c = ClientOptions::default().resolve().unwrap();
        assert_eq!(c.socket_timeout, Duration::from_secs(30));
        assert_eq!(c.offsets_channel_socket_timeout, Duration::from_secs(10));
        assert!(GroupOptions {
            heartbeat_interval_ms: 40_000,
            ..Default::default()
        }
        .resolve()
        .is_err());
    }
}
