//! PyKafka's ZooKeeper-coordinated `BalancedConsumer` membership (`managed=False`): members register under
//! the group's `ids`, each computes its own share with the group's assignor over the members reading the
//! same topic, and claims it with ephemeral owner znodes. Layout in [`paths`], session and watches in
//! [`session`].
//!
//! The rebalance is PyKafka's `_update_member_assignment`: participants = `ids` children whose data is this
//! topic, sorted by bytes (re-registering if our session expired); release owned partitions we no longer
//! get, claim the new ones; a claim meeting another owner's node is `PartitionOwned`, retried after
//! `i × rebalance_backoff_ms`. Offsets are committed to Kafka outside any Kafka-managed generation
//! (generation -1, empty member id), which Kafka accepts for groups it does not manage.

pub mod paths;
pub mod session;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::Duration;

use ferrokafka_core::{
    Error, ErrorKind, GroupMembershipProtocol, MembershipProtocol, PartitionLeader,
};
use zookeeper_client::{Acls, Client, CreateMode};

use self::paths::{new_consumer_id, partition_of_slug, ZkPaths};
use self::session::{unavailable, Session};
use crate::cluster::Cluster;

/// How many times one rebalance may find its session ended and start over with a new one.
const MAX_SESSIONS_LOST_IN_A_REBALANCE: u32 = 3;

/// What a ZooKeeper-coordinated member needs to know.
#[derive(Debug, Clone)]
pub struct ZkConfig {
    pub group: String,
    pub topic: String,
    pub assignor: MembershipProtocol,
    /// `host:port[,…][/chroot]`.
    pub hosts: String,
    pub connection_timeout: Duration,
}

/// This member of a ZooKeeper-coordinated group.
pub struct ZkMembership {
    cluster: Arc<Cluster>,
    config: ZkConfig,
    paths: ZkPaths,
    consumer_id: String,
    session: Option<Session>,
}

impl std::fmt::Debug for ZkMembership {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ZkMembership")
            .field("config", &self.config)
            .field("consumer_id", &self.consumer_id)
            .field("connected", &self.session.is_some())
            .finish()
    }
}

impl ZkMembership {
    pub fn new(cluster: Arc<Cluster>, config: ZkConfig) -> Self {
        ZkMembership {
            paths: ZkPaths::new(&config.group, &config.topic),
            cluster,
            config,
            consumer_id: new_consumer_id(),
            session: None,
        }
    }

    /// PyKafka's `consumer_id`: `"{hostname}:{uuid4}"`, the name of our `ids` node.
    pub fn consumer_id(&self) -> &str {
        &self.consumer_id
    }

    /// Rebalance (connecting, registering and watching first if there is no live session), at most
    /// `max_retries` attempts while partitions are still owned by others, sleeping `i × backoff` after
    /// failed attempt i. Returns this member's partitions.
    pub async fn rebalance(
        &mut self,
        max_retries: u32,
        backoff: Duration,
    ) -> Result<BTreeSet<i32>, Error> {
        let attempts = max_retries.max(1);
        let mut attempt = 0;
        let mut sessions_lost = 0;
        loop {
            let client = self.live_client().await?;
            match self.update_assignment(&client).await {
                // The session ended in the middle (expired, or closed from outside): as at any other time,
                // register again with a new session and rebalance, rather than failing the consumer.
                Err(e)
                    if e.kind() == ErrorKind::ZooKeeperUnavailable
                        && sessions_lost < MAX_SESSIONS_LOST_IN_A_REBALANCE =>
                {
                    // A lost connection (the client reconnects) or an ended session (a new one is made):
                    // either way, try the rebalance again shortly.
                    sessions_lost += 1;
                    if !self.session_ended(&client).await {
                        tokio::time::sleep(Duration::from_millis(200)).await;
                    }
                    tracing::warn!(group = %self.config.group, error = %e.report(),
                        "ZooKeeper session ended during the rebalance; registering again");
                }
                Ok(parts) => return Ok(parts),
                Err(e) if e.kind() == ErrorKind::PartitionOwned => {
                    attempt += 1;
                    if attempt >= attempts {
                        tracing::warn!(group = %self.config.group, error = %e.report(), attempts, "giving up the rebalance");
                        return Err(e);
                    }
                    tracing::info!(group = %self.config.group, error = %e.report(), "partition still owned; retrying");
                    tokio::time::sleep(backoff * (attempt - 1)).await;
                }
                Err(e) => return Err(e),
            }
        }
    }

    /// Whether `client`'s session has ended (its state turns terminal shortly after the server says so).
    async fn session_ended(&self, client: &Client) -> bool {
        for _ in 0..10 {
            if client.state().is_terminated() {
                return true;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        false
    }

    /// True when a watched node changed or the session ended since the last rebalance: rebalance now.
    pub fn needs_rebalance(&mut self) -> bool {
        match &self.session {
            None => true,
            Some(s) => s.is_terminated() || s.take_changed(),
        }
    }

    /// PyKafka's `stop` for a member that owns its ZooKeeper client: delete our owner and id nodes, then
    /// close the session (its ephemeral nodes would vanish with it anyway; deleting first is explicit).
    pub async fn leave(&mut self) -> Result<(), Error> {
        let Some(session) = self.session.take() else {
            return Ok(());
        };
        let client = session.client.clone();
        let mut first_error: Option<String> = None;
        if !session.is_terminated() {
            match self.held(&client).await {
                Ok(held) => {
                    for slug in held.values() {
                        if let Err(e) = delete(&client, &self.paths.owner_slug_path(slug)).await {
                            first_error.get_or_insert(format!("releasing {slug}: {e}"));
                        }
                    }
                }
                Err(e) => {
                    first_error.get_or_insert(e.to_string());
                }
            }
            let me = self.paths.member(&self.consumer_id);
            if let Err(e) = delete(&client, &me).await {
                first_error.get_or_insert(format!("deleting {me}: {e}"));
            }
        }
        // The last client clone: the session closes, and whatever ephemeral node is left goes with it.
        drop(session);
        drop(client);
        match first_error {
            None => Ok(()),
            Some(why) => Err(unavailable(
                &self.config.hosts,
                format!("leaving the group: {why}"),
            )),
        }
    }

    /// The session's client, connecting, creating the owners path, registering and watching if needed.
    async fn live_client(&mut self) -> Result<Client, Error> {
        match &self.session {
            Some(s) if !s.is_terminated() => return Ok(s.client.clone()),
            // PyKafka (kazoo) reconnects with a new session; its ephemeral nodes are gone with the old one.
            Some(_) => tracing::warn!(group = %self.config.group, consumer_id = %self.consumer_id,
                "ZooKeeper session ended; registering again"),
            None => {}
        }
        self.session = None;
        let session = Session::connect(&self.config.hosts, self.config.connection_timeout).await?;
        let client = session.client.clone();
        let zk = |what: &str, e: zookeeper_client::Error| {
            unavailable(&self.config.hosts, format!("{what}: {e}"))
        };
        let persistent = CreateMode::Persistent.with_acls(Acls::anyone_all());
        client
            .mkdir(&self.paths.owners, &persistent)
            .await
            .map_err(|e| zk(&format!("creating {}", self.paths.owners), e))?;
        self.register(&client).await?;
        session.watch(&self.paths.ids);
        self.session = Some(session);
        Ok(client)
    }

    /// PyKafka's `_add_self`: the ephemeral `ids/<consumer_id>` node holding the topic name.
    async fn register(&self, client: &Client) -> Result<(), Error> {
        let path = self.paths.member(&self.consumer_id);
        let ephemeral = CreateMode::Ephemeral.with_acls(Acls::anyone_all());
        let created = match client
            .create(&path, self.config.topic.as_bytes(), &ephemeral)
            .await
        {
            Err(zookeeper_client::Error::NoNode) => {
                let persistent = CreateMode::Persistent.with_acls(Acls::anyone_all());
                client.mkdir(&self.paths.ids, &persistent).await.ok();
                client
                    .create(&path, self.config.topic.as_bytes(), &ephemeral)
                    .await
            }
            other => other,
        };
        match created {
            Ok(_) | Err(zookeeper_client::Error::NodeExists) => Ok(()),
            Err(e) => Err(unavailable(
                &self.config.hosts,
                format!("registering {path}: {e}"),
            )),
        }
    }

    /// One attempt of PyKafka's `_update_member_assignment`.
    async fn update_assignment(&self, client: &Client) -> Result<BTreeSet<i32>, Error> {
        let mut participants = self.participants(client).await?;
        if !participants.contains(&self.consumer_id) {
            // Only after our session expired: PyKafka registers again.
            self.register(client).await?;
            participants.push(self.consumer_id.clone());
        }
        let partitions = self.partitions().await?;
        let new = self.config.assignor.decide_partitions(
            &self.config.topic,
            &participants,
            &partitions,
            &self.consumer_id,
        );
        if new.is_empty() {
            tracing::warn!(group = %self.config.group, consumer_id = %self.consumer_id,
                "no partitions assigned to this consumer");
        }
        let held = self.held(client).await?;
        for (pid, slug) in &held {
            if !new.contains(pid) {
                delete(client, &self.paths.owner_slug_path(slug))
                    .await
                    .map_err(|e| {
                        unavailable(&self.config.hosts, format!("releasing {slug}: {e}"))
                    })?;
            }
        }
        let leaders: BTreeMap<i32, i32> = partitions.iter().map(|p| (p.id, p.leader)).collect();
        let ephemeral = CreateMode::Ephemeral.with_acls(Acls::anyone_all());
        for pid in new.iter().filter(|p| !held.contains_key(p)) {
            let path = self
                .paths
                .owner(leaders.get(pid).copied().unwrap_or(-1), *pid);
            match client
                .create(&path, self.consumer_id.as_bytes(), &ephemeral)
                .await
            {
                Ok(_) => {}
                Err(zookeeper_client::Error::NodeExists) => {
                    let owner = client
                        .get_data(&path)
                        .await
                        .map(|(d, _)| String::from_utf8_lossy(&d).into_owned())
                        .unwrap_or_default();
                    return Err(Error::partition_owned(
                        self.config.group.clone(),
                        self.config.topic.clone(),
                        *pid,
                        owner,
                    ));
                }
                Err(e) => {
                    return Err(unavailable(
                        &self.config.hosts,
                        format!("claiming {path}: {e}"),
                    ))
                }
            }
        }
        Ok(new)
    }

    /// PyKafka's `_get_participants`: the members whose `ids` node holds this topic.
    async fn participants(&self, client: &Client) -> Result<Vec<String>, Error> {
        let ids = match client.list_children(&self.paths.ids).await {
            Ok(ids) => ids,
            Err(zookeeper_client::Error::NoNode) => return Ok(Vec::new()),
            Err(e) => {
                return Err(unavailable(
                    &self.config.hosts,
                    format!("listing {}: {e}", self.paths.ids),
                ))
            }
        };
        let mut participants = Vec::with_capacity(ids.len());
        for id in ids {
            match client.get_data(&self.paths.member(&id)).await {
                Ok((topic, _)) if topic == self.config.topic.as_bytes() => participants.push(id),
                Ok(_) | Err(zookeeper_client::Error::NoNode) => {}
                Err(e) => {
                    return Err(unavailable(
                        &self.config.hosts,
                        format!("reading member {id}: {e}"),
                    ))
                }
            }
        }
        participants.sort_by(|a, b| a.as_bytes().cmp(b.as_bytes()));
        Ok(participants)
    }

    /// PyKafka's `_get_held_partitions`, keeping each node's name: partition id → owner node slug. (PyKafka
    /// deletes by the current leader's name, which misses a node created under an older leader.)
    async fn held(&self, client: &Client) -> Result<BTreeMap<i32, String>, Error> {
        let slugs = match client.list_children(&self.paths.owners).await {
            Ok(s) => s,
            Err(zookeeper_client::Error::NoNode) => return Ok(BTreeMap::new()),
            Err(e) => {
                return Err(unavailable(
                    &self.config.hosts,
                    format!("listing {}: {e}", self.paths.owners),
                ))
            }
        };
        let mut held = BTreeMap::new();
        for slug in slugs {
            match client.get_data(&self.paths.owner_slug_path(&slug)).await {
                Ok((owner, _)) if owner == self.consumer_id.as_bytes() => {
                    if let Some(pid) = partition_of_slug(&slug) {
                        held.insert(pid, slug);
                    }
                }
                Ok(_) | Err(zookeeper_client::Error::NoNode) => {}
                Err(e) => {
                    return Err(unavailable(
                        &self.config.hosts,
                        format!("reading owner {slug}: {e}"),
                    ))
                }
            }
        }
        Ok(held)
    }

    /// The topic's partitions with their current leaders (fresh metadata: a broker change can move them).
    async fn partitions(&self) -> Result<Vec<PartitionLeader>, Error> {
        let meta = match self.cluster.request_topic(&self.config.topic, false).await {
            Ok(m) => m,
            Err(_) => self.cluster.topic(&self.config.topic).await?,
        };
        Ok(meta
            .partitions
            .values()
            .map(|p| PartitionLeader {
                id: p.id,
                leader: p.leader,
            })
            .collect())
    }
}

/// Deletes `path`; an absent node is fine.
async fn delete(client: &Client, path: &str) -> Result<(), zookeeper_client::Error> {
    match client.delete(path, None).await {
        Ok(()) | Err(zookeeper_client::Error::NoNode) => Ok(()),
        Err(e) => Err(e),
    }
}
