//! The cluster as the last Metadata response described it: brokers, controller, topics and partitions.

use std::collections::BTreeMap;

use ferrokafka_core::KafkaCode;

use crate::protocol::messages::MetadataResponse;

/// One partition: leader (-1 = none), replicas and in-sync replicas by broker id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartitionMetadata {
    pub id: i32,
    pub leader: i32,
    pub leader_epoch: i32,
    pub replicas: Vec<i32>,
    pub isr: Vec<i32>,
    pub offline_replicas: Vec<i32>,
    pub error: Option<KafkaCode>,
}

/// One topic.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TopicMetadata {
    pub name: String,
    pub internal: bool,
    pub partitions: BTreeMap<i32, PartitionMetadata>,
    pub error: Option<KafkaCode>,
}

impl TopicMetadata {
    /// True when the topic is usable: no topic error and every partition has a leader.
    pub fn is_ready(&self) -> bool {
        self.error.is_none()
            && !self.partitions.is_empty()
            && self.partitions.values().all(|p| p.leader >= 0)
    }
}

/// A broker as Metadata lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BrokerMetadata {
    pub id: i32,
    pub host: String,
    pub port: u16,
    pub rack: Option<String>,
}

/// A decoded Metadata response.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct MetadataSnapshot {
    pub brokers: Vec<BrokerMetadata>,
    pub controller_id: Option<i32>,
    pub cluster_id: Option<String>,
    pub topics: Vec<TopicMetadata>,
}

impl MetadataSnapshot {
    /// From the generated response. Topics without a name (v10+ id-only answers) are skipped.
    pub fn from_response(r: MetadataResponse) -> Self {
        MetadataSnapshot {
            brokers: r
                .brokers
                .into_iter()
                .filter_map(|b| {
                    Some(BrokerMetadata {
                        id: b.node_id,
                        host: b.host,
                        port: u16::try_from(b.port).ok()?,
                        rack: b.rack,
                    })
                })
                .collect(),
            controller_id: (r.controller_id >= 0).then_some(r.controller_id),
            cluster_id: r.cluster_id,
            topics: r
                .topics
                .into_iter()
                .filter_map(|t| {
                    Some(TopicMetadata {
                        name: t.name?,
                        internal: t.is_internal,
                        error: KafkaCode::from_i16(t.error_code),
                        partitions: t
                            .partitions
                            .into_iter()
                            .map(|p| {
                                (
                                    p.partition_index,
                                    PartitionMetadata {
                                        id: p.partition_index,
                                        leader: p.leader_id,
                                        leader_epoch: p.leader_epoch,
                                        replicas: p.replica_nodes,
                                        isr: p.isr_nodes,
                                        offline_replicas: p.offline_replicas,
                                        error: KafkaCode::from_i16(p.error_code),
                                    },
                                )
                            })
                            .collect(),
                    })
                })
                .collect(),
        }
    }
}
