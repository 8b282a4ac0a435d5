//! The pure engine's producer handle: PyKafka's `Producer` for one topic.
//!
//! `produce()` picks the partition, takes a queue slot (`max_queued_messages`, blocking or failing per
//! `block_on_queue_full`) and appends to the accumulator; the background tasks in [`super::sender`] do the
//! rest. Every accepted message is completed exactly once (see [`super::pending`]).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use ferrokafka_core::{
    Delivery, DeliveryFuture, DeliveryReport, DeliveryReports, DeliverySender, Error, ErrorContext,
    KafkaCode, OutgoingMessage, Partitioner, ProducerApi, ProducerOptions, ResolvedProducer,
    Result,
};
use tokio::runtime::Handle;
use tokio::task::JoinHandle;

use super::batch::RecordEncoder;
use super::clock::wall_ms_at;
use super::pending::{Completion, Pending, SyncSlot};
use super::sender::{dispatch, Shared};
use super::transport::ProduceTransport;

/// Everything a pure producer needs, gathered by the facade's builder.
#[derive(Debug)]
pub struct ProducerParts {
    pub topic: String,
    pub options: ProducerOptions,
    pub transport: Arc<dyn ProduceTransport>,
    pub encoder: Arc<dyn RecordEncoder>,
    pub partitioner: Arc<dyn Partitioner>,
    /// Where the background tasks run (the client's background runtime).
    pub runtime: Handle,
}

/// The pure-Rust producer. Dropping it stops it (flushing up to `pending_timeout_ms`).
#[derive(Debug)]
pub struct PureProducer {
    shared: Arc<Shared>,
    partitioner: Arc<dyn Partitioner>,
    runtime: Handle,
    running: AtomicBool,
    dispatcher: Mutex<Option<JoinHandle<()>>>,
}

thread_local! {
    /// This thread's id, read once (`thread::current()` clones an `Arc` on every call).
    static THREAD_ID: std::thread::ThreadId = std::thread::current().id();
}

/// A message ready to queue: its partition chosen, its timestamp set, and the one clock reading it took.
struct Prepared {
    message: OutgoingMessage,
    partition: i32,
    now: Instant,
}

impl PureProducer {
    /// Validate the options and build; starts at once when `auto_start`.
    pub fn new(parts: ProducerParts) -> Result<Self> {
        let opts = parts.options.resolve()?;
        // Reports are kept only when asked for: a `sync` producer waits on its own slot instead, so its
        // reports would only pile up unread (PyKafka ignores `delivery_reports` when `sync`).
        let reports = (opts.delivery_reports && !opts.sync)
            .then(|| DeliveryReports::new(report_capacity(&opts)));
        let max_queued = opts.max_queued_messages;
        let completion = Completion::new(reports, max_queued);
        let auto_start = opts.auto_start;
        let shared = Arc::new(Shared::new(
            parts.topic,
            opts,
            parts.transport,
            parts.encoder,
            Arc::clone(&parts.partitioner),
            completion,
        ));
        let producer = PureProducer {
            shared,
            partitioner: parts.partitioner,
            runtime: parts.runtime,
            running: AtomicBool::new(false),
            dispatcher: Mutex::new(None),
        };
        if auto_start {
            producer.start()?;
        }
        Ok(producer)
    }

    /// The topic this producer writes to.
    pub fn topic(&self) -> &str {
        &self.shared.topic
    }

    /// Messages produced and not yet reported (queued or in flight).
    pub fn pending(&self) -> usize {
        self.shared.completion.outstanding()
    }

    /// Delivery reports dropped because a thread's report queue was full (never read).
    pub fn dropped_reports(&self) -> u64 {
        self.shared
            .completion
            .reports
            .as_ref()
            .map_or(0, DeliveryReports::dropped)
    }

    fn stopped(&self) -> Error {
        Error::producer_stopped(self.shared.topic.clone())
    }

    /// Choose the partition and fill the timestamp: everything that can fail before a queue slot is taken.
    fn prepare(&self, mut message: OutgoingMessage) -> Result<Prepared> {
        if !self.running.load(Ordering::Acquire) {
            return Err(self.stopped());
        }
        let shared = &self.shared;
        let now = Instant::now();
        let transport = shared.transport.as_ref();
        let chosen = shared
            .layout
            .with_at(now, transport, &shared.topic, |layout| {
                self.choose(&layout.partitions, &message)
            })??;
        let partition = match chosen {
            Some(p) => p,
            None => {
                // Perhaps a partition newer than our copy: look again before refusing it.
                shared.layout.invalidate();
                let layout = shared.layout.get(transport, &shared.topic)?;
                match self.choose(&layout.partitions, &message)? {
                    Some(p) => p,
                    None => {
                        let p = message.partition.unwrap_or(-1);
                        return Err(Error::invalid_input(
                            "partition",
                            format!(
                                "topic {:?} has no partition {p} (partitions: {:?})",
                                shared.topic, layout.partitions
                            ),
                        ));
                    }
                }
            }
        };
        message.partition = Some(partition);
        if message.timestamp.is_none() {
            message.timestamp = Some(wall_ms_at(now));
        }
        Ok(Prepared {
            message,
            partition,
            now,
        })
    }

    /// The partition for `message` among `partitions`: its own if it names one that exists (`None` if it
    /// names one that does not), else the partitioner's choice.
    fn choose(&self, partitions: &[i32], message: &OutgoingMessage) -> Result<Option<i32>> {
        if partitions.is_empty() {
            return Err(Error::kafka(
                KafkaCode::UnknownTopicOrPartition,
                ErrorContext::topic(self.shared.topic.clone()),
            ));
        }
        match message.partition {
            Some(p) => Ok(partitions.contains(&p).then_some(p)),
            None => self
                .partitioner
                .partition(partitions, message.partition_key.as_deref())
                .map(Some),
        }
    }

    /// Queue a prepared message whose slot is held; `future` is completed with its outcome (a detached
    /// produce passes none and makes no channel). Returns the sync slot to wait on, if `sync`.
    fn enqueue(
        &self,
        prepared: Prepared,
        future: Option<DeliverySender>,
    ) -> Result<Option<Arc<SyncSlot>>> {
        let shared = &self.shared;
        let Prepared {
            message,
            partition,
            now,
        } = prepared;
        let sync = shared.opts.sync.then(|| Arc::new(SyncSlot::default()));
        let size = message.encoded_size_hint();
        let pending = Pending {
            message,
            partition,
            size,
            attempts: 0,
            thread: THREAD_ID.with(|id| *id),
            future,
            sync: sync.clone(),
            enqueued: now,
            in_doubt: false,
        };
        shared.completion.accept();
        let max = shared.limits.max_request_size;
        if size > max {
            // PyKafka: reported as MessageSizeTooLarge, never sent.
            let e = Error::message_size_too_large(shared.topic.clone(), size, max);
            shared.completion.complete(pending, Err(e));
            return Ok(sync);
        }
        let (wake, batch_full) = {
            let mut acc = shared.lock();
            if acc.closed || !self.running.load(Ordering::Acquire) {
                // Stopped while this call waited for a slot: the caller gets the error, so no report.
                drop(acc);
                shared.completion.reject();
                return Err(self.stopped());
            }
            let bytes = acc.push(pending);
            // Its partition holds a request's worth: one more message like this one would not fit, so the
            // whole queue goes out as one batch (no one-message remainder left behind).
            let batch_full = bytes + size > max;
            // Wake the dispatcher when the queue starts or crosses `min_queued`, not for every message
            // above it: while the brokers' in-flight budgets are full, a pass per message finds nothing to
            // send and only contends for this lock (a settled request wakes it anyway).
            let wake = acc.queued == 1
                || acc.queued == shared.limits.min_queued
                || acc.flushing > 0
                || batch_full && bytes <= max;
            (wake, batch_full)
        };
        if batch_full {
            // A sticky partitioner moves on now rather than when the batch is sent: while the brokers are
            // busy, one partition would otherwise collect the whole backlog, and a partition sends one batch
            // at a time, so the backlog would drain one request per round trip.
            self.partitioner.on_batch_sent(partition);
        }
        if wake {
            shared.wake.notify_one();
        }
        Ok(sync)
    }

    /// Wait for a queue slot (`block_on_queue_full`); `stop()` ends the wait with `ProducerStopped`.
    async fn wait_for_slot(&self) -> Result<()> {
        let stopping = self.shared.stopping.notified();
        tokio::pin!(stopping);
        // Registered before the check, so a stop between the check and the wait is not missed.
        stopping.as_mut().enable();
        if !self.running.load(Ordering::Acquire) {
            return Err(self.stopped());
        }
        tokio::select! {
            permit = self.shared.completion.slots.acquire() => {
                permit.map_err(|_| self.stopped())?.forget();
                Ok(())
            }
            _ = stopping => Err(self.stopped()),
        }
    }

    /// Take a queue slot if one is free: `Ok(false)` when the caller must wait for one
    /// (`block_on_queue_full`), `ProducerQueueFull` when it must not.
    fn try_take_slot(&self) -> Result<bool> {
        match self.shared.completion.slots.try_acquire() {
            Ok(permit) => {
                permit.forget();
                Ok(true)
            }
            Err(_) if !self.shared.opts.block_on_queue_full => Err(self.queue_full()),
            Err(_) => Ok(false),
        }
    }

    fn queue_full(&self) -> Error {
        Error::producer_queue_full(
            self.shared.topic.clone(),
            self.shared.completion.outstanding(),
        )
    }

    /// In `sync` mode: wait for the message's delivery (bounded by `pending_timeout_ms`).
    fn finish_sync(&self, slot: Option<Arc<SyncSlot>>, partition: i32) -> Result<()> {
        let Some(slot) = slot else {
            return Ok(());
        };
        let timeout = self.shared.opts.pending_timeout;
        match slot.wait(timeout) {
            Some(Ok(_)) => Ok(()),
            Some(Err(e)) => Err(e),
            None => self.sync_timed_out(&slot, partition).map(drop),
        }
    }

    /// `produce` from a plain thread, with or without a future: prepare, take a queue slot (blocking this
    /// thread if `block_on_queue_full`), queue, and in `sync` mode wait for the delivery.
    fn produce_blocking(
        &self,
        message: OutgoingMessage,
        future: Option<DeliverySender>,
    ) -> Result<()> {
        let prepared = self.prepare(message)?;
        let partition = prepared.partition;
        if !self.try_take_slot()? {
            // Blocks this thread (not a runtime): tokio's semaphore and Notify work with any executor.
            futures::executor::block_on(self.wait_for_slot())?;
        }
        let slot = self.enqueue(prepared, future)?;
        self.finish_sync(slot, partition)
    }

    /// A sync produce waited `pending_timeout_ms`. A message still queued and never possibly written is taken
    /// back and failed (it will not be written later); one in flight or in doubt gets the unknown-outcome
    /// error, since it may yet be written.
    fn sync_timed_out(&self, slot: &Arc<SyncSlot>, partition: i32) -> Result<Delivery> {
        let shared = &self.shared;
        let mine = |p: &Pending| p.sync.as_ref().is_some_and(|s| Arc::ptr_eq(s, slot));
        let withdrawn = shared.lock().withdraw(partition, mine);
        let context = ErrorContext::partition(shared.topic.clone(), partition);
        let timeout = Error::timeout(
            "a delivery report (pending_timeout_ms)",
            shared.opts.pending_timeout.unwrap_or_default(),
        );
        match withdrawn {
            Some(p) => {
                let e = shared.give_up_error(&p, context, timeout);
                shared.completion.complete(p, Err(e.clone()));
                Err(e)
            }
            // Settled while we looked: its own result.
            None => match slot.wait(Some(Duration::ZERO)) {
                Some(result) => result,
                None => Err(Error::delivery_outcome_unknown(context, 1, timeout)),
            },
        }
    }

    /// Send everything queued now and wait without blocking a tokio worker. Cancel-safe: a dropped future
    /// ends its flush request (the messages are sent anyway, at linger time).
    pub async fn flush_async(&self, timeout: Duration) -> Result<()> {
        let _flushing = FlushRequest::new(&self.shared);
        self.shared.wake.notify_one();
        let idle = tokio::time::timeout(timeout, self.shared.completion.idle()).await;
        idle.map_err(|_| self.flush_timeout(timeout))
    }

    fn flush_timeout(&self, timeout: Duration) -> Error {
        Error::timeout(
            format!(
                "{} message(s) of topic {:?} to be delivered",
                self.pending(),
                self.shared.topic
            ),
            std::time::Duration::from_millis(
                u64::try_from(timeout.as_millis()).unwrap_or(u64::MAX),
            ),
        )
    }
}

/// Asks the sender to ignore the linger while it lives (dropped with the flush, completed or cancelled).
struct FlushRequest<'a>(&'a Shared);

impl<'a> FlushRequest<'a> {
    fn new(shared: &'a Shared) -> Self {
        shared.lock().flushing += 1;
        FlushRequest(shared)
    }
}

impl Drop for FlushRequest<'_> {
    fn drop(&mut self) {
        self.0.lock().flushing -= 1;
    }
}

impl ferrokafka_core::ProducerEngine for PureProducer {
    fn name(&self) -> &'static str {
        "pure"
    }
    fn flush_async(
        &self,
        timeout: Duration,
    ) -> impl std::future::Future<Output = Result<()>> + Send {
        PureProducer::flush_async(self, timeout)
    }
    fn pending(&self) -> usize {
        PureProducer::pending(self)
    }
    fn dropped_reports(&self) -> u64 {
        PureProducer::dropped_reports(self)
    }
}

/// Unread reports kept per producing thread: `max_queued_messages` (at least 1000). Beyond that the oldest
/// are dropped and counted, so a producer whose reports are never read stays bounded.
fn report_capacity(opts: &ResolvedProducer) -> usize {
    opts.max_queued_messages.max(1000)
}

impl ProducerApi for PureProducer {
    fn produce(&self, message: OutgoingMessage) -> Result<DeliveryFuture> {
        let (tx, future) = DeliveryFuture::channel();
        self.produce_blocking(message, Some(tx))?;
        Ok(future)
    }

    /// No channel per message: the outcome goes to the thread's delivery reports (when on) and nowhere else.
    fn produce_detached(&self, message: OutgoingMessage) -> Result<()> {
        self.produce_blocking(message, None)
    }

    async fn produce_async(&self, message: OutgoingMessage) -> Result<DeliveryFuture> {
        let prepared = self.prepare(message)?;
        let partition = prepared.partition;
        if !self.try_take_slot()? {
            self.wait_for_slot().await?;
        }
        let (tx, future) = DeliveryFuture::channel();
        let slot = self.enqueue(prepared, Some(tx))?;
        let Some(slot) = slot else {
            return Ok(future);
        };
        // sync: await the future itself, bounded by pending_timeout_ms.
        let result = match self.shared.opts.pending_timeout {
            Some(t) => match tokio::time::timeout(t, future).await {
                Ok(result) => result,
                Err(_) => self.sync_timed_out(&slot, partition),
            },
            None => future.await,
        };
        let delivery = result?;
        let (tx, future) = DeliveryFuture::channel();
        tx.send(Ok(delivery));
        Ok(future)
    }

    fn get_delivery_report(
        &self,
        block: bool,
        timeout: Option<Duration>,
    ) -> Result<Option<DeliveryReport>> {
        match &self.shared.completion.reports {
            Some(reports) => Ok(reports.pop(block, timeout)),
            None => Err(Error::delivery_reports_disabled()),
        }
    }

    fn flush(&self, timeout: Duration) -> Result<()> {
        self.shared.lock().flushing += 1;
        self.shared.wake.notify_one();
        let idle = self.shared.completion.wait_idle(Some(timeout));
        self.shared.lock().flushing -= 1;
        if idle {
            Ok(())
        } else {
            Err(self.flush_timeout(timeout))
        }
    }

    fn start(&self) -> Result<()> {
        let mut dispatcher = self.dispatcher.lock().unwrap_or_else(|e| e.into_inner());
        if self.running.load(Ordering::Acquire) {
            return Ok(());
        }
        self.shared.lock().closed = false;
        *dispatcher = Some(self.runtime.spawn(dispatch(Arc::clone(&self.shared))));
        self.running.store(true, Ordering::Release);
        Ok(())
    }

    fn stop(&self) -> Result<()> {
        let mut dispatcher = self.dispatcher.lock().unwrap_or_else(|e| e.into_inner());
        if !self.running.swap(false, Ordering::AcqRel) {
            return Ok(());
        }
        let shared = &self.shared;
        shared.stopping.notify_waiters();
        shared.lock().flushing += 1;
        shared.wake.notify_one();
        let timeout = shared.opts.pending_timeout;
        let idle = shared.completion.wait_idle(timeout);
        let leftover = {
            let mut acc = shared.lock();
            acc.flushing -= 1;
            acc.closed = true;
            acc.take_all()
        };
        if let Some(task) = dispatcher.take() {
            task.abort();
        }
        if !leftover.is_empty() {
            tracing::warn!(
                topic = %shared.topic,
                unsent = leftover.len(),
                "producer stopped with messages not sent within pending_timeout_ms: reporting them as failed"
            );
            let cause = Error::timeout(
                "delivery before stop() (pending_timeout_ms)",
                shared.opts.pending_timeout.unwrap_or_default(),
            );
            for p in leftover {
                let context = ErrorContext::partition(shared.topic.clone(), p.partition);
                let e = shared.give_up_error(&p, context, cause.clone());
                shared.completion.complete(p, Err(e));
            }
        }
        if !idle {
            tracing::warn!(
                topic = %shared.topic,
                in_flight = shared.completion.outstanding(),
                "producer stopped with requests still in flight: they are reported when their responses arrive"
            );
        }
        Ok(())
    }
}

impl Drop for PureProducer {
    /// Flush (up to `pending_timeout_ms`) and report anything unsent as failed: nothing vanishes silently.
    fn drop(&mut self) {
        let _ = self.stop();
    }
}
