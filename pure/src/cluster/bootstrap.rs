//! Metadata from any reachable broker: known brokers first (shuffled), then the seed hosts; PyKafka's
//! 3 rounds over every host, bounded overall by `socket_timeout_ms` so an unreachable cluster fails in time.

use std::sync::Arc;
use std::time::{Duration, Instant};

use rand::seq::SliceRandom;

use ferrokafka_core::{BrokerRef, Error, ErrorKind};

use super::metadata::MetadataSnapshot;
use super::Cluster;
use crate::connection::Connection;
use crate::protocol::messages::metadata_request::MetadataRequestTopic;
use crate::protocol::messages::MetadataRequest;
use crate::protocol::VersionRange;

const ROUNDS: u32 = 3;
/// Metadata v0-v12: v13 only adds a top-level error code; topic ids (v10+) are ignored.
pub(crate) const METADATA_VERSIONS: VersionRange = VersionRange::new(0, 12);

/// The request for `topics` (`None` = all) at `version`.
pub fn metadata_request(
    version: i16,
    topics: Option<&[String]>,
    auto_create: bool,
) -> MetadataRequest {
    let topics = match topics {
        Some(names) => Some(
            names
                .iter()
                .map(|n| MetadataRequestTopic {
                    name: Some(n.clone()),
                    ..Default::default()
                })
                .collect(),
        ),
        // v0 has no null: an empty list means all topics.
        None if version == 0 => Some(Vec::new()),
        None => None,
    };
    MetadataRequest {
        topics,
        allow_auto_topic_creation: auto_create || version < 4,
        ..Default::default()
    }
}

enum Target {
    Known(Arc<super::Broker>),
    Seed(String, u16),
}

impl Cluster {
    /// One Metadata request to the first host that answers. `NoBrokersAvailable` names every host tried.
    pub async fn fetch_metadata(
        &self,
        topics: Option<&[String]>,
        auto_create: bool,
    ) -> Result<MetadataSnapshot, Error> {
        let budget = self.config.connect_timeout;
        let deadline = Instant::now() + budget;
        let mut targets: Vec<Target> = self.brokers().into_values().map(Target::Known).collect();
        targets.shuffle(&mut rand::thread_rng());
        targets.extend(self.seeds.iter().map(|(h, p)| Target::Seed(h.clone(), *p)));
        // Each host's latest failure, in the order the hosts were first tried.
        let mut failures: Vec<(BrokerRef, Error)> = Vec::new();
        for round in 0..ROUNDS {
            if round > 0 {
                let pause = Duration::from_millis(200 * u64::from(round));
                if Instant::now() + pause >= deadline {
                    break;
                }
                tokio::time::sleep(pause).await;
            }
            for target in &targets {
                let remaining = deadline.saturating_duration_since(Instant::now());
                if remaining.is_zero() {
                    break;
                }
                let attempt = async {
                    let conn = match target {
                        Target::Known(b) => b.connection().await?,
                        Target::Seed(host, port) => {
                            Connection::connect(
                                host,
                                *port,
                                &BrokerRef::address(format!("{host}:{port}")),
                                &self.config,
                            )
                            .await?
                        }
                    };
                    let (_, resp) = conn
                        .send_negotiated(Some(METADATA_VERSIONS), |v| {
                            metadata_request(v, topics, auto_create)
                        })
                        .await?;
                    Ok::<_, Error>(resp)
                };
                let label = match target {
                    Target::Known(b) => b.label().clone(),
                    Target::Seed(h, p) => BrokerRef::address(format!("{h}:{p}")),
                };
                match tokio::time::timeout(remaining, attempt).await {
                    Ok(Ok(resp)) => return Ok(MetadataSnapshot::from_response(resp)),
                    // Wrong credentials, CA or options fail the same way on every host: say so at once.
                    Ok(Err(e))
                        if matches!(
                            e.kind(),
                            ErrorKind::Authentication | ErrorKind::Tls | ErrorKind::Config
                        ) =>
                    {
                        return Err(e)
                    }
                    Ok(Err(e)) => {
                        tracing::debug!(broker = %label, error = %e.report(), "metadata request failed");
                        record(&mut failures, label, e);
                    }
                    Err(_) => {
                        let e = Error::timeout(format!("metadata from {label}"), budget);
                        record(&mut failures, label, e);
                    }
                }
            }
        }
        let hosts = self.options.hosts.clone();
        Err(match failures.pop() {
            Some((label, last)) => {
                let reason = others(&failures, &label, &last);
                Error::no_brokers_available(hosts, reason).with_source(last)
            }
            None => Error::no_brokers_available(
                hosts,
                format!(
                    "no answer within socket_timeout_ms ({} ms)",
                    budget.as_millis()
                ),
            ),
        })
    }
}

/// Keep only `label`'s latest failure, so rounds over the same hosts do not list one host three times.
fn record(failures: &mut Vec<(BrokerRef, Error)>, label: BrokerRef, e: Error) {
    failures.retain(|(l, _)| l != &label);
    failures.push((label, e));
}

/// The hosts tried before `last_label`, for the reason of a `NoBrokersAvailable` whose `source()` is the last
/// host's failure: hosts that failed the same way are named, the others' failures given in full (their
/// chains are no one's source, so this is the one place they appear).
fn others(failures: &[(BrokerRef, Error)], last_label: &BrokerRef, last: &Error) -> String {
    let last_text = chain_text(last);
    let mut same = Vec::new();
    let mut different = Vec::new();
    for (label, e) in failures {
        let text = chain_text(e);
        if text.replace(&label.to_string(), &last_label.to_string()) == last_text {
            same.push(label.to_string());
        } else {
            different.push(text);
        }
    }
    if !same.is_empty() {
        different.insert(0, format!("{} failed as {last_label} did", same.join(", ")));
    }
    different.join("; ")
}

/// `e` and its sources, joined the way a report prints them.
fn chain_text(e: &Error) -> String {
    let mut text = e.to_string();
    let mut next = std::error::Error::source(e);
    while let Some(s) = next {
        text.push_str(": ");
        text.push_str(&s.to_string());
        next = s.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn refused(host: &str) -> Error {
        Error::socket_disconnected(
            BrokerRef::address(host),
            format!("connect to {host} failed"),
        )
        .with_source(std::io::Error::from_raw_os_error(111))
    }

    #[test]
    fn each_host_is_named_once_and_only_different_failures_are_spelled_out() {
        let mut failures = Vec::new();
        for _round in 0..3 {
            for host in ["c:1", "a:1", "b:1"] {
                let e = if host == "c:1" {
                    Error::timeout("metadata from c:1", Duration::from_millis(100))
                } else {
                    refused(host)
                };
                record(&mut failures, BrokerRef::address(host), e);
            }
        }
        assert_eq!(failures.len(), 3, "one entry per host, not per round");
        // The last host tried is the source; its failure is not repeated in the reason.
        let (label, last) = failures.pop().expect("b:1");
        assert_eq!(
            others(&failures, &label, &last),
            "a:1 failed as b:1 did; timed out after 100 ms waiting for metadata from c:1"
        );
    }
}
