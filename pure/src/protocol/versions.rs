//! What real brokers accept, so the client can clamp versions before (or without) ApiVersions.
//!
//! Kafka 4.0 (KIP-896 / KIP-724) removed old versions of many APIs; a 4.x broker rejects them. The table is from
//! Kafka's `*Request.json` at 4.0-4.1 (see the project's reference notes on real brokers, section B.4). Any other
//! API keeps its minimum of 0. The negotiated range is still the authority: use these only to pick versions
//! before ApiVersions has answered, or to refuse a too-old choice early.

use super::messages::ApiKey;

/// `(api, lowest version a Kafka 4.x broker accepts)`, for the APIs whose minimum is not 0.
pub const KAFKA_4_MIN_VERSIONS: &[(ApiKey, i16)] = &[
    (ApiKey::Produce, 3),
    (ApiKey::Fetch, 4),
    (ApiKey::ListOffsets, 1),
    (ApiKey::OffsetCommit, 2),
    (ApiKey::OffsetFetch, 1),
    // 4.0.0 raised JoinGroup to 2; 4.0.1+ restored 0 and 1 (KAFKA-19444). 2 is safe for every 4.x.
    (ApiKey::JoinGroup, 2),
    (ApiKey::CreateTopics, 2),
    (ApiKey::DeleteTopics, 1),
    (ApiKey::DescribeConfigs, 1),
    (ApiKey::OffsetForLeaderEpoch, 2),
];

/// The lowest version of `api` every Kafka 4.x broker accepts (0 when unchanged by KIP-896).
pub fn kafka4_min_version(api: ApiKey) -> i16 {
    KAFKA_4_MIN_VERSIONS
        .iter()
        .find(|(k, _)| *k == api)
        .map_or(0, |(_, v)| *v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_minimum_is_within_the_generated_versions() {
        for (k, v) in KAFKA_4_MIN_VERSIONS {
            assert!(k.versions().contains(*v), "{k:?} {v}");
        }
        assert_eq!(kafka4_min_version(ApiKey::Metadata), 0);
        assert_eq!(kafka4_min_version(ApiKey::Fetch), 4);
    }
}
