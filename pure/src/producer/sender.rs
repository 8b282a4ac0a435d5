//! The background side: one dispatcher task drains the accumulator into per-broker requests, and each request
//! runs as its own task (at most `MAX_IN_FLIGHT_PER_BROKER` per broker). A finished request settles its batches:
//! delivered, re-queued at the front of their partitions for a retry, split, or failed.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use ferrokafka_core::{
    Delivery, Error, ErrorContext, KafkaCode, OutgoingMessage, ProducerOptions, Result,
};
use tokio::sync::Notify;

use super::accumulator::{Accumulator, DrainedRequest, Limits, PartitionBatch};
use super::batch::{check_codec, RecordEncoder, RecordFormat};
use super::pending::{Completion, Pending};
use super::retry::{classify, Action};
use super::transport::{PartitionOutcome, ProduceCall, ProduceTransport};

/// Extra time on top of `ack_timeout_ms` before a request with no answer counts as lost.
const REQUEST_GRACE: Duration = Duration::from_secs(30);

/// State shared by the producer handle, the dispatcher and the request tasks.
#[derive(Debug)]
pub(crate) struct Shared {
    pub topic: String,
    pub opts: ProducerOptions,
    pub limits: Limits,
    pub transport: Arc<dyn ProduceTransport>,
    pub encoder: Arc<dyn RecordEncoder>,
    pub acc: Mutex<Accumulator>,
    pub completion: Completion,
    /// Wakes the dispatcher: new messages, a settled request, a flush, fresh metadata.
    pub wake: Notify,
    refreshing: AtomicBool,
}

impl Shared {
    pub fn new(
        topic: String,
        opts: ProducerOptions,
        transport: Arc<dyn ProduceTransport>,
        encoder: Arc<dyn RecordEncoder>,
        completion: Completion,
    ) -> Self {
        let limits = Limits {
            min_queued: usize::try_from(opts.effective_min_queued())
                .unwrap_or(1)
                .max(1),
            linger: Duration::from_millis(u64::try_from(opts.linger_ms).unwrap_or(0)),
            max_request_size: usize::try_from(opts.max_request_size).unwrap_or(1).max(1),
        };
        Shared {
            topic,
            opts,
            limits,
            transport,
            encoder,
            acc: Mutex::new(Accumulator::default()),
            completion,
            wake: Notify::new(),
            refreshing: AtomicBool::new(false),
        }
    }

    pub fn lock(&self) -> MutexGuard<'_, Accumulator> {
        // Accumulator updates do not panic midway; a poisoned lock still holds consistent queues.
        self.acc.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn backoff(&self) -> Duration {
        Duration::from_millis(u64::try_from(self.opts.retry_backoff_ms).unwrap_or(100))
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
                tracing::warn!(topic = %shared.topic, error = %e, "producer metadata refresh failed");
            }
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
        let layout = shared.transport.layout(&shared.topic).unwrap_or_default();
        let drain = shared.lock().drain(now, &layout, &shared.limits);
        let mut next_wake = drain.next_wake;
        if !drain.leaderless.is_empty() {
            handle_leaderless(&shared, &drain.leaderless, now);
            shared.request_refresh();
            let retry = now + shared.backoff();
            next_wake = Some(next_wake.map_or(retry, |t| t.min(retry)));
        }
        for request in drain.requests {
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

/// Partitions with no leader: back off, and after `max_retries` passes fail their messages.
fn handle_leaderless(shared: &Shared, partitions: &[i32], now: Instant) {
    let max_retries = u32::try_from(shared.opts.max_retries).unwrap_or(u32::MAX);
    let mut failed = Vec::new();
    {
        let mut acc = shared.lock();
        for &p in partitions {
            let Some(q) = acc.partitions.get_mut(&p) else {
                continue;
            };
            q.leaderless_attempts += 1;
            q.retry_at = Some(now + shared.backoff());
            if q.leaderless_attempts > max_retries {
                let attempts = q.leaderless_attempts;
                q.leaderless_attempts = 0;
                failed.push((p, attempts, acc.take_partition(p)));
            }
        }
    }
    for (p, attempts, messages) in failed {
        let error = Error::produce_failure(
            shared.context(p, None),
            attempts,
            Error::kafka(KafkaCode::LeaderNotAvailable, shared.context(p, None)),
        );
        shared.completion.fail_all(messages, &error);
    }
}

/// How one partition's batch ended.
enum Settled {
    Delivered(PartitionBatch, PartitionOutcome),
    Failed(PartitionBatch, Error),
}

/// Send one request and settle its batches.
async fn send_request(shared: Arc<Shared>, request: DrainedRequest) {
    let broker = request.broker;
    let settled = match send(&shared, request).await {
        Ok(settled) => settled,
        Err((batches, e)) => batches
            .into_iter()
            .map(|b| Settled::Failed(b, e.clone()))
            .collect(),
    };
    settle(&shared, broker, settled);
    shared.wake.notify_one();
}

type SendResult = std::result::Result<Vec<Settled>, (Vec<PartitionBatch>, Error)>;

async fn send(shared: &Shared, request: DrainedRequest) -> SendResult {
    let broker = request.broker;
    let version = match shared.transport.produce_version(broker).await {
        Ok(v) => v,
        Err(e) => return Err((request.batches, e)),
    };
    if let Err(e) = check_codec(
        shared.opts.compression,
        version,
        &shared.transport.broker_ref(broker),
    ) {
        return Err((request.batches, e));
    }
    let format = RecordFormat::for_produce_version(version);
    let mut settled = Vec::new();
    let mut sending = Vec::new();
    let mut records = Vec::new();
    for batch in request.batches {
        let messages: Vec<&OutgoingMessage> = batch.messages.iter().map(|p| &p.message).collect();
        match shared
            .encoder
            .encode(format, shared.opts.compression, &messages)
        {
            Ok(bytes) => {
                records.push((batch.partition, bytes));
                sending.push(batch);
            }
            Err(e) => settled.push(Settled::Failed(batch, e)),
        }
    }
    if sending.is_empty() {
        return Ok(settled);
    }
    let acks = shared.opts.wire_acks();
    let call = ProduceCall {
        acks,
        timeout_ms: i32::try_from(shared.opts.ack_timeout_ms).unwrap_or(i32::MAX),
        topic: shared.topic.clone(),
        partitions: records,
    };
    let limit = Duration::from_millis(u64::try_from(shared.opts.ack_timeout_ms).unwrap_or(0))
        + REQUEST_GRACE;
    let outcomes =
        match tokio::time::timeout(limit, shared.transport.produce(broker, version, call)).await {
            Ok(Ok(outcomes)) => outcomes,
            Ok(Err(e)) => return Err((sending, e)),
            Err(_) => {
                let e = Error::timeout(
                    format!(
                        "a produce response from broker {}",
                        shared.transport.broker_ref(broker)
                    ),
                    limit,
                );
                return Err((sending, e));
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
            settled.push(Settled::Failed(batch, e));
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
            settled.push(Settled::Failed(batch, e));
        }
    }
    Ok(settled)
}

/// Apply the outcomes: complete delivered and failed messages, re-queue retries at the front.
fn settle(shared: &Arc<Shared>, broker: i32, settled: Vec<Settled>) {
    let now = Instant::now();
    let max_retries = u32::try_from(shared.opts.max_retries).unwrap_or(u32::MAX);
    let mut completed: Vec<(Pending, Result<Delivery>)> = Vec::new();
    let mut refresh = false;
    {
        let mut acc = shared.lock();
        acc.settle(
            broker,
            settled.iter().map(|s| match s {
                Settled::Delivered(b, _) | Settled::Failed(b, _) => b.partition,
            }),
        );
        for s in settled {
            match s {
                Settled::Delivered(batch, outcome) => {
                    if let Some(q) = acc.partitions.get_mut(&batch.partition) {
                        q.split_limit = None;
                        q.leaderless_attempts = 0;
                    }
                    for (i, p) in batch.messages.into_iter().enumerate() {
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
                            partition_id: batch.partition,
                            offset,
                            timestamp,
                        };
                        completed.push((p, Ok(delivery)));
                    }
                }
                Settled::Failed(batch, error) => {
                    let partition = batch.partition;
                    let n = batch.messages.len();
                    let context = shared.context(partition, Some(broker));
                    let fail = |p: Pending, attempts: u32| {
                        let e = Error::produce_failure(context.clone(), attempts, error.clone());
                        (p, Err(e))
                    };
                    match classify(&error, n) {
                        Action::Split if !acc.closed => {
                            tracing::debug!(
                                partition,
                                n,
                                "batch too large for the broker: splitting"
                            );
                            acc.requeue_front(partition, batch.messages, None);
                            if let Some(q) = acc.partitions.get_mut(&partition) {
                                q.split_limit = Some((n / 2).max(1));
                            }
                        }
                        Action::Retry { refresh: r } if !acc.closed => {
                            refresh |= r;
                            let mut again = Vec::with_capacity(n);
                            for mut p in batch.messages {
                                p.attempts += 1;
                                if p.attempts > max_retries {
                                    let attempts = p.attempts;
                                    completed.push(fail(p, attempts));
                                } else {
                                    again.push(p);
                                }
                            }
                            if !again.is_empty() {
                                tracing::debug!(partition, error = %error, "produce failed, retrying");
                                acc.requeue_front(partition, again, Some(now + shared.backoff()));
                            }
                        }
                        _ => {
                            for p in batch.messages {
                                let attempts = p.attempts + 1;
                                completed.push(fail(p, attempts));
                            }
                        }
                    }
                }
            }
        }
    }
    if refresh {
        shared.request_refresh();
    }
    for (p, result) in completed {
        shared.completion.complete(p, result);
    }
}
