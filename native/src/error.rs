//! librdkafka errors → ferrokafka's [`Error`], so callers see the same error for the same failure on either engine.
//!
//! Positive librdkafka codes are Kafka's own protocol codes and become `ErrorKind::Kafka`; the negative
//! (librdkafka-local) codes that have a ferrokafka meaning get that variant; the rest stay visible as
//! `ErrorKind::Native` (PyKafka's `RdKafkaException`) rather than being guessed at.

use ferrokafka_core::{ErrorKind, Error, ErrorContext, KafkaCode};
use rdkafka::error::{KafkaError, RDKafkaErrorCode};

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

    fn broker(&self) -> String {
        self.context
            .broker
            .clone()
            .unwrap_or_else(|| self.hosts.clone())
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

/// Translate one librdkafka error code.
pub fn translate_code(code: RDKafkaErrorCode, site: &ErrorSite) -> Error {
    let raw = code as i32;
    let reason = describe(code);
    match code {
        RDKafkaErrorCode::QueueFull => Error::producer_queue_full(site.topic_name(), site.queued),
        RDKafkaErrorCode::MessageSizeTooLarge => Error::message_size_too_large(site.topic_name(), site.size, site.max_size),
        RDKafkaErrorCode::MessageTimedOut => Error::timeout(format!("delivery to {} (message.timeout.ms)", site.context), std::time::Duration::from_millis(0)),
        RDKafkaErrorCode::OperationTimedOut | RDKafkaErrorCode::TimedOutQueue => Error::timeout(format!("librdkafka request at {}", site.context), std::time::Duration::from_millis(0)),
        RDKafkaErrorCode::BrokerTransportFailure => Error::socket_disconnected(site.broker(), reason),
        RDKafkaErrorCode::AllBrokersDown | RDKafkaErrorCode::Resolve => Error::no_brokers_available(site.hosts.clone(), reason),
        RDKafkaErrorCode::Authentication => Error::authentication(site.broker(), site.mechanism.clone().unwrap_or_else(|| "SASL"), reason),
        RDKafkaErrorCode::SSL => Error::tls(site.broker(), reason),
        RDKafkaErrorCode::UnknownTopic | RDKafkaErrorCode::UnknownPartition => Error::kafka_with_message(KafkaCode::UnknownTopicOrPartition, Some(reason), site.context.clone()),
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

/// Translate any error the rdkafka crate returns.
pub fn translate(err: &KafkaError, site: &ErrorSite) -> Error {
    if let Some(code) = err.rdkafka_error_code() {
        return translate_code(code, site);
    }
    match err {
        KafkaError::ClientConfig(_, description, key, value) => Error::config(key.clone(), format!("librdkafka rejected {value:?}: {description}")),
        KafkaError::ClientCreation(reason) => Error::config("librdkafka", format!("could not create the client: {reason}")),
        KafkaError::Nul(_) => Error::invalid_input("string", "contains a NUL byte"),
        other => Error::Other(format!("librdkafka: {other} at {}", site.context)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
        assert_eq!(
            translate_code(RDKafkaErrorCode::QueueFull, &site()),
            Error::producer_queue_full("events", 7)
        );
        assert_eq!(
            translate(
                &KafkaError::MessageProduction(RDKafkaErrorCode::MessageSizeTooLarge),
                &site()
            ),
            Error::message_size_too_large("events", 2_000_000, 1_000_012)
        );
    }

    #[test]
    fn timeouts() {
        assert!(matches!(
            translate_code(RDKafkaErrorCode::MessageTimedOut, &site()),
            Error::Timeout { .. }
        ));
        assert!(matches!(
            translate_code(RDKafkaErrorCode::OperationTimedOut, &site()),
            Error::Timeout { .. }
        ));
    }

    #[test]
    fn connection_failures() {
        assert!(matches!(
            translate_code(RDKafkaErrorCode::BrokerTransportFailure, &site()),
            Error::SocketDisconnected { broker, .. } if broker == "k1:9092"
        ));
        assert!(matches!(
            translate_code(RDKafkaErrorCode::AllBrokersDown, &site()),
            Error::NoBrokersAvailable { hosts, .. } if hosts == "k1:9092"
        ));
        assert!(matches!(
            translate_code(RDKafkaErrorCode::Resolve, &site()),
            Error::NoBrokersAvailable { .. }
        ));
    }

    #[test]
    fn security_failures() {
        assert!(matches!(
            translate_code(RDKafkaErrorCode::Authentication, &site()),
            Error::Authentication { mechanism, .. } if mechanism == "PLAIN"
        ));
        assert!(matches!(
            translate_code(RDKafkaErrorCode::SSL, &site()),
            Error::Tls { .. }
        ));
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
        match e {
            Error::native(code, name, message) => {
                assert_eq!(code, -198);
                assert_eq!(name, "BadCompression");
                assert!(!message.is_empty() && !message.starts_with("BadCompression"));
            }
            other => panic!("{other:?}"),
        }
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
        assert!(matches!(e, Error::Config { option, .. } if option == "linger.ms"));
    }
}
