//! Offset limits (ListOffsets) with PyKafka's `fetch_offset_limits(offsets_before, max_offsets)` semantics:
//! one request per leader, `offsets_before` = -1 (LATEST), -2 (EARLIEST) or a timestamp in ms.
//!
//! Multiple offsets per partition (segment starts, newest first) exist only in ListOffsets **v0**, which Kafka
//! 3.9 still has and Kafka 4.x removed: on 4.x (and whenever `max_offsets` is 1) v1+ is used and each
//! partition gets at most one offset. A timestamp with no later message gives `[]`, as in PyKafka.

use std::collections::BTreeMap;
use std::sync::Arc;

use futures::future::join_all;

use ferrokafka_core::{Error, ErrorContext, KafkaCode};

use super::{Broker, Cluster};
use crate::protocol::messages::list_offsets_request::{ListOffsetsPartition, ListOffsetsTopic};
use crate::protocol::messages::ListOffsetsRequest;
use crate::protocol::VersionRange;

const ATTEMPTS: u32 = 3;

pub use ferrokafka_core::admin::PartitionOffsets;

impl Cluster {
    /// Offsets for the given partitions of `topic` (all of them with `None`), by partition id. Partitions
    /// whose leader moved are retried after a metadata refresh (3 attempts); errors left are in the map.
    pub async fn fetch_offset_limits(
        &self,
        topic: &str,
        partitions: Option<&[i32]>,
        offsets_before: i64,
        max_offsets: i32,
    ) -> Result<BTreeMap<i32, PartitionOffsets>, Error> {
        let meta = self.topic(topic).await?;
        let mut todo: Vec<i32> = match partitions {
            Some(p) => p.to_vec(),
            None => meta.partitions.keys().copied().collect(),
        };
        let max_offsets = max_offsets.max(1);
        let mut out = BTreeMap::new();
        for attempt in 0..ATTEMPTS {
            if todo.is_empty() {
                break;
            }
            if attempt > 0 {
                let _ = self.update().await;
            }
            let mut by_leader: BTreeMap<i32, (Arc<Broker>, Vec<i32>)> = BTreeMap::new();
            let mut retry = Vec::new();
            for p in todo.drain(..) {
                match self.leader(topic, p) {
                    Ok(b) => by_leader.entry(b.id()).or_insert((b, Vec::new())).1.push(p),
                    Err(e) if attempt + 1 == ATTEMPTS && e.code().is_none() => return Err(e),
                    Err(e) => {
                        out.insert(
                            p,
                            PartitionOffsets {
                                offsets: Vec::new(),
                                error: e.code(),
                            },
                        );
                        retry.push(p);
                    }
                }
            }
            let requests = by_leader.into_values().map(|(broker, parts)| async move {
                let r = list_offsets(&broker, topic, &parts, offsets_before, max_offsets).await;
                (parts, r)
            });
            for (parts, result) in join_all(requests).await {
                match result {
                    Ok(answers) => {
                        for (p, ans) in answers {
                            if ans.error.is_some_and(|c| c.is_retriable()) {
                                retry.push(p);
                            }
                            out.insert(p, ans);
                        }
                    }
                    Err(e)
                        if attempt + 1 < ATTEMPTS
                            && (e.is_retriable() || Cluster::is_stale_metadata_error(&e)) =>
                    {
                        for p in parts {
                            out.insert(
                                p,
                                PartitionOffsets {
                                    offsets: Vec::new(),
                                    error: e.code(),
                                },
                            );
                            retry.push(p);
                        }
                    }
                    Err(e) => return Err(e),
                }
            }
            todo = retry;
        }
        Ok(out)
    }

    /// The offset of the first message of every partition (PyKafka's `earliest_available_offsets`).
    pub async fn earliest_available_offsets(
        &self,
        topic: &str,
    ) -> Result<BTreeMap<i32, PartitionOffsets>, Error> {
        self.fetch_offset_limits(topic, None, -2, 1).await
    }

    /// The offset the next message will get, per partition (PyKafka's `latest_available_offsets`).
    pub async fn latest_available_offsets(
        &self,
        topic: &str,
    ) -> Result<BTreeMap<i32, PartitionOffsets>, Error> {
        self.fetch_offset_limits(topic, None, -1, 1).await
    }

    /// One partition's single offset (`Partition.latest_available_offset()` and friends): an error if the
    /// broker gave one or no offset matched.
    pub async fn partition_offset(
        &self,
        topic: &str,
        partition: i32,
        offsets_before: i64,
    ) -> Result<i64, Error> {
        let mut map = self
            .fetch_offset_limits(topic, Some(&[partition]), offsets_before, 1)
            .await?;
        let ctx = ErrorContext::partition(topic, partition);
        let ans = map.remove(&partition).ok_or_else(|| {
            Error::offset_request_failed(ctx.clone(), "no answer for the partition")
        })?;
        if let Some(code) = ans.error {
            return Err(Error::kafka(code, ctx));
        }
        ans.offsets
            .first()
            .copied()
            .ok_or(Error::offset_request_failed(
                ctx,
                format!("no offset before {offsets_before}"),
            ))
    }
}

/// One ListOffsets request to `broker` for `parts` of `topic`.
pub(crate) async fn list_offsets(
    broker: &Broker,
    topic: &str,
    parts: &[i32],
    offsets_before: i64,
    max_offsets: i32,
) -> Result<Vec<(i32, PartitionOffsets)>, Error> {
    let conn = broker.connection().await?;
    // v0 only where several offsets are wanted and the broker still has it; v1+ otherwise.
    let wants_many = max_offsets > 1
        && conn
            .api_versions()
            .range(2)
            .is_some_and(|(min, _)| min == 0);
    let ours = if wants_many {
        VersionRange::new(0, 0)
    } else {
        VersionRange::new(1, 10)
    };
    let ours = match conn.version_of::<ListOffsetsRequest>(Some(ours)) {
        Ok(_) => ours,
        Err(_) => VersionRange::new(0, 10), // a 0.9/0.10.0 broker: v0 only
    };
    let (version, resp) = conn
        .send_negotiated(Some(ours), |v| ListOffsetsRequest {
            replica_id: -1,
            isolation_level: 0,
            topics: vec![ListOffsetsTopic {
                name: topic.to_string(),
                partitions: parts
                    .iter()
                    .map(|&p| ListOffsetsPartition {
                        partition_index: p,
                        timestamp: offsets_before,
                        // Only v0 has the field; later versions must leave the default.
                        max_num_offsets: if v == 0 { max_offsets } else { 1 },
                        ..Default::default()
                    })
                    .collect(),
                ..Default::default()
            }],
            ..Default::default()
        })
        .await?;
    let mut out = Vec::new();
    for t in resp.topics.into_iter().filter(|t| t.name == topic) {
        for p in t.partitions {
            let offsets = if version == 0 {
                let mut o = p.old_style_offsets;
                o.truncate(max_offsets as usize);
                o
            } else if p.offset >= 0 {
                vec![p.offset]
            } else {
                Vec::new()
            };
            out.push((
                p.partition_index,
                PartitionOffsets {
                    offsets,
                    error: KafkaCode::from_i16(p.error_code),
                },
            ));
        }
    }
    Ok(out)
}
