//! Batch reads from librdkafka's consumer queue (`rd_kafka_consume_batch_queue`).
//!
//! rdkafka's `BaseConsumer::poll` takes one event per message and wraps each in an `Arc`; draining up to a
//! batch at once under one call costs a fraction of that, and the wrapper's own lock is then taken once per
//! batch instead of once per message. Messages are copied out and destroyed before `take` returns, so no
//! librdkafka buffer outlives the call, nor the consumer (see convert.rs for why not zero-copy).

use std::collections::VecDeque;
use std::ptr::NonNull;
use std::sync::Arc;
use std::time::Duration;

use ferrokafka_core::Message;
use rdkafka::bindings as rd;
use rdkafka::consumer::{BaseConsumer, Consumer as _};
use rdkafka::error::{KafkaError, RDKafkaErrorCode};

use super::convert;
use crate::context::ConsumerCtx;

/// Most messages taken from librdkafka per call (a stack array of pointers).
pub(super) const MAX_BATCH: usize = 512;

/// One item of a batch: a message, or an error librdkafka reported for a partition.
pub(super) type Fetched = std::result::Result<Message, FetchFailure>;

/// What librdkafka put in the queue instead of a message.
#[derive(Debug)]
pub(super) enum FetchFailure {
    /// An error code, as rdkafka's `poll` reports it.
    Code(KafkaError),
    /// `__BAD_MSG`: fetched data that failed to decode, such as a batch failing its CRC check (`check.crcs`).
    /// librdkafka names the partition and the offset of the batch, and says why in the message text.
    Undecodable {
        partition: i32,
        offset: i64,
        reason: String,
    },
}

/// A handle on the consumer's queue (the one rdkafka's `poll` reads; its main queue is forwarded there).
pub(super) struct ConsumerQueue {
    queue: NonNull<rd::rd_kafka_queue_t>,
    /// Kept so the client outlives the handle, which is destroyed first.
    _consumer: Arc<BaseConsumer<ConsumerCtx>>,
}

// SAFETY: librdkafka queue handles are thread-safe (every operation locks the queue); the handle is only
// destroyed in `Drop`, when no other reference to this value exists.
unsafe impl Send for ConsumerQueue {}
// SAFETY: as above: concurrent `rd_kafka_consume_batch_queue` calls on one queue are allowed.
unsafe impl Sync for ConsumerQueue {}

impl ConsumerQueue {
    /// The consumer queue of `consumer`, or `None` when librdkafka has none (no group.id: never the case here).
    pub(super) fn of(consumer: &Arc<BaseConsumer<ConsumerCtx>>) -> Option<Self> {
        // SAFETY: the client handle is valid while `consumer` lives; the returned queue reference is ours to
        // destroy (done in Drop, before our clone of the consumer goes).
        let raw = unsafe { rd::rd_kafka_queue_get_consumer(consumer.client().native_ptr()) };
        NonNull::new(raw).map(|queue| ConsumerQueue {
            queue,
            _consumer: Arc::clone(consumer),
        })
    }

    /// Append up to `max` items to `out`: what the queue holds now, or, when it is empty, whatever comes within
    /// `wait` (then the rest of what came with it). Partition EOFs are skipped. Returns the number appended.
    pub(super) fn take(&self, wait: Duration, max: usize, out: &mut VecDeque<Fetched>) -> usize {
        let max = max.clamp(1, MAX_BATCH);
        let mut batch = Taken::new();
        batch.fill(self, 0, max);
        if batch.len == 0 && !wait.is_zero() {
            // A whole batch would wait until `max` messages came or `wait` passed: wait for one only.
            let ms = i32::try_from(wait.as_millis().max(1)).unwrap_or(i32::MAX);
            batch.fill(self, ms, 1);
            if batch.len == 1 {
                batch.fill(self, 0, max);
            }
        }
        let before = out.len();
        for m in batch.messages() {
            // SAFETY: a message of `batch`, live until `batch` is dropped below.
            if let Some(item) = unsafe { fetched(m) } {
                out.push_back(item);
            }
        }
        // Dropping `batch` destroys every message, also if a conversion above unwound.
        out.len() - before
    }

    /// Messages in librdkafka's queue (prefetched, not yet taken), plus the other ops queued with them.
    pub(super) fn len(&self) -> usize {
        // SAFETY: the queue handle lives as long as `self`.
        unsafe { rd::rd_kafka_queue_length(self.queue.as_ptr()) }
    }

    /// One `rd_kafka_consume_batch_queue` call into `slots`; the number of messages written.
    ///
    /// # Safety
    /// Every message written is the caller's to destroy, exactly once.
    unsafe fn consume(&self, timeout_ms: i32, slots: &mut [*mut rd::rd_kafka_message_t]) -> usize {
        // SAFETY: the queue handle lives as long as `self`; librdkafka writes at most `slots.len()` pointers.
        let n = unsafe {
            rd::rd_kafka_consume_batch_queue(
                self.queue.as_ptr(),
                timeout_ms,
                slots.as_mut_ptr(),
                slots.len(),
            )
        };
        // -1 is an error (a queue of another kind): nothing was taken.
        usize::try_from(n).unwrap_or(0).min(slots.len())
    }
}

/// Messages taken from librdkafka in one `take`: a fixed array of pointers (never more than [`MAX_BATCH`]), of
/// which the first `len` are live messages. Only `Drop` destroys them, so each is destroyed exactly once, after
/// its conversion, and also when a conversion unwinds.
struct Taken {
    raw: [*mut rd::rd_kafka_message_t; MAX_BATCH],
    len: usize,
}

impl Taken {
    fn new() -> Self {
        Taken {
            raw: [std::ptr::null_mut(); MAX_BATCH],
            len: 0,
        }
    }

    /// Take up to `upto - len` more messages (waiting up to `timeout_ms` when the queue is empty).
    fn fill(&mut self, queue: &ConsumerQueue, timeout_ms: i32, upto: usize) {
        let upto = upto.min(MAX_BATCH);
        if self.len >= upto {
            return;
        }
        // SAFETY: the slots written are the ones after `len`; `len` then counts them, so `Drop` destroys them.
        self.len += unsafe { queue.consume(timeout_ms, &mut self.raw[self.len..upto]) };
    }

    fn messages(&self) -> impl Iterator<Item = &rd::rd_kafka_message_t> {
        // SAFETY: the first `len` pointers are live messages until `self` is dropped; the references borrow
        // `self`, so none outlives them.
        self.raw[..self.len].iter().map(|&m| unsafe { &*m })
    }
}

impl Drop for Taken {
    fn drop(&mut self) {
        for &m in &self.raw[..self.len] {
            // SAFETY: each of the first `len` pointers is a live message taken from librdkafka and destroyed
            // only here.
            unsafe { rd::rd_kafka_message_destroy(m) }
        }
    }
}

impl Drop for ConsumerQueue {
    fn drop(&mut self) {
        // SAFETY: the handle came from `rd_kafka_queue_get_consumer` and is destroyed once, while the client
        // (our `_consumer`, dropped after this) is still alive.
        unsafe { rd::rd_kafka_queue_destroy(self.queue.as_ptr()) }
    }
}

/// A message, or the error it carries; `None` for a partition EOF (not a message).
///
/// # Safety
/// `m` must be a live message from a consume call.
unsafe fn fetched(m: &rd::rd_kafka_message_t) -> Option<Fetched> {
    use rd::rd_kafka_resp_err_t as E;
    match m.err {
        E::RD_KAFKA_RESP_ERR_NO_ERROR => Some(Ok(unsafe { convert::to_message(m) })),
        E::RD_KAFKA_RESP_ERR__PARTITION_EOF => None,
        // librdkafka raised a fatal error (the cause is in `rd_kafka_fatal_error`): as rdkafka's poll says it.
        E::RD_KAFKA_RESP_ERR__FATAL => Some(Err(FetchFailure::Code(
            KafkaError::MessageConsumptionFatal(RDKafkaErrorCode::Fatal),
        ))),
        E::RD_KAFKA_RESP_ERR__BAD_MSG => Some(Err(FetchFailure::Undecodable {
            partition: m.partition,
            offset: m.offset,
            // SAFETY: an error message's payload is librdkafka's error text, `len` bytes (or NULL).
            reason: unsafe { error_text(m) },
        })),
        code => Some(Err(FetchFailure::Code(KafkaError::MessageConsumption(
            code.into(),
        )))),
    }
}

/// The text librdkafka put in an error message's payload (as `rd_kafka_message_errstr` reads it).
///
/// # Safety
/// `m` must be a live message from a consume call.
unsafe fn error_text(m: &rd::rd_kafka_message_t) -> String {
    if m.payload.is_null() {
        return "librdkafka gave no reason".to_string();
    }
    // SAFETY: a non-NULL `payload` is valid for `len` bytes while the message lives (caller).
    let bytes = unsafe { std::slice::from_raw_parts(m.payload.cast::<u8>(), m.len) };
    String::from_utf8_lossy(bytes)
        .trim_end_matches('\0')
        .to_string()
}
