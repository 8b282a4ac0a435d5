//! Calls sent to one named broker, not routed to a leader or coordinator (PyKafka's `Broker` methods):
//! Fetch, ListOffsets, Metadata, OffsetCommit, OffsetFetch. A broker that answers "not me"
//! (NOT_LEADER_OR_FOLLOWER, NOT_COORDINATOR) gives that code as a typed error; nothing is retried
//! elsewhere. Answers are facade types only.

use std::collections::BTreeMap;
use std::future::Future;
use std::sync::Arc;

use ferrokafka_core::options::ConsumerOptions;
use ferrokafka_core::{
    BrokerInfo, BrokerRef, ClusterMetadata, Error, ErrorContext, FetchedMessages, PartitionOffsets,
    Result,
};

use crate::cluster::bootstrap::{metadata_request, METADATA_VERSIONS};
use crate::cluster::offsets::list_offsets;
use crate::cluster::{Broker, Cluster, MetadataSnapshot};
use crate::consumer::{
    commit_on, decode_partition, fetch_committed_on, fetch_request, fetched_partitions,
    CommitEntry, FetchParams, GroupMember, PartitionFetch, FETCH_VERSIONS,
};
use crate::front_door::{broker_info, topic_info, PureCluster};
use crate::protocol::messages::FetchRequest;

/// How long a Fetch through a broker handle waits on the broker for a first byte: short, because it runs
/// on the broker's shared control connection.
const FETCH_WAIT_MS: i32 = 100;

/// Broker `id` from the current metadata, or a typed error naming it.
fn named_broker(cluster: &Cluster, id: i32) -> Result<Arc<Broker>> {
    cluster.broker(id).ok_or_else(|| {
        Error::invalid_state(
            format!("broker {id} is no longer in the cluster's metadata"),
            ErrorContext::broker(BrokerRef::id(id)),
        )
    })
}

fn metadata_answer(snapshot: MetadataSnapshot) -> ClusterMetadata {
    let mut out = ClusterMetadata {
        controller_id: snapshot.controller_id,
        cluster_id: snapshot.cluster_id,
        ..Default::default()
    };
    for b in snapshot.brokers {
        let info = BrokerInfo {
            id: b.id,
            host: b.host,
            port: b.port,
            rack: b.rack,
            connected: false,
        };
        out.brokers.insert(info.id, info);
    }
    for t in snapshot.topics {
        match t.error {
            Some(code) => {
                out.topic_errors.insert(t.name, code);
            }
            None => {
                out.topics.insert(t.name.clone(), topic_info(t));
            }
        }
    }
    out
}

impl PureCluster {
    /// Broker `id` as the current metadata has it (an error naming it once it is gone).
    pub fn live_broker(&self, id: i32) -> Result<BrokerInfo> {
        named_broker(&self.cluster(), id).map(|b| broker_info(&b))
    }

    /// Fetch from `offset` of one partition on broker `id`, at most `max_bytes`.
    pub fn broker_fetch(
        &self,
        id: i32,
        topic: &str,
        partition: i32,
        offset: i64,
        max_bytes: i32,
    ) -> impl Future<Output = Result<FetchedMessages>> + Send + 'static {
        let (c, topic) = (self.cluster(), topic.to_string());
        async move {
            let b = named_broker(&c, id)?;
            let ctx = ErrorContext::partition(&topic, partition).with_broker(b.label().clone());
            if max_bytes <= 0 {
                return Err(Error::invalid_input(
                    "max_bytes",
                    format!("{max_bytes} for {ctx}: must be positive"),
                ));
            }
            let params = FetchParams {
                topic: topic.clone(),
                max_wait_ms: FETCH_WAIT_MS,
                min_bytes: 1,
                max_bytes,
                isolation_level: 0,
                partitions: vec![PartitionFetch {
                    partition,
                    offset,
                    max_bytes,
                }],
            };
            let conn = b.connection().await?;
            let version = conn.version_of::<FetchRequest>(Some(FETCH_VERSIONS))?;
            let resp = conn
                .send(&fetch_request(&params, FETCH_WAIT_MS), version)
                .await?;
            let fetched = fetched_partitions(resp, &topic)
                .into_iter()
                .find(|p| p.partition == partition)
                .ok_or_else(|| {
                    Error::protocol("the Fetch answer left the partition out", ctx.clone())
                })?;
            if let Some(code) = fetched.error {
                return Err(Error::kafka(code, ctx));
            }
            // A broker call has no consumer: read_uncommitted, CRCs checked (the consumer defaults).
            let decoded = decode_partition(&fetched, &ConsumerOptions::default(), max_bytes);
            if decoded.messages.is_empty() {
                if let Some(reason) = decoded.error {
                    return Err(Error::message_set_decode_failure(ctx, offset, reason));
                }
                if let Some(needed) = decoded.needed_size {
                    return Err(Error::invalid_input(
                        "max_bytes",
                        format!("{max_bytes} is too small for the message at offset {offset} of {ctx} ({needed} bytes)"),
                    ));
                }
            }
            Ok(FetchedMessages {
                messages: decoded
                    .messages
                    .into_iter()
                    .filter(|m| m.offset >= offset)
                    .collect(),
                high_watermark: decoded.high_watermark,
            })
        }
    }

    /// ListOffsets on broker `id`: offsets before `offsets_before` (-2 earliest, -1 latest, else a
    /// timestamp) for `partitions` of `topic`, at most `max_offsets` each; per-partition errors in the map.
    pub fn broker_offset_limits(
        &self,
        id: i32,
        topic: &str,
        partitions: &[i32],
        offsets_before: i64,
        max_offsets: i32,
    ) -> impl Future<Output = Result<BTreeMap<i32, PartitionOffsets>>> + Send + 'static {
        let (c, topic, parts) = (self.cluster(), topic.to_string(), partitions.to_vec());
        async move {
            let b = named_broker(&c, id)?;
            let answers =
                list_offsets(&b, &topic, &parts, offsets_before, max_offsets.max(1)).await?;
            Ok(answers.into_iter().collect())
        }
    }

    /// Metadata from broker `id` for `topics` (`None` = all), without auto-creating any.
    pub fn broker_metadata(
        &self,
        id: i32,
        topics: Option<Vec<String>>,
    ) -> impl Future<Output = Result<ClusterMetadata>> + Send + 'static {
        let c = self.cluster();
        async move {
            let b = named_broker(&c, id)?;
            let (_, resp) = b
                .request(Some(METADATA_VERSIONS), |v| {
                    metadata_request(v, topics.as_deref(), false)
                })
                .await?;
            Ok(metadata_answer(MetadataSnapshot::from_response(resp)))
        }
    }

    /// OffsetCommit of `offsets` (partition → offset) of `topic` for `group` on broker `id`, outside any
    /// generation (as a simple consumer commits). The first partition error is returned.
    pub fn broker_commit_offsets(
        &self,
        id: i32,
        group: &str,
        topic: &str,
        offsets: &BTreeMap<i32, i64>,
    ) -> impl Future<Output = Result<()>> + Send + 'static {
        let (c, topic) = (self.cluster(), topic.to_string());
        let member = GroupMember {
            group: group.to_string(),
            generation_id: -1,
            member_id: String::new(),
        };
        let entries: Vec<CommitEntry> = offsets
            .iter()
            .map(|(&partition, &offset)| CommitEntry {
                partition,
                offset,
                metadata: String::new(),
            })
            .collect();
        async move {
            let b = named_broker(&c, id)?;
            for (p, code) in commit_on(&b, &member, &topic, &entries).await? {
                if let Some(code) = code {
                    let ctx = ErrorContext::partition(&topic, p).with_broker(b.label().clone());
                    return Err(Error::kafka(code, ctx));
                }
            }
            Ok(())
        }
    }

    /// OffsetFetch of `partitions` of `topic` for `group` on broker `id`: partition → committed offset
    /// (-1 = none). The first partition error is returned.
    pub fn broker_committed_offsets(
        &self,
        id: i32,
        group: &str,
        topic: &str,
        partitions: &[i32],
    ) -> impl Future<Output = Result<BTreeMap<i32, i64>>> + Send + 'static {
        let (c, group, topic, parts) = (
            self.cluster(),
            group.to_string(),
            topic.to_string(),
            partitions.to_vec(),
        );
        async move {
            let b = named_broker(&c, id)?;
            let mut out = BTreeMap::new();
            for f in fetch_committed_on(&b, &group, &topic, parts).await? {
                if let Some(code) = f.error {
                    let ctx =
                        ErrorContext::partition(&topic, f.partition).with_broker(b.label().clone());
                    return Err(Error::kafka(code, ctx));
                }
                out.insert(f.partition, f.offset);
            }
            Ok(out)
        }
    }
}
