//! What to do with a batch the broker (or the connection) did not accept: PyKafka's §2.7 table, kept in order.

use ferrokafka_core::{Error, ErrorKind, KafkaCode};

/// The fate of a failed batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Action {
    /// Retry after `retry_backoff_ms`; `refresh` = refresh metadata first (the leader may have moved).
    Retry { refresh: bool },
    /// The batch is too large for the broker: resend it in halves (a single message fails instead).
    Split,
    /// Report the failure for every message now.
    Fail,
}

/// Codes that mean "your idea of the leader is stale": refresh metadata before retrying.
fn leader_moved(code: KafkaCode) -> bool {
    matches!(
        code,
        KafkaCode::NotLeaderForPartition
            | KafkaCode::UnknownTopicOrPartition
            | KafkaCode::LeaderNotAvailable
            | KafkaCode::FencedLeaderEpoch
            | KafkaCode::UnknownLeaderEpoch
            | KafkaCode::UnknownTopicId
            | KafkaCode::InconsistentTopicId
            | KafkaCode::NotEnoughReplicas
            | KafkaCode::KafkaStorageError
    )
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
            c if leader_moved(c) => Action::Retry { refresh: true },
            c if c.is_retriable() => Action::Retry { refresh: false },
            _ => Action::Fail,
        },
        // Connection loss or an undecodable response: the broker may be gone; PyKafka's `_update()`.
        ErrorKind::SocketDisconnected
        | ErrorKind::NoBrokersAvailable
        | ErrorKind::Timeout
        | ErrorKind::Protocol
        | ErrorKind::LeaderNotFound => Action::Retry { refresh: true },
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
    fn pykafka_table() {
        assert_eq!(
            classify(&kafka(KafkaCode::NotLeaderForPartition), 1),
            Action::Retry { refresh: true }
        );
        assert_eq!(
            classify(&kafka(KafkaCode::UnknownTopicOrPartition), 1),
            Action::Retry { refresh: true }
        );
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
