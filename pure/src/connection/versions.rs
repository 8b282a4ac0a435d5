//! Which version of each API to speak with a broker: `min(ours max, broker max)`, provided it is at least both
//! minimums. The broker's ranges come from ApiVersions; brokers older than 0.10 (which close the connection on
//! ApiVersions) and `broker_version` pins below 0.10 use PyKafka's hard-coded 0.9/0.8 tables.

use std::collections::BTreeMap;

use ferrokafka_core::{Error, ErrorContext, KafkaCode};

use crate::protocol::ApiKey;

/// One API's version range, as a broker's ApiVersions answer reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ApiRange {
    /// The API's key.
    pub api_key: i16,
    /// Lowest version the broker accepts.
    pub min: i16,
    /// Highest version the broker accepts.
    pub max: i16,
}

/// Where a broker's version table came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VersionSource {
    /// The broker's ApiVersions response.
    Negotiated,
    /// The broker closed the connection on ApiVersions: a pre-0.10 broker, assumed 0.9.
    Fallback09,
    /// `broker_version` pinned it (PyKafka's behaviour for versions below 0.10).
    Pinned(String),
}

/// The API version ranges one broker accepts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiVersionTable {
    ranges: BTreeMap<i16, (i16, i16)>,
    source: VersionSource,
}

impl ApiVersionTable {
    /// From an ApiVersions response.
    pub fn negotiated(ranges: &[ApiRange]) -> Self {
        ApiVersionTable {
            ranges: ranges.iter().map(|r| (r.api_key, (r.min, r.max))).collect(),
            source: VersionSource::Negotiated,
        }
    }

    /// PyKafka's `API_VERSIONS_090` (`fetch_max = 1`) or `API_VERSIONS_080` (`fetch_max = 0`): keys 0-16 at
    /// v0, except Fetch, OffsetCommit (1) and OffsetFetch (1).
    fn legacy(fetch_max: i16, source: VersionSource) -> Self {
        let mut ranges: BTreeMap<i16, (i16, i16)> = (0..=16).map(|k| (k, (0, 0))).collect();
        ranges.insert(1, (0, fetch_max));
        ranges.insert(8, (0, 1));
        ranges.insert(9, (0, 1));
        // SaslHandshake v0 exists from 0.10 only; harmless to omit for 0.9.
        ApiVersionTable { ranges, source }
    }

    /// The table for a broker that closed the connection on ApiVersions.
    pub fn fallback_09() -> Self {
        Self::legacy(1, VersionSource::Fallback09)
    }

    /// The pinned table for `broker_version`, or `None` if that version negotiates (>= 0.10).
    pub fn pinned(version: (u32, u32, u32), text: &str) -> Option<Self> {
        if version >= (0, 10, 0) {
            return None;
        }
        let fetch_max = if version >= (0, 9, 0) { 1 } else { 0 };
        Some(Self::legacy(
            fetch_max,
            VersionSource::Pinned(text.to_string()),
        ))
    }

    pub fn source(&self) -> &VersionSource {
        &self.source
    }

    /// The broker's range for an API, if it has it.
    pub fn range(&self, api_key: i16) -> Option<(i16, i16)> {
        self.ranges.get(&api_key).copied()
    }

    /// The version to send: the highest in both `ours` and the broker's range. The error names the API, both
    /// ranges and the broker.
    pub fn choose(&self, api_key: i16, ours: (i16, i16), broker: &str) -> Result<i16, Error> {
        let name = api_name(api_key);
        let unsupported = |detail: String| Error::Kafka {
            code: KafkaCode::UnsupportedVersion,
            message: Some(detail),
            context: ErrorContext::broker(broker),
        };
        let Some((bmin, bmax)) = self.range(api_key) else {
            return Err(unsupported(format!(
                "the broker does not offer {name} (key {api_key}); this client speaks v{}-v{} ({:?} versions)",
                ours.0, ours.1, self.source
            )));
        };
        let lo = ours.0.max(bmin);
        let hi = ours.1.min(bmax);
        if lo > hi {
            return Err(unsupported(format!(
                "no {name} version in common: this client speaks v{}-v{}, the broker v{bmin}-v{bmax}",
                ours.0, ours.1
            )));
        }
        Ok(hi)
    }
}

/// Kafka's name for an API key, for messages (`ApiKey(n)` for a key this crate does not speak).
pub fn api_name(api_key: i16) -> String {
    ApiKey::from_i16(api_key).map_or_else(|| format!("ApiKey({api_key})"), |k| k.name().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn choose_takes_the_highest_common_version_or_names_both_ranges() {
        let t = ApiVersionTable::negotiated(&[
            ApiRange {
                api_key: 2,
                min: 1,
                max: 10,
            },
            ApiRange {
                api_key: 3,
                min: 0,
                max: 13,
            },
        ]);
        assert_eq!(t.choose(3, (0, 12), "b").unwrap(), 12);
        assert_eq!(t.choose(2, (0, 20), "b").unwrap(), 10);
        let e = t.choose(2, (0, 0), "1 (h:9)").unwrap_err();
        let s = e.to_string();
        assert!(
            s.contains("ListOffsets") && s.contains("v0-v0") && s.contains("v1-v10"),
            "{s}"
        );
        assert!(s.contains("1 (h:9)"), "{s}");
        assert!(t.choose(19, (0, 7), "b").is_err());
    }

    #[test]
    fn legacy_tables_match_pykafka() {
        let t = ApiVersionTable::pinned((0, 9, 0), "0.9.0").unwrap();
        assert_eq!(t.choose(1, (0, 17), "b").unwrap(), 1);
        assert_eq!(t.choose(3, (0, 12), "b").unwrap(), 0);
        assert_eq!(t.choose(8, (0, 9), "b").unwrap(), 1);
        let t = ApiVersionTable::pinned((0, 8, 2), "0.8.2").unwrap();
        assert_eq!(t.choose(1, (0, 17), "b").unwrap(), 0);
        assert!(ApiVersionTable::pinned((0, 10, 0), "0.10").is_none());
    }
}
