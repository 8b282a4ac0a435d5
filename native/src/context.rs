//! librdkafka's log lines and global errors, into `tracing` (PyKafka routes them to the `pykafka.rdkafka` logger).

use std::sync::Mutex;

use rdkafka::client::ClientContext;
use rdkafka::config::RDKafkaLogLevel;
use rdkafka::consumer::ConsumerContext;
use rdkafka::error::{KafkaError, RDKafkaErrorCode};
use rdkafka::Statistics;

use ferrokafka_core::HealthTracker;

use crate::error::{translate, ErrorSite};

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
/// TLS and SASL failures are kept apart: the transport errors that follow them would hide them.
#[derive(Debug, Default)]
pub struct LastError {
    last: Mutex<Option<(KafkaError, String)>>,
    security: Mutex<Option<(KafkaError, String)>>,
}

impl LastError {
    pub fn record(&self, error: KafkaError, reason: &str) {
        tracing::warn!(target: "librdkafka", "{error}: {reason}");
        if let Some(RDKafkaErrorCode::Authentication | RDKafkaErrorCode::SSL) =
            error.rdkafka_error_code()
        {
            *self.security.lock().unwrap_or_else(|e| e.into_inner()) =
                Some((error.clone(), reason.to_string()));
        }
        *self.last.lock().unwrap_or_else(|e| e.into_inner()) = Some((error, reason.to_string()));
    }

    pub fn get(&self) -> Option<(KafkaError, String)> {
        self.last.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// The last TLS or SASL failure, if any.
    pub fn security(&self) -> Option<(KafkaError, String)> {
        self.security
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }
}

/// The consumer's context: logging, error capture and health (ferrokafka does not subscribe, so no
/// rebalances).
#[derive(Debug, Default)]
pub struct ConsumerCtx {
    pub last_error: LastError,
    /// Unhealthy from librdkafka's first client-level error; healthy again when a fetch broker is up.
    pub health: HealthTracker,
    /// What the health's errors name (topic, bootstrap hosts).
    pub site: ErrorSite,
}

impl ConsumerCtx {
    /// A context whose errors name `site`.
    pub fn new(site: ErrorSite) -> Self {
        ConsumerCtx {
            site,
            ..Default::default()
        }
    }
}

impl ClientContext for ConsumerCtx {
    fn log(&self, level: RDKafkaLogLevel, fac: &str, log_message: &str) {
        log(level, fac, log_message);
    }
    fn error(&self, error: KafkaError, reason: &str) {
        self.health
            .failure(&callback_error(&error, reason, &self.site));
        self.last_error.record(error, reason);
    }
    /// Every `statistics.interval.ms` (set for health): healthy once each broker we fetch from is up.
    fn stats(&self, statistics: Statistics) {
        let mut fetching = statistics
            .brokers
            .values()
            .filter(|b| b.nodeid >= 0 && !b.toppars.is_empty())
            .peekable();
        if fetching.peek().is_some() && fetching.all(|b| b.state == "UP") {
            self.health.success();
        }
    }
}

/// A client-level error as ferrokafka's, with librdkafka's own reason (it names the broker and the cause).
fn callback_error(error: &KafkaError, reason: &str, site: &ErrorSite) -> ferrokafka_core::Error {
    use ferrokafka_core::Error as E;
    let translated = match error.rdkafka_error_code() {
        Some(RDKafkaErrorCode::BrokerTransportFailure) => {
            E::socket_disconnected(site.broker(), reason)
        }
        Some(RDKafkaErrorCode::AllBrokersDown | RDKafkaErrorCode::Resolve) => {
            E::no_brokers_available(site.hosts.clone(), reason).with_context(site.context.clone())
        }
        _ => return translate(error, site),
    };
    translated.with_source(error.clone())
}

impl ConsumerContext for ConsumerCtx {}

/// At construction, why no metadata came: a TLS or SASL failure librdkafka reported is `Tls` /
/// `Authentication`; a transport error, or a timeout while every broker was down, is `NoBrokersAvailable`.
pub fn explain_unreachable(
    err: ferrokafka_core::Error,
    last: &LastError,
    site: &crate::error::ErrorSite,
) -> ferrokafka_core::Error {
    use ferrokafka_core::{Error as E, ErrorKind as K};
    use rdkafka::error::RDKafkaErrorCode as C;
    if !matches!(
        err.kind(),
        K::Timeout | K::Native | K::SocketDisconnected | K::NoBrokersAvailable
    ) {
        return err;
    }
    if let Some((error, reason)) = last.security() {
        let explained = match error.rdkafka_error_code() {
            Some(C::Authentication) => {
                E::authentication(site.broker(), site.mechanism_name(), reason)
            }
            _ => E::tls(site.broker(), reason),
        };
        return explained.with_source(crate::error::LibrdkafkaError::from(error));
    }
    if err.kind() == K::SocketDisconnected {
        // No metadata came back at all: none of the bootstrap brokers answered.
        return E::no_brokers_available(site.hosts.clone(), err.reason()).with_source(err);
    }
    match last.get() {
        Some((e, reason))
            if matches!(
                e.rdkafka_error_code(),
                Some(C::AllBrokersDown | C::BrokerTransportFailure | C::Resolve)
            ) =>
        {
            E::no_brokers_available(site.hosts.clone(), format!("{reason} (then: {err})"))
                .with_source(crate::error::LibrdkafkaError::from(e))
        }
        _ => err,
    }
}
