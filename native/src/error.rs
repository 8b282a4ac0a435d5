//! librdkafka errors → ferrokafka's [`Error`], so callers see the same error for the same failure on either engine.
//!
//! Positive librdkafka codes are Kafka's own protocol codes and become `ErrorKind::Kafka`; the negative
//! (librdkafka-local) codes that have a ferrokafka meaning get that variant; the rest stay visible as
//! `ErrorKind::Native` (PyKafka's `RdKafkaException`) rather than being guessed at.

use ferrokafka_core::{BrokerRef, Error, ErrorContext, KafkaCode};
use rdkafka::error::{KafkaError, RDKafkaErrorCode};

/// librdkafka's error as the `source()` of a translated [`Error`]: its text, and no source of its own.
/// `KafkaError`'s `source()` is its code, whose text its `Display` already includes, so a report would print
/// the code twice; this ends the chain there. [`LibrdkafkaError::kafka_error`] gives the `KafkaError`.
#[derive(Debug, Clone)]
pub struct LibrdkafkaError(KafkaError);

impl LibrdkafkaError {
    /// The rdkafka crate's error.
    pub fn kafka_error(&self) -> &KafkaError {
        &self.0
    }
}

impl From<KafkaError> for LibrdkafkaError {
    fn from(e: KafkaError) -> Self {
        LibrdkafkaError(e)
    }
}

impl std::fmt::Display for LibrdkafkaError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl std::error::Error for LibrdkafkaError {}

/// What was being done when an error happened: everything a translated error may need to name.
#[derive(Debug, Clone, Default)]
pub struct ErrorSite {
    /// Topic / partition / group involved.
    pub context: ErrorContext,
    /// The bootstrap hosts, for "no brokers available" messages.
    pub hosts: String,
    /// Messages waiting in the producer queue, for `ProducerQueueFull`.
    pub queued: usize,
    /// Size of the message concerned, for `MessageSizeTooLarge`.
    pub size: usize,
    /// The configured maximum it is checked against, for `MessageSizeTooLarge`.
    pub max_size: usize,
    /// The SASL mechanism configured, for `Authentication`.
    pub mechanism: Option<String>,
}

impl ErrorSite {
    /// A site naming a topic (and partition when known).
    pub fn topic(topic: &str, partition: Option<i32>, hosts: &str) -> Self {
        let mut context = ErrorContext::topic(topic);
        context.partition = partition;
        ErrorSite {
            context,
            hosts: hosts.to_string(),
            ..Default::default()
        }
    }

    /// The broker named in the context, else the bootstrap hosts as an address.
    pub fn broker(&self) -> BrokerRef {
        self.context
            .broker
            .clone()
            .unwrap_or_else(|| BrokerRef::address(self.hosts.clone()))
    }

    /// The SASL mechanism configured, `SASL` when unknown.
    pub fn mechanism_name(&self) -> &str {
        self.mechanism.as_deref().unwrap_or("SASL")
    }

    fn topic_name(&self) -> String {
        self.context.topic.clone().unwrap_or_default()
    }
}

/// librdkafka's description of a code, without the `Name (...)` wrapper its `Display` adds.
pub fn describe(code: RDKafkaErrorCode) -> String {
    let shown = code.to_string();
    let name = format!("{code:?}");
    shown
        .strip_prefix(&name)
        .map(|rest| {
            rest.trim()
                .trim_start_matches('(')
                .trim_end_matches(')')
                .to_string()
        })
        .unwrap_or(shown)
}

/// Translate one librdkafka error code; the code is kept as the source.
pub fn translate_code(code: RDKafkaErrorCode, site: &ErrorSite) -> Error {
    translate_code_only(code, site).with_source(code)
}

fn translate_code_only(code: RDKafkaErrorCode, site: &ErrorSite) -> Error {
    let raw = code as i32;
    let reason = describe(code);
    match code {
        RDKafkaErrorCode::QueueFull => Error::producer_queue_full(site.topic_name(), site.queued),
        RDKafkaErrorCode::MessageSizeTooLarge => {
            Error::message_size_too_large(site.topic_name(), site.size, site.max_size)
        }
        RDKafkaErrorCode::MessageTimedOut => Error::timeout(
            format!("delivery to {} (message.timeout.ms)", site.context),
            std::time::Duration::from_millis(0),
        ),
        RDKafkaErrorCode::OperationTimedOut | RDKafkaErrorCode::TimedOutQueue => Error::timeout(
            format!("librdkafka request at {}", site.context),
            std::time::Duration::from_millis(0),
        ),
        RDKafkaErrorCode::BrokerTransportFailure => {
            Error::socket_disconnected(site.broker(), reason)
        }
        RDKafkaErrorCode::AllBrokersDown | RDKafkaErrorCode::Resolve => {
            Error::no_brokers_available(site.hosts.clone(), reason)
        }
        RDKafkaErrorCode::Authentication => {
            Error::authentication(site.broker(), site.mechanism_name(), reason)
        }
        RDKafkaErrorCode::SSL => Error::tls(site.broker(), reason),
        RDKafkaErrorCode::UnknownTopic | RDKafkaErrorCode::UnknownPartition => {
            Error::kafka_with_message(
                KafkaCode::UnknownTopicOrPartition,
                Some(reason),
                site.context.clone(),
            )
        }
        // -1 is Kafka's UNKNOWN_SERVER_ERROR; positive codes are Kafka's protocol codes.
        _ if raw == -1 || raw > 0 => match i16::try_from(raw).ok().and_then(KafkaCode::from_i16) {
            Some(code) => Error::kafka(code, site.context.clone()),
            None => native(code, reason),
        },
        _ => native(code, reason),
    }
}

fn native(code: RDKafkaErrorCode, reason: String) -> Error {
    Error::native(code as i32, format!("{code:?}"), reason)
}

/// Translate any error the rdkafka crate returns; the `KafkaError` is kept as the source (a
/// [`LibrdkafkaError`]).
pub fn translate(err: &KafkaError, site: &ErrorSite) -> Error {
    let error = match err.rdkafka_error_code() {
        Some(code) => translate_code_only(code, site),
        None => translate_other(err, site),
    };
    error.with_source(LibrdkafkaError::from(err.clone()))
}

fn translate_other(err: &KafkaError, site: &ErrorSite) -> Error {
    match err {
        KafkaError::ClientConfig(_, description, key, value) => Error::config(
            key.clone(),
            format!("librdkafka rejected {value:?}: {description}"),
        ),
        KafkaError::ClientCreation(reason) => Error::config(
            "librdkafka",
            format!("could not create the client: {reason}"),
        ),
        KafkaError::Nul(_) => Error::invalid_input("string", "contains a NUL byte"),
        // Failures of the rdkafka crate's own calls (seek, pause, subscription…) carry no librdkafka code.
        other => {
            Error::native(0, "KafkaError", other.to_string()).with_context(site.context.clone())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ferrokafka_core::ErrorKind;
    use std::error::Error as _;

    fn site() -> ErrorSite {
        ErrorSite {
            queued: 7,
            size: 2_000_000,
            max_size: 1_000_012,
            mechanism: Some("PLAIN".into()),
            ..ErrorSite::topic("events", Some(3), "k1:9092")
        }
    }

    #[test]
    fn broker_codes_become_kafka_errors_with_context() {
        let e = translate_code(RDKafkaErrorCode::NotLeaderForPartition, &site());
        assert_eq!(e.code(), Some(KafkaCode::NotLeaderForPartition));
        assert!(e.to_string().contains("partition 3"), "{e}");
        let e = translate(
            &KafkaError::MessageProduction(RDKafkaErrorCode::OffsetOutOfRange),
            &site(),
        );
        assert_eq!(e.code(), Some(KafkaCode::OffsetOutOfRange));
        let e = translate_code(RDKafkaErrorCode::Unknown, &site());
        assert_eq!(e.code(), Some(KafkaCode::UnknownError));
    }

    #[test]
    fn queue_full_and_size() {
        let e = translate_code(RDKafkaErrorCode::QueueFull, &site());
        assert_eq!(e.kind(), ErrorKind::ProducerQueueFull);
        assert_eq!(e.queued(), Some(7));
        assert_eq!(e.context().topic.as_deref(), Some("events"));
        let e = translate(
            &KafkaError::MessageProduction(RDKafkaErrorCode::MessageSizeTooLarge),
            &site(),
        );
        assert_eq!(e.size_and_max(), Some((2_000_000, 1_000_012)));
        let source = e.source().and_then(|s| s.downcast_ref::<LibrdkafkaError>());
        assert!(
            source.is_some_and(|s| s.source().is_none()),
            "the KafkaError is the source, and ends the chain: {e:?}"
        );
    }

    #[test]
    fn timeouts() {
        for code in [
            RDKafkaErrorCode::MessageTimedOut,
            RDKafkaErrorCode::OperationTimedOut,
        ] {
            assert_eq!(translate_code(code, &site()).kind(), ErrorKind::Timeout);
        }
    }

    #[test]
    fn connection_failures() {
        let e = translate_code(RDKafkaErrorCode::BrokerTransportFailure, &site());
        assert_eq!(e.kind(), ErrorKind::SocketDisconnected);
        assert_eq!(
            e.context().broker,
            Some(BrokerRef::address("k1:9092")),
            "{e}"
        );
        let e = translate_code(RDKafkaErrorCode::AllBrokersDown, &site());
        assert_eq!(e.kind(), ErrorKind::NoBrokersAvailable);
        assert_eq!(e.hosts(), Some("k1:9092"));
        let e = translate_code(RDKafkaErrorCode::Resolve, &site());
        assert_eq!(e.kind(), ErrorKind::NoBrokersAvailable);
        let code = e
            .source()
            .and_then(|s| s.downcast_ref::<RDKafkaErrorCode>());
        assert_eq!(code, Some(&RDKafkaErrorCode::Resolve));
    }

    #[test]
    fn security_failures() {
        let e = translate_code(RDKafkaErrorCode::Authentication, &site());
        assert_eq!(e.kind(), ErrorKind::Authentication);
        assert_eq!(e.mechanism(), Some("PLAIN"));
        let e = translate_code(RDKafkaErrorCode::SSL, &site());
        assert_eq!(e.kind(), ErrorKind::Tls);
    }

    #[test]
    fn unknown_topic_or_partition() {
        for code in [
            RDKafkaErrorCode::UnknownTopic,
            RDKafkaErrorCode::UnknownPartition,
            RDKafkaErrorCode::UnknownTopicOrPartition,
        ] {
            assert_eq!(
                translate_code(code, &site()).code(),
                Some(KafkaCode::UnknownTopicOrPartition)
            );
        }
    }

    #[test]
    fn other_local_errors_stay_native() {
        let e = translate_code(RDKafkaErrorCode::BadCompression, &site());
        assert_eq!(e.kind(), ErrorKind::Native);
        assert_eq!(e.native_code(), Some((-198, "BadCompression")));
        assert!(!e.reason().is_empty() && !e.reason().starts_with("BadCompression"));
    }

    #[test]
    fn config_errors_name_the_property() {
        let e = translate(
            &KafkaError::ClientConfig(
                rdkafka::types::RDKafkaConfRes::RD_KAFKA_CONF_INVALID,
                "bad value".into(),
                "linger.ms".into(),
                "x".into(),
            ),
            &site(),
        );
        assert_eq!(e.option(), Some("linger.ms"));
    }
}
