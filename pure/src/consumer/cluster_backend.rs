//! [`ConsumerBackend`] over the real [`Cluster`]: Fetch to leaders on this consumer's own connections (a long
//! poll blocks no other consumer, producer or metadata call; closed on `stop`), ListOffsets through the
//! cluster's helper, OffsetCommit / OffsetFetch on the coordinator's offsets channel.
//!
//! A Fetch waits on the broker at most `fetch_wait_cap_ms(socket_timeout_ms)` (`socket_timeout_ms` − 1 s, or
//! half of it when that is shorter), whatever `fetch_wait_max_ms` asks, so a long poll never outlives its own
//! request timeout.
//!
//! Versions: Fetch 0–12 (v13+ address topics by id only; v0–v3 are the pre-0.11 forms: message formats v0/v1,
//! no isolation level, no aborted-transaction list, v0–v2 no response size cap), OffsetCommit 0–8 and
//! OffsetFetch 0–7 (the per-request group forms; v0 stores offsets in ZooKeeper on brokers that have it, as
//! 0.8.1 did; v1 added the generation and member id). Kafka 4 dropped Fetch < 4, OffsetCommit < 2 and
//! OffsetFetch < 1, so the highest common version is what gets sent; a `broker_version` pin narrows it.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use ferrokafka_core::options::fetch_wait_cap_ms;
use ferrokafka_core::{BrokerRef, Error, ErrorContext, KafkaCode, Result};

use super::backend::*;
use crate::cluster::{Broker, Cluster};
use crate::connection::{BrokerChannel, Connection};
use crate::protocol::messages::fetch_request::{FetchPartition, FetchTopic};
use crate::protocol::messages::offset_commit_request::{
    OffsetCommitRequestPartition, OffsetCommitRequestTopic,
};
use crate::protocol::messages::offset_fetch_request::OffsetFetchRequestTopic;
use crate::protocol::messages::{
    FetchRequest, FetchResponse, OffsetCommitRequest, OffsetFetchRequest,
};
use crate::protocol::VersionRange;

/// The Fetch versions this engine speaks (the highest one the broker and a pin allow is sent).
pub const FETCH_VERSIONS: VersionRange = VersionRange::new(0, 12);
/// The first Fetch version with an isolation level (Kafka 0.11).
const FETCH_READ_COMMITTED: i16 = 4;
/// The OffsetCommit versions this engine speaks.
pub const COMMIT_VERSIONS: VersionRange = VersionRange::new(0, 8);
/// The OffsetFetch versions this engine speaks.
pub const OFFSET_FETCH_VERSIONS: VersionRange = VersionRange::new(0, 7);
/// A Fetch response is capped here whatever the partitions ask (the frame limit is larger).
const MAX_RESPONSE_BYTES: i32 = 128 * 1024 * 1024;

/// The cluster as a consumer backend; caches the group coordinator until told to forget it.
#[derive(Debug)]
pub struct ClusterBackend {
    cluster: Arc<Cluster>,
    coordinator: Mutex<Option<Arc<Broker>>>,
    /// This consumer's fetch connection per broker id.
    fetch_channels: Mutex<BTreeMap<i32, Arc<BrokerChannel>>>,
}

impl ClusterBackend {
    pub fn new(cluster: Arc<Cluster>) -> Self {
        ClusterBackend {
            cluster,
            coordinator: Mutex::new(None),
            fetch_channels: Mutex::new(BTreeMap::new()),
        }
    }

    /// This consumer's own connection to `broker` for Fetch (a new one if the broker moved).
    async fn fetch_connection(&self, broker: &Broker) -> Result<Arc<Connection>> {
        let channel = {
            let mut channels = self
                .fetch_channels
                .lock()
                .unwrap_or_else(|e| e.into_inner());
            let entry = channels
                .entry(broker.id())
                .or_insert_with(|| Arc::new(broker.private_channel()));
            if entry.host() != broker.host() || entry.port() != broker.port() {
                *entry = Arc::new(broker.private_channel());
            }
            Arc::clone(entry)
        };
        channel.get().await
    }

    async fn coordinator(&self, group: &str) -> Result<Arc<Broker>> {
        if let Some(b) = self
            .coordinator
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
        {
            return Ok(b);
        }
        let b = self.cluster.group_coordinator(group).await?;
        *self.coordinator.lock().unwrap_or_else(|e| e.into_inner()) = Some(Arc::clone(&b));
        Ok(b)
    }

    fn forget_coordinator(&self) {
        *self.coordinator.lock().unwrap_or_else(|e| e.into_inner()) = None;
    }
}

fn code(c: i16) -> Option<KafkaCode> {
    KafkaCode::from_i16(c)
}

impl ConsumerBackend for ClusterBackend {
    fn broker_ref(&self, broker: i32) -> BrokerRef {
        self.cluster.broker_ref(broker)
    }

    async fn partition_leaders(
        &self,
        topic: &str,
        refresh: bool,
    ) -> Result<BTreeMap<i32, Option<i32>>> {
        let meta = if refresh {
            self.cluster.update().await?;
            match self.cluster.cached_topic(topic) {
                Some(t) => t,
                None => self.cluster.topic(topic).await?,
            }
        } else {
            self.cluster.topic(topic).await?
        };
        let brokers = self.cluster.brokers();
        Ok(meta
            .partitions
            .values()
            .map(|p| {
                let leader = (p.leader >= 0 && brokers.contains_key(&p.leader)).then_some(p.leader);
                (p.id, leader)
            })
            .collect())
    }

    async fn fetch(&self, broker: i32, params: FetchParams) -> Result<Vec<FetchedPartition>> {
        let b = self
            .cluster
            .broker(broker)
            .ok_or_else(|| Error::leader_not_found(broker, ErrorContext::topic(&params.topic)))?;
        let topic = params.topic.clone();
        let conn = self.fetch_connection(&b).await?;
        let max_wait_cap = fetch_wait_cap_ms(self.cluster.options().socket_timeout_ms);
        let max_wait_ms = i64::from(params.max_wait_ms).min(max_wait_cap) as i32;
        let version = conn.version_of::<FetchRequest>(Some(FETCH_VERSIONS))?;
        if params.isolation_level > 0 && version < FETCH_READ_COMMITTED {
            // An older Fetch would silently hand out aborted transactions.
            return Err(Error::config(
                "read_committed",
                format!(
                    "needs Fetch v{FETCH_READ_COMMITTED}+ (Kafka 0.11); broker {} allows at most Fetch v{version} \
                     here ({:?} versions)",
                    b.label(),
                    conn.api_versions().source()
                ),
            ));
        }
        let resp = conn
            .send(&fetch_request(&params, max_wait_ms), version)
            .await?;
        if let Some(c) = code(resp.error_code) {
            return Err(Error::kafka(
                c,
                ErrorContext::topic(&topic).with_broker(b.label()),
            ));
        }
        Ok(fetched_partitions(resp, &topic))
    }

    async fn list_offsets(
        &self,
        topic: &str,
        queries: Vec<(i32, i64)>,
        _isolation_level: i8,
    ) -> Result<Vec<ListedOffset>> {
        let mut by_ts: BTreeMap<i64, Vec<i32>> = BTreeMap::new();
        for (p, ts) in queries {
            by_ts.entry(ts).or_default().push(p);
        }
        let mut out = Vec::new();
        for (ts, parts) in by_ts {
            let answers = self
                .cluster
                .fetch_offset_limits(topic, Some(&parts), ts, 1)
                .await?;
            for p in parts {
                let (error, offset) = match answers.get(&p) {
                    Some(a) => (a.error, a.offsets.first().copied()),
                    None => (Some(KafkaCode::UnknownTopicOrPartition), None),
                };
                out.push(ListedOffset {
                    partition: p,
                    error,
                    offset,
                });
            }
        }
        Ok(out)
    }

    async fn commit_offsets(
        &self,
        member: &GroupMember,
        topic: &str,
        entries: Vec<CommitEntry>,
    ) -> Result<Vec<(i32, Option<KafkaCode>)>> {
        let b = self.coordinator(&member.group).await?;
        commit_on(&b, member, topic, &entries)
            .await
            .inspect_err(|_| self.forget_coordinator())
    }

    async fn fetch_committed(
        &self,
        group: &str,
        topic: &str,
        partitions: Vec<i32>,
    ) -> Result<Vec<FetchedCommit>> {
        let b = self.coordinator(group).await?;
        fetch_committed_on(&b, group, topic, partitions)
            .await
            .inspect_err(|_| self.forget_coordinator())
    }

    async fn refresh_coordinator(&self, _group: &str) -> Result<()> {
        self.forget_coordinator();
        Ok(())
    }

    fn close_fetch_connections(&self) {
        let channels = std::mem::take(
            &mut *self
                .fetch_channels
                .lock()
                .unwrap_or_else(|e| e.into_inner()),
        );
        for channel in channels.values() {
            channel.close_now();
        }
    }
}

/// The Fetch request for `params`, waiting at most `max_wait_ms` on the broker.
pub(crate) fn fetch_request(params: &FetchParams, max_wait_ms: i32) -> FetchRequest {
    FetchRequest {
        max_wait_ms,
        min_bytes: params.min_bytes,
        max_bytes: params.max_bytes.clamp(1, MAX_RESPONSE_BYTES),
        isolation_level: params.isolation_level,
        topics: vec![FetchTopic {
            topic: params.topic.clone(),
            partitions: params
                .partitions
                .iter()
                .map(|p| FetchPartition {
                    partition: p.partition,
                    fetch_offset: p.offset,
                    partition_max_bytes: p.max_bytes,
                    ..Default::default()
                })
                .collect(),
            ..Default::default()
        }],
        ..Default::default()
    }
}

/// `topic`'s partitions of a Fetch response, records still encoded.
pub(crate) fn fetched_partitions(resp: FetchResponse, topic: &str) -> Vec<FetchedPartition> {
    resp.responses
        .into_iter()
        .filter(|t| t.topic == topic)
        .flat_map(|t| t.partitions)
        .map(|p| FetchedPartition {
            partition: p.partition_index,
            error: code(p.error_code),
            high_watermark: p.high_watermark,
            aborted_transactions: p
                .aborted_transactions
                .unwrap_or_default()
                .into_iter()
                .map(|a| AbortedTxn {
                    producer_id: a.producer_id,
                    first_offset: a.first_offset,
                })
                .collect(),
            records: p.records.unwrap_or_default(),
        })
        .collect()
}

/// OffsetCommit of `entries` for `member` on `broker`'s offsets channel (the coordinator, or any broker a
/// caller names): each partition's error, if any.
pub(crate) async fn commit_on(
    broker: &Broker,
    member: &GroupMember,
    topic: &str,
    entries: &[CommitEntry],
) -> Result<Vec<(i32, Option<KafkaCode>)>> {
    let (_, resp) = broker
        .offsets_request(Some(COMMIT_VERSIONS), |_| OffsetCommitRequest {
            group_id: member.group.clone(),
            generation_id_or_member_epoch: member.generation_id,
            member_id: member.member_id.clone(),
            retention_time_ms: -1,
            topics: vec![OffsetCommitRequestTopic {
                name: topic.to_string(),
                partitions: entries
                    .iter()
                    .map(|e| OffsetCommitRequestPartition {
                        partition_index: e.partition,
                        committed_offset: e.offset,
                        committed_metadata: Some(e.metadata.clone()),
                        ..Default::default()
                    })
                    .collect(),
                ..Default::default()
            }],
            ..Default::default()
        })
        .await?;
    Ok(resp
        .topics
        .into_iter()
        .filter(|t| t.name == topic)
        .flat_map(|t| t.partitions)
        .map(|p| (p.partition_index, code(p.error_code)))
        .collect())
}

/// OffsetFetch of `partitions` of `topic` for `group` on `broker`'s offsets channel. A group-level error
/// is given to every partition (e.g. COORDINATOR_LOAD_IN_PROGRESS).
pub(crate) async fn fetch_committed_on(
    broker: &Broker,
    group: &str,
    topic: &str,
    partitions: Vec<i32>,
) -> Result<Vec<FetchedCommit>> {
    let (_, resp) = broker
        .offsets_request(Some(OFFSET_FETCH_VERSIONS), |_| OffsetFetchRequest {
            group_id: group.to_string(),
            topics: Some(vec![OffsetFetchRequestTopic {
                name: topic.to_string(),
                partition_indexes: partitions.clone(),
                ..Default::default()
            }]),
            ..Default::default()
        })
        .await?;
    if let Some(c) = code(resp.error_code) {
        return Ok(partitions
            .into_iter()
            .map(|p| FetchedCommit {
                partition: p,
                error: Some(c),
                offset: -1,
                metadata: None,
            })
            .collect());
    }
    Ok(resp
        .topics
        .into_iter()
        .filter(|t| t.name == topic)
        .flat_map(|t| t.partitions)
        .map(|p| FetchedCommit {
            partition: p.partition_index,
            error: code(p.error_code),
            offset: p.committed_offset,
            metadata: p.metadata,
        })
        .collect())
}
