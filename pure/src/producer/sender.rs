//! The background side: one dispatcher task drains the accumulator into per-broker requests, and each request
//! runs as its own task (a broker's in-flight bytes are capped, see [`super::accumulator`]). A finished request settles its batches:
//! delivered, re-queued at the front of their partitions for a retry, split, or failed.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use ferrokafka_core::{
    wire_ms, Delivery, Error, ErrorContext, KafkaCode, OutgoingMessage, Partitioner,
    ResolvedProducer, Result,
};
use tokio::sync::Notify;

use super::accumulator::{Accumulator, DrainedRequest, Expired, Limits, PartitionBatch};
use super::batch::{check_codec, BatchIdentity, RecordEncoder, RecordFormat};
use super::idempotence::Identities;
use super::layout_cache::LayoutCache;
use super::pending::{Completion, Pending};
use super::retry::{backoff, classify, in_doubt, Action};
use super::transport::{PartitionOutcome, ProduceCall, ProduceTransport};

/// Extra time on top of `ack_timeout_ms` before a request with no answer counts as lost.
const REQUEST_GRACE: Duration = Duration::from_secs(30);

/// State shared by the producer handle, the dispatcher and the request tasks.
#[derive(Debug)]
pub(crate) struct Shared {
    pub topic: String,
    pub opts: ResolvedProducer,
    pub limits: Limits,
    pub transport: Arc<dyn ProduceTransport>,
    pub encoder: Arc<dyn RecordEncoder>,
    /// Told when a partition's batch is sent (the sticky partitioner moves on).
    pub partitioner: Arc<dyn Partitioner>,
    /// The idempotent producer's id, when `enable_idempotence`.
    pub identities: Option<Identities>,
    /// The topic's partitions and leaders, re-read at most every few milliseconds.
    pub layout: LayoutCache,
    pub acc: Mutex<Accumulator>,
    pub completion: Completion,
    /// Wakes the dispatcher: new messages, a settled request, a flush, fresh metadata.
    pub wake: Notify,
    /// Wakes every `produce` waiting for a queue slot when the producer stops (in-flight requests may hold
    /// the slots until they time out).
    pub stopping: Notify,
    refreshing: AtomicBool,
}

impl Shared {
    pub fn new(
        topic: String,
        opts: ResolvedProducer,
        transport: Arc<dyn ProduceTransport>,
        encoder: Arc<dyn RecordEncoder>,
        partitioner: Arc<dyn Partitioner>,
        completion: Completion,
    ) -> Self {
        let limits = Limits {
            min_queued: opts.min_queued_messages,
            linger: opts.linger,
            max_request_size: opts.max_request_size,
        };
        let identities = opts.enable_idempotence.then(Identities::default);
        Shared {
            topic,
            opts,
            limits,
            transport,
            encoder,
            partitioner,
            identities,
            layout: LayoutCache::default(),
            acc: Mutex::new(Accumulator::default()),
            completion,
            wake: Notify::new(),
            stopping: Notify::new(),
            refreshing: AtomicBool::new(false),
        }
    }

    pub fn lock(&self) -> MutexGuard<'_, Accumulator> {
        // Accumulator updates do not panic midway; a poisoned lock still holds consistent queues.
        self.acc.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn backoff(&self) -> Duration {
        self.opts.retry_backoff
    }

    /// The backoff before retry number `attempts` of a batch (KIP-580: growing up to `retry_backoff_max_ms`).
    fn retry_backoff(&self, attempts: u32) -> Duration {
        backoff(
            self.opts.retry_backoff,
            self.opts.retry_backoff_max,
            attempts,
        )
    }

    /// KIP-91: report messages whose `delivery_timeout_ms` passed, each with the partition's last error as
    /// the source. One that may be in the log makes an idempotent producer take a new id, as any give-up.
    fn report_expired(&self, expired: Expired) {
        for e in expired.partitions {
            self.forget_sequences_after(&e.messages, e.identity);
            tracing::debug!(
                partition = e.partition,
                n = e.messages.len(),
                "delivery_timeout_ms passed"
            );
            for p in e.messages {
                let error = Error::delivery_timeout(
                    self.context(e.partition, None),
                    self.opts.delivery_timeout,
                    Some(p.attempts),
                    p.in_doubt,
                    e.last_error.clone(),
                );
                self.completion.complete(p, Err(error));
            }
        }
    }

    /// The report for a message given up on: a plain failure only if it cannot have been written.
    pub(crate) fn give_up_error(&self, p: &Pending, context: ErrorContext, cause: Error) -> Error {
        let attempts = p.attempts.max(1);
        if p.in_doubt {
            Error::delivery_outcome_unknown(context, attempts, cause)
        } else {
            Error::produce_failure(context, attempts, cause)
        }
    }

    /// Idempotence: a message given up on in doubt leaves the broker's sequence unknown: take a new id.
    fn forget_sequences_after(&self, given_up: &[Pending], batch: Option<BatchIdentity>) {
        if let (Some(ids), Some(b)) = (&self.identities, batch) {
            if given_up.iter().any(|p| p.in_doubt) {
                ids.replace(b.producer_id);
            }
        }
    }

    fn context(&self, partition: i32, broker: Option<i32>) -> ErrorContext {
        let c = ErrorContext::partition(self.topic.clone(), partition);
        match broker {
            Some(b) => c.with_broker(self.transport.broker_ref(b)),
            None => c,
        }
    }

    /// Refresh metadata in the background, once at a time.
    fn request_refresh(self: &Arc<Self>) {
        if self.refreshing.swap(true, Ordering::AcqRel) {
            return;
        }
        let shared = Arc::clone(self);
        tokio::spawn(async move {
            if let Err(e) = shared.transport.refresh_metadata(&shared.topic).await {
                tracing::warn!(topic = %shared.topic, error = %e.report(), "producer metadata refresh failed");
            }
            shared.layout.invalidate();
            shared.refreshing.store(false, Ordering::Release);
            shared.wake.notify_one();
        });
    }
}

/// The dispatcher loop: drain what is ready, start its requests, sleep until the next linger or backoff
/// deadline or a wake-up. Cancelled (aborted) by `stop()`; it owns no messages across its one await.
pub(crate) async fn dispatch(shared: Arc<Shared>) {
    loop {
        let now = Instant::now();
        // First, so that messages expire even while no producer id can be had.
        let expired = shared.lock().expire(now, shared.opts.delivery_timeout);
        let next_deadline = expired.next_deadline;
        shared.report_expired(expired);
        let identity = match &shared.identities {
            None => None,
            Some(ids) => match ids.current() {
                Some(identity) => Some(identity),
                None => {
                    // Nothing is sent without a producer id; the fetch wakes us when it ends.
                    Identities::fetch(&shared, ids);
                    let _ = tokio::time::timeout(shared.backoff(), shared.wake.notified()).await;
                    continue;
                }
            },
        };
        let layout = shared
            .layout
            .get(shared.transport.as_ref(), &shared.topic)
            .unwrap_or_default();
        let drain = shared.lock().drain(now, &layout, &shared.limits, identity);
        let mut next_wake = match (drain.next_wake, next_deadline) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        if !drain.leaderless.is_empty() {
            handle_leaderless(&shared, &drain.leaderless, now);
            shared.request_refresh();
            let retry = now + shared.backoff();
            next_wake = Some(next_wake.map_or(retry, |t| t.min(retry)));
        }
        for request in drain.requests {
            for batch in &request.batches {
                shared.partitioner.on_batch_sent(batch.partition);
            }
            tokio::spawn(send_request(Arc::clone(&shared), request));
        }
        let woken = shared.wake.notified();
        match next_wake {
            Some(t) => {
                let _ = tokio::time::timeout_at(t.into(), woken).await;
            }
            None => woken.await,
        }
    }
}

/// Partitions with no leader: refresh and back off. Their messages wait up to `delivery_timeout_ms` (the
/// dispatcher expires them); the wait spends no retry budget.
fn handle_leaderless(shared: &Shared, partitions: &[i32], now: Instant) {
    let mut acc = shared.lock();
    for &p in partitions {
        if let Some(q) = acc.partitions.get_mut(&p) {
            q.retry_at = Some(now + shared.backoff());
            q.last_error = Some(Error::kafka(
                KafkaCode::LeaderNotAvailable,
                shared.context(p, None),
            ));
        }
    }
}

/// How one partition's batch ended.
enum Settled {
    Delivered(PartitionBatch, PartitionOutcome),
    /// The error, and whether the batch may have been written anyway.
    Failed(PartitionBatch, Error, bool),
}

/// Send one request and settle its batches.
async fn send_request(shared: Arc<Shared>, request: DrainedRequest) {
    let broker = request.broker;
    let bytes = request.bytes;
    let settled = match send(&shared, request).await {
        Ok(settled) => settled,
        Err((batches, e, doubt)) => batches
            .into_iter()
            .map(|b| Settled::Failed(b, e.clone(), doubt))
            .collect(),
    };
    settle(&shared, broker, bytes, settled);
    shared.wake.notify_one();
}

/// `Err` fails every batch of the request; its flag says whether they may have been written.
type SendResult = std::result::Result<Vec<Settled>, (Vec<PartitionBatch>, Error, bool)>;

async fn send(shared: &Shared, request: DrainedRequest) -> SendResult {
    let broker = request.broker;
    let version = match shared.transport.produce_version(broker).await {
        Ok(v) => v,
        Err(e) => return Err((request.batches, e, false)),
    };
    if let Err(e) = check_codec(
        shared.opts.compression,
        version,
        &shared.transport.broker_ref(broker),
    ) {
        return Err((request.batches, e, false));
    }
    let format = RecordFormat::for_produce_version(version);
    let mut settled = Vec::new();
    let mut sending = Vec::new();
    let mut records = Vec::new();
    for batch in request.batches {
        let messages: Vec<&OutgoingMessage> = batch.messages.iter().map(|p| &p.message).collect();
        match shared
            .encoder
            .encode(format, shared.opts.compression, batch.identity, &messages)
        {
            Ok(bytes) => {
                records.push((batch.partition, bytes));
                sending.push(batch);
            }
            Err(e) => settled.push(Settled::Failed(batch, e, false)),
        }
    }
    if sending.is_empty() {
        return Ok(settled);
    }
    let acks = shared.opts.wire_acks();
    let call = ProduceCall {
        acks,
        timeout_ms: wire_ms(shared.opts.ack_timeout),
        topic: shared.topic.clone(),
        partitions: records,
    };
    // KIP-91: no longer than the oldest message's delivery timeout, but the broker's ack timeout at least
    // (`delivery_timeout_ms` >= linger + ack timeout leaves a first attempt that much).
    let oldest = sending
        .iter()
        .filter_map(|b| b.messages.first().map(|p| p.enqueued))
        .min();
    let until_deadline = oldest.map_or(Duration::MAX, |t| {
        (t + shared.opts.delivery_timeout).saturating_duration_since(Instant::now())
    });
    let limit =
        (shared.opts.ack_timeout + REQUEST_GRACE).min(until_deadline.max(shared.opts.ack_timeout));
    let outcomes =
        match tokio::time::timeout(limit, shared.transport.produce(broker, version, call)).await {
            Ok(Ok(outcomes)) => outcomes,
            Ok(Err(e)) => {
                let doubt = in_doubt(&e);
                return Err((sending, e, doubt));
            }
            Err(_) => {
                let e = Error::timeout(
                    format!(
                        "a produce response from broker {}",
                        shared.transport.broker_ref(broker)
                    ),
                    limit,
                );
                return Err((sending, e, true));
            }
        };
    for batch in sending {
        if acks == 0 {
            let outcome = PartitionOutcome {
                partition: batch.partition,
                error_code: 0,
                base_offset: -1,
                log_append_time_ms: -1,
                error_message: None,
            };
            settled.push(Settled::Delivered(batch, outcome));
            continue;
        }
        let Some(outcome) = outcomes.iter().find(|o| o.partition == batch.partition) else {
            let e = Error::protocol(
                "produce response has no result for this partition",
                shared.context(batch.partition, Some(broker)),
            );
            settled.push(Settled::Failed(batch, e, true));
            continue;
        };
        if outcome.error_code == 0 {
            settled.push(Settled::Delivered(batch, outcome.clone()));
        } else {
            let code = KafkaCode::from_i16(outcome.error_code).unwrap_or(KafkaCode::UnknownError);
            let message = match KafkaCode::from_i16(outcome.error_code) {
                Some(_) => outcome.error_message.clone(),
                None => Some(format!(
                    "unknown error code {}{}",
                    outcome.error_code,
                    outcome
                        .error_message
                        .as_deref()
                        .map(|m| format!(": {m}"))
                        .unwrap_or_default()
                )),
            };
            let e = Error::kafka_with_message(
                code,
                message,
                shared.context(batch.partition, Some(broker)),
            );
            let doubt = in_doubt(&e);
            settled.push(Settled::Failed(batch, e, doubt));
        }
    }
    Ok(settled)
}

/// Apply the outcomes: complete delivered and failed messages, re-queue retries at the front.
fn settle(shared: &Arc<Shared>, broker: i32, bytes: usize, settled: Vec<Settled>) {
    let now = Instant::now();
    let mut completed: Vec<(Pending, Result<Delivery>)> = Vec::new();
    // Reported after the lock is released: producing threads wait on it while it is held.
    let mut taken: Vec<(PartitionBatch, PartitionOutcome)> = Vec::new();
    let mut refresh = false;
    {
        let mut acc = shared.lock();
        acc.settle(
            broker,
            bytes,
            settled.iter().map(|s| match s {
                Settled::Delivered(b, _) | Settled::Failed(b, _, _) => b.partition,
            }),
        );
        for s in settled {
            match s {
                Settled::Delivered(batch, outcome) => {
                    free_after_delivery(&mut acc, batch.partition);
                    taken.push((batch, outcome));
                }
                Settled::Failed(mut batch, error, doubt) => {
                    if doubt {
                        for p in &mut batch.messages {
                            p.in_doubt = true;
                        }
                    }
                    refresh |= failed(shared, &mut acc, broker, batch, error, now, &mut completed);
                }
            }
        }
    }
    if refresh {
        shared.request_refresh();
    }
    let mut emptied = Vec::with_capacity(taken.len());
    for (mut batch, outcome) in taken {
        shared
            .completion
            .complete_all(delivered_messages(&mut batch, outcome));
        emptied.push(batch.messages);
    }
    shared.completion.complete_all(completed);
    if !emptied.is_empty() {
        let mut acc = shared.lock();
        for v in emptied {
            acc.recycle(v);
        }
    }
}

/// A batch the broker took: free its partition for the next batch and report every message.
fn delivered(
    acc: &mut Accumulator,
    batch: PartitionBatch,
    outcome: &PartitionOutcome,
    completed: &mut Vec<(Pending, Result<Delivery>)>,
) {
    free_after_delivery(acc, batch.partition);
    deliveries(batch, outcome, completed);
}

/// A partition whose batch the broker took: no split limit, leader wait or sequenced batch any more.
fn free_after_delivery(acc: &mut Accumulator, partition: i32) {
    if let Some(q) = acc.partitions.get_mut(&partition) {
        q.split_limit = None;
        q.last_error = None;
        q.sequenced = None;
    }
}

/// Every message of a delivered batch with its offset and timestamp (no lock needed).
fn deliveries(
    mut batch: PartitionBatch,
    outcome: &PartitionOutcome,
    completed: &mut Vec<(Pending, Result<Delivery>)>,
) {
    completed.extend(delivered_messages(&mut batch, outcome.clone()));
}

/// A delivered batch's messages, each with its delivery: produced lazily, so settling a request moves
/// each message once, straight into its completion. The batch's vector is left empty, for reuse.
fn delivered_messages(
    batch: &mut PartitionBatch,
    outcome: PartitionOutcome,
) -> impl Iterator<Item = (Pending, Result<Delivery>)> + '_ {
    let partition = batch.partition;
    batch.messages.drain(..).enumerate().map(move |(i, p)| {
        let offset = if outcome.base_offset < 0 {
            -1
        } else {
            outcome.base_offset + i as i64
        };
        let timestamp = if outcome.log_append_time_ms >= 0 {
            Some(outcome.log_append_time_ms)
        } else {
            p.message.timestamp
        };
        let delivery = Delivery {
            partition_id: partition,
            offset,
            timestamp,
        };
        (p, Ok(delivery))
    })
}

/// A batch that failed: split, wait for a leader, retry, or give up. Returns whether metadata should be
/// refreshed.
fn failed(
    shared: &Shared,
    acc: &mut Accumulator,
    broker: i32,
    batch: PartitionBatch,
    error: Error,
    now: Instant,
    completed: &mut Vec<(Pending, Result<Delivery>)>,
) -> bool {
    let partition = batch.partition;
    let n = batch.messages.len();
    let max_retries = u32::try_from(shared.opts.max_retries).unwrap_or(u32::MAX);
    let action = if acc.closed {
        Action::Fail
    } else {
        classify(&error, n)
    };
    let mut give_up = Vec::new();
    let mut refresh = false;
    match action {
        Action::AlreadyWritten => {
            let outcome = PartitionOutcome {
                partition,
                error_code: 0,
                base_offset: -1,
                log_append_time_ms: -1,
                error_message: None,
            };
            delivered(acc, batch, &outcome, completed);
            return false;
        }
        Action::Split => {
            tracing::debug!(partition, n, "batch too large for the broker: splitting");
            unsequence(acc, partition);
            acc.requeue_front(partition, batch.messages, None);
            if let Some(q) = acc.partitions.get_mut(&partition) {
                q.split_limit = Some((n / 2).max(1));
            }
        }
        Action::WaitForLeader => {
            // No attempt spent: the messages wait for a leader until their delivery timeout.
            refresh = true;
            tracing::debug!(partition, error = %error.report(), "waiting for the partition's leader");
            acc.requeue_front(partition, batch.messages, Some(now + shared.backoff()));
        }
        Action::Retry { .. } | Action::NewProducerId => {
            refresh = matches!(action, Action::Retry { refresh: true });
            if action == Action::NewProducerId {
                if let (Some(ids), Some(b)) = (&shared.identities, batch.identity) {
                    ids.replace(b.producer_id);
                }
                unsequence(acc, partition);
            }
            let mut again = Vec::with_capacity(n);
            for mut p in batch.messages {
                p.attempts += 1;
                if p.attempts > max_retries {
                    give_up.push(p);
                } else {
                    again.push(p);
                }
            }
            if let Some(attempts) = again.first().map(|p| p.attempts) {
                tracing::debug!(partition, error = %error.report(), attempts, "produce failed, retrying");
                let retry_at = now + shared.retry_backoff(attempts);
                acc.requeue_front(partition, again, Some(retry_at));
            }
        }
        Action::Fail => {
            give_up = batch.messages;
            for p in &mut give_up {
                p.attempts += 1;
            }
        }
    }
    // The source of a delivery timeout, should the messages expire before the next attempt.
    acc.partitions.entry(partition).or_default().last_error = Some(error.clone());
    if !give_up.is_empty() {
        // The batch will not be resent as it was (if it may be in the log, a new producer id follows).
        unsequence(acc, partition);
        shared.forget_sequences_after(&give_up, batch.identity);
        let context = shared.context(partition, Some(broker));
        for p in give_up {
            let e = shared.give_up_error(&p, context.clone(), error.clone());
            completed.push((p, Err(e)));
        }
    }
    refresh
}

/// Idempotence: the partition's sequenced batch was not written and will not be resent as is; its sequence
/// numbers go to the next batch.
fn unsequence(acc: &mut Accumulator, partition: i32) {
    if let Some(q) = acc.partitions.get_mut(&partition) {
        if let Some(s) = q.sequenced.take() {
            q.next_sequence = s.identity.base_sequence;
        }
    }
}
