//! The delivery callback: completes each message's future and files its report on the producing thread's queue.

use std::ffi::c_void;
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, AtomicUsize, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Condvar, Mutex};
use std::thread::ThreadId;
use std::time::Duration;

use ferrokafka_core::{
    Delivery, DeliveryReport, DeliveryReports, DeliverySender, Error, ErrorContext, ErrorKind,
    KafkaCode, OutgoingMessage, Result, RETRY_UNTIL_DELIVERY_TIMEOUT,
};
use rdkafka::client::ClientContext;
use rdkafka::config::RDKafkaLogLevel;
use rdkafka::error::{KafkaError, RDKafkaErrorCode};
use rdkafka::message::{BorrowedMessage, DeliveryResult, Message as _};
use rdkafka::producer::ProducerContext;
use rdkafka::util::IntoOpaque;

use crate::context::{log, LastError};
use crate::error::{translate, ErrorSite, LibrdkafkaError};

/// What travels with a message through librdkafka, returned to us in its delivery callback. Only allocated
/// when somebody reads the outcome (a future, a report or a sync produce).
#[derive(Debug)]
pub struct Pending {
    /// The caller's future; `None` for a detached produce.
    pub sender: Option<DeliverySender>,
    /// The producing thread, captured at produce time (PyKafka's thread-local report queue).
    pub thread: ThreadId,
    /// The message, kept for its delivery report; `None` when nobody reads reports.
    pub message: Option<OutgoingMessage>,
    /// Its size as ferrokafka measures it, for `MessageSizeTooLarge`.
    pub size: usize,
    /// Sync mode: `produce()` waits on this.
    pub sync: Option<mpsc::Sender<Result<Delivery>>>,
}

impl Pending {
    /// Complete this message: future, sync waiter, and report.
    pub fn complete(self, result: Result<Delivery>, reports: Option<&DeliveryReports>) {
        if let Some(tx) = &self.sync {
            let _ = tx.send(result.clone());
        }
        if let (Some(reports), Some(message)) = (reports, self.message) {
            reports.push(
                self.thread,
                DeliveryReport {
                    message,
                    result: result.clone(),
                },
            );
        }
        if let Some(sender) = self.sender {
            sender.send(result);
        }
    }
}

/// librdkafka's per-message opaque: a `Pending` when somebody reads the outcome, a null pointer otherwise (so
/// a fire-and-forget message costs no allocation).
#[derive(Debug)]
pub struct Opaque(pub Option<Box<Pending>>);

impl IntoOpaque for Opaque {
    fn into_ptr(self) -> *mut c_void {
        self.0
            .map_or(std::ptr::null_mut(), |p| Box::into_raw(p).cast::<c_void>())
    }

    unsafe fn from_ptr(ptr: *mut c_void) -> Self {
        if ptr.is_null() {
            Opaque(None)
        } else {
            // SAFETY: a non-null pointer only ever comes from `into_ptr` above, and librdkafka hands each
            // message's opaque back exactly once (delivery callback or failed send).
            Opaque(Some(unsafe { Box::from_raw(ptr.cast::<Pending>()) }))
        }
    }
}

/// Deliveries between two wake-ups of a blocked producer.
const WAKE_EVERY: usize = 256;

/// Producers blocked on a full queue: the delivery callback wakes them only when there is one.
#[derive(Debug, Default)]
pub struct Space {
    waiters: AtomicUsize,
    /// Deliveries while a producer waited.
    since_wake: AtomicUsize,
    lock: Mutex<()>,
    freed: Condvar,
}

impl Space {
    /// Wait up to `timeout` for a delivery to free queue space.
    pub fn wait(&self, timeout: std::time::Duration) {
        self.waiters.fetch_add(1, Ordering::SeqCst);
        let guard = self.lock.lock().unwrap_or_else(|e| e.into_inner());
        let _ = self.freed.wait_timeout(guard, timeout);
        self.waiters.fetch_sub(1, Ordering::SeqCst);
    }

    /// After a delivery: wake the blocked producers, if any (no lock, no syscall otherwise), once per
    /// `WAKE_EVERY` deliveries so a producer at the queue's bound does not ping-pong with the poll thread per
    /// message (its own `SPACE_WAIT` timeout covers the rest).
    fn freed(&self) {
        if self.waiters.load(Ordering::SeqCst) > 0
            && self.since_wake.fetch_add(1, Ordering::Relaxed) % WAKE_EVERY == 0
        {
            drop(self.lock.lock().unwrap_or_else(|e| e.into_inner()));
            self.freed.notify_all();
        }
    }
}

/// The producer's librdkafka context.
#[derive(Debug)]
pub struct ProducerCtx {
    pub topic: String,
    pub hosts: String,
    pub max_retries: i64,
    pub max_size: usize,
    /// `pending_timeout_ms` (`None` = forever), named when `stop()` purges.
    pub pending_timeout: Option<Duration>,
    /// The `message.timeout.ms` given to librdkafka (`delivery_timeout_ms`), named in its timeout errors.
    pub message_timeout: Duration,
    /// Reports are filed here when `delivery_reports` is on (and not sync: sync produce reads its own).
    pub reports: Option<Arc<DeliveryReports>>,
    /// Set when a delivery failed for an unknown partition: metadata must be refreshed.
    pub stale_metadata: Arc<AtomicBool>,
    /// Where producers blocked on a full queue wait.
    pub space: Space,
    /// Failed deliveries of detached messages (nobody else hears of them): counted and logged.
    pub detached_failures: AtomicU64,
    pub last_error: LastError,
    /// Messages handed to librdkafka and not yet reported: `pending()` (librdkafka's out-queue length also
    /// counts its own requests). Signed: a report may come before the enqueue's count is taken back.
    pub unreported: AtomicI64,
}

impl ProducerCtx {
    /// The error a failed delivery is reported with. `maybe_written`: librdkafka says the message may be in the
    /// log (it was sent and no verdict came back), so a give-up is an unknown outcome, not a failure.
    fn failure(&self, err: &KafkaError, partition: i32, size: usize, maybe_written: bool) -> Error {
        let site = ErrorSite {
            size,
            max_size: self.max_size,
            ..ErrorSite::topic(&self.topic, Some(partition), &self.hosts)
        };
        let context = ErrorContext::partition(&self.topic, partition);
        let code = err.rdkafka_error_code();
        match code {
            Some(RDKafkaErrorCode::PurgeQueue | RDKafkaErrorCode::PurgeInflight) => {
                let cause = Error::timeout(
                    "delivery before the producer stopped (pending_timeout_ms)",
                    self.pending_timeout.unwrap_or_default(),
                );
                // A purged in-flight message was sent: it may be in the log.
                if code == Some(RDKafkaErrorCode::PurgeInflight) {
                    return Error::delivery_outcome_unknown(context, 1, cause);
                }
                return Error::produce_failure(context, 0, cause);
            }
            Some(
                RDKafkaErrorCode::UnknownPartition
                | RDKafkaErrorCode::UnknownTopic
                | RDKafkaErrorCode::UnknownTopicOrPartition,
            ) => {
                self.stale_metadata.store(true, Ordering::Relaxed);
            }
            _ => {}
        }
        let translated = translate(err, &site);
        let cause = match translated.kind() {
            ErrorKind::Kafka if translated.code() == Some(KafkaCode::MessageSizeTooLarge) => {
                return Error::message_size_too_large(self.topic.clone(), size, self.max_size)
                    .with_source(LibrdkafkaError::from(err.clone()));
            }
            ErrorKind::MessageSizeTooLarge => return translated,
            ErrorKind::Timeout if code == Some(RDKafkaErrorCode::MessageTimedOut) => {
                // librdkafka does not say why the last attempt failed: its last client error stands in.
                let last = self
                    .last_error
                    .get()
                    .map(|(e, reason)| last_client_error(e, &reason, &site));
                return Error::delivery_timeout(
                    context,
                    self.message_timeout,
                    None,
                    maybe_written,
                    last,
                );
            }
            _ => translated,
        };
        // Unbounded retries: librdkafka fails a message before its timeout only for an error it does not retry.
        let attempts = if self.max_retries >= RETRY_UNTIL_DELIVERY_TIMEOUT {
            1
        } else {
            u32::try_from(self.max_retries.saturating_add(1)).unwrap_or(u32::MAX)
        };
        if maybe_written {
            Error::delivery_outcome_unknown(context, attempts, cause)
        } else {
            Error::produce_failure(context, attempts, cause)
        }
    }

    /// A detached message failed: nobody holds its future, so say so in the log (first, then every 10,000th).
    fn detached_failed(&self, error: Error) {
        let n = self.detached_failures.fetch_add(1, Ordering::Relaxed);
        if n % 10_000 == 0 {
            tracing::warn!(
                topic = self.topic,
                failures = n + 1,
                "a message produced without a future or report failed: {error}"
            );
        }
    }
}

impl ClientContext for ProducerCtx {
    fn log(&self, level: RDKafkaLogLevel, fac: &str, log_message: &str) {
        log(level, fac, log_message);
    }
    fn error(&self, error: KafkaError, reason: &str) {
        self.last_error.record(error, reason);
    }
}

impl ProducerContext for ProducerCtx {
    type DeliveryOpaque = Opaque;

    fn delivery(&self, delivery_result: &DeliveryResult<'_>, opaque: Opaque) {
        match (opaque.0, delivery_result) {
            (None, Ok(_)) => {}
            (None, Err((e, m))) => {
                self.detached_failed(self.failure(e, m.partition(), 0, possibly_persisted(m)))
            }
            (Some(pending), Ok(m)) => pending.complete(
                Ok(Delivery {
                    partition_id: m.partition(),
                    // acks=0: librdkafka knows no offset (-1001); PyKafka reports -1.
                    offset: if m.offset() < 0 { -1 } else { m.offset() },
                    timestamp: m.timestamp().to_millis(),
                }),
                self.reports.as_deref(),
            ),
            (Some(pending), Err((e, m))) => {
                let err = self.failure(e, m.partition(), pending.size, possibly_persisted(m));
                pending.complete(Err(err), self.reports.as_deref());
            }
        }
        self.unreported.fetch_sub(1, Ordering::Relaxed);
        self.space.freed();
    }
}

/// librdkafka's last client-level error (from its error callback) as a ferrokafka error, its own text kept:
/// the closest thing to "the last attempt's error" librdkafka gives.
fn last_client_error(e: KafkaError, reason: &str, site: &ErrorSite) -> Error {
    match e.rdkafka_error_code() {
        Some(RDKafkaErrorCode::BrokerTransportFailure) => {
            Error::socket_disconnected(site.broker(), reason).with_source(e)
        }
        Some(RDKafkaErrorCode::AllBrokersDown | RDKafkaErrorCode::Resolve) => {
            Error::no_brokers_available(site.hosts.clone(), reason).with_source(e)
        }
        _ => translate(&e, site),
    }
}

/// Whether librdkafka says a failed message may still be in the log (`rd_kafka_message_status`: it was sent
/// and no verdict came back, e.g. `message.timeout.ms` expiring while a request was in flight).
fn possibly_persisted(m: &BorrowedMessage<'_>) -> bool {
    use rdkafka::bindings::{rd_kafka_message_status, rd_kafka_msg_status_t};
    // SAFETY: `m` is the message librdkafka passed to this delivery callback; its pointer is valid for the
    // duration of the callback, and rd_kafka_message_status only reads it.
    let status = unsafe { rd_kafka_message_status(m.ptr()) };
    status != rd_kafka_msg_status_t::RD_KAFKA_MSG_STATUS_NOT_PERSISTED
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx() -> ProducerCtx {
        ProducerCtx {
            topic: "t".into(),
            hosts: "h:9092".into(),
            max_retries: 3,
            max_size: 1000,
            pending_timeout: Some(Duration::from_secs(5)),
            message_timeout: Duration::from_millis(45_400),
            reports: None,
            stale_metadata: Arc::new(AtomicBool::new(false)),
            space: Space::default(),
            detached_failures: AtomicU64::new(0),
            last_error: LastError::default(),
            unreported: AtomicI64::new(0),
        }
    }

    #[test]
    fn message_timeout_is_the_delivery_timeout_with_the_last_client_error_as_source() {
        let c = ctx();
        c.last_error.record(
            KafkaError::MessageProduction(RDKafkaErrorCode::BrokerTransportFailure),
            "Connect to ipv4#127.0.0.1:9092 failed: Connection refused",
        );
        let e = c.failure(
            &KafkaError::MessageProduction(RDKafkaErrorCode::MessageTimedOut),
            3,
            10,
            false,
        );
        assert_eq!(e.kind(), ErrorKind::Timeout, "{e}");
        assert_eq!(e.after(), Some(Duration::from_millis(45_400)));
        assert_eq!(e.context().partition, Some(3));
        assert!(e.to_string().contains("delivery_timeout_ms"), "{e}");
        let last = e.cause().map(Error::reason).unwrap_or_default();
        assert!(last.contains("Connection refused"), "{last}");
    }

    #[test]
    fn purged_in_flight_is_an_unknown_outcome_purged_queued_a_failure() {
        let c = ctx();
        let inflight = c.failure(
            &KafkaError::MessageProduction(RDKafkaErrorCode::PurgeInflight),
            0,
            10,
            false,
        );
        assert!(inflight.is_outcome_unknown(), "{inflight}");
        let queued = c.failure(
            &KafkaError::MessageProduction(RDKafkaErrorCode::PurgeQueue),
            0,
            10,
            false,
        );
        assert_eq!(queued.kind(), ErrorKind::ProduceFailure, "{queued}");
    }

    #[test]
    fn a_timeout_of_a_message_that_may_be_written_is_an_unknown_outcome() {
        let c = ctx();
        let timed_out = KafkaError::MessageProduction(RDKafkaErrorCode::MessageTimedOut);
        let maybe = c.failure(&timed_out, 0, 10, true);
        assert!(maybe.is_outcome_unknown(), "{maybe}");
        assert_eq!(maybe.kind(), ErrorKind::Timeout);
        let never_sent = c.failure(&timed_out, 0, 10, false);
        assert!(!never_sent.is_outcome_unknown(), "{never_sent}");
        assert_eq!(never_sent.kind(), ErrorKind::Timeout, "{never_sent}");
    }
}
