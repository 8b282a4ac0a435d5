//! Which version of each API to speak with a broker: `min(ours max, broker max)`, provided it is at least both
//! minimums. The broker's ranges come from ApiVersions; brokers older than 0.10 (which close the connection on
//! ApiVersions) get PyKafka's 0.9 table. A `broker_version` pin below 0.11 narrows the choice to that
//! release's ranges ([`super::pins`]); the broker is still asked for its ApiVersions, so a pin it cannot
//! serve (0.8.2 against Kafka 4) fails with an error naming the API, the ranges and the pin, instead of a
//! request the broker answers by closing the connection.

use std::collections::BTreeMap;

use ferrokafka_core::{BrokerRef, Error, ErrorContext, KafkaCode};

use super::pins::pinned_ranges;
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

type Ranges = BTreeMap<i16, (i16, i16)>;

const PRODUCE: i16 = 0;
const FETCH: i16 = 1;

/// Where a broker's version table came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VersionSource {
    /// The broker's ApiVersions response.
    Negotiated,
    /// The broker closed the connection on ApiVersions: a pre-0.10 broker, assumed 0.9.
    Fallback09,
    /// `broker_version` pinned it; `broker_answered` when the broker's own ApiVersions narrowed it further.
    Pinned { pin: String, broker_answered: bool },
}

/// The API version ranges one broker accepts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiVersionTable {
    /// The pin's ranges (with a pin), else the broker's.
    ranges: Ranges,
    /// With a pin: the broker's own ranges, when it answered ApiVersions.
    broker: Option<Ranges>,
    source: VersionSource,
}

fn collect(ranges: &[ApiRange]) -> Ranges {
    ranges.iter().map(|r| (r.api_key, (r.min, r.max))).collect()
}

impl ApiVersionTable {
    /// From an ApiVersions response.
    pub fn negotiated(ranges: &[ApiRange]) -> Self {
        let mut ranges = collect(ranges);
        // Kafka 4 still advertises Produce v0-v2 but closes the connection on them (KIP-896 dropped
        // message formats v0/v1): a broker without Fetch < 4 takes no Produce < 3 either.
        let fetch_min = ranges.get(&FETCH).map(|r| r.0);
        if let (Some(4..), Some(produce)) = (fetch_min, ranges.get_mut(&PRODUCE)) {
            produce.0 = produce.0.max(3).min(produce.1);
        }
        ApiVersionTable {
            ranges,
            broker: None,
            source: VersionSource::Negotiated,
        }
    }

    /// The table for a broker that closed the connection on ApiVersions: PyKafka's `API_VERSIONS_090`.
    pub fn fallback_09() -> Self {
        ApiVersionTable {
            ranges: pinned_ranges((0, 9, 0)).unwrap_or_default(),
            broker: None,
            source: VersionSource::Fallback09,
        }
    }

    /// The pinned table for `broker_version`, or `None` if that version does not narrow (>= 0.11).
    pub fn pinned(version: (u32, u32, u32), text: &str) -> Option<Self> {
        Some(ApiVersionTable {
            ranges: pinned_ranges(version)?,
            broker: None,
            source: VersionSource::Pinned {
                pin: text.to_string(),
                broker_answered: false,
            },
        })
    }

    /// This pinned table narrowed by the broker's own ApiVersions answer.
    pub fn with_broker_ranges(mut self, broker: &ApiVersionTable) -> Self {
        if let VersionSource::Pinned {
            broker_answered, ..
        } = &mut self.source
        {
            *broker_answered = true;
            self.broker = Some(broker.ranges.clone());
        }
        self
    }

    pub fn source(&self) -> &VersionSource {
        &self.source
    }

    /// The range this client may use for an API (pin and broker combined), if there is one.
    pub fn range(&self, api_key: i16) -> Option<(i16, i16)> {
        let (lo, hi) = *self.ranges.get(&api_key)?;
        match &self.broker {
            None => Some((lo, hi)),
            Some(b) => {
                let (blo, bhi) = *b.get(&api_key)?;
                let (lo, hi) = (lo.max(blo), hi.min(bhi));
                (lo <= hi).then_some((lo, hi))
            }
        }
    }

    /// The version to send: the highest in `ours`, the pin's range and the broker's range. The error names
    /// the API, every range involved, the pin and the broker.
    pub fn choose(&self, api_key: i16, ours: (i16, i16), broker: &BrokerRef) -> Result<i16, Error> {
        let name = api_name(api_key);
        let unsupported = |detail: String| {
            Error::kafka_with_message(
                KafkaCode::UnsupportedVersion,
                Some(detail),
                ErrorContext::broker(broker),
            )
        };
        let client = format!("this client speaks {name} v{}-v{}", ours.0, ours.1);
        let show = |r: Option<&(i16, i16)>| match r {
            Some((lo, hi)) => format!("v{lo}-v{hi}"),
            None => "none".to_string(),
        };
        let (lo, hi) = match &self.source {
            VersionSource::Pinned { pin, .. } => {
                let pinned = self.ranges.get(&api_key);
                let Some(&(plo, phi)) = pinned else {
                    return Err(unsupported(format!(
                        "{name} (key {api_key}) does not exist under broker_version \"{pin}\" \
                         (pinned range: none; {client})"
                    )));
                };
                let brokers = self.broker.as_ref().map(|b| b.get(&api_key));
                let (mut lo, mut hi) = (ours.0.max(plo), ours.1.min(phi));
                if let Some(b) = brokers {
                    let (blo, bhi) = b.copied().unwrap_or((i16::MAX, i16::MIN));
                    (lo, hi) = (lo.max(blo), hi.min(bhi));
                }
                if lo > hi {
                    let broker_side = match brokers {
                        Some(b) => format!(", the broker {}", show(b)),
                        None => String::new(),
                    };
                    return Err(unsupported(format!(
                        "broker_version \"{pin}\" is not supported here: no {name} version in common \
                         ({client}, the pin allows v{plo}-v{phi}{broker_side})"
                    )));
                }
                (lo, hi)
            }
            source => {
                let Some(&(blo, bhi)) = self.ranges.get(&api_key) else {
                    return Err(unsupported(format!(
                        "the broker does not offer {name} (key {api_key}); {client} ({source:?} versions)"
                    )));
                };
                let (lo, hi) = (ours.0.max(blo), ours.1.min(bhi));
                if lo > hi {
                    return Err(unsupported(format!(
                        "no {name} version in common: {client}, the broker v{blo}-v{bhi}"
                    )));
                }
                (lo, hi)
            }
        };
        debug_assert!(lo <= hi);
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

    fn table(rows: &[(i16, i16, i16)]) -> ApiVersionTable {
        let ranges: Vec<ApiRange> = rows
            .iter()
            .map(|&(api_key, min, max)| ApiRange { api_key, min, max })
            .collect();
        ApiVersionTable::negotiated(&ranges)
    }

    #[test]
    fn choose_takes_the_highest_common_version_or_names_both_ranges() {
        let t = table(&[(2, 1, 10), (3, 0, 13)]);
        assert_eq!(t.choose(3, (0, 12), &BrokerRef::address("b")).unwrap(), 12);
        assert_eq!(t.choose(2, (0, 20), &BrokerRef::address("b")).unwrap(), 10);
        let e = t
            .choose(
                2,
                (0, 0),
                &BrokerRef {
                    id: Some(1),
                    address: "h:9".into(),
                },
            )
            .unwrap_err();
        let s = e.to_string();
        assert!(
            s.contains("ListOffsets") && s.contains("v0-v0") && s.contains("v1-v10"),
            "{s}"
        );
        assert!(s.contains("1 (h:9)"), "{s}");
        assert!(t.choose(19, (0, 7), &BrokerRef::address("b")).is_err());
    }

    #[test]
    fn legacy_tables_match_pykafka() {
        let t = ApiVersionTable::pinned((0, 9, 0), "0.9.0").unwrap();
        assert_eq!(t.choose(1, (0, 17), &BrokerRef::address("b")).unwrap(), 1);
        assert_eq!(t.choose(3, (0, 12), &BrokerRef::address("b")).unwrap(), 0);
        assert_eq!(t.choose(8, (0, 9), &BrokerRef::address("b")).unwrap(), 1);
        let t = ApiVersionTable::pinned((0, 8, 2), "0.8.2").unwrap();
        assert_eq!(t.choose(1, (0, 17), &BrokerRef::address("b")).unwrap(), 0);
        let e = t
            .choose(11, (0, 9), &BrokerRef::address("b"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("JoinGroup") && e.contains("0.8.2"), "{e}");
        assert!(ApiVersionTable::pinned((0, 10, 1), "0.10.1").is_some());
        assert!(ApiVersionTable::pinned((0, 11, 0), "0.11").is_none());
    }

    #[test]
    fn a_pin_the_broker_cannot_serve_names_the_api_both_ranges_and_the_pin() {
        // Kafka 4: ListOffsets v1-v10, Produce v3-v13, Metadata v0-v13.
        let kafka4 = table(&[(0, 3, 13), (2, 1, 10), (3, 0, 13)]);
        let t = ApiVersionTable::pinned((0, 8, 2), "0.8.2")
            .unwrap()
            .with_broker_ranges(&kafka4);
        assert_eq!(t.choose(3, (0, 12), &BrokerRef::address("b")).unwrap(), 0);
        let e = t
            .choose(
                2,
                (0, 10),
                &BrokerRef {
                    id: Some(1),
                    address: "h:9".into(),
                },
            )
            .unwrap_err();
        assert_eq!(e.code(), Some(KafkaCode::UnsupportedVersion));
        let s = e.to_string();
        for part in [
            "ListOffsets",
            "v0-v10",
            "pin allows v0-v0",
            "broker v1-v10",
            "\"0.8.2\"",
            "1 (h:9)",
        ] {
            assert!(s.contains(part), "{part} missing from {s}");
        }
        assert_eq!(t.range(2), None);
        // Kafka 4 advertises Produce v0 but serves v3+ only.
        let kafka4 = table(&[(0, 0, 13), (1, 4, 18)]);
        assert_eq!(kafka4.range(0), Some((3, 13)));
        let s = ApiVersionTable::pinned((0, 9, 0), "0.9.0")
            .unwrap()
            .with_broker_ranges(&kafka4)
            .choose(0, (0, 13), &BrokerRef::address("b"))
            .unwrap_err()
            .to_string();
        assert!(s.contains("Produce") && s.contains("broker v3-v13"), "{s}");
        assert_eq!(t.range(3), Some((0, 0)));
        // An API the broker lacks but the pin has.
        let s = t
            .choose(8, (0, 8), &BrokerRef::address("b"))
            .unwrap_err()
            .to_string();
        assert!(
            s.contains("OffsetCommit") && s.contains("broker none"),
            "{s}"
        );
    }
}
