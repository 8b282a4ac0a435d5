//! The delivery callback: completes each message's future and files its report on the producing thread's queue.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Condvar, Mutex};
use std::thread::ThreadId;
use std::time::Duration;

use ferrokafka_core::{
    Delivery, DeliveryReport, DeliveryReports, DeliverySender, Error, ErrorContext, ErrorKind,
    KafkaCode, OutgoingMessage, Result,
};
use rdkafka::client::ClientContext;
use rdkafka::config::RDKafkaLogLevel;
use rdkafka::error::{KafkaError, RDKafkaErrorCode};
use rdkafka::message::{DeliveryResult, Message as _};
use rdkafka::producer::ProducerContext;

use crate::context::{log, LastError};
use crate::error::{translate, ErrorSite};

/// What travels with a message through librdkafka, returned to us in its delivery callback.
#[derive(Debug)]
pub struct Pending {
    pub sender: DeliverySender,
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
        self.sender.send(result);
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
    /// The `message.timeout.ms` given to librdkafka, named in its timeout errors.
    pub message_timeout: Duration,
    /// Reports are filed here when `delivery_reports` is on (and not sync: sync produce reads its own).
    pub reports: Option<Arc<DeliveryReports>>,
    /// Set when a delivery failed for an unknown partition: metadata must be refreshed.
    pub stale_metadata: Arc<AtomicBool>,
    /// Signalled after each delivery, so producers blocked on a full queue retry.
    pub space: Arc<(Mutex<()>, Condvar)>,
    pub last_error: LastError,
}

impl ProducerCtx {
    /// The error a failed delivery is reported with.
    fn failure(&self, err: &KafkaError, partition: i32, size: usize) -> Error {
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
                    .with_source(err.clone());
            }
            ErrorKind::MessageSizeTooLarge => return translated,
            ErrorKind::Timeout if code == Some(RDKafkaErrorCode::MessageTimedOut) => {
                let what = match self.last_error.get() {
                    Some((e, reason)) => {
                        format!("{}; last client error: {e}: {reason}", translated.reason())
                    }
                    None => translated.reason().to_string(),
                };
                Error::timeout(what, self.message_timeout).with_source(err.clone())
            }
            _ => translated,
        };
        Error::produce_failure(
            context,
            u32::try_from(self.max_retries.saturating_add(1)).unwrap_or(u32::MAX),
            cause,
        )
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
    type DeliveryOpaque = Box<Pending>;

    fn delivery(&self, delivery_result: &DeliveryResult<'_>, pending: Box<Pending>) {
        let result = match delivery_result {
            Ok(m) => Ok(Delivery {
                partition_id: m.partition(),
                // acks=0: librdkafka knows no offset (-1001); PyKafka reports -1.
                offset: if m.offset() < 0 { -1 } else { m.offset() },
                timestamp: m.timestamp().to_millis(),
            }),
            Err((e, m)) => Err(self.failure(e, m.partition(), pending.size)),
        };
        pending.complete(result, self.reports.as_deref());
        let (lock, cvar) = &*self.space;
        drop(lock.lock().unwrap_or_else(|e| e.into_inner()));
        cvar.notify_all();
    }
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
            space: Arc::new((Mutex::new(()), Condvar::new())),
            last_error: LastError::default(),
        }
    }

    #[test]
    fn message_timeout_names_the_real_timeout() {
        let e = ctx().failure(
            &KafkaError::MessageProduction(RDKafkaErrorCode::MessageTimedOut),
            0,
            10,
        );
        let text = e.to_string();
        assert!(
            text.contains("45400 ms") && text.contains("message.timeout.ms"),
            "{text}"
        );
    }

    #[test]
    fn purged_in_flight_is_an_unknown_outcome_purged_queued_a_failure() {
        let c = ctx();
        let inflight = c.failure(
            &KafkaError::MessageProduction(RDKafkaErrorCode::PurgeInflight),
            0,
            10,
        );
        assert!(inflight.is_outcome_unknown(), "{inflight}");
        let queued = c.failure(
            &KafkaError::MessageProduction(RDKafkaErrorCode::PurgeQueue),
            0,
            10,
        );
        assert_eq!(queued.kind(), ErrorKind::ProduceFailure, "{queued}");
    }
}
