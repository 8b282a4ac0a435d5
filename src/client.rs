//! `KafkaClient`: PyKafka's entry point. Connects to the cluster, hands out topics, runs admin calls.
//!
//! Every method has a blocking form (for plain threads; safe inside a runtime too) and an `_async` form.

use std::collections::BTreeMap;
use std::sync::Arc;

use ferrokafka_core::options::validate_topic_name;
use ferrokafka_pure::cluster::{Broker, Cluster};

use crate::runtime::BackgroundRuntime;
use crate::topic::Topic;
use crate::{ClientOptions, Error, Result};

pub use ferrokafka_pure::cluster::{GroupDescription, GroupListing, GroupMember, NewTopic};

/// What the client shares with its topics, producers and consumers.
#[derive(Debug)]
pub(crate) struct ClientInner {
    pub(crate) cluster: Arc<Cluster>,
    pub(crate) options: ClientOptions,
    // Last field: dropped after the cluster, so connection tasks end with their runtime.
    pub(crate) runtime: BackgroundRuntime,
}

impl ClientInner {
    pub(crate) fn block_on<F>(&self, fut: F) -> Result<F::Output>
    where
        F: std::future::Future + Send + 'static,
        F::Output: Send + 'static,
    {
        self.runtime.block_on(fut)
    }

    pub(crate) async fn run<T: Send + 'static>(
        &self,
        fut: impl std::future::Future<Output = Result<T>> + Send + 'static,
    ) -> Result<T> {
        self.runtime.run(fut).await?
    }
}

/// A broker as the client knows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BrokerInfo {
    pub id: i32,
    pub host: String,
    pub port: u16,
    pub rack: Option<String>,
    /// Whether the main connection is open now.
    pub connected: bool,
}

impl BrokerInfo {
    pub(crate) fn from_broker(b: &Broker) -> Self {
        BrokerInfo {
            id: b.id(),
            host: b.host().to_string(),
            port: b.port(),
            rack: b.rack().map(str::to_string),
            connected: b.connected(),
        }
    }
}

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
        let runtime = BackgroundRuntime::new()?;
        let opts = options.clone();
        let cluster = runtime.block_on(Cluster::connect(opts))??;
        Ok(Self::assemble(cluster, options, runtime))
    }

    /// Connect with explicit options, from async code.
    pub async fn connect(options: ClientOptions) -> Result<KafkaClient> {
        let runtime = BackgroundRuntime::new()?;
        let opts = options.clone();
        let cluster = runtime.run(Cluster::connect(opts)).await?;
        match cluster {
            Ok(c) => Ok(Self::assemble(c, options, runtime)),
            Err(e) => {
                drop(runtime);
                Err(e)
            }
        }
    }

    fn assemble(cluster: Arc<Cluster>, options: ClientOptions, runtime: BackgroundRuntime) -> Self {
        KafkaClient {
            inner: Arc::new(ClientInner {
                cluster,
                options,
                runtime,
            }),
        }
    }

    /// The options this client was made with.
    pub fn options(&self) -> &ClientOptions {
        &self.inner.options
    }

    /// The pure engine's cluster (brokers, leaders, connections), for engines built on it.
    pub fn cluster(&self) -> &Arc<Cluster> {
        &self.inner.cluster
    }

    /// The runtime all of this client's I/O runs on.
    pub fn runtime_handle(&self) -> &tokio::runtime::Handle {
        self.inner.runtime.handle()
    }

    fn run_blocking<T: Send + 'static>(
        &self,
        f: impl FnOnce(
            Arc<Cluster>,
        )
            -> std::pin::Pin<Box<dyn std::future::Future<Output = Result<T>> + Send>>,
    ) -> Result<T> {
        let fut = f(Arc::clone(&self.inner.cluster));
        self.inner.block_on(fut)?
    }

    async fn run_async<T: Send + 'static>(
        &self,
        f: impl FnOnce(
            Arc<Cluster>,
        )
            -> std::pin::Pin<Box<dyn std::future::Future<Output = Result<T>> + Send>>,
    ) -> Result<T> {
        let fut = f(Arc::clone(&self.inner.cluster));
        self.inner.run(fut).await
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
        let n = name.to_string();
        self.run_blocking(move |c| Box::pin(async move { c.topic(&n).await.map(|_| ()) }))?;
        Ok(Topic::new(Arc::clone(&self.inner), name))
    }

    /// [`KafkaClient::topic`] from async code.
    pub async fn topic_async(&self, name: &str) -> Result<Topic> {
        self.check_topic_name(name)?;
        let n = name.to_string();
        self.run_async(move |c| Box::pin(async move { c.topic(&n).await.map(|_| ()) }))
            .await?;
        Ok(Topic::new(Arc::clone(&self.inner), name))
    }

    fn check_topic_name(&self, name: &str) -> Result<()> {
        validate_topic_name(name)?;
        if self.inner.options.exclude_internal_topics {
            if let Some(t) = self.inner.cluster.cached_topic(name) {
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
        self.run_blocking(|c| Box::pin(async move { c.update().await }))
    }

    /// [`KafkaClient::update_cluster`] from async code.
    pub async fn update_cluster_async(&self) -> Result<()> {
        self.run_async(|c| Box::pin(async move { c.update().await }))
            .await
    }

    /// Known brokers by id, from the last refresh.
    pub fn brokers(&self) -> BTreeMap<i32, BrokerInfo> {
        self.inner
            .cluster
            .brokers()
            .into_iter()
            .map(|(id, b)| (id, BrokerInfo::from_broker(&b)))
            .collect()
    }

    /// The controller broker, if the metadata named one.
    pub fn controller(&self) -> Option<BrokerInfo> {
        self.inner
            .cluster
            .controller()
            .map(|b| BrokerInfo::from_broker(&b))
    }

    /// The coordinator of a consumer group (FindCoordinator, retried). Blocking.
    pub fn get_group_coordinator(&self, group: &str) -> Result<BrokerInfo> {
        let g = group.to_string();
        self.run_blocking(move |c| {
            Box::pin(async move {
                c.group_coordinator(&g)
                    .await
                    .map(|b| BrokerInfo::from_broker(&b))
            })
        })
    }

    /// [`KafkaClient::get_group_coordinator`] from async code.
    pub async fn get_group_coordinator_async(&self, group: &str) -> Result<BrokerInfo> {
        let g = group.to_string();
        self.run_async(move |c| {
            Box::pin(async move {
                c.group_coordinator(&g)
                    .await
                    .map(|b| BrokerInfo::from_broker(&b))
            })
        })
        .await
    }

    /// Every Kafka-managed consumer group, described (ListGroups + DescribeGroups on every broker).
    pub fn get_managed_group_descriptions(&self) -> Result<BTreeMap<String, GroupDescription>> {
        self.run_blocking(|c| Box::pin(async move { c.managed_group_descriptions().await }))
    }

    /// [`KafkaClient::get_managed_group_descriptions`] from async code.
    pub async fn get_managed_group_descriptions_async(
        &self,
    ) -> Result<BTreeMap<String, GroupDescription>> {
        self.run_async(|c| Box::pin(async move { c.managed_group_descriptions().await }))
            .await
    }

    /// Create topics; waits up to `timeout_ms` for the controller. Blocking.
    pub fn create_topics(&self, topics: &[NewTopic], timeout_ms: i32) -> Result<()> {
        let t = topics.to_vec();
        self.run_blocking(move |c| Box::pin(async move { c.create_topics(&t, timeout_ms).await }))
    }

    /// [`KafkaClient::create_topics`] from async code.
    pub async fn create_topics_async(&self, topics: &[NewTopic], timeout_ms: i32) -> Result<()> {
        let t = topics.to_vec();
        self.run_async(move |c| Box::pin(async move { c.create_topics(&t, timeout_ms).await }))
            .await
    }

    /// Delete topics; waits up to `timeout_ms`. Blocking.
    pub fn delete_topics(&self, names: &[&str], timeout_ms: i32) -> Result<()> {
        let n: Vec<String> = names.iter().map(|s| s.to_string()).collect();
        self.run_blocking(move |c| {
            Box::pin(async move {
                let refs: Vec<&str> = n.iter().map(String::as_str).collect();
                c.delete_topics(&refs, timeout_ms).await
            })
        })
    }

    /// [`KafkaClient::delete_topics`] from async code.
    pub async fn delete_topics_async(&self, names: &[&str], timeout_ms: i32) -> Result<()> {
        let n: Vec<String> = names.iter().map(|s| s.to_string()).collect();
        self.run_async(move |c| {
            Box::pin(async move {
                let refs: Vec<&str> = n.iter().map(String::as_str).collect();
                c.delete_topics(&refs, timeout_ms).await
            })
        })
        .await
    }

    /// Every consumer group in the cluster. Blocking.
    pub fn list_groups(&self) -> Result<Vec<GroupListing>> {
        self.run_blocking(|c| Box::pin(async move { c.list_groups().await }))
    }

    /// [`KafkaClient::list_groups`] from async code.
    pub async fn list_groups_async(&self) -> Result<Vec<GroupListing>> {
        self.run_async(|c| Box::pin(async move { c.list_groups().await }))
            .await
    }

    /// Describe groups at their coordinators. Blocking.
    pub fn describe_groups(&self, groups: &[&str]) -> Result<BTreeMap<String, GroupDescription>> {
        let g: Vec<String> = groups.iter().map(|s| s.to_string()).collect();
        self.run_blocking(move |c| {
            Box::pin(async move {
                let refs: Vec<&str> = g.iter().map(String::as_str).collect();
                c.describe_groups(&refs).await
            })
        })
    }

    /// [`KafkaClient::describe_groups`] from async code.
    pub async fn describe_groups_async(
        &self,
        groups: &[&str],
    ) -> Result<BTreeMap<String, GroupDescription>> {
        let g: Vec<String> = groups.iter().map(|s| s.to_string()).collect();
        self.run_async(move |c| {
            Box::pin(async move {
                let refs: Vec<&str> = g.iter().map(String::as_str).collect();
                c.describe_groups(&refs).await
            })
        })
        .await
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
            .inner
            .cluster
            .topic_metadata()
            .into_values()
            .filter(|t| self.visible(t.internal))
            .map(|t| t.name)
            .collect()
    }

    /// Every topic name, internal ones included.
    pub fn names_including_internal(&self) -> Vec<String> {
        self.client
            .inner
            .cluster
            .topic_metadata()
            .into_keys()
            .collect()
    }

    /// Whether the topic is known and visible. A non-ASCII name is simply not there (PyKafka's `in`).
    pub fn contains(&self, name: &str) -> bool {
        name.is_ascii()
            && self
                .client
                .inner
                .cluster
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

    pub fn len(&self) -> usize {
        self.names().len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}
