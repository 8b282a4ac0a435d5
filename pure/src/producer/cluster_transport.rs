//! [`ProduceTransport`] over the pure engine's [`Cluster`]: cached metadata for leaders, one multiplexed
//! connection per broker, Produce at the highest version both sides speak.

use std::sync::Arc;

use ferrokafka_core::{BrokerRef, Error, ErrorContext, KafkaCode, Result};

use super::transport::{BoxFuture, PartitionOutcome, ProduceCall, ProduceTransport, TopicLayout};
use crate::cluster::{Broker, Cluster};
use crate::protocol::messages::produce_request::{PartitionProduceData, TopicProduceData};
use crate::protocol::messages::{InitProducerIdRequest, ProduceRequest};

/// The producer's view of a real cluster.
#[derive(Debug, Clone)]
pub struct ClusterTransport {
    cluster: Arc<Cluster>,
}

impl ClusterTransport {
    pub fn new(cluster: Arc<Cluster>) -> Self {
        ClusterTransport { cluster }
    }

    fn broker(&self, id: i32) -> Result<Arc<Broker>> {
        self.cluster
            .broker(id)
            .ok_or(Error::leader_not_found(id, ErrorContext::default()))
    }
}

impl ProduceTransport for ClusterTransport {
    fn broker_ref(&self, broker: i32) -> BrokerRef {
        self.cluster.broker_ref(broker)
    }

    fn layout(&self, topic: &str) -> Result<TopicLayout> {
        let t = self.cluster.cached_topic(topic).ok_or_else(|| {
            Error::kafka(
                KafkaCode::UnknownTopicOrPartition,
                ErrorContext::topic(topic),
            )
        })?;
        Ok(TopicLayout {
            partitions: t.partitions.keys().copied().collect(),
            leaders: t.partitions.values().map(|p| (p.id, p.leader)).collect(),
        })
    }

    fn partition_ids(&self, topic: &str) -> Result<Vec<i32>> {
        self.cluster.cached_partition_ids(topic).ok_or_else(|| {
            Error::kafka(
                KafkaCode::UnknownTopicOrPartition,
                ErrorContext::topic(topic),
            )
        })
    }

    fn refresh_metadata<'a>(&'a self, topic: &'a str) -> BoxFuture<'a, Result<()>> {
        Box::pin(async move { self.cluster.request_topic(topic, false).await.map(drop) })
    }

    fn produce_version(&self, broker: i32) -> BoxFuture<'_, Result<i16>> {
        Box::pin(async move {
            let conn = self.broker(broker)?.produce_connection().await?;
            conn.version_of::<ProduceRequest>(None)
        })
    }

    fn init_producer_id(&self) -> BoxFuture<'_, Result<(i64, i16)>> {
        Box::pin(async move {
            // Any broker allocates ids for a producer without a transactional id; try each once.
            let mut last = Error::no_brokers_available(
                "the cluster's brokers",
                "none known to send InitProducerId to",
            );
            for broker in self.cluster.brokers().into_values() {
                let answer = broker
                    .request(None, |_| InitProducerIdRequest {
                        transactional_id: None,
                        transaction_timeout_ms: 60_000,
                        ..Default::default()
                    })
                    .await;
                match answer {
                    Ok((_, r)) => match KafkaCode::from_i16(r.error_code) {
                        None => return Ok((r.producer_id, r.producer_epoch)),
                        Some(code) => {
                            last = Error::kafka(
                                code,
                                ErrorContext::default().with_broker(broker.label()),
                            )
                        }
                    },
                    Err(e) => last = e,
                }
            }
            Err(last)
        })
    }

    fn produce(
        &self,
        broker: i32,
        version: i16,
        call: ProduceCall,
    ) -> BoxFuture<'_, Result<Vec<PartitionOutcome>>> {
        Box::pin(async move {
            let conn = self.broker(broker)?.produce_connection().await?;
            let acks = call.acks;
            let request = ProduceRequest {
                transactional_id: None,
                acks,
                timeout_ms: call.timeout_ms,
                topic_data: vec![TopicProduceData {
                    name: call.topic,
                    partition_data: call
                        .partitions
                        .into_iter()
                        .map(|(index, records)| PartitionProduceData {
                            index,
                            records: Some(records),
                            ..Default::default()
                        })
                        .collect(),
                    ..Default::default()
                }],
                ..Default::default()
            };
            if acks == 0 {
                // The broker never answers acks=0: write it and count it delivered (PyKafka: offset -1).
                conn.send_without_reply(&request, version).await?;
                return Ok(Vec::new());
            }
            let response = conn.send(&request, version).await?;
            Ok(response
                .responses
                .into_iter()
                .flat_map(|t| t.partition_responses)
                .map(|p| PartitionOutcome {
                    partition: p.index,
                    error_code: p.error_code,
                    base_offset: p.base_offset,
                    log_append_time_ms: p.log_append_time_ms,
                    error_message: p.error_message,
                })
                .collect())
        })
    }
}
