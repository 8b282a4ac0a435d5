//! Group offsets for the balanced consumer, through the pure engine's offset path whatever engine reads:
//! commits carry the group's generation and member id (librdkafka's standalone commits use generation -1,
//! which a broker rejects for a group with live members).

use std::collections::BTreeMap;

use crate::consumer::{ClusterBackend, CommitEntry, ConsumerBackend, GroupMember};
use ferrokafka_core::offset_policy::Backoff;
use ferrokafka_core::{CommittedOffset, Error, ErrorContext, Result};

/// Commit `entries` `(partition, next offset)`, retrying as `backoff` says.
/// The last error left (request or partition) is returned.
pub(crate) async fn commit(
    backend: &ClusterBackend,
    member: GroupMember,
    topic: &str,
    entries: Vec<(i32, i64)>,
    backoff: Backoff,
) -> Result<()> {
    if entries.is_empty() {
        return Ok(());
    }
    let mut todo = entries;
    let mut last = None;
    let mut attempt = 0;
    while let Some(wait) = backoff.before(attempt) {
        attempt += 1;
        tokio::time::sleep(wait).await;
        let list = todo
            .iter()
            .map(|&(partition, offset)| CommitEntry {
                partition,
                offset,
                metadata: member.member_id.clone(),
            })
            .collect();
        match backend.commit_offsets(&member, topic, list).await {
            Ok(answers) => {
                let failed: BTreeMap<i32, _> = answers
                    .into_iter()
                    .filter_map(|(p, code)| code.map(|c| (p, c)))
                    .collect();
                if failed.is_empty() {
                    return Ok(());
                }
                let retriable = failed.values().all(|c| c.is_retriable());
                if let Some((&p, &code)) = failed.iter().next() {
                    last = Some(Error::kafka(code, where_(&member.group, topic, p)));
                }
                if !retriable {
                    break;
                }
                todo.retain(|(p, _)| failed.contains_key(p));
            }
            Err(e) => {
                let _ = backend.refresh_coordinator(&member.group).await;
                last = Some(e);
            }
        }
    }
    Err(last.unwrap_or_else(|| no_attempt("commit", &member.group, topic)))
}

/// The group's committed offsets of `partitions` (offset = next to consume, -1 = none).
pub(crate) async fn fetch(
    backend: &ClusterBackend,
    group: &str,
    topic: &str,
    partitions: Vec<i32>,
    backoff: Backoff,
) -> Result<BTreeMap<i32, CommittedOffset>> {
    if partitions.is_empty() {
        return Ok(BTreeMap::new());
    }
    let mut last = None;
    let mut attempt = 0;
    while let Some(wait) = backoff.before(attempt) {
        attempt += 1;
        tokio::time::sleep(wait).await;
        match backend
            .fetch_committed(group, topic, partitions.clone())
            .await
        {
            Ok(answers) => {
                // A partition's own lasting error stays in the answer; any other error retries or fails.
                if let Some((p, code)) = answers.iter().find_map(|a| {
                    a.error
                        .filter(|c| !CommittedOffset::keeps_error(*c))
                        .map(|c| (a.partition, c))
                }) {
                    last = Some(Error::kafka(code, where_(group, topic, p)));
                    if code.is_retriable() {
                        let _ = backend.refresh_coordinator(group).await;
                        continue;
                    }
                    break;
                }
                return Ok(answers
                    .into_iter()
                    .map(|a| {
                        let c = match a.error {
                            Some(code) => CommittedOffset::failed(code),
                            None => CommittedOffset::new(a.offset, a.metadata),
                        };
                        (a.partition, c)
                    })
                    .collect());
            }
            Err(e) => {
                let _ = backend.refresh_coordinator(group).await;
                last = Some(e);
            }
        }
    }
    Err(last.unwrap_or_else(|| no_attempt("offset fetch", group, topic)))
}

fn where_(group: &str, topic: &str, partition: i32) -> ErrorContext {
    ErrorContext::partition(topic, partition).with_group(group)
}

/// The backoff allowed no attempt at all (zero offsets retries).
fn no_attempt(what: &str, group: &str, topic: &str) -> Error {
    Error::offset_request_failed(
        ErrorContext::topic(topic).with_group(group),
        format!("{what} was not attempted (no attempts allowed)"),
    )
}
