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

use crate::broker::Broker;
use crate::client_inner::ClientInner;
use crate::topic::Topic;
use crate::twins::twins;

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

    /// Connect with explicit options. Blocking; usable inside a runtime too. The async twin is
    /// [`connect`](Self::connect).
    pub fn with_options(options: ClientOptions) -> Result<KafkaClient> {
        ferrokafka_core::bridge::wait(None, Self::connect(options))
    }

    /// Connect with explicit options, from async code. With [`ClientOptions::runtime`] set, no runtime is
    /// started: the client's I/O runs on the caller's.
    ///
    /// **Cancel-safety:** dropping it abandons the connection attempt; what it opened is closed when the
    /// attempt ends.
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

    /// The runtime the blocking forms enter while they wait.
    fn handle(&self) -> &tokio::runtime::Handle {
        self.inner.pure.runtime_handle()
    }

    /// Whether this client started a runtime of its own (false with [`ClientOptions::runtime`]). Only with
    /// the hidden `testing` feature.
    #[cfg(feature = "testing")]
    #[doc(hidden)]
    pub fn owns_runtime(&self) -> bool {
        self.inner.pure.owns_runtime()
    }

    /// The topics (PyKafka's `TopicDict`): names now, `Topic`s on access; internal topics hidden unless
    /// `exclude_internal_topics` is false.
    pub fn topics(&self) -> Topics {
        Topics {
            client: self.clone(),
        }
    }

    twins! {
        /// A topic by name, auto-creating it as PyKafka does (if the brokers allow auto-creation).
        pub fn topic / topic_async(&self, name: &str) -> Result<Topic>;
        context: Some(self.handle());
        cancel: "dropping it abandons the wait; the metadata request finishes in the background.";
        {
            self.check_topic_name(name)?;
            self.pure().run(self.pure().topic(name)).await?;
            Ok(Topic::new(Arc::clone(&self.inner), name))
        }
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

    twins! {
        /// Refresh brokers and topics (PyKafka's `update_cluster()`).
        pub fn update_cluster / update_cluster_async(&self) -> Result<()>;
        context: Some(self.handle());
        cancel: "dropping it abandons the wait; the refresh finishes in the background.";
        { self.pure().run(self.pure().update()).await }
    }

    /// Known brokers by id, from the last refresh, as live handles (PyKafka's `client.brokers`).
    pub fn brokers(&self) -> BTreeMap<i32, Broker> {
        self.pure()
            .brokers()
            .into_keys()
            .map(|id| (id, Broker::new(Arc::clone(&self.inner), id)))
            .collect()
    }

    /// A live handle on broker `id`, whether or not the metadata lists it now (its calls say so if not).
    pub fn broker(&self, id: i32) -> Broker {
        Broker::new(Arc::clone(&self.inner), id)
    }

    /// The controller broker, if the metadata named one.
    pub fn controller(&self) -> Option<BrokerInfo> {
        self.pure().controller()
    }

    twins! {
        /// The coordinator of a consumer group (FindCoordinator, retried).
        pub fn get_group_coordinator / get_group_coordinator_async(&self, group: &str) -> Result<BrokerInfo>;
        context: Some(self.handle());
        cancel: "dropping it abandons the wait; nothing changes on the cluster.";
        { self.pure().run(self.pure().group_coordinator(group)).await }

        /// Every Kafka-managed consumer group, described (ListGroups + DescribeGroups on every broker).
        pub fn get_managed_group_descriptions / get_managed_group_descriptions_async(
            &self,
        ) -> Result<BTreeMap<String, GroupDescription>>;
        context: Some(self.handle());
        cancel: "dropping it abandons the wait; nothing changes on the cluster.";
        { self.pure().run(self.pure().managed_group_descriptions()).await }

        /// Create topics; waits up to `timeout_ms` for the controller.
        pub fn create_topics / create_topics_async(&self, topics: &[NewTopic], timeout_ms: i32) -> Result<()>;
        context: Some(self.handle());
        cancel: "dropping it abandons the wait, not the request: the topics may still be created.";
        { self.pure().run(self.pure().create_topics(topics, timeout_ms)).await }

        /// Delete topics; waits up to `timeout_ms`.
        pub fn delete_topics / delete_topics_async(&self, names: &[&str], timeout_ms: i32) -> Result<()>;
        context: Some(self.handle());
        cancel: "dropping it abandons the wait, not the request: the topics may still be deleted.";
        { self.pure().run(self.pure().delete_topics(names, timeout_ms)).await }

        /// Every consumer group in the cluster.
        pub fn list_groups / list_groups_async(&self) -> Result<Vec<GroupListing>>;
        context: Some(self.handle());
        cancel: "dropping it abandons the wait; nothing changes on the cluster.";
        { self.pure().run(self.pure().list_groups()).await }

        /// Describe groups at their coordinators.
        pub fn describe_groups / describe_groups_async(
            &self,
            groups: &[&str],
        ) -> Result<BTreeMap<String, GroupDescription>>;
        context: Some(self.handle());
        cancel: "dropping it abandons the wait; nothing changes on the cluster.";
        { self.pure().run(self.pure().describe_groups(groups)).await }
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

    twins! {
        /// A topic, auto-created if unknown (PyKafka's `topics[name]`). Non-ASCII → `InvalidInput`.
        pub fn get / get_async(&self, name: &str) -> Result<Topic>;
        context: Some(self.client.handle());
        cancel: "dropping it abandons the wait; the metadata request finishes in the background.";
        { self.client.topic_async(name).await }
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
