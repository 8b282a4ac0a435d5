//! [`NativeProducer`]: PyKafka's `Producer` semantics over librdkafka.
//!
//! A partitioner the caller chose picks the partition and librdkafka gets it explicitly (as PyKafka's
//! `RdKafkaProducer` does), so keys land on the same partitions with either engine. Under the default
//! (no partitioner given) keyless messages go to librdkafka's own sticky partitioner (`RD_KAFKA_PARTITION_UA`,
//! KIP-480), which fills one partition's batch at a time: an explicit round-robin partition per message makes
//! batches ~40× smaller. Keyed messages under the default get `Murmur2Partitioner`'s id, the pure engine's and
//! the Java client's placement (librdkafka's `murmur2_random`), so both engines put a key in the same place. A poll thread serves
//! delivery callbacks and refreshes partition metadata (every minute, and at once after an unknown-partition
//! failure). Memory is bounded by librdkafka's `queue.buffering.max.messages` and the per-thread report bound.

mod delivery;
mod flush;

use std::future::Future;
use std::sync::atomic::AtomicU64;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc, Mutex, RwLock};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use ferrokafka_core::api::ProducerApi;
use ferrokafka_core::options::validate_topic_name;
use ferrokafka_core::partitioner::Murmur2Partitioner;
use ferrokafka_core::{
    ClientOptions, Delivery, DeliveryFuture, DeliveryReport, DeliveryReports, Error, ErrorContext,
    KafkaCode, OutgoingMessage, Partitioner, ProducerOptions, ResolvedProducer, Result,
};
use rdkafka::config::FromClientConfigAndContext;
use rdkafka::error::{KafkaError, RDKafkaErrorCode};
use rdkafka::message::{Header as RdHeader, OwnedHeaders};
use rdkafka::producer::{BaseProducer, BaseRecord, Producer as _, PurgeConfig};
use rdkafka::util::Timeout;

use crate::config::producer_config;
use crate::context::{explain_unreachable, LastError};
use crate::error::{translate, ErrorSite};
use crate::metadata::partition_ids;
use delivery::{Opaque, Pending, ProducerCtx, Space};

/// How often the poll thread re-reads the topic's partitions when nothing failed.
const METADATA_REFRESH: Duration = Duration::from_secs(60);
/// How long one poll waits for events.
const POLL_INTERVAL: Duration = Duration::from_millis(100);
/// How long a producer blocked on a full queue waits before retrying when no delivery woke it.
const SPACE_WAIT: Duration = Duration::from_millis(10);

/// A producer for one topic on the librdkafka engine. Cheap to share: all methods take `&self`.
pub struct NativeProducer {
    inner: Arc<Inner>,
}

struct Inner {
    topic: String,
    hosts: String,
    opts: ResolvedProducer,
    /// `None`: the default placement (keyless → librdkafka's sticky partitioner, keyed → `fallback`).
    partitioner: Option<Arc<dyn Partitioner>>,
    /// Java's murmur2 placement, for keyed messages under the default placement.
    fallback: Murmur2Partitioner,
    producer: Arc<BaseProducer<ProducerCtx>>,
    /// Shared, swapped whole by a refresh: a reader clones the `Arc`, never the list.
    partitions: Arc<RwLock<Arc<Vec<i32>>>>,
    running: AtomicBool,
    poller: Mutex<Option<Poller>>,
    metadata_timeout: Duration,
    /// Present when reports are enabled (`delivery_reports` or `sync`).
    reports: Option<Arc<DeliveryReports>>,
}

struct Poller {
    stop: Arc<AtomicBool>,
    handle: JoinHandle<()>,
}

/// A message ready to enqueue.
struct Prepared {
    message: OutgoingMessage,
    /// `None`: librdkafka's sticky partitioner places it.
    partition: Option<i32>,
    /// `Opaque(None)` for a detached message; `None` when the message was already reported (oversize).
    opaque: Option<Opaque>,
    future: Option<DeliveryFuture>,
    sync_rx: Option<mpsc::Receiver<Result<Delivery>>>,
}

/// Outcome of one enqueue attempt.
enum Enqueue {
    Done,
    QueueFull(Opaque),
    UnknownPartition(Opaque),
    /// A detached message librdkafka refused: the caller's error.
    Failed(Error),
}

/// Who reads a message's outcome.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Want {
    /// The caller holds a `DeliveryFuture`.
    Future,
    /// Nobody but the report queue (if on) and the sync waiter (if sync).
    Detached,
}

/// `prepare(_, Want::Future)` always makes a future; this names the impossible case instead of panicking.
fn missing_future() -> Error {
    Error::invalid_state(
        "a produce that asked for a delivery future got none (internal)",
        ErrorContext::default(),
    )
}

/// Completes a message that never reached librdkafka (its opaque came back).
fn complete(opaque: Opaque, result: Result<Delivery>, reports: Option<&DeliveryReports>) {
    if let Some(p) = opaque.0 {
        p.complete(result, reports);
    }
}

impl NativeProducer {
    /// A producer for `topic`. `extra` are raw librdkafka properties applied after the mapped options.
    /// `partitioner`: `None` for the default placement (keyless messages to librdkafka's sticky partitioner,
    /// keyed ones by murmur2 as the Java client does); `Some` places every message with it.
    ///
    /// Fails with `ErrorKind::Config` for options librdkafka cannot honour, and with the metadata error when the
    /// topic's partitions cannot be read within `socket_timeout_ms`.
    pub fn new(
        client: &ClientOptions,
        topic: &str,
        opts: ProducerOptions,
        partitioner: Option<Arc<dyn Partitioner>>,
        extra: &[(String, String)],
    ) -> Result<Self> {
        validate_topic_name(topic)?;
        let client = client.resolve()?;
        let opts = opts.resolve()?;
        let config = producer_config(&client, &opts, extra)?;
        let reports = opts
            .reports_enabled()
            .then(|| Arc::new(DeliveryReports::new(opts.max_queued_messages)));
        let ctx = ProducerCtx {
            topic: topic.to_string(),
            hosts: client.hosts.clone(),
            max_retries: opts.max_retries,
            max_size: opts.max_request_size,
            pending_timeout: opts.pending_timeout,
            // What librdkafka is given (ours, or an `extra` override), named in its timeout errors.
            message_timeout: Duration::from_millis(
                config
                    .get("message.timeout.ms")
                    .and_then(|v| v.trim().parse::<u64>().ok())
                    .unwrap_or_else(|| crate::config::message_timeout_ms(&opts).unsigned_abs()),
            ),
            // Sync produce reads its own report, as PyKafka's does; only async reports are filed.
            reports: reports.as_ref().filter(|_| !opts.sync).cloned(),
            stale_metadata: Arc::new(AtomicBool::new(false)),
            space: Space::default(),
            detached_failures: AtomicU64::new(0),
            last_error: LastError::default(),
            unreported: std::sync::atomic::AtomicI64::new(0),
        };
        let site = ErrorSite {
            mechanism: client
                .sasl_config
                .as_ref()
                .map(|s| s.mechanism.name().to_string()),
            ..ErrorSite::topic(topic, None, &client.hosts)
        };
        let producer = BaseProducer::from_config_and_context(&config.to_client_config(), ctx)
            .map_err(|e| translate(&e, &site))?;
        let producer = Arc::new(producer);
        let metadata_timeout = client.socket_timeout;
        let ids = partition_ids(producer.client(), topic, metadata_timeout, &client.hosts)
            .map_err(|e| {
                // Serve pending error events first: a TLS/SASL failure is reported there.
                producer.poll(Duration::from_millis(100));
                explain_unreachable(e, &producer.context().last_error, &site)
            })?;
        let inner = Arc::new(Inner {
            topic: topic.to_string(),
            hosts: client.hosts.clone(),
            running: AtomicBool::new(false),
            opts,
            partitioner,
            fallback: Murmur2Partitioner::new(),
            producer,
            partitions: Arc::new(RwLock::new(Arc::new(ids))),
            poller: Mutex::new(None),
            metadata_timeout,
            reports,
        });
        let p = NativeProducer { inner };
        if p.inner.opts.auto_start {
            p.inner.start();
        }
        Ok(p)
    }

    /// The topic's partition ids as last read from metadata (sorted).
    pub fn partition_ids(&self) -> Vec<i32> {
        self.inner.partition_list().to_vec()
    }

    /// Messages librdkafka holds (queued or in flight).
    pub fn in_flight(&self) -> usize {
        self.inner.producer.in_flight_count().max(0) as usize
    }

    /// Reports dropped because a thread did not read its reports (see `DeliveryReports`).
    pub fn dropped_reports(&self) -> u64 {
        self.inner.reports.as_ref().map_or(0, |r| r.dropped())
    }
}

impl Inner {
    fn ctx(&self) -> &ProducerCtx {
        self.producer.context()
    }

    fn partition_list(&self) -> Arc<Vec<i32>> {
        Arc::clone(&self.partitions.read().unwrap_or_else(|e| e.into_inner()))
    }

    fn start(&self) {
        self.running.store(true, Ordering::SeqCst);
        let mut poller = self.poller.lock().unwrap_or_else(|e| e.into_inner());
        if poller.is_some() {
            return;
        }
        let stop = Arc::new(AtomicBool::new(false));
        let producer = Arc::clone(&self.producer);
        let partitions = Arc::clone(&self.partitions);
        let topic = self.topic.clone();
        let hosts = self.hosts.clone();
        let flag = Arc::clone(&stop);
        let spawned = std::thread::Builder::new()
            .name(format!("ferrokafka-native-producer-{topic}"))
            .spawn(move || {
                let mut last_refresh = Instant::now();
                while !flag.load(Ordering::Relaxed) {
                    producer.poll(POLL_INTERVAL);
                    let stale = producer
                        .context()
                        .stale_metadata
                        .swap(false, Ordering::Relaxed);
                    if stale || last_refresh.elapsed() >= METADATA_REFRESH {
                        last_refresh = Instant::now();
                        match partition_ids(
                            producer.client(),
                            &topic,
                            Duration::from_secs(5),
                            &hosts,
                        ) {
                            Ok(ids) => {
                                *partitions.write().unwrap_or_else(|e| e.into_inner()) =
                                    Arc::new(ids)
                            }
                            Err(e) => {
                                tracing::warn!(topic, "partition metadata refresh failed: {e}")
                            }
                        }
                    }
                }
            });
        match spawned {
            Ok(handle) => *poller = Some(Poller { stop, handle }),
            // Without a poll thread, flush() and stop() still poll; deliveries are only reported later.
            Err(e) => tracing::error!(topic = self.topic, "could not start the poll thread: {e}"),
        }
    }

    fn refresh_partitions(&self) -> Result<()> {
        let ids = partition_ids(
            self.producer.client(),
            &self.topic,
            self.metadata_timeout,
            &self.hosts,
        )?;
        *self.partitions.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(ids);
        Ok(())
    }

    /// The partition for a message without an explicit one; `None` = librdkafka's sticky partitioner.
    fn place(&self, key: Option<&[u8]>) -> Result<Option<i32>> {
        match (&self.partitioner, key) {
            (None, None) => Ok(None),
            (None, Some(k)) => self
                .fallback
                .partition(&self.partition_list(), Some(k))
                .map(Some),
            (Some(p), key) => p.partition(&self.partition_list(), key).map(Some),
        }
    }

    fn choose_partition(&self, message: &OutgoingMessage) -> Result<Option<i32>> {
        match message.partition {
            Some(p) => Ok(Some(p)),
            None => self.place(message.partition_key.as_deref()),
        }
    }

    /// Checks, partition choice and bookkeeping shared by `produce` and `produce_async`.
    fn prepare(&self, mut message: OutgoingMessage, want: Want) -> Result<Prepared> {
        if !self.running.load(Ordering::SeqCst) {
            return Err(Error::producer_stopped(self.topic.clone()));
        }
        if let Some(h) = message.headers.iter().find(|h| h.key.contains('\0')) {
            // librdkafka keeps header names NUL-terminated: the key would come back truncated.
            return Err(Error::invalid_input(
                "header key",
                format!("{:?} contains a NUL byte", h.key),
            ));
        }
        let partition = self.choose_partition(&message)?;
        message.partition = partition;
        let (sender, future) = match want {
            Want::Future => {
                let (tx, rx) = DeliveryFuture::channel();
                (Some(tx), Some(rx))
            }
            Want::Detached => (None, None),
        };
        let (sync_tx, sync_rx) = if self.opts.sync {
            let (tx, rx) = mpsc::channel();
            (Some(tx), Some(rx))
        } else {
            (None, None)
        };
        let size = message.encoded_size_hint();
        let keep = match &self.ctx().reports {
            Some(r) => {
                // Frees this thread's unread reports when it exits.
                r.track_current_thread();
                true
            }
            None => false,
        };
        let pending = (sender.is_some() || sync_tx.is_some() || keep).then(|| {
            Box::new(Pending {
                sender,
                thread: std::thread::current().id(),
                message: keep.then(|| message.clone()),
                size,
                sync: sync_tx,
            })
        });
        let max = self.opts.max_request_size;
        let opaque = if message.value.is_some() && size > max {
            let err = Error::message_size_too_large(self.topic.clone(), size, max);
            match pending {
                // PyKafka reports an oversize message instead of raising; it is never sent.
                Some(p) => p.complete(Err(err), self.ctx().reports.as_deref()),
                // Nobody would hear of it otherwise.
                None => return Err(err),
            }
            None
        } else {
            Some(Opaque(pending))
        };
        Ok(Prepared {
            message,
            partition,
            opaque,
            future,
            sync_rx,
        })
    }

    /// One attempt to hand the message to librdkafka.
    fn try_enqueue(
        &self,
        message: &OutgoingMessage,
        partition: Option<i32>,
        opaque: Opaque,
    ) -> Enqueue {
        let mut record: BaseRecord<'_, [u8], [u8], Opaque> =
            BaseRecord::with_opaque_to(&self.topic, opaque);
        if let Some(p) = partition {
            record = record.partition(p);
        }
        if let Some(v) = message.value.as_deref() {
            record = record.payload(v);
        }
        if let Some(k) = message.partition_key.as_deref() {
            record = record.key(k);
        }
        if let Some(ts) = message.timestamp {
            record = record.timestamp(ts);
        }
        if !message.headers.is_empty() {
            let mut headers = OwnedHeaders::new_with_capacity(message.headers.len());
            for h in &message.headers {
                headers = headers.insert(RdHeader {
                    key: &h.key,
                    value: h.value.as_deref(),
                });
            }
            record = record.headers(headers);
        }
        // Counted before the send: its report may come before `send` returns.
        self.ctx().unreported.fetch_add(1, Ordering::Relaxed);
        let sent = self.producer.send(record);
        if sent.is_err() {
            self.ctx().unreported.fetch_sub(1, Ordering::Relaxed);
        }
        match sent {
            Ok(()) => Enqueue::Done,
            Err((KafkaError::MessageProduction(RDKafkaErrorCode::QueueFull), r)) => {
                Enqueue::QueueFull(r.delivery_opaque)
            }
            Err((KafkaError::MessageProduction(RDKafkaErrorCode::UnknownPartition), r)) => {
                Enqueue::UnknownPartition(r.delivery_opaque)
            }
            Err((e, r)) => {
                // PyKafka files any other enqueue error as the message's delivery report.
                let opaque = r.delivery_opaque;
                let site = ErrorSite {
                    size: message.encoded_size_hint(),
                    max_size: self.opts.max_request_size,
                    ..ErrorSite::topic(&self.topic, partition, &self.hosts)
                };
                let err = translate(&e, &site);
                match opaque.0 {
                    Some(p) => {
                        p.complete(Err(err), self.ctx().reports.as_deref());
                        Enqueue::Done
                    }
                    // A detached message has no report: the caller gets the error.
                    None => Enqueue::Failed(err),
                }
            }
        }
    }

    fn queue_full(&self) -> Error {
        Error::producer_queue_full(
            self.topic.clone(),
            self.producer.in_flight_count().max(0) as usize,
        )
    }

    fn unknown_partition(&self, partition: i32) -> Error {
        Error::kafka(
            KafkaCode::UnknownTopicOrPartition,
            ErrorContext::partition(&self.topic, partition),
        )
    }

    /// After an unknown-partition enqueue: the new partition to try, or the error to report.
    fn repartition(&self, message: &mut OutgoingMessage, explicit: bool) -> Result<Option<i32>> {
        let p = if explicit {
            message.partition
        } else {
            self.place(message.partition_key.as_deref())?
        };
        match p {
            Some(p) if !self.partition_list().contains(&p) => Err(self.unknown_partition(p)),
            p => {
                message.partition = p;
                Ok(p)
            }
        }
    }

    /// A message that will not be sent: its report says why, or (detached) the caller gets the error.
    fn fail_unsent(&self, opaque: Opaque, err: Error) -> Result<()> {
        match opaque.0 {
            Some(p) => {
                p.complete(Err(err), self.ctx().reports.as_deref());
                Ok(())
            }
            None => Err(err),
        }
    }

    fn pending_timeout(&self) -> Option<Duration> {
        self.opts.pending_timeout
    }

    fn sync_timeout_error(&self, partition: Option<i32>) -> Error {
        // librdkafka still holds the message and may yet write it: not a plain failure.
        Error::delivery_outcome_unknown(
            ErrorContext::partition(&self.topic, partition.unwrap_or(-1)),
            0,
            Error::timeout(
                "the delivery report of a sync produce (pending_timeout_ms)",
                self.opts.pending_timeout.unwrap_or_default(),
            ),
        )
    }

    fn produce_blocking(
        &self,
        message: OutgoingMessage,
        want: Want,
    ) -> Result<Option<DeliveryFuture>> {
        let explicit = message.partition.is_some();
        let Prepared {
            mut message,
            mut partition,
            opaque,
            future,
            sync_rx,
        } = self.prepare(message, want)?;
        let mut pending = opaque;
        let mut refreshed = false;
        while let Some(p) = pending.take() {
            match self.try_enqueue(&message, partition, p) {
                Enqueue::Done => {}
                Enqueue::Failed(e) => return Err(e),
                Enqueue::QueueFull(p) => {
                    if !self.opts.block_on_queue_full {
                        return Err(self.queue_full());
                    }
                    if !self.running.load(Ordering::SeqCst) {
                        return Err(Error::producer_stopped(self.topic.clone()));
                    }
                    // Woken by the next delivery; the timeout covers one that came before we waited.
                    self.ctx().space.wait(SPACE_WAIT);
                    pending = Some(p);
                }
                Enqueue::UnknownPartition(p) => {
                    let outcome = if refreshed {
                        Err(self.unknown_partition(partition.unwrap_or(-1)))
                    } else {
                        refreshed = true;
                        self.refresh_partitions()
                            .and_then(|()| self.repartition(&mut message, explicit))
                    };
                    match outcome {
                        Ok(np) => {
                            partition = np;
                            pending = Some(p);
                        }
                        Err(e) => self.fail_unsent(p, e)?,
                    }
                }
            }
        }
        match sync_rx {
            None => Ok(future),
            Some(rx) => {
                let got = match self.pending_timeout() {
                    Some(t) => rx.recv_timeout(t).ok(),
                    None => rx.recv().ok(),
                };
                match got {
                    Some(Ok(_)) => Ok(future),
                    Some(Err(e)) => Err(e),
                    None => Err(self.sync_timeout_error(partition)),
                }
            }
        }
    }

    fn flush(&self, timeout: Duration) -> Result<()> {
        self.flush_for(Timeout::After(timeout))
    }

    fn flush_for(&self, timeout: Timeout) -> Result<()> {
        let (deadline, after) = match timeout {
            Timeout::After(d) => (Some(Instant::now() + d), d),
            Timeout::Never => (None, Duration::MAX),
        };
        if flush::flush_until(&self.producer, deadline) {
            return Ok(());
        }
        Err(Error::timeout(
            format!(
                "{} queued message(s) of topic {:?} to be delivered",
                self.producer.in_flight_count(),
                self.topic
            ),
            after,
        ))
    }

    fn stop(&self) -> Result<()> {
        let was_running = self.running.swap(false, Ordering::SeqCst);
        let flushed = if was_running || self.producer.in_flight_count() > 0 {
            self.flush_for(
                self.pending_timeout()
                    .map_or(Timeout::Never, Timeout::After),
            )
        } else {
            Ok(())
        };
        if flushed.is_err() {
            // Nothing vanishes: purged messages get a delivery report saying they were not sent.
            self.producer
                .purge(PurgeConfig::default().queue().inflight());
            let _ = self.producer.flush(Duration::from_secs(5));
        }
        let poller = self.poller.lock().unwrap_or_else(|e| e.into_inner()).take();
        if let Some(Poller { stop, handle }) = poller {
            stop.store(true, Ordering::Relaxed);
            let _ = handle.join();
        }
        // Serve any callbacks the poll thread did not get to.
        self.producer.poll(Duration::ZERO);
        flushed
    }
}

impl ProducerApi for NativeProducer {
    fn produce(&self, message: OutgoingMessage) -> Result<DeliveryFuture> {
        self.inner
            .produce_blocking(message, Want::Future)?
            .ok_or_else(missing_future)
    }

    /// No future, and no allocation at all when reports are off and the producer is not sync.
    fn produce_detached(&self, message: OutgoingMessage) -> Result<()> {
        self.inner
            .produce_blocking(message, Want::Detached)
            .map(drop)
    }

    fn produce_async(
        &self,
        message: OutgoingMessage,
    ) -> impl Future<Output = Result<DeliveryFuture>> + Send {
        let inner = Arc::clone(&self.inner);
        async move {
            let explicit = message.partition.is_some();
            let Prepared {
                mut message,
                mut partition,
                opaque,
                future,
                ..
            } = inner.prepare(message, Want::Future)?;
            let future = future.ok_or_else(missing_future)?;
            let mut pending = opaque;
            let mut refreshed = false;
            let mut backoff = Duration::from_millis(1);
            while let Some(p) = pending.take() {
                match inner.try_enqueue(&message, partition, p) {
                    Enqueue::Done => {}
                    Enqueue::Failed(e) => return Err(e),
                    Enqueue::QueueFull(p) => {
                        if !inner.opts.block_on_queue_full {
                            return Err(inner.queue_full());
                        }
                        if !inner.running.load(Ordering::SeqCst) {
                            return Err(Error::producer_stopped(inner.topic.clone()));
                        }
                        // Never block a tokio worker: sleep and retry.
                        tokio::time::sleep(backoff).await;
                        backoff = (backoff * 2).min(Duration::from_millis(50));
                        pending = Some(p);
                    }
                    Enqueue::UnknownPartition(p) => {
                        let reports = inner.ctx().reports.clone();
                        if refreshed {
                            let err = inner.unknown_partition(partition.unwrap_or(-1));
                            complete(p, Err(err), reports.as_deref());
                            continue;
                        }
                        refreshed = true;
                        let i = Arc::clone(&inner);
                        let refreshed_ok =
                            tokio::task::spawn_blocking(move || i.refresh_partitions())
                                .await
                                .unwrap_or_else(|e| {
                                    Err(Error::background_task_failed(
                                        "metadata refresh",
                                        "the task ended without an answer",
                                    )
                                    .with_source(e))
                                });
                        match refreshed_ok.and_then(|()| inner.repartition(&mut message, explicit))
                        {
                            Ok(np) => {
                                partition = np;
                                pending = Some(p);
                            }
                            Err(e) => complete(p, Err(e), reports.as_deref()),
                        }
                    }
                }
            }
            if !inner.opts.sync {
                return Ok(future);
            }
            let result = match inner.pending_timeout() {
                Some(t) => tokio::time::timeout(t, future)
                    .await
                    .unwrap_or_else(|_| Err(inner.sync_timeout_error(partition))),
                None => future.await,
            };
            let delivery = result?;
            let (tx, done) = DeliveryFuture::channel();
            tx.send(Ok(delivery));
            Ok(done)
        }
    }

    fn get_delivery_report(
        &self,
        block: bool,
        timeout: Option<Duration>,
    ) -> Result<Option<DeliveryReport>> {
        match &self.inner.reports {
            None => Err(Error::delivery_reports_disabled()),
            Some(r) => Ok(r.pop(block, timeout)),
        }
    }

    fn flush(&self, timeout: Duration) -> Result<()> {
        self.inner.flush(timeout)
    }

    fn start(&self) -> Result<()> {
        self.inner.start();
        Ok(())
    }

    fn stop(&self) -> Result<()> {
        self.inner.stop()
    }
}

/// librdkafka's flush blocks, so `flush_async` runs the real flush on a thread of its own and awaits it (a
/// dropped future lets that flush finish; it loses nothing).
impl ferrokafka_core::ProducerEngine for NativeProducer {
    fn name(&self) -> &'static str {
        "librdkafka"
    }
    fn flush_async(&self, timeout: Duration) -> impl Future<Output = Result<()>> + Send {
        let inner = Arc::clone(&self.inner);
        ferrokafka_core::bridge::off_thread("ferrokafka-flush", move || inner.flush(timeout))
    }
    fn pending(&self) -> usize {
        usize::try_from(self.inner.ctx().unreported.load(Ordering::Relaxed)).unwrap_or(0)
    }
    fn dropped_reports(&self) -> u64 {
        NativeProducer::dropped_reports(self)
    }
}

impl Drop for NativeProducer {
    fn drop(&mut self) {
        if let Err(e) = self.inner.stop() {
            tracing::warn!(topic = self.inner.topic, "producer stop on drop: {e}");
        }
    }
}

impl std::fmt::Debug for NativeProducer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NativeProducer")
            .field("topic", &self.inner.topic)
            .field("running", &self.inner.running.load(Ordering::Relaxed))
            .finish()
    }
}
