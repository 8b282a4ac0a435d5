//! The pure engine's one front door: [`PureCluster`] connects (on a background runtime it owns), answers
//! metadata and admin calls in engine-independent types, and makes the engine's objects — a producer, a
//! simple consumer, a group consumer. The `ferrokafka` facade uses nothing else of this crate.

use std::collections::BTreeMap;
use std::future::Future;
use std::sync::Arc;

use ferrokafka_core::options::validate_name;
use ferrokafka_core::{
    BrokerInfo, ClientOptions, ConsumerEngine, ConsumerOptions, Error, GroupDescription,
    GroupListing, NewTopic, PartitionInfo, PartitionOffsets, Partitioner, ProducerOptions, Result,
    TopicInfo,
};

use crate::cluster::{Broker, Cluster, TopicMetadata};
use crate::consumer::ClusterBackend;
use crate::group::balanced::Settings;
use crate::producer::{ClusterTransport, ProducerParts, RecordsEncoder};
use crate::runtime::{run_on, BackgroundRuntime};

pub use crate::consumer::PureSimpleConsumer;
pub use crate::group::balanced::{GroupSpec, InnerFactory, PureGroupConsumer, CONSUME_SLICE_MS};
pub use crate::producer::PureProducer;

/// The pure engine's simple consumer, reading through the cluster's connections.
pub type PureConsumer = PureSimpleConsumer<ClusterBackend>;

/// A connected cluster and the runtime its connections run on. Cheap to clone; clones share both.
#[derive(Debug, Clone)]
pub struct PureCluster {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    cluster: Arc<Cluster>,
    // Last field: dropped after the cluster, so connection tasks end with their runtime.
    runtime: BackgroundRuntime,
}

pub(crate) fn broker_info(b: &Broker) -> BrokerInfo {
    BrokerInfo {
        id: b.id(),
        host: b.host().to_string(),
        port: b.port(),
        rack: b.rack().map(str::to_string),
        connected: b.connected(),
    }
}

pub(crate) fn topic_info(t: TopicMetadata) -> TopicInfo {
    TopicInfo {
        name: t.name,
        internal: t.internal,
        partitions: t
            .partitions
            .into_values()
            .map(|p| {
                let info = PartitionInfo {
                    id: p.id,
                    leader: p.leader,
                    replicas: p.replicas,
                    isr: p.isr,
                };
                (p.id, info)
            })
            .collect(),
    }
}

impl PureCluster {
    /// Connect: bootstrap from `options.hosts` (or ZooKeeper), load brokers and topics. Blocking.
    pub fn connect(options: ClientOptions) -> Result<PureCluster> {
        let runtime = BackgroundRuntime::new(&options)?;
        let cluster = runtime.block_on(Cluster::connect(options))??;
        Ok(Self::assemble(cluster, runtime))
    }

    /// [`connect`](Self::connect) from async code (any runtime).
    pub async fn connect_async(options: ClientOptions) -> Result<PureCluster> {
        let runtime = BackgroundRuntime::new(&options)?;
        match runtime.run(Cluster::connect(options)).await {
            Ok(Ok(cluster)) => Ok(Self::assemble(cluster, runtime)),
            Ok(Err(e)) | Err(e) => Err(e),
        }
    }

    fn assemble(cluster: Arc<Cluster>, runtime: BackgroundRuntime) -> Self {
        PureCluster {
            inner: Arc::new(Inner { cluster, runtime }),
        }
    }

    /// The options it connected with.
    pub fn options(&self) -> &ClientOptions {
        self.inner.cluster.options()
    }

    /// Run `fut` on the background runtime and block until it is done (from any thread, see
    /// `BackgroundRuntime::block_on`).
    pub fn block_on<T: Send + 'static>(
        &self,
        fut: impl Future<Output = Result<T>> + Send + 'static,
    ) -> Result<T> {
        self.inner.runtime.block_on(fut)?
    }

    /// Run `fut` on the background runtime and await it from any runtime.
    pub fn run<T: Send + 'static>(
        &self,
        fut: impl Future<Output = Result<T>> + Send + 'static,
    ) -> impl Future<Output = Result<T>> + Send + 'static {
        run_on(self.inner.runtime.handle(), fut)
    }

    pub(crate) fn cluster(&self) -> Arc<Cluster> {
        Arc::clone(&self.inner.cluster)
    }

    /// The engine's cluster object, for tests and tools that speak the protocol directly.
    #[cfg(feature = "unstable-internals")]
    pub fn raw_cluster(&self) -> &Arc<Cluster> {
        &self.inner.cluster
    }

    /// Whether this cluster started its own runtime (false when it runs on `ClientOptions::runtime`).
    pub fn owns_runtime(&self) -> bool {
        self.inner.runtime.is_owned()
    }

    /// The handle of the runtime this cluster's I/O runs on (its own, or the caller's).
    pub fn runtime_handle(&self) -> &tokio::runtime::Handle {
        self.inner.runtime.handle()
    }

    // --- metadata --------------------------------------------------------------------------------------

    /// A topic's metadata, auto-creating it if the brokers allow (PyKafka's `topics[name]`).
    pub fn topic(&self, name: &str) -> impl Future<Output = Result<TopicInfo>> + Send + 'static {
        let (c, n) = (self.cluster(), name.to_string());
        async move { c.topic(&n).await.map(topic_info) }
    }

    /// Re-read one topic's metadata (no auto-creation).
    pub fn refresh_topic(
        &self,
        name: &str,
    ) -> impl Future<Output = Result<TopicInfo>> + Send + 'static {
        let (c, n) = (self.cluster(), name.to_string());
        async move { c.request_topic(&n, false).await.map(topic_info) }
    }

    /// Refresh brokers and every topic (PyKafka's `update_cluster()`).
    pub fn update(&self) -> impl Future<Output = Result<()>> + Send + 'static {
        let c = self.cluster();
        async move { c.update().await }
    }

    /// One topic from the last refresh, without a request.
    pub fn cached_topic(&self, name: &str) -> Option<TopicInfo> {
        self.inner.cluster.cached_topic(name).map(topic_info)
    }

    /// Every topic from the last refresh (internal ones included), by name.
    pub fn topics(&self) -> BTreeMap<String, TopicInfo> {
        self.inner
            .cluster
            .topic_metadata()
            .into_iter()
            .map(|(n, t)| (n, topic_info(t)))
            .collect()
    }

    /// Known brokers by id.
    pub fn brokers(&self) -> BTreeMap<i32, BrokerInfo> {
        self.inner
            .cluster
            .brokers()
            .into_iter()
            .map(|(id, b)| (id, broker_info(&b)))
            .collect()
    }

    /// A broker by id.
    pub fn broker(&self, id: i32) -> Option<BrokerInfo> {
        self.inner.cluster.broker(id).map(|b| broker_info(&b))
    }

    /// The controller, if the metadata named one.
    pub fn controller(&self) -> Option<BrokerInfo> {
        self.inner.cluster.controller().map(|b| broker_info(&b))
    }

    /// The coordinator of a consumer group (FindCoordinator, retried).
    pub fn group_coordinator(
        &self,
        group: &str,
    ) -> impl Future<Output = Result<BrokerInfo>> + Send + 'static {
        let (c, g) = (self.cluster(), group.to_string());
        async move { c.group_coordinator(&g).await.map(|b| broker_info(&b)) }
    }

    /// Offsets before `offsets_before` (-2 earliest, -1 latest, else a timestamp) per partition, at most
    /// `max_offsets` each, newest first.
    pub fn fetch_offset_limits(
        &self,
        topic: &str,
        partitions: Option<Vec<i32>>,
        offsets_before: i64,
        max_offsets: i32,
    ) -> impl Future<Output = Result<BTreeMap<i32, PartitionOffsets>>> + Send + 'static {
        let (c, t) = (self.cluster(), topic.to_string());
        async move {
            c.fetch_offset_limits(&t, partitions.as_deref(), offsets_before, max_offsets)
                .await
        }
    }

    /// One partition's offset before `offsets_before`.
    pub fn partition_offset(
        &self,
        topic: &str,
        partition: i32,
        offsets_before: i64,
    ) -> impl Future<Output = Result<i64>> + Send + 'static {
        let (c, t) = (self.cluster(), topic.to_string());
        async move { c.partition_offset(&t, partition, offsets_before).await }
    }

    // --- admin -----------------------------------------------------------------------------------------

    /// Create topics; waits up to `timeout_ms` for the controller.
    pub fn create_topics(
        &self,
        topics: &[NewTopic],
        timeout_ms: i32,
    ) -> impl Future<Output = Result<()>> + Send + 'static {
        let (c, t) = (self.cluster(), topics.to_vec());
        async move { c.create_topics(&t, timeout_ms).await }
    }

    /// Delete topics; waits up to `timeout_ms`.
    pub fn delete_topics(
        &self,
        names: &[&str],
        timeout_ms: i32,
    ) -> impl Future<Output = Result<()>> + Send + 'static {
        let c = self.cluster();
        let n: Vec<String> = names.iter().map(|s| s.to_string()).collect();
        async move {
            let refs: Vec<&str> = n.iter().map(String::as_str).collect();
            c.delete_topics(&refs, timeout_ms).await
        }
    }

    /// Every consumer group in the cluster.
    pub fn list_groups(&self) -> impl Future<Output = Result<Vec<GroupListing>>> + Send + 'static {
        let c = self.cluster();
        async move { c.list_groups().await }
    }

    /// Describe groups at their coordinators.
    pub fn describe_groups(
        &self,
        groups: &[&str],
    ) -> impl Future<Output = Result<BTreeMap<String, GroupDescription>>> + Send + 'static {
        let c = self.cluster();
        let g: Vec<String> = groups.iter().map(|s| s.to_string()).collect();
        async move {
            let refs: Vec<&str> = g.iter().map(String::as_str).collect();
            c.describe_groups(&refs).await
        }
    }

    /// Every Kafka-managed consumer group, described.
    pub fn managed_group_descriptions(
        &self,
    ) -> impl Future<Output = Result<BTreeMap<String, GroupDescription>>> + Send + 'static {
        let c = self.cluster();
        async move { c.managed_group_descriptions().await }
    }

    // --- the engine's objects --------------------------------------------------------------------------

    /// A producer for `topic` (started unless `options.auto_start` is false).
    pub fn producer(
        &self,
        topic: &str,
        options: ProducerOptions,
        partitioner: Arc<dyn Partitioner>,
    ) -> Result<PureProducer> {
        PureProducer::new(ProducerParts {
            topic: topic.to_string(),
            options,
            transport: Arc::new(ClusterTransport::new(self.cluster())),
            encoder: Arc::new(RecordsEncoder),
            partitioner,
            runtime: self.inner.runtime.handle().clone(),
        })
    }

    /// A SimpleConsumer of `topic` (started when `options.auto_start`). Blocking.
    pub fn simple_consumer(&self, topic: &str, options: ConsumerOptions) -> Result<PureConsumer> {
        let handle = self.inner.runtime.handle().clone();
        PureSimpleConsumer::new(topic, options, ClusterBackend::new(self.cluster()), handle)
    }

    /// [`simple_consumer`](Self::simple_consumer) from async code; runs on the background runtime.
    pub fn simple_consumer_async(
        &self,
        topic: &str,
        options: ConsumerOptions,
    ) -> impl Future<Output = Result<PureConsumer>> + Send + 'static {
        let handle = self.inner.runtime.handle().clone();
        let (topic, backend) = (topic.to_string(), ClusterBackend::new(self.cluster()));
        self.run(PureSimpleConsumer::new_async(
            topic, options, backend, handle,
        ))
    }

    /// A member of the group `spec.options.consumer_group`, reading its share of `spec.topic` with the
    /// internal consumers `spec.make_inner` builds. Validated here; not started (call `start`).
    pub fn group_consumer<C: ConsumerEngine + Clone + 'static>(
        &self,
        spec: GroupSpec<C>,
    ) -> Result<PureGroupConsumer<C>> {
        let group = spec.options.consumer_group.clone().ok_or_else(|| {
            Error::config(
                "consumer_group",
                "a balanced consumer needs a consumer group",
            )
        })?;
        validate_name("consumer group", &group)?;
        let options = spec.options.resolve()?;
        let group_options = spec.group_options.resolve()?;
        Ok(PureGroupConsumer::new(Settings {
            topic: spec.topic,
            group,
            options,
            group_options,
            callback: spec.callback,
            engine: spec.engine,
            make_inner: spec.make_inner,
            cluster: self.clone(),
        }))
    }
}

#[cfg(not(feature = "unstable-internals"))]
impl PureCluster {
    /// The cluster object (crate-internal without `unstable-internals`).
    pub(crate) fn raw_cluster(&self) -> &Arc<Cluster> {
        &self.inner.cluster
    }
}
