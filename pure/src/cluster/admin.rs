//! Admin calls: create and delete topics, list and describe consumer groups.

use std::collections::BTreeMap;
use std::sync::Arc;

use futures::future::join_all;

use ferrokafka_core::options::validate_topic_name;
use ferrokafka_core::{Error, ErrorContext, KafkaCode};

pub use ferrokafka_core::admin::{GroupDescription, GroupListing, GroupMember, NewTopic};

use super::{Broker, Cluster};
use crate::protocol::messages::create_topics_request::{
    CreatableReplicaAssignment, CreatableTopic, CreatableTopicConfig,
};
use crate::protocol::messages::delete_topics_request::DeleteTopicState;
use crate::protocol::messages::{
    CreateTopicsRequest, DeleteTopicsRequest, DescribeGroupsRequest, ListGroupsRequest,
};

const DESCRIBE_ATTEMPTS: u32 = 5;

fn topic_error(
    code: i16,
    message: Option<String>,
    topic: &str,
    broker: &Broker,
) -> Result<(), Error> {
    match KafkaCode::from_i16(code) {
        None => Ok(()),
        Some(code) => Err(Error::kafka_with_message(
            code,
            message,
            ErrorContext::topic(topic).with_broker(broker.label()),
        )),
    }
}

impl Cluster {
    /// The controller if known, else any broker (Kafka 4 forwards admin requests to the controller).
    async fn admin_broker(&self) -> Result<Arc<Broker>, Error> {
        if let Some(c) = self.controller() {
            return Ok(c);
        }
        self.update().await?;
        self.controller()
            .or_else(|| self.brokers().into_values().next())
            .ok_or_else(|| {
                Error::no_brokers_available(self.options.hosts.clone(), "metadata lists no brokers")
            })
    }

    /// Create topics and wait up to `timeout_ms` for the controller. The first failure is returned, naming the
    /// topic (`TOPIC_ALREADY_EXISTS`, `INVALID_REPLICATION_FACTOR`, ...).
    pub async fn create_topics(&self, topics: &[NewTopic], timeout_ms: i32) -> Result<(), Error> {
        check_admin_timeout(timeout_ms)?;
        for t in topics {
            validate_topic_name(&t.name)?;
        }
        for attempt in 0..2 {
            let broker = self.admin_broker().await?;
            let (_, resp) = broker
                .request(None, |_| CreateTopicsRequest {
                    topics: topics
                        .iter()
                        .map(|t| CreatableTopic {
                            name: t.name.clone(),
                            num_partitions: t.num_partitions,
                            replication_factor: t.replication_factor,
                            configs: t
                                .configs
                                .iter()
                                .map(|(k, v)| CreatableTopicConfig {
                                    name: k.clone(),
                                    value: Some(v.clone()),
                                    ..Default::default()
                                })
                                .collect(),
                            assignments: t
                                .assignments
                                .iter()
                                .map(|(p, ids)| CreatableReplicaAssignment {
                                    partition_index: *p,
                                    broker_ids: ids.clone(),
                                    ..Default::default()
                                })
                                .collect(),
                            ..Default::default()
                        })
                        .collect(),
                    timeout_ms,
                    ..Default::default()
                })
                .await?;
            let not_controller = resp
                .topics
                .iter()
                .any(|t| KafkaCode::from_i16(t.error_code) == Some(KafkaCode::NotController));
            if not_controller && attempt == 0 {
                self.update().await?;
                continue;
            }
            for t in resp.topics {
                topic_error(t.error_code, t.error_message, &t.name, &broker)?;
            }
            let _ = self.update().await;
            return Ok(());
        }
        Ok(())
    }

    /// Delete topics, waiting up to `timeout_ms`. The first failure is returned, naming the topic.
    pub async fn delete_topics(&self, names: &[&str], timeout_ms: i32) -> Result<(), Error> {
        check_admin_timeout(timeout_ms)?;
        for attempt in 0..2 {
            let broker = self.admin_broker().await?;
            let (_, resp) = broker
                .request(None, |v| DeleteTopicsRequest {
                    topics: if v >= 6 {
                        names
                            .iter()
                            .map(|n| DeleteTopicState {
                                name: Some(n.to_string()),
                                ..Default::default()
                            })
                            .collect()
                    } else {
                        Vec::new()
                    },
                    topic_names: if v < 6 {
                        names.iter().map(|n| n.to_string()).collect()
                    } else {
                        Vec::new()
                    },
                    timeout_ms,
                    ..Default::default()
                })
                .await?;
            let not_controller = resp
                .responses
                .iter()
                .any(|t| KafkaCode::from_i16(t.error_code) == Some(KafkaCode::NotController));
            if not_controller && attempt == 0 {
                self.update().await?;
                continue;
            }
            for t in resp.responses {
                topic_error(
                    t.error_code,
                    t.error_message,
                    t.name.as_deref().unwrap_or("?"),
                    &broker,
                )?;
            }
            let _ = self.update().await;
            return Ok(());
        }
        Ok(())
    }

    /// Groups known to one broker (those it coordinates).
    pub async fn list_groups_on(&self, broker: &Broker) -> Result<Vec<GroupListing>, Error> {
        let mut attempt = 0;
        let resp = loop {
            let (_, resp) = broker
                .request(None, |_| ListGroupsRequest::default())
                .await?;
            match KafkaCode::from_i16(resp.error_code) {
                None => break resp,
                // The group coordinator is still loading its partitions: wait a little.
                Some(code) if code.is_retriable() && attempt + 1 < DESCRIBE_ATTEMPTS => {
                    attempt += 1;
                    tokio::time::sleep(std::time::Duration::from_millis(250 * u64::from(attempt)))
                        .await;
                }
                Some(code) => return Err(Error::kafka(code, ErrorContext::broker(broker.label()))),
            }
        };
        Ok(resp
            .groups
            .into_iter()
            .map(|g| GroupListing {
                group_id: g.group_id,
                protocol_type: g.protocol_type,
                state: g.group_state,
                coordinator: broker.id(),
            })
            .collect())
    }

    /// Every group of the cluster: ListGroups on every broker.
    pub async fn list_groups(&self) -> Result<Vec<GroupListing>, Error> {
        let brokers: Vec<_> = self.brokers().into_values().collect();
        let answers = join_all(brokers.iter().map(|b| self.list_groups_on(b))).await;
        let mut out = Vec::new();
        for a in answers {
            out.extend(a?);
        }
        out.sort_by(|a, b| a.group_id.cmp(&b.group_id));
        Ok(out)
    }

    /// DescribeGroups for `groups` on one broker (their coordinator).
    pub async fn describe_groups_on(
        &self,
        broker: &Broker,
        groups: &[String],
    ) -> Result<Vec<GroupDescription>, Error> {
        let (_, resp) = broker
            .request(None, |_| DescribeGroupsRequest {
                groups: groups.to_vec(),
                ..Default::default()
            })
            .await?;
        Ok(resp
            .groups
            .into_iter()
            .map(|g| GroupDescription {
                group_id: g.group_id,
                error: KafkaCode::from_i16(g.error_code),
                state: g.group_state,
                protocol_type: g.protocol_type,
                protocol: g.protocol_data,
                members: g
                    .members
                    .into_iter()
                    .map(|m| {
                        (
                            m.member_id.clone(),
                            GroupMember {
                                member_id: m.member_id,
                                group_instance_id: m.group_instance_id,
                                client_id: m.client_id,
                                client_host: m.client_host,
                                member_metadata: m.member_metadata,
                                member_assignment: m.member_assignment,
                            },
                        )
                    })
                    .collect(),
            })
            .collect())
    }

    /// Describe groups, each at its coordinator. Groups whose coordinator moved or is still loading
    /// (NOT_COORDINATOR, COORDINATOR_NOT_AVAILABLE, COORDINATOR_LOAD_IN_PROGRESS) are looked up again and
    /// retried a few times; an error left over is in the group's `error`.
    pub async fn describe_groups(
        &self,
        groups: &[&str],
    ) -> Result<BTreeMap<String, GroupDescription>, Error> {
        let mut out = BTreeMap::new();
        let mut todo: Vec<String> = groups.iter().map(|g| g.to_string()).collect();
        for attempt in 0..DESCRIBE_ATTEMPTS {
            if todo.is_empty() {
                break;
            }
            if attempt > 0 {
                tokio::time::sleep(std::time::Duration::from_millis(250 * u64::from(attempt)))
                    .await;
            }
            let mut by_coordinator: BTreeMap<i32, (Arc<Broker>, Vec<String>)> = BTreeMap::new();
            for g in todo.drain(..) {
                let c = self.group_coordinator(&g).await?;
                by_coordinator
                    .entry(c.id())
                    .or_insert((c, Vec::new()))
                    .1
                    .push(g);
            }
            for (broker, names) in by_coordinator.into_values() {
                for d in self.describe_groups_on(&broker, &names).await? {
                    if matches!(
                        d.error,
                        Some(
                            KafkaCode::NotCoordinatorForGroup
                                | KafkaCode::GroupCoordinatorNotAvailable
                                | KafkaCode::GroupLoadInProgress
                        )
                    ) {
                        todo.push(d.group_id.clone());
                    }
                    out.insert(d.group_id.clone(), d);
                }
            }
        }
        Ok(out)
    }

    /// PyKafka's `get_managed_group_descriptions()`: ListGroups + DescribeGroups on every broker, for groups
    /// managed by Kafka (protocol type `consumer`).
    pub async fn managed_group_descriptions(
        &self,
    ) -> Result<BTreeMap<String, GroupDescription>, Error> {
        let mut out = BTreeMap::new();
        for broker in self.brokers().into_values() {
            let groups: Vec<String> = self
                .list_groups_on(&broker)
                .await?
                .into_iter()
                .filter(|g| g.protocol_type == "consumer" || g.protocol_type.is_empty())
                .map(|g| g.group_id)
                .collect();
            if groups.is_empty() {
                continue;
            }
            for d in self.describe_groups_on(&broker, &groups).await? {
                out.insert(d.group_id.clone(), d);
            }
        }
        Ok(out)
    }
}

/// An admin call's broker-side wait must be ≥ 0 (a negative one would be sent as is and mean nothing defined).
fn check_admin_timeout(timeout_ms: i32) -> Result<(), Error> {
    if timeout_ms < 0 {
        return Err(Error::config(
            "timeout_ms",
            format!("must be >= 0, got {timeout_ms}"),
        ));
    }
    Ok(())
}
