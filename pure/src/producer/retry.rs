//! What to do with a batch the broker (or the connection) did not accept: PyKafka's §2.7 table, kept in order.

use std::time::Duration;

use ferrokafka_core::{Error, ErrorKind, KafkaCode};
use rand::Rng;

/// The fate of a failed batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Action {
    /// Retry after the backoff ([`backoff`]); `refresh` = refresh metadata first (the leader may have moved).
    Retry { refresh: bool },
    /// The leader is missing or moved: refresh metadata and wait for it. Does not spend the retry budget;
    /// bounded, per message, by `delivery_timeout_ms` (librdkafka: `message.timeout.ms`).
    WaitForLeader,
    /// Idempotence: the broker lost or rejected our producer state (the batch was not written). Retry under
    /// a new producer id.
    NewProducerId,
    /// Idempotence: the broker already has this batch (an earlier attempt was written).
    AlreadyWritten,
    /// The batch is too large for the broker: resend it in halves (a single message fails instead).
    Split,
    /// Report the failure for every message now.
    Fail,
}

/// KIP-580: the backoff before retry number `attempts` (1 = the first retry) of a batch: `base` doubled per
/// attempt up to `max`, then ±20 % jitter (so producers that failed together do not retry together), never
/// above `max`.
pub(crate) fn backoff(base: Duration, max: Duration, attempts: u32) -> Duration {
    let doublings = attempts.saturating_sub(1).min(31);
    let grown = base.saturating_mul(1u32 << doublings).min(max);
    let jitter = rand::thread_rng().gen_range(0.8..1.2);
    grown.mul_f64(jitter).min(max)
}

/// Codes that mean "there is no leader where you sent it (yet)": wait for fresh metadata.
fn leader_missing(code: KafkaCode) -> bool {
    matches!(
        code,
        KafkaCode::NotLeaderForPartition
            | KafkaCode::UnknownTopicOrPartition
            | KafkaCode::LeaderNotAvailable
            | KafkaCode::FencedLeaderEpoch
            | KafkaCode::UnknownLeaderEpoch
    )
}

/// Other codes where a metadata refresh may help before retrying.
fn leader_moved(code: KafkaCode) -> bool {
    matches!(
        code,
        KafkaCode::UnknownTopicId
            | KafkaCode::InconsistentTopicId
            | KafkaCode::NotEnoughReplicas
            | KafkaCode::KafkaStorageError
    )
}

/// Whether the batch may have been written although this attempt failed: the request was sent and no
/// verdict came back (timeout, lost connection, unreadable answer), or the broker wrote it and then timed
/// out waiting for replicas. A later give-up must then be reported as an unknown outcome.
pub(crate) fn in_doubt(error: &Error) -> bool {
    match error.kind() {
        ErrorKind::Kafka => matches!(
            error.code(),
            Some(KafkaCode::RequestTimedOut | KafkaCode::NotEnoughReplicasAfterAppend)
        ),
        ErrorKind::SocketDisconnected | ErrorKind::Timeout | ErrorKind::Protocol => true,
        _ => false,
    }
}

/// Classify a failure. `batch_len` decides between splitting and failing on size errors.
pub(crate) fn classify(error: &Error, batch_len: usize) -> Action {
    match error.kind() {
        ErrorKind::Kafka => match error.code().unwrap_or(KafkaCode::UnknownError) {
            // PyKafka: never retried. A batch of several is split instead (the broker's limit is per batch).
            KafkaCode::MessageSizeTooLarge | KafkaCode::RecordListTooLarge if batch_len > 1 => {
                Action::Split
            }
            KafkaCode::MessageSizeTooLarge
            | KafkaCode::RecordListTooLarge
            | KafkaCode::InvalidMessageSize
            | KafkaCode::InvalidRecord => Action::Fail,
            KafkaCode::DuplicateSequenceNumber => Action::AlreadyWritten,
            KafkaCode::OutOfOrderSequenceNumber
            | KafkaCode::UnknownProducerId
            | KafkaCode::InvalidProducerEpoch => Action::NewProducerId,
            c if leader_missing(c) => Action::WaitForLeader,
            c if leader_moved(c) => Action::Retry { refresh: true },
            c if c.is_retriable() => Action::Retry { refresh: false },
            _ => Action::Fail,
        },
        // Connection loss or an undecodable response: the broker may be gone; PyKafka's `_update()`.
        ErrorKind::SocketDisconnected
        | ErrorKind::NoBrokersAvailable
        | ErrorKind::Timeout
        | ErrorKind::Protocol => Action::Retry { refresh: true },
        ErrorKind::LeaderNotFound => Action::WaitForLeader,
        _ => Action::Fail,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ferrokafka_core::BrokerRef;
    use ferrokafka_core::ErrorContext;

    fn kafka(code: KafkaCode) -> Error {
        Error::kafka(code, ErrorContext::partition("t", 0))
    }

    #[test]
    fn backoff_doubles_up_to_the_cap_with_jitter() {
        let (base, max) = (Duration::from_millis(100), Duration::from_millis(1000));
        for _ in 0..50 {
            let first = backoff(base, max, 1);
            assert!((80..=120).contains(&first.as_millis()), "{first:?}");
            let third = backoff(base, max, 3);
            assert!((320..=480).contains(&third.as_millis()), "{third:?}");
            let late = backoff(base, max, 40);
            assert!((800..=1000).contains(&late.as_millis()), "{late:?}");
        }
    }

    #[test]
    fn pykafka_table() {
        assert_eq!(
            classify(&kafka(KafkaCode::NotLeaderForPartition), 1),
            Action::WaitForLeader
        );
        assert_eq!(
            classify(&kafka(KafkaCode::UnknownTopicOrPartition), 1),
            Action::WaitForLeader
        );
        assert_eq!(
            classify(&kafka(KafkaCode::NotEnoughReplicas), 1),
            Action::Retry { refresh: true }
        );
        assert_eq!(
            classify(&kafka(KafkaCode::OutOfOrderSequenceNumber), 1),
            Action::NewProducerId
        );
        assert_eq!(
            classify(&kafka(KafkaCode::DuplicateSequenceNumber), 1),
            Action::AlreadyWritten
        );
        assert!(in_doubt(&kafka(KafkaCode::RequestTimedOut)));
        assert!(!in_doubt(&kafka(KafkaCode::NotLeaderForPartition)));
        assert_eq!(
            classify(&kafka(KafkaCode::RequestTimedOut), 1),
            Action::Retry { refresh: false }
        );
        assert_eq!(
            classify(&kafka(KafkaCode::MessageSizeTooLarge), 1),
            Action::Fail
        );
        assert_eq!(
            classify(&kafka(KafkaCode::MessageSizeTooLarge), 2),
            Action::Split
        );
        assert_eq!(
            classify(&kafka(KafkaCode::InvalidMessageSize), 5),
            Action::Fail
        );
        assert_eq!(
            classify(&kafka(KafkaCode::TopicAuthorizationFailed), 1),
            Action::Fail
        );
        let gone = Error::socket_disconnected(BrokerRef::id(1), "eof");
        assert_eq!(classify(&gone, 3), Action::Retry { refresh: true });
    }
}
