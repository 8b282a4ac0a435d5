//! The cluster as the pure engine sees it: brokers (with their connections), the controller, topics and
//! partition leaders, kept fresh by Metadata requests. Producer and consumer engines use it to find leaders
//! and coordinators and to get a broker connection:
//!
//! ```ignore
//! let cluster = Cluster::connect(options).await?;
//! let leader = cluster.leader("events", 0)?;                        // Arc<Broker>
//! let (version, resp) = leader.request(None, |v| ProduceRequest { .. }).await?;
//! if let Err(e) = outcome { cluster.refresh_on(&e).await; }          // NOT_LEADER, connection loss, ...
//! ```

pub mod admin;
mod auto_create;
pub mod bootstrap;
pub mod broker;
pub mod coordinator;
pub mod metadata;
pub mod offsets;
pub mod topics;
pub mod zookeeper;

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock, RwLockReadGuard, RwLockWriteGuard};

use ferrokafka_core::{BrokerRef, ClientOptions, Error, ErrorContext, ErrorKind, KafkaCode};

use crate::connection::ConnectionConfig;

pub use admin::{GroupDescription, GroupListing, GroupMember, NewTopic};
pub use broker::Broker;
pub use metadata::{BrokerMetadata, MetadataSnapshot, PartitionMetadata, TopicMetadata};
pub use offsets::PartitionOffsets;

#[derive(Default)]
struct State {
    brokers: BTreeMap<i32, Arc<Broker>>,
    controller_id: Option<i32>,
    cluster_id: Option<String>,
    topics: BTreeMap<String, TopicMetadata>,
}

/// Brokers, topics and leaders of one Kafka cluster, shared by every producer and consumer of a client.
pub struct Cluster {
    options: ClientOptions,
    seeds: Vec<(String, u16)>,
    config: Arc<ConnectionConfig>,
    offsets_config: Arc<ConnectionConfig>,
    state: RwLock<State>,
    /// One metadata update at a time; callers arriving during one reuse its result.
    update_lock: tokio::sync::Mutex<()>,
    generation: AtomicU64,
}

impl std::fmt::Debug for Cluster {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Cluster")
            .field("hosts", &self.options.hosts)
            .field("brokers", &self.read().brokers.keys().collect::<Vec<_>>())
            .finish()
    }
}

impl Cluster {
    /// Validate the options, bootstrap from any reachable host, load brokers and all topics.
    pub async fn connect(options: ClientOptions) -> Result<Arc<Cluster>, Error> {
        let resolved = options.resolve()?;
        // PyKafka: `zookeeper_hosts`, when set, takes precedence over `hosts`.
        let seeds = match options.zookeeper_hosts.as_deref() {
            Some(zk) => zookeeper::discover_brokers(zk, resolved.socket_timeout).await?,
            None => options.parse_hosts()?,
        };
        let config = ConnectionConfig::from_options(&resolved)?;
        let offsets_config = config.offsets_channel(&resolved);
        let cluster = Arc::new(Cluster {
            seeds,
            options,
            config: Arc::new(config),
            offsets_config: Arc::new(offsets_config),
            state: RwLock::new(State::default()),
            update_lock: tokio::sync::Mutex::new(()),
            generation: AtomicU64::new(0),
        });
        cluster.update().await?;
        Ok(cluster)
    }

    fn read(&self) -> RwLockReadGuard<'_, State> {
        self.state.read().unwrap_or_else(|e| e.into_inner())
    }

    fn write(&self) -> RwLockWriteGuard<'_, State> {
        self.state.write().unwrap_or_else(|e| e.into_inner())
    }

    pub fn options(&self) -> &ClientOptions {
        &self.options
    }

    /// The connection settings every broker connection uses.
    pub fn connection_config(&self) -> &Arc<ConnectionConfig> {
        &self.config
    }

    /// Refresh brokers and all topics (PyKafka's `update()`), adding new ones and dropping removed ones.
    pub async fn update(&self) -> Result<(), Error> {
        let seen = self.generation.load(Ordering::Acquire);
        let _guard = self.update_lock.lock().await;
        if self.generation.load(Ordering::Acquire) != seen {
            return Ok(()); // someone refreshed while we waited
        }
        let snapshot = self.fetch_metadata(None, false).await?;
        if snapshot.brokers.is_empty() {
            tracing::warn!("metadata lists no brokers (KAFKA-2154?)");
        }
        self.apply(snapshot, true);
        self.generation.fetch_add(1, Ordering::AcqRel);
        Ok(())
    }

    /// Merge a Metadata answer into the state. `all_topics`: the answer lists every topic (drop missing ones).
    fn apply(&self, snapshot: MetadataSnapshot, all_topics: bool) {
        let mut st = self.write();
        if !snapshot.brokers.is_empty() {
            let mut brokers = BTreeMap::new();
            for b in snapshot.brokers {
                let keep = st
                    .brokers
                    .get(&b.id)
                    .filter(|old| old.host() == b.host && old.port() == b.port)
                    .cloned();
                let broker = keep.unwrap_or_else(|| {
                    // A new broker, or a known id at a new address (PyKafka raises here; we follow it).
                    Arc::new(Broker::new(
                        b.id,
                        &b.host,
                        b.port,
                        b.rack.clone(),
                        Arc::clone(&self.config),
                        Arc::clone(&self.offsets_config),
                    ))
                });
                brokers.insert(b.id, broker);
            }
            st.brokers = brokers;
        }
        if snapshot.controller_id.is_some() {
            st.controller_id = snapshot.controller_id;
        }
        if snapshot.cluster_id.is_some() {
            st.cluster_id = snapshot.cluster_id;
        }
        if all_topics {
            st.topics.clear();
        }
        for t in snapshot.topics {
            if t.error == Some(KafkaCode::UnknownTopicOrPartition) {
                st.topics.remove(&t.name);
            } else {
                st.topics.insert(t.name.clone(), t);
            }
        }
    }

    /// Every known broker, by id.
    pub fn brokers(&self) -> BTreeMap<i32, Arc<Broker>> {
        self.read().brokers.clone()
    }

    /// A broker by id.
    pub fn broker(&self, id: i32) -> Option<Arc<Broker>> {
        self.read().brokers.get(&id).cloned()
    }

    /// How errors name broker `id`: `id (host:port)` when known, else the bare id.
    pub fn broker_ref(&self, id: i32) -> BrokerRef {
        self.broker(id)
            .map(|b| b.label().clone())
            .unwrap_or_else(|| BrokerRef::id(id))
    }

    /// The controller (Metadata v1+), if known.
    pub fn controller(&self) -> Option<Arc<Broker>> {
        let st = self.read();
        st.controller_id.and_then(|id| st.brokers.get(&id).cloned())
    }

    pub fn cluster_id(&self) -> Option<String> {
        self.read().cluster_id.clone()
    }

    /// Every known topic (internal ones included), from the last refresh.
    pub fn topic_metadata(&self) -> BTreeMap<String, TopicMetadata> {
        self.read().topics.clone()
    }

    /// One topic from the last refresh, without a request.
    pub fn cached_topic(&self, name: &str) -> Option<TopicMetadata> {
        self.read().topics.get(name).cloned()
    }

    /// The topic's partition ids from the cached metadata, without cloning the rest (the producer asks for
    /// them on every message).
    pub fn cached_partition_ids(&self, name: &str) -> Option<Vec<i32>> {
        self.read()
            .topics
            .get(name)
            .map(|t| t.partitions.keys().copied().collect())
    }

    /// The leader of a partition, from the cached metadata. `LeaderNotAvailable` if it has none now,
    /// `LeaderNotFound` if its id is not a known broker, `UnknownTopicOrPartition` if unknown.
    pub fn leader(&self, topic: &str, partition: i32) -> Result<Arc<Broker>, Error> {
        let st = self.read();
        let ctx = ErrorContext::partition(topic, partition);
        let p = st
            .topics
            .get(topic)
            .and_then(|t| t.partitions.get(&partition))
            .ok_or_else(|| Error::kafka(KafkaCode::UnknownTopicOrPartition, ctx.clone()))?;
        if p.leader < 0 {
            return Err(Error::kafka(KafkaCode::LeaderNotAvailable, ctx));
        }
        st.brokers
            .get(&p.leader)
            .cloned()
            .ok_or(Error::leader_not_found(p.leader, ctx))
    }

    /// Whether an error means the metadata is stale: NOT_LEADER_OR_FOLLOWER, UNKNOWN_TOPIC_OR_PARTITION,
    /// LEADER_NOT_AVAILABLE (and friends), a lost connection, or an unknown leader.
    pub fn is_stale_metadata_error(e: &Error) -> bool {
        if let Some(cause) = e.cause() {
            return Self::is_stale_metadata_error(cause);
        }
        match e.kind() {
            ErrorKind::Kafka => matches!(
                e.code(),
                Some(
                    KafkaCode::NotLeaderForPartition
                        | KafkaCode::UnknownTopicOrPartition
                        | KafkaCode::LeaderNotAvailable
                        | KafkaCode::FencedLeaderEpoch
                        | KafkaCode::UnknownLeaderEpoch
                        | KafkaCode::NotCoordinatorForGroup
                        | KafkaCode::GroupCoordinatorNotAvailable
                        | KafkaCode::NotController
                )
            ),
            ErrorKind::SocketDisconnected | ErrorKind::LeaderNotFound => true,
            _ => false,
        }
    }

    /// Refresh the metadata if `e` says it is stale. Returns whether a refresh succeeded.
    pub async fn refresh_on(&self, e: &Error) -> bool {
        if !Self::is_stale_metadata_error(e) {
            return false;
        }
        match self.update().await {
            Ok(()) => true,
            Err(err) => {
                tracing::warn!(error = %err.report(), cause = %e.report(), "metadata refresh failed");
                false
            }
        }
    }
}
