//! One member of a Kafka-managed consumer group (PyKafka's `ManagedBalancedConsumer` protocol side):
//! FindCoordinator → JoinGroup → SyncGroup, then Heartbeat until a rebalance, and LeaveGroup at the end.
//!
//! Versions: JoinGroup 0–9 (v4+ answers MEMBER_ID_REQUIRED first and we rejoin with the id it gave; v0, which
//! PyKafka speaks, has no rebalance timeout: the coordinator waits up to the session timeout for members to
//! rejoin; Kafka 4.0.0 dropped v0/v1, 4.0.1 restored them), SyncGroup 0–5, Heartbeat 0–4, LeaveGroup 0–5
//! (v3+ names members in a list). The highest version both sides (and a `broker_version` pin) allow is sent.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use ferrokafka_core::{
    Error, ErrorContext, GroupMembershipProtocol, KafkaCode, MembershipProtocol, PartitionLeader,
};

use super::protocol_metadata::{
    decode_assignment, encode_assignment, encode_metadata, subscribed_members,
};
use crate::cluster::Cluster;
use crate::connection::BrokerChannel;
use crate::protocol::messages::join_group_request::JoinGroupRequestProtocol;
use crate::protocol::messages::join_group_response::JoinGroupResponse;
use crate::protocol::messages::leave_group_request::MemberIdentity;
use crate::protocol::messages::sync_group_request::SyncGroupRequestAssignment;
use crate::protocol::messages::{
    HeartbeatRequest, JoinGroupRequest, LeaveGroupRequest, SyncGroupRequest,
};
use crate::protocol::VersionRange;

/// The group-membership versions this engine speaks (the highest one the broker and a pin allow is sent).
pub const JOIN_VERSIONS: VersionRange = VersionRange::new(0, 9);
pub const SYNC_VERSIONS: VersionRange = VersionRange::new(0, 5);
pub const HEARTBEAT_VERSIONS: VersionRange = VersionRange::new(0, 4);
pub const LEAVE_VERSIONS: VersionRange = VersionRange::new(0, 5);
const PROTOCOL_TYPE: &str = "consumer";

/// What a member needs to know about its group.
#[derive(Debug, Clone)]
pub struct MembershipConfig {
    pub group: String,
    pub topic: String,
    /// Range, RoundRobin or the user's protocol.
    pub assignor: MembershipProtocol,
    /// PyKafka fixes 30000.
    pub session_timeout_ms: i32,
    /// How long the coordinator waits for members to rejoin (JoinGroup v1+).
    pub rebalance_timeout_ms: i32,
}

/// This member's state in the group: coordinator, member id and generation.
#[derive(Debug)]
pub struct Membership {
    cluster: Arc<Cluster>,
    config: MembershipConfig,
    coordinator: Option<Arc<BrokerChannel>>,
    member_id: String,
    generation_id: i32,
}

impl Membership {
    pub fn new(cluster: Arc<Cluster>, config: MembershipConfig) -> Self {
        Membership {
            cluster,
            config,
            coordinator: None,
            member_id: String::new(),
            generation_id: -1,
        }
    }

    /// The id the coordinator gave this member ("" before the first join).
    pub fn member_id(&self) -> &str {
        &self.member_id
    }

    /// The generation of the last successful join (-1 before).
    pub fn generation_id(&self) -> i32 {
        self.generation_id
    }

    pub fn group(&self) -> &str {
        &self.config.group
    }

    /// Join and sync until it works, at most `max_retries` attempts, sleeping `i × backoff` after failed
    /// attempt i (PyKafka: 0, 2, 4 s …). Returns this member's partitions of the topic.
    pub async fn rebalance(
        &mut self,
        max_retries: u32,
        backoff: Duration,
    ) -> Result<BTreeSet<i32>, Error> {
        let attempts = max_retries.max(1);
        let mut attempt = 0;
        loop {
            match self.join_and_sync().await {
                Ok(parts) => return Ok(parts),
                Err(e) => {
                    self.after_error(&e);
                    attempt += 1;
                    // No version in common (e.g. groups under broker_version 0.8.2): retrying cannot help.
                    if attempt >= attempts || e.code() == Some(KafkaCode::UnsupportedVersion) {
                        return Err(e);
                    }
                    tokio::time::sleep(backoff * (attempt - 1)).await;
                }
            }
        }
    }

    /// One JoinGroup + SyncGroup round.
    pub async fn join_and_sync(&mut self) -> Result<BTreeSet<i32>, Error> {
        let broker = self.coordinator().await?;
        let joined = self.join(&broker).await?;
        self.generation_id = joined.generation_id;
        self.member_id = joined.member_id.clone();
        let assignments = if joined.leader == joined.member_id {
            self.assign(&joined).await?
        } else {
            Vec::new()
        };
        let (_, resp) = broker
            .get()
            .await?
            .send_negotiated(Some(SYNC_VERSIONS), |_| SyncGroupRequest {
                group_id: self.config.group.clone(),
                generation_id: self.generation_id,
                member_id: self.member_id.clone(),
                protocol_type: Some(PROTOCOL_TYPE.into()),
                protocol_name: Some(self.config.assignor.name().into()),
                assignments,
                ..Default::default()
            })
            .await?;
        self.check(resp.error_code, &broker)?;
        let assignment = decode_assignment(&resp.assignment, &self.config.group)?;
        Ok(assignment
            .into_iter()
            .filter(|(t, _)| *t == self.config.topic)
            .flat_map(|(_, parts)| parts)
            .collect())
    }

    /// JoinGroup, answering MEMBER_ID_REQUIRED by rejoining with the id it carries.
    async fn join(&mut self, broker: &BrokerChannel) -> Result<JoinGroupResponse, Error> {
        let conn = broker.get().await?;
        let version = conn.version_of::<JoinGroupRequest>(Some(JOIN_VERSIONS))?;
        // The coordinator holds JoinGroup until every member rejoined: up to the rebalance timeout, which
        // JoinGroup v0 cannot send, so the session timeout is the coordinator's limit there.
        let held = if version == 0 {
            self.config.session_timeout_ms
        } else {
            self.config.rebalance_timeout_ms
        };
        let wait = Duration::from_millis(held.max(0) as u64)
            + self.cluster.connection_config().request_timeout;
        for _ in 0..2 {
            let req = JoinGroupRequest {
                group_id: self.config.group.clone(),
                session_timeout_ms: self.config.session_timeout_ms,
                rebalance_timeout_ms: self.config.rebalance_timeout_ms,
                member_id: self.member_id.clone(),
                protocol_type: PROTOCOL_TYPE.into(),
                protocols: vec![JoinGroupRequestProtocol {
                    name: self.config.assignor.name().into(),
                    metadata: encode_metadata(
                        &[&self.config.topic],
                        &self.config.assignor.user_data(),
                    ),
                    ..Default::default()
                }],
                ..Default::default()
            };
            let resp = conn.send_with_timeout(&req, version, wait).await?;
            if KafkaCode::from_i16(resp.error_code) == Some(KafkaCode::MemberIdRequired) {
                self.member_id = resp.member_id;
                continue;
            }
            self.check(resp.error_code, broker)?;
            return Ok(resp);
        }
        Err(Error::kafka(
            KafkaCode::MemberIdRequired,
            ErrorContext::group(&self.config.group).with_broker(broker.label()),
        ))
    }

    /// The leader's job: every member's partitions, computed with the group's protocol.
    async fn assign(
        &self,
        joined: &JoinGroupResponse,
    ) -> Result<Vec<SyncGroupRequestAssignment>, Error> {
        let meta = self.cluster.topic(&self.config.topic).await?;
        let partitions: Vec<PartitionLeader> = meta
            .partitions
            .values()
            .map(|p| PartitionLeader {
                id: p.id,
                leader: p.leader,
            })
            .collect();
        let members = subscribed_members(
            joined
                .members
                .iter()
                .map(|m| (m.member_id.as_str(), &m.metadata[..])),
            &self.config.topic,
            &self.config.group,
        );
        Ok(joined
            .members
            .iter()
            .map(|m| &m.member_id)
            .map(|m| {
                let mine = self.config.assignor.decide_partitions(
                    &self.config.topic,
                    &members,
                    &partitions,
                    m,
                );
                SyncGroupRequestAssignment {
                    member_id: m.clone(),
                    assignment: encode_assignment(&[(
                        self.config.topic.as_str(),
                        mine.into_iter().collect(),
                    )]),
                    ..Default::default()
                }
            })
            .collect())
    }

    /// One heartbeat. `Ok(true)` means the group is rebalancing (or forgot us): rejoin.
    pub async fn heartbeat(&mut self) -> Result<bool, Error> {
        let broker = self.coordinator().await?;
        let conn = match broker.get().await {
            Ok(c) => c,
            Err(e) => {
                self.after_error(&e);
                return Err(e);
            }
        };
        let sent = conn
            .send_negotiated(Some(HEARTBEAT_VERSIONS), |_| HeartbeatRequest {
                group_id: self.config.group.clone(),
                generation_id: self.generation_id,
                member_id: self.member_id.clone(),
                ..Default::default()
            })
            .await;
        let resp = match sent {
            Ok((_, r)) => r,
            Err(e) => {
                self.after_error(&e);
                return Err(e);
            }
        };
        match self.check(resp.error_code, &broker) {
            Ok(()) => Ok(false),
            Err(e) if needs_rejoin(&e) => {
                self.after_error(&e);
                Ok(true)
            }
            Err(e) => {
                self.after_error(&e);
                Err(e)
            }
        }
    }

    /// LeaveGroup, so the others rebalance at once instead of after the session timeout.
    pub async fn leave(&mut self) -> Result<(), Error> {
        if self.member_id.is_empty() {
            return Ok(());
        }
        let broker = self.coordinator().await?;
        let member_id = std::mem::take(&mut self.member_id);
        self.generation_id = -1;
        let (_, resp) = broker
            .get()
            .await?
            .send_negotiated(Some(LEAVE_VERSIONS), |v| LeaveGroupRequest {
                group_id: self.config.group.clone(),
                member_id: if v < 3 {
                    member_id.clone()
                } else {
                    String::new()
                },
                members: if v >= 3 {
                    vec![MemberIdentity {
                        member_id: member_id.clone(),
                        ..Default::default()
                    }]
                } else {
                    Vec::new()
                },
                ..Default::default()
            })
            .await?;
        // Our connection is closed with it; a later join opens a new one.
        self.coordinator = None;
        let code = resp
            .members
            .iter()
            .map(|m| m.error_code)
            .find(|c| *c != 0)
            .unwrap_or(resp.error_code);
        match KafkaCode::from_i16(code) {
            // Already gone from the group: what leaving wanted.
            None | Some(KafkaCode::UnknownMemberId) => Ok(()),
            Some(c) => Err(Error::kafka(
                c,
                ErrorContext::group(&self.config.group).with_broker(broker.label()),
            )),
        }
    }

    /// A connection of our own to the coordinator (PyKafka's `connection_id`): a broker answers requests of
    /// one connection in order, so a JoinGroup parked there would hold up other members' heartbeats.
    async fn coordinator(&mut self) -> Result<Arc<BrokerChannel>, Error> {
        if let Some(c) = &self.coordinator {
            return Ok(Arc::clone(c));
        }
        let b = self.cluster.group_coordinator(&self.config.group).await?;
        let channel = Arc::new(BrokerChannel::new(
            b.host(),
            b.port(),
            b.label(),
            Arc::clone(self.cluster.connection_config()),
        ));
        self.coordinator = Some(Arc::clone(&channel));
        Ok(channel)
    }

    fn check(&self, code: i16, broker: &BrokerChannel) -> Result<(), Error> {
        match KafkaCode::from_i16(code) {
            None => Ok(()),
            Some(c) => Err(Error::kafka(
                c,
                ErrorContext::group(&self.config.group).with_broker(broker.label()),
            )),
        }
    }

    /// PyKafka's `_handle_error`: unknown member → start over with no id; coordinator trouble → find it again.
    fn after_error(&mut self, e: &Error) {
        match e.code() {
            Some(KafkaCode::UnknownMemberId) => {
                self.member_id.clear();
                self.generation_id = -1;
            }
            Some(KafkaCode::NotCoordinatorForGroup | KafkaCode::GroupCoordinatorNotAvailable) => {
                self.coordinator = None;
            }
            Some(_) => {}
            None => self.coordinator = None,
        }
    }
}

/// Heartbeat answers that mean "rejoin" rather than "something broke".
fn needs_rejoin(e: &Error) -> bool {
    matches!(
        e.code(),
        Some(
            KafkaCode::RebalanceInProgress
                | KafkaCode::IllegalGeneration
                | KafkaCode::UnknownMemberId
                | KafkaCode::NotCoordinatorForGroup
                | KafkaCode::GroupCoordinatorNotAvailable
        )
    )
}
