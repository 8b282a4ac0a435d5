//! The API version ranges a `broker_version` pin allows: PyKafka's hard-coded tables below 0.10, and for
//! 0.10.x the ranges those Kafka releases advertised. From 0.11 on a pin does not narrow anything (those
//! brokers speak RecordBatch v2 and their ApiVersions answer is the whole truth).

use std::collections::BTreeMap;

/// `(api_key, min, max)` rows shared by every 0.10 release.
const KAFKA_0_10_COMMON: &[(i16, i16, i16)] = &[
    (0, 0, 2),  // Produce: v2 = message format v1 (timestamps)
    (8, 0, 2),  // OffsetCommit
    (10, 0, 0), // GroupCoordinator
    (12, 0, 0), // Heartbeat
    (13, 0, 0), // LeaveGroup
    (14, 0, 0), // SyncGroup
    (15, 0, 0), // DescribeGroups
    (16, 0, 0), // ListGroups
    (17, 0, 0), // SaslHandshake
    (18, 0, 0), // ApiVersions
];

/// What differs between 0.10.0, 0.10.1 and 0.10.2: Fetch, ListOffsets, Metadata, OffsetFetch, JoinGroup,
/// CreateTopics, DeleteTopics.
fn kafka_0_10_feature(feature: u32) -> &'static [(i16, i16, i16)] {
    match feature {
        0 => &[(1, 0, 2), (2, 0, 0), (3, 0, 1), (9, 0, 1), (11, 0, 0)],
        1 => &[
            (1, 0, 3),
            (2, 0, 1),
            (3, 0, 2),
            (9, 0, 1),
            (11, 0, 1),
            (19, 0, 0),
            (20, 0, 0),
        ],
        _ => &[
            (1, 0, 3),
            (2, 0, 1),
            (3, 0, 2),
            (9, 0, 2),
            (11, 0, 1),
            (19, 0, 1),
            (20, 0, 0),
        ],
    }
}

/// The ranges `broker_version` allows, or `None` when the pin does not narrow (0.11.0 and later).
///
/// Below 0.10 these are PyKafka's `API_VERSIONS_090` (keys 0–16 at v0 except Fetch v0–v1, OffsetCommit and
/// OffsetFetch v0–v1) and `API_VERSIONS_080` (the same with Fetch v0 only), except that 0.8 has no group
/// membership APIs (JoinGroup, Heartbeat, LeaveGroup, SyncGroup, DescribeGroups, ListGroups): Kafka 0.8
/// had no Kafka-managed groups, so asking for one fails with a clear error instead of a broker-side surprise.
pub fn pinned_ranges(version: (u32, u32, u32)) -> Option<BTreeMap<i16, (i16, i16)>> {
    let rows: Vec<(i16, i16, i16)> = match version {
        (0, 0..=8, _) => (0..=10)
            .map(|k| (k, 0, 0))
            .chain([(8, 0, 1), (9, 0, 1)])
            .collect(),
        (0, 9, _) => (0..=16)
            .map(|k| (k, 0, 0))
            .chain([(1, 0, 1), (8, 0, 1), (9, 0, 1)])
            .collect(),
        (0, 10, feature) => KAFKA_0_10_COMMON
            .iter()
            .chain(kafka_0_10_feature(feature))
            .copied()
            .collect(),
        _ => return None,
    };
    // Later rows override earlier ones for the same key.
    Some(rows.into_iter().map(|(k, lo, hi)| (k, (lo, hi))).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pins_narrow_to_the_release_and_stop_at_0_11() {
        let t = pinned_ranges((0, 8, 2)).unwrap();
        assert_eq!(t[&1], (0, 0));
        assert_eq!(t[&8], (0, 1));
        assert_eq!(t[&10], (0, 0));
        assert!(!t.contains_key(&11), "0.8 had no group membership");
        let t = pinned_ranges((0, 9, 0)).unwrap();
        assert_eq!((t[&1], t[&11], t[&16]), ((0, 1), (0, 0), (0, 0)));
        let t = pinned_ranges((0, 10, 1)).unwrap();
        assert_eq!(
            (t[&0], t[&1], t[&2], t[&11]),
            ((0, 2), (0, 3), (0, 1), (0, 1))
        );
        assert_eq!(pinned_ranges((0, 10, 0)).unwrap()[&1], (0, 2));
        assert_eq!(pinned_ranges((0, 10, 2)).unwrap()[&9], (0, 2));
        assert!(pinned_ranges((0, 11, 0)).is_none());
        assert!(pinned_ranges((2, 8, 0)).is_none());
    }
}
