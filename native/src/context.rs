//! librdkafka's log lines and global errors, into `tracing` (PyKafka routes them to the `pykafka.rdkafka` logger).

use std::sync::Mutex;

use rdkafka::client::ClientContext;
use rdkafka::config::RDKafkaLogLevel;
use rdkafka::consumer::ConsumerContext;
use rdkafka::error::KafkaError;

/// Forward a librdkafka log line at the matching `tracing` level.
pub fn log(level: RDKafkaLogLevel, facility: &str, message: &str) {
    match level {
        RDKafkaLogLevel::Emerg
        | RDKafkaLogLevel::Alert
        | RDKafkaLogLevel::Critical
        | RDKafkaLogLevel::Error => tracing::error!(target: "librdkafka", "{facility} {message}"),
        RDKafkaLogLevel::Warning => tracing::warn!(target: "librdkafka", "{facility} {message}"),
        RDKafkaLogLevel::Notice | RDKafkaLogLevel::Info => {
            tracing::info!(target: "librdkafka", "{facility} {message}")
        }
        RDKafkaLogLevel::Debug => tracing::debug!(target: "librdkafka", "{facility} {message}"),
    }
}

/// The most recent client-level error librdkafka reported (broker down, authentication, TLS), so that a
/// later timeout can say what was going on.
#[derive(Debug, Default)]
pub struct LastError(Mutex<Option<(KafkaError, String)>>);

impl LastError {
    pub fn record(&self, error: KafkaError, reason: &str) {
        tracing::warn!(target: "librdkafka", "{error}: {reason}");
        *self.0.lock().unwrap_or_else(|e| e.into_inner()) = Some((error, reason.to_string()));
    }

    pub fn get(&self) -> Option<(KafkaError, String)> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }
}

/// The consumer's context: logging and error capture only (ferrokafka does not subscribe, so no rebalances).
#[derive(Debug, Default)]
pub struct ConsumerCtx {
    pub last_error: LastError,
}

impl ClientContext for ConsumerCtx {
    fn log(&self, level: RDKafkaLogLevel, fac: &str, log_message: &str) {
        log(level, fac, log_message);
    }
    fn error(&self, error: KafkaError, reason: &str) {
        self.last_error.record(error, reason);
    }
}

impl ConsumerContext for ConsumerCtx {}

/// At construction, a metadata failure because no broker could be reached (a transport error, or a timeout
/// while librdkafka reported every broker down) is `NoBrokersAvailable`.
pub fn explain_unreachable(
    err: ferrokafka_core::Error,
    last: &LastError,
    hosts: &str,
) -> ferrokafka_core::Error {
    use rdkafka::error::RDKafkaErrorCode as C;
    if let ferrokafka_core::Error::SocketDisconnected { reason, .. } = &err {
        // No metadata came back at all: none of the bootstrap brokers answered.
        return ferrokafka_core::Error::NoBrokersAvailable {
            hosts: hosts.to_string(),
            reason: reason.clone(),
        };
    }
    if !matches!(
        err,
        ferrokafka_core::Error::Timeout { .. } | ferrokafka_core::Error::Native { .. }
    ) {
        return err;
    }
    match last.get() {
        Some((e, reason))
            if matches!(
                e.rdkafka_error_code(),
                Some(C::AllBrokersDown | C::BrokerTransportFailure | C::Resolve)
            ) =>
        {
            ferrokafka_core::Error::NoBrokersAvailable {
                hosts: hosts.to_string(),
                reason: format!("{reason} (then: {err})"),
            }
        }
        _ => err,
    }
}
