//! [`NativeSimpleConsumer`]: PyKafka's `SimpleConsumer` over librdkafka's manual assignment.
//!
//! ferrokafka owns the offsets, as PyKafka does: librdkafka never commits or stores offsets itself, the
//! starting positions follow PyKafka's rules (offsets.rs), and every position change re-assigns the partitions
//! at "last consumed + 1", which also drops messages prefetched from the old positions.
//!
//! Messages are read from librdkafka in batches into a small local buffer (queue.rs): the buffer is part of the
//! positions' state, so a position change drops it together with librdkafka's prefetch.
//!
//! `consume_async` polls without blocking and waits on a wake-up from librdkafka's "queue non-empty" callback
//! (with a 100 ms fallback tick) instead of parking a `spawn_blocking` thread: a cancelled future then never
//! takes a message off the queue, so no message is lost when a `select!` drops it.

mod bounded;
mod convert;
mod events;
mod offsets;
mod prefetch;
mod queue;

use std::collections::{BTreeMap, VecDeque};
use std::future::Future;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, Weak};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use ferrokafka_core::api::{CommittedOffset, ConsumerApi, ResetTarget};
use ferrokafka_core::bridge::{self, off_thread, Interest};
use ferrokafka_core::options::validate_topic_name;
use ferrokafka_core::{
    ClientOptions, ConsumerOptions, Error, ErrorContext, KafkaCode, Message, ResolvedConsumer,
    Result,
};
use rdkafka::config::FromClientConfigAndContext;
use rdkafka::consumer::{BaseConsumer, Consumer as _};
use rdkafka::error::{KafkaError, RDKafkaErrorCode};
use rdkafka::topic_partition_list::{Offset, TopicPartitionList};
use tokio::sync::Notify;

use crate::config::consumer_config;
use crate::context::{explain_unreachable, ConsumerCtx};
use crate::error::{translate, ErrorSite};
use crate::metadata::partition_ids;
use queue::{ConsumerQueue, FetchFailure, Fetched};

/// Longest single librdkafka poll, so `stop()` and deadlines are noticed promptly.
const POLL_SLICE: Duration = Duration::from_millis(100);

/// A consumer of one topic's partitions on the librdkafka engine.
pub struct NativeSimpleConsumer {
    inner: Arc<Inner>,
}

pub(crate) struct Inner {
    topic: String,
    hosts: String,
    opts: ResolvedConsumer,
    /// Shared with the helper threads of [`bounded`] calls, which may outlive a timed-out wait.
    consumer: Arc<BaseConsumer<ConsumerCtx>>,
    /// Where messages are read from, in batches.
    queue: ConsumerQueue,
    /// Messages taken per batch: `queued_max_messages` (PyKafka's per-partition bound), at most
    /// [`queue::MAX_BATCH`], so the local buffer never holds more than one partition's prefetch.
    batch: usize,
    /// The partitions consumed, sorted.
    partitions: Vec<i32>,
    /// Positions and the local buffer. Held while polling and while re-positioning, so a message from an old
    /// position never overwrites a new one.
    state: Mutex<State>,
    running: AtomicBool,
    /// Whether librdkafka has our assignment (positions then move by seeking).
    assigned: AtomicBool,
    wake: Arc<Notify>,
    committer: Mutex<Option<Committer>>,
    /// Timeout of offset requests (`offsets_channel_socket_timeout_ms`).
    offsets_timeout: Duration,
    /// PyKafka's commit metadata JSON.
    commit_metadata: String,
    /// Serves librdkafka's errors and statistics into the context while the consumer lives.
    _events: Option<events::EventThread>,
}

/// What moves together when positions move.
struct State {
    /// Last consumed offset per partition (PyKafka's `last_offset_consumed`; -1 = none).
    last: BTreeMap<i32, i64>,
    /// Taken from librdkafka, not yet handed out (in order; errors where librdkafka reported them).
    ready: VecDeque<Fetched>,
}

struct Committer {
    stop: Arc<(Mutex<bool>, Condvar)>,
    handle: JoinHandle<()>,
}

/// A group id nobody uses, for consumers without a group: librdkafka needs one to assign partitions.
fn private_group_id() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    format!(
        "ferrokafka-native-{}-{nanos}-{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

impl NativeSimpleConsumer {
    /// A consumer of `topic` (all partitions, or `opts.partitions`). `extra` are raw librdkafka properties
    /// applied after the mapped options. Starts (offsets per PyKafka's rules, then fetching) when `auto_start`.
    pub fn new(
        client: &ClientOptions,
        topic: &str,
        opts: ConsumerOptions,
        extra: &[(String, String)],
    ) -> Result<Self> {
        validate_topic_name(topic)?;
        let client = client.resolve()?;
        let opts = opts.resolve()?;
        let group_id = opts.consumer_group.clone().unwrap_or_else(private_group_id);
        let site = ErrorSite {
            mechanism: client
                .sasl_config
                .as_ref()
                .map(|s| s.mechanism.name().to_string()),
            ..ErrorSite::topic(topic, None, &client.hosts)
        };
        let wake = Arc::new(Notify::new());
        // The prefetch bound depends on how many partitions are consumed (see `queued_min_messages`).
        let open = |partitions: usize| -> Result<BaseConsumer<ConsumerCtx>> {
            let config = consumer_config(&client, &opts, &group_id, partitions, extra)?;
            let mut consumer = BaseConsumer::from_config_and_context(
                &config.to_client_config(),
                ConsumerCtx::new(site.clone()),
            )
            .map_err(|e| translate(&e, &site))?;
            let w = Arc::clone(&wake);
            consumer.set_nonempty_callback(move || w.notify_one());
            Ok(consumer)
        };
        let wanted = opts.partitions.as_ref().map(|ids| {
            let mut ids = ids.clone();
            ids.sort_unstable();
            ids.dedup();
            ids
        });
        let expected = wanted.as_ref().map_or(1, Vec::len);
        let mut consumer = open(expected)?;
        let metadata_timeout = client.socket_timeout;
        let all = partition_ids(consumer.client(), topic, metadata_timeout, &client.hosts)
            .map_err(|e| {
                // Nothing is assigned yet, so the queue holds only error events (a TLS/SASL failure).
                let until = Instant::now() + Duration::from_millis(100);
                while Instant::now() < until {
                    if let Some(Err(ev)) = consumer.poll(Duration::from_millis(10)) {
                        let reason = ev.to_string();
                        consumer.context().last_error.record(ev, &reason);
                    }
                }
                explain_unreachable(e, &consumer.context().last_error, &site)
            })?;
        let partitions = match wanted {
            None => all,
            Some(ids) => {
                if let Some(bad) = ids.iter().find(|p| !all.contains(p)) {
                    return Err(Error::kafka(
                        KafkaCode::UnknownTopicOrPartition,
                        ErrorContext::partition(topic, *bad),
                    ));
                }
                ids
            }
        };
        if partitions.len() != expected {
            // All of a topic's partitions, counted only now: a client with the bound for that many (nothing
            // is assigned yet, so the first one goes without having fetched anything).
            consumer = open(partitions.len())?;
        }
        let consumer = Arc::new(consumer);
        let events = events::serve(&consumer);
        let queue = ConsumerQueue::of(&consumer).ok_or_else(|| {
            Error::invalid_state(
                "librdkafka gave no consumer queue although a group.id is set",
                ErrorContext::topic(topic),
            )
        })?;
        let batch = opts.queued_max_messages.clamp(1, queue::MAX_BATCH);
        let inner = Arc::new(Inner {
            topic: topic.to_string(),
            hosts: client.hosts.clone(),
            state: Mutex::new(State {
                last: partitions.iter().map(|p| (*p, -1)).collect(),
                ready: VecDeque::new(),
            }),
            partitions,
            running: AtomicBool::new(false),
            assigned: AtomicBool::new(false),
            wake,
            committer: Mutex::new(None),
            offsets_timeout: client.offsets_channel_socket_timeout,
            commit_metadata: ferrokafka_core::commit_metadata::commit_metadata(&opts.consumer_id),
            opts,
            queue,
            batch,
            consumer,
            _events: events,
        });
        let c = NativeSimpleConsumer { inner };
        if c.inner.opts.auto_start {
            c.inner.start()?;
        }
        Ok(c)
    }
}

impl Inner {
    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn site(&self, partition: Option<i32>) -> ErrorSite {
        let mut site = ErrorSite::topic(&self.topic, partition, &self.hosts);
        site.context.group = self.opts.consumer_group.clone();
        site
    }

    fn stopped(&self) -> Error {
        Error::consumer_stopped(self.topic.clone())
    }

    /// Put every partition at last consumed + 1, dropping the local buffer. Called with the state lock held.
    ///
    /// The first call assigns; later ones seek (which also drops messages prefetched from the old
    /// positions). Re-assigning instead races in librdkafka 2.12 (duplicate FETCH_STOP → assertion
    /// `rktp->rktp_started` in `rd_kafka_assignment_partition_stopped`, librdkafka#5573).
    fn position_locked(&self, state: &mut State) -> Result<()> {
        state.ready.clear();
        let mut tpl = TopicPartitionList::with_capacity(state.last.len());
        for (p, l) in &state.last {
            tpl.add_partition_offset(&self.topic, *p, Offset::Offset(l + 1))
                .map_err(|e| translate(&e, &self.site(Some(*p))))?;
        }
        if !self.assigned.load(Ordering::SeqCst) {
            self.consumer
                .assign(&tpl)
                .map_err(|e| translate(&e, &self.site(None)))?;
            self.assigned.store(true, Ordering::SeqCst);
            return Ok(());
        }
        let paused = self.all_partitions();
        let done = self
            .consumer
            .seek_partitions(tpl, self.offsets_timeout)
            .map_err(|e| translate(&e, &self.site(None)))?;
        for elem in done.elements() {
            if let Err(e) = elem.error() {
                return Err(translate(&e, &self.site(Some(elem.partition()))));
            }
        }
        // Paused by an earlier stop(); resuming a running partition is a no-op.
        self.consumer
            .resume(&paused)
            .map_err(|e| translate(&e, &self.site(None)))
    }

    fn all_partitions(&self) -> TopicPartitionList {
        let mut tpl = TopicPartitionList::with_capacity(self.partitions.len());
        for p in &self.partitions {
            tpl.add_partition(&self.topic, *p);
        }
        tpl
    }

    fn start(self: &Arc<Self>) -> Result<()> {
        if self.running.swap(true, Ordering::SeqCst) {
            return Ok(());
        }
        let started = self.start_offsets();
        if let Err(e) = started {
            self.running.store(false, Ordering::SeqCst);
            return Err(e);
        }
        if self.opts.auto_commit_enable && self.opts.consumer_group.is_some() {
            self.start_committer();
        }
        Ok(())
    }

    /// PyKafka's `start()` offset rules (§2.1 item 1).
    fn start_offsets(&self) -> Result<()> {
        if self.opts.reset_offset_on_start {
            // Reset everything to auto_offset_reset, and commit when grouped.
            self.reset(None)
        } else if self.opts.consumer_group.is_some() {
            // Committed offsets (C → next fetch at C; none → auto_offset_reset), when reset_offset_on_fetch.
            self.fetch(&Interest::awaited())?;
            if !self.opts.reset_offset_on_fetch {
                // Positions untouched (PyKafka: fetching then starts at offset 0).
                let mut state = self.state();
                self.position_locked(&mut state)?;
            }
            Ok(())
        } else {
            // Parity with PyKafka (README lists it): no group and no reset → fetching starts at offset 0
            // whatever auto_offset_reset says; auto_offset_reset only applies after OffsetOutOfRange.
            let mut state = self.state();
            self.position_locked(&mut state)
        }
    }

    fn start_committer(self: &Arc<Self>) {
        let mut slot = self.committer.lock().unwrap_or_else(|e| e.into_inner());
        if slot.is_some() {
            return;
        }
        let stop = Arc::new((Mutex::new(false), Condvar::new()));
        let flag = Arc::clone(&stop);
        let weak: Weak<Inner> = Arc::downgrade(self);
        let interval = self.opts.auto_commit_interval;
        let spawned = std::thread::Builder::new()
            .name(format!("ferrokafka-native-autocommit-{}", self.topic))
            .spawn(move || loop {
                let (lock, cvar) = &*flag;
                let guard = lock.lock().unwrap_or_else(|e| e.into_inner());
                let (guard, _) = cvar
                    .wait_timeout_while(guard, interval, |stopped| !*stopped)
                    .unwrap_or_else(|e| e.into_inner());
                if *guard {
                    return;
                }
                drop(guard);
                let Some(inner) = weak.upgrade() else { return };
                if let Err(e) = inner.commit(None) {
                    tracing::warn!(
                        topic = inner.topic,
                        group = ?inner.opts.options.consumer_group,
                        last_consumed = ?inner.state().last,
                        "auto-commit failed, these positions are not committed: {e}"
                    );
                }
            });
        match spawned {
            Ok(handle) => *slot = Some(Committer { stop, handle }),
            Err(e) => tracing::error!(
                topic = self.topic,
                "could not start the auto-commit thread: {e}"
            ),
        }
    }

    fn stop(&self) -> Result<()> {
        if !self.running.swap(false, Ordering::SeqCst) {
            return Ok(());
        }
        let committer = self
            .committer
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take();
        if let Some(Committer { stop, handle }) = committer {
            let (lock, cvar) = &*stop;
            *lock.lock().unwrap_or_else(|e| e.into_inner()) = true;
            cvar.notify_all();
            // The committer may be inside a commit holding its own strong reference; joining is still fine.
            if handle.thread().id() != std::thread::current().id() {
                let _ = handle.join();
            }
        }
        let committed = if self.opts.auto_commit_enable && self.opts.consumer_group.is_some() {
            self.commit(None)
        } else {
            Ok(())
        };
        let _guard = self.state();
        // Pause rather than unassign: a later start() seeks and resumes, never re-assigns (librdkafka#5573).
        if self.assigned.load(Ordering::SeqCst) {
            if let Err(e) = self.consumer.pause(&self.all_partitions()) {
                tracing::warn!(topic = self.topic, "pause on stop: {e}");
            }
        }
        self.wake.notify_waiters();
        committed
    }

    /// The next message of ours within `slice`, from the local buffer or a new batch; `None` when none came.
    /// Foreign messages and transient errors are skipped.
    fn poll_once(&self, slice: Duration) -> Result<Option<Message>> {
        let mut state = self.state();
        if let Some(m) = self.next_ready(&mut state)? {
            return Ok(Some(m));
        }
        let deadline = Instant::now() + slice;
        loop {
            let wait = deadline.saturating_duration_since(Instant::now());
            self.queue.take(wait, self.batch, &mut state.ready);
            if let Some(m) = self.next_ready(&mut state)? {
                return Ok(Some(m));
            }
            if Instant::now() >= deadline {
                return Ok(None);
            }
        }
    }

    /// The first buffered message of ours (its partition's position moves to it), or the first error worth
    /// raising; `None` once the buffer is empty.
    fn next_ready(&self, state: &mut State) -> Result<Option<Message>> {
        while let Some(item) = state.ready.pop_front() {
            match item {
                // Only this topic's partitions are ever assigned, so no per-message topic-name compare; a
                // partition we do not hold is still skipped.
                Ok(m) => {
                    if let Some(l) = state.last.get_mut(&m.partition_id) {
                        *l = m.offset;
                        return Ok(Some(m));
                    }
                }
                Err(e) => {
                    if let Some(err) = self.consume_error(&e) {
                        return Err(err);
                    }
                }
            }
        }
        Ok(None)
    }

    /// A fetch error worth raising from `consume`: undecodable data (a CRC mismatch) as the pure engine
    /// raises it, `MessageSetDecodeFailure` naming topic, partition and offset; and the codes of
    /// [`Self::code_error`].
    fn consume_error(&self, failure: &FetchFailure) -> Option<Error> {
        match failure {
            FetchFailure::Code(e) => self.code_error(e),
            FetchFailure::Undecodable {
                partition,
                offset,
                reason,
            } => Some(Error::message_set_decode_failure(
                self.site(Some(*partition)).context,
                *offset,
                reason.clone(),
            )),
        }
    }

    /// An error code worth raising (PyKafka raises 3 and 12; fatal and security errors cannot recover).
    /// Others (broker disconnects, leader changes) librdkafka retries by itself: logged, not raised.
    fn code_error(&self, e: &KafkaError) -> Option<Error> {
        let fatal = matches!(e, KafkaError::MessageConsumptionFatal(_));
        let code = e.rdkafka_error_code();
        let raise = fatal
            || matches!(
                code,
                Some(
                    RDKafkaErrorCode::UnknownTopicOrPartition
                        | RDKafkaErrorCode::UnknownTopic
                        | RDKafkaErrorCode::OffsetMetadataTooLarge
                        | RDKafkaErrorCode::TopicAuthorizationFailed
                        | RDKafkaErrorCode::Authentication
                        | RDKafkaErrorCode::SSL
                )
            );
        if raise {
            Some(translate(e, &self.site(None)))
        } else {
            tracing::warn!(topic = self.topic, "fetch error (librdkafka retries): {e}");
            None
        }
    }

    fn consume(&self, block: bool) -> Result<Option<Message>> {
        if !self.running.load(Ordering::SeqCst) {
            return Err(self.stopped());
        }
        // The buffer first: a message already taken costs no clock read.
        let ready = self.poll_once(Duration::ZERO)?;
        if ready.is_some() || !block {
            return Ok(ready);
        }
        let deadline = self.opts.consumer_timeout.map(|t| Instant::now() + t);
        loop {
            let slice = match deadline {
                Some(d) => d.saturating_duration_since(Instant::now()).min(POLL_SLICE),
                None => POLL_SLICE,
            };
            if let Some(m) = self.poll_once(slice)? {
                return Ok(Some(m));
            }
            if !self.running.load(Ordering::SeqCst) {
                return Err(self.stopped());
            }
            if deadline.is_some_and(|d| Instant::now() >= d) {
                return Ok(None);
            }
        }
    }
}

impl ConsumerApi for NativeSimpleConsumer {
    fn consume(&self, block: bool) -> Result<Option<Message>> {
        self.inner.consume(block)
    }

    fn consume_async(&self) -> impl Future<Output = Result<Option<Message>>> + Send {
        let inner = Arc::clone(&self.inner);
        async move {
            let deadline = inner.opts.consumer_timeout.map(|t| Instant::now() + t);
            loop {
                if !inner.running.load(Ordering::SeqCst) {
                    return Err(inner.stopped());
                }
                // Arm the wake-up before polling, so a message arriving in between is not missed.
                let woken = inner.wake.notified();
                if let Some(m) = inner.poll_once(Duration::ZERO)? {
                    return Ok(Some(m));
                }
                let tick = match deadline {
                    Some(d) => {
                        let left = d.saturating_duration_since(Instant::now());
                        if left.is_zero() {
                            return Ok(None);
                        }
                        left.min(POLL_SLICE)
                    }
                    None => POLL_SLICE,
                };
                tokio::select! {
                    _ = woken => {}
                    _ = tokio::time::sleep(tick) => {}
                }
            }
        }
    }

    fn commit_offsets(&self, partition_offsets: Option<&[(i32, i64)]>) -> Result<()> {
        self.inner.commit(partition_offsets)
    }

    fn fetch_offsets(&self) -> Result<BTreeMap<i32, CommittedOffset>> {
        self.inner.fetch(&Interest::awaited())
    }

    fn reset_offsets(&self, targets: Option<&[(i32, ResetTarget)]>) -> Result<()> {
        self.inner.reset(targets)
    }

    fn held_offsets(&self) -> BTreeMap<i32, i64> {
        self.inner
            .state()
            .last
            .iter()
            .map(|(p, l)| (*p, if *l == -1 { -2 } else { *l }))
            .collect()
    }

    fn partitions(&self) -> Vec<i32> {
        self.inner.partitions.clone()
    }

    fn start(&self) -> Result<()> {
        self.inner.start()
    }

    fn stop(&self) -> Result<()> {
        self.inner.stop()
    }
}

/// librdkafka's offset calls block: the async forms run them on a thread of their own (a dropped future
/// lets the call finish). `consume_async` is the cancel-safe poll above.
impl ferrokafka_core::ConsumerEngine for NativeSimpleConsumer {
    fn name(&self) -> &'static str {
        "librdkafka"
    }
    fn health(&self) -> ferrokafka_core::Health {
        self.inner.consumer.context().health.get()
    }
    fn shutdown_in_background(&self) {
        let inner = Arc::clone(&self.inner);
        let _ = std::thread::Builder::new()
            .name("ferrokafka-consumer-stop".into())
            .spawn(move || {
                if let Err(e) = inner.stop() {
                    tracing::warn!(topic = inner.topic, "consumer stop: {e}");
                }
            });
    }
    fn commit_offsets_async(
        &self,
        partition_offsets: Option<Vec<(i32, i64)>>,
    ) -> impl Future<Output = Result<()>> + Send {
        let inner = Arc::clone(&self.inner);
        off_thread("ferrokafka-commit", move || {
            inner.commit(partition_offsets.as_deref())
        })
    }
    fn fetch_offsets_async(
        &self,
    ) -> impl Future<Output = Result<BTreeMap<i32, CommittedOffset>>> + Send {
        // A dropped future leaves the thread to finish, and moves no position.
        let inner = Arc::clone(&self.inner);
        let (interest, awaiting) = bridge::interest();
        let answer = off_thread("ferrokafka-fetch-offsets", move || inner.fetch(&interest));
        bridge::awaiting(awaiting, answer)
    }
    fn reset_offsets_async(
        &self,
        targets: Option<Vec<(i32, ResetTarget)>>,
    ) -> impl Future<Output = Result<()>> + Send {
        let inner = Arc::clone(&self.inner);
        off_thread("ferrokafka-reset", move || inner.reset(targets.as_deref()))
    }
    fn start_async(&self) -> impl Future<Output = Result<()>> + Send {
        let inner = Arc::clone(&self.inner);
        off_thread("ferrokafka-start", move || inner.start())
    }
    fn stop_async(&self) -> impl Future<Output = Result<()>> + Send {
        let inner = Arc::clone(&self.inner);
        off_thread("ferrokafka-stop", move || inner.stop())
    }
}

impl Drop for NativeSimpleConsumer {
    fn drop(&mut self) {
        if let Err(e) = self.inner.stop() {
            tracing::warn!(topic = self.inner.topic, "consumer stop on drop: {e}");
        }
    }
}

impl std::fmt::Debug for NativeSimpleConsumer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NativeSimpleConsumer")
            .field("topic", &self.inner.topic)
            .field("group", &self.inner.opts.consumer_group)
            .field("partitions", &self.inner.partitions)
            .finish()
    }
}
