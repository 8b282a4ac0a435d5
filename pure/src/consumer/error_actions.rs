//! What the consumer does with each per-partition error code, for fetches and for offset requests.
//!
//! PyKafka's table (§2.7) knows eleven codes and lets any other one kill the fetcher thread with a KeyError.
//! Here every code has an action: the table below for the known ones, and "surface on consume, back off,
//! retry" for the rest, so a new broker code can never stop consumption silently.

use ferrokafka_core::KafkaCode;

/// The action for an error code in a Fetch response partition.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FetchAction {
    /// Move the partition to `auto_offset_reset` (ListOffsets), then commit if grouped (PyKafka's code 1).
    ResetOffset,
    /// Leadership moved or is unknown: refresh metadata, back off, refetch from the same offset.
    RefreshLeader,
    /// Transient: back off `fetch_error_backoff_ms`, refetch.
    Retry,
    /// Not transient: report it on the next `consume()` as `ErrorKind::Kafka`, back off, keep retrying.
    Surface,
}

/// The action for a Fetch partition error code.
pub fn fetch_action(code: KafkaCode) -> FetchAction {
    use KafkaCode::*;
    match code {
        OffsetOutOfRange => FetchAction::ResetOffset,
        NotLeaderForPartition
        | UnknownTopicOrPartition
        | LeaderNotAvailable
        | ReplicaNotAvailable
        | FencedLeaderEpoch
        | UnknownLeaderEpoch
        | KafkaStorageError
        | PreferredLeaderNotAvailable
        | UnknownTopicId
        | InconsistentTopicId
        | NotCoordinatorForGroup
        | GroupCoordinatorNotAvailable => FetchAction::RefreshLeader,
        UnknownError
        | InvalidMessage
        | RequestTimedOut
        | NetworkException
        | GroupLoadInProgress
        | IllegalGeneration
        | UnknownMemberId
        | RebalanceInProgress
        | FetchSessionIdNotFound
        | InvalidFetchSessionEpoch
        | OffsetNotAvailable
        | ThrottlingQuotaExceeded
        | FetchSessionTopicIdError => FetchAction::Retry,
        _ => FetchAction::Surface,
    }
}

/// The action for an error code in an OffsetCommit / OffsetFetch / ListOffsets partition.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OffsetAction {
    /// Look the coordinator up again, then retry (15, 16).
    RefreshCoordinator,
    /// Leadership moved (ListOffsets): refresh metadata, then retry.
    RefreshLeader,
    /// Retry after the backoff.
    Retry,
    /// Give up on this partition now (PyKafka raises 3 and 12 at once).
    Fail,
}

/// The action for an offset-request partition error code.
pub fn offset_action(code: KafkaCode) -> OffsetAction {
    use KafkaCode::*;
    match code {
        GroupCoordinatorNotAvailable | NotCoordinatorForGroup => OffsetAction::RefreshCoordinator,
        NotLeaderForPartition
        | LeaderNotAvailable
        | FencedLeaderEpoch
        | UnknownLeaderEpoch
        | ReplicaNotAvailable
        | KafkaStorageError
        | UnknownTopicOrPartition => OffsetAction::RefreshLeader,
        OffsetMetadataTooLarge
        | TopicAuthorizationFailed
        | GroupAuthorizationFailed
        | InvalidGroupId
        | InvalidCommitOffsetSize
        | UnsupportedVersion => OffsetAction::Fail,
        c if c.is_retriable() => OffsetAction::Retry,
        UnknownError | IllegalGeneration | UnknownMemberId | RebalanceInProgress => {
            OffsetAction::Retry
        }
        _ => OffsetAction::Fail,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pykafka_codes_keep_their_action() {
        assert_eq!(
            fetch_action(KafkaCode::OffsetOutOfRange),
            FetchAction::ResetOffset
        );
        assert_eq!(
            fetch_action(KafkaCode::NotLeaderForPartition),
            FetchAction::RefreshLeader
        );
        for c in [-1i16, 7, 14, 22, 25, 27] {
            let code = KafkaCode::from_i16(c).expect("non-zero");
            assert_eq!(fetch_action(code), FetchAction::Retry, "{code}");
        }
        assert_eq!(
            offset_action(KafkaCode::NotCoordinatorForGroup),
            OffsetAction::RefreshCoordinator
        );
        assert_eq!(
            offset_action(KafkaCode::OffsetMetadataTooLarge),
            OffsetAction::Fail
        );
    }

    #[test]
    fn every_code_has_an_action_and_unknown_codes_surface() {
        for c in -1..=200i16 {
            if let Some(code) = KafkaCode::from_i16(c) {
                // Total functions: no panic, and leader-ish codes never "surface".
                let _ = fetch_action(code);
                let _ = offset_action(code);
            }
        }
        assert_eq!(
            fetch_action(KafkaCode::Unrecognized(999)),
            FetchAction::Surface
        );
        assert_eq!(
            fetch_action(KafkaCode::LeaderNotAvailable),
            FetchAction::RefreshLeader
        );
        assert_eq!(
            fetch_action(KafkaCode::TopicAuthorizationFailed),
            FetchAction::Surface
        );
    }
}
