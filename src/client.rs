//! `KafkaClient`: PyKafka's entry point. Connects to the cluster, hands out topics, runs admin calls.
//!
//! Every method has a blocking form (for plain threads; safe inside a runtime too) and an `_async` form.

use std::collections::BTreeMap;
use std::sync::Arc;

use ferrokafka_core::options::validate_topic_name;
use ferrokafka_core::{
    BrokerInfo, ClientOptions, Error, GroupDescription, GroupListing, NewTopic, Result,
};
use ferrokafka_pure::PureCluster;

use crate::client_inner::ClientInner;
use crate::topic::Topic;

/// A connection to a Kafka cluster (PyKafka's `KafkaClient`). Cheap to clone; clones share connections.
#[derive(Debug, Clone)]
pub struct KafkaClient {
    pub(crate) inner: Arc<ClientInner>,
}

impl KafkaClient {
    /// Connect to the brokers in `hosts` (`"h1:9092,h2:9092"`) with default options. Blocking.
    pub fn new(hosts: &str) -> Result<KafkaClient> {
        Self::with_options(ClientOptions::new(hosts))
    }

    /// Connect with explicit options. Blocking; usable inside a runtime too.
    pub fn with_options(options: ClientOptions) -> Result<KafkaClient> {
        let pure = PureCluster::connect(options.clone())?;
        Ok(Self::assemble(pure, options))
    }

    /// Connect with explicit options, from async code.
    pub async fn connect(options: ClientOptions) -> Result<KafkaClient> {
        let pure = PureCluster::connect_async(options.clone()).await?;
        Ok(Self::assemble(pure, options))
    }

    fn assemble(pure: PureCluster, options: ClientOptions) -> Self {
        KafkaClient {
            inner: Arc::new(ClientInner { pure, options }),
        }
    }

    /// The options this client was made with.
    pub fn options(&self) -> &ClientOptions {
        &self.inner.options
    }

    /// The pure engine's cluster, for tests and tools that speak the protocol directly. Not part of the
    /// API: only with the hidden `testing` feature.
    #[cfg(feature = "testing")]
    #[doc(hidden)]
    pub fn cluster(&self) -> &Arc<ferrokafka_pure::cluster::Cluster> {
        self.inner.pure.raw_cluster()
    }

    /// The runtime all of this client's I/O runs on. Only with the hidden `testing` feature.
    #[cfg(feature = "testing")]
    #[doc(hidden)]
    pub fn runtime_handle(&self) -> &tokio::runtime::Handle {
        self.inner.pure.runtime_handle()
    }

    fn pure(&self) -> &PureCluster {
        &self.inner.pure
    }

    /// The topics (PyKafka's `TopicDict`): names now, `Topic`s on access; internal topics hidden unless
    /// `exclude_internal_topics` is false.
    pub fn topics(&self) -> Topics {
        Topics {
            client: self.clone(),
        }
    }

    /// A topic by name, auto-creating it as PyKafka does (if the brokers allow auto-creation). Blocking.
    pub fn topic(&self, name: &str) -> Result<Topic> {
        self.check_topic_name(name)?;
        self.pure().block_on(self.pure().topic(name))?;
        Ok(Topic::new(Arc::clone(&self.inner), name))
    }

    /// [`KafkaClient::topic`] from async code.
    pub async fn topic_async(&self, name: &str) -> Result<Topic> {
        self.check_topic_name(name)?;
        self.pure().run(self.pure().topic(name)).await?;
        Ok(Topic::new(Arc::clone(&self.inner), name))
    }

    fn check_topic_name(&self, name: &str) -> Result<()> {
        validate_topic_name(name)?;
        if self.inner.options.exclude_internal_topics {
            if let Some(t) = self.pure().cached_topic(name) {
                if t.internal {
                    return Err(Error::invalid_input(
                        "topic",
                        format!("{name:?} is an internal topic, hidden by exclude_internal_topics"),
                    ));
                }
            }
        }
        Ok(())
    }

    /// Refresh brokers and topics (PyKafka's `update_cluster()`). Blocking.
    pub fn update_cluster(&self) -> Result<()> {
        self.pure().block_on(self.pure().update())
    }

    /// [`KafkaClient::update_cluster`] from async code.
    pub async fn update_cluster_async(&self) -> Result<()> {
        self.pure().run(self.pure().update()).await
    }

    /// Known brokers by id, from the last refresh.
    pub fn brokers(&self) -> BTreeMap<i32, BrokerInfo> {
        self.pure().brokers()
    }

    /// The controller broker, if the metadata named one.
    pub fn controller(&self) -> Option<BrokerInfo> {
        self.pure().controller()
    }

    /// The coordinator of a consumer group (FindCoordinator, retried). Blocking.
    pub fn get_group_coordinator(&self, group: &str) -> Result<BrokerInfo> {
        self.pure().block_on(self.pure().group_coordinator(group))
    }

    /// [`KafkaClient::get_group_coordinator`] from async code.
    pub async fn get_group_coordinator_async(&self, group: &str) -> Result<BrokerInfo> {
        self.pure().run(self.pure().group_coordinator(group)).await
    }

    /// Every Kafka-managed consumer group, described (ListGroups + DescribeGroups on every broker).
    pub fn get_managed_group_descriptions(&self) -> Result<BTreeMap<String, GroupDescription>> {
        self.pure()
            .block_on(self.pure().managed_group_descriptions())
    }

    /// [`KafkaClient::get_managed_group_descriptions`] from async code.
    pub async fn get_managed_group_descriptions_async(
        &self,
    ) -> Result<BTreeMap<String, GroupDescription>> {
        self.pure()
            .run(self.pure().managed_group_descriptions())
            .await
    }

    /// Create topics; waits up to `timeout_ms` for the controller. Blocking.
    pub fn create_topics(&self, topics: &[NewTopic], timeout_ms: i32) -> Result<()> {
        self.pure()
            .block_on(self.pure().create_topics(topics, timeout_ms))
    }

    /// [`KafkaClient::create_topics`] from async code.
    pub async fn create_topics_async(&self, topics: &[NewTopic], timeout_ms: i32) -> Result<()> {
        self.pure()
            .run(self.pure().create_topics(topics, timeout_ms))
            .await
    }

    /// Delete topics; waits up to `timeout_ms`. Blocking.
    pub fn delete_topics(&self, names: &[&str], timeout_ms: i32) -> Result<()> {
        self.pure()
            .block_on(self.pure().delete_topics(names, timeout_ms))
    }

    /// [`KafkaClient::delete_topics`] from async code.
    pub async fn delete_topics_async(&self, names: &[&str], timeout_ms: i32) -> Result<()> {
        self.pure()
            .run(self.pure().delete_topics(names, timeout_ms))
            .await
    }

    /// Every consumer group in the cluster. Blocking.
    pub fn list_groups(&self) -> Result<Vec<GroupListing>> {
        self.pure().block_on(self.pure().list_groups())
    }

    /// [`KafkaClient::list_groups`] from async code.
    pub async fn list_groups_async(&self) -> Result<Vec<GroupListing>> {
        self.pure().run(self.pure().list_groups()).await
    }

    /// Describe groups at their coordinators. Blocking.
    pub fn describe_groups(&self, groups: &[&str]) -> Result<BTreeMap<String, GroupDescription>> {
        self.pure().block_on(self.pure().describe_groups(groups))
    }

    /// [`KafkaClient::describe_groups`] from async code.
    pub async fn describe_groups_async(
        &self,
        groups: &[&str],
    ) -> Result<BTreeMap<String, GroupDescription>> {
        self.pure().run(self.pure().describe_groups(groups)).await
    }
}

/// PyKafka's `TopicDict`: a lazy view of the cluster's topics.
#[derive(Debug, Clone)]
pub struct Topics {
    client: KafkaClient,
}

impl Topics {
    fn visible(&self, internal: bool) -> bool {
        !(internal && self.client.inner.options.exclude_internal_topics)
    }

    /// Topic names from the last refresh (internal ones hidden per `exclude_internal_topics`).
    pub fn names(&self) -> Vec<String> {
        self.client
            .pure()
            .topics()
            .into_values()
            .filter(|t| self.visible(t.internal))
            .map(|t| t.name)
            .collect()
    }

    /// Every topic name, internal ones included.
    pub fn names_including_internal(&self) -> Vec<String> {
        self.client.pure().topics().into_keys().collect()
    }

    /// Whether the topic is known and visible. A non-ASCII name is simply not there (PyKafka's `in`).
    pub fn contains(&self, name: &str) -> bool {
        name.is_ascii()
            && self
                .client
                .pure()
                .cached_topic(name)
                .is_some_and(|t| self.visible(t.internal))
    }

    /// A topic, auto-created if unknown (PyKafka's `topics[name]`). Non-ASCII → `InvalidInput`.
    pub fn get(&self, name: &str) -> Result<Topic> {
        self.client.topic(name)
    }

    /// Every visible topic (PyKafka's `values()`).
    pub fn values(&self) -> Vec<Topic> {
        self.names()
            .into_iter()
            .map(|n| Topic::new(Arc::clone(&self.client.inner), &n))
            .collect()
    }

    /// How many visible topics there are.
    pub fn len(&self) -> usize {
        self.names().len()
    }

    /// Whether no topic is visible.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}
