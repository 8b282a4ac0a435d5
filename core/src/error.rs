//! One error type for the whole client and both engines.
//!
//! Broker-returned codes are `Error::Kafka` with a [`KafkaCode`] named after PyKafka's exceptions; client-side
//! failures are the other variants, also named after PyKafka's exceptions where one exists. Every message names
//! the broker, topic, partition or group involved.

use std::fmt;

use crate::error_code::KafkaCode;

/// Where an error happened: any of broker, topic, partition, group. Printed as "broker 1 (host:port), topic t, ...".
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ErrorContext {
    /// `id (host:port)`, or just `host:port` before the id is known.
    pub broker: Option<String>,
    /// The topic the operation was about.
    pub topic: Option<String>,
    /// The partition of `topic`, for per-partition operations.
    pub partition: Option<i32>,
    /// The consumer group, for group and offset operations.
    pub group: Option<String>,
}

impl ErrorContext {
    /// Only a broker (connection-level errors).
    pub fn broker(broker: impl Into<String>) -> Self {
        ErrorContext {
            broker: Some(broker.into()),
            ..Default::default()
        }
    }
    /// Only a topic (metadata and producer errors).
    pub fn topic(topic: impl Into<String>) -> Self {
        ErrorContext {
            topic: Some(topic.into()),
            ..Default::default()
        }
    }
    /// A topic partition (fetch, produce and offset errors).
    pub fn partition(topic: impl Into<String>, partition: i32) -> Self {
        ErrorContext {
            topic: Some(topic.into()),
            partition: Some(partition),
            ..Default::default()
        }
    }
    /// Only a consumer group (membership and coordinator errors).
    pub fn group(group: impl Into<String>) -> Self {
        ErrorContext {
            group: Some(group.into()),
            ..Default::default()
        }
    }
    /// The same context, naming the broker that answered too.
    pub fn with_broker(mut self, broker: impl Into<String>) -> Self {
        self.broker = Some(broker.into());
        self
    }
}

impl fmt::Display for ErrorContext {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut parts = Vec::new();
        if let Some(b) = &self.broker {
            parts.push(format!("broker {b}"));
        }
        if let Some(t) = &self.topic {
            parts.push(format!("topic {t:?}"));
        }
        if let Some(p) = self.partition {
            parts.push(format!("partition {p}"));
        }
        if let Some(g) = &self.group {
            parts.push(format!("group {g:?}"));
        }
        if parts.is_empty() {
            f.write_str("no broker, topic or group")
        } else {
            f.write_str(&parts.join(", "))
        }
    }
}

/// Every failure ferrokafka reports. `Clone` so one batch failure can be reported for each of its messages.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A broker answered with an error code (PyKafka's `ProtocolClientError` family).
    #[error("{code} at {context}{}", message.as_deref().map(|m| format!(": {m}")).unwrap_or_default())]
    Kafka {
        /// The broker's error code.
        code: KafkaCode,
        /// The broker's error message, where the response carries one.
        message: Option<String>,
        /// Which broker, topic, partition or group the request was about.
        context: ErrorContext,
    },
    /// A connection to a broker could not be made, or broke (PyKafka's `SocketDisconnectedError`).
    #[error("socket disconnected from broker {broker}: {reason}")]
    SocketDisconnected {
        /// The broker, `id (host:port)` or `host:port`.
        broker: String,
        /// What failed: connect, read, write, or the peer closing.
        reason: String,
    },
    /// No bootstrap or known broker answered (PyKafka's `NoBrokersAvailableError`).
    #[error("no brokers available among {hosts}: {reason}")]
    NoBrokersAvailable {
        /// The hosts tried, as configured.
        hosts: String,
        /// Why the last one failed.
        reason: String,
    },
    /// An operation took longer than its configured timeout.
    #[error("timed out after {after_ms} ms waiting for {what}")]
    Timeout {
        /// What was being waited for, naming the broker, topic or group.
        what: String,
        /// The timeout that expired.
        after_ms: u64,
    },
    /// Bytes from a broker could not be decoded, or a request could not be encoded.
    #[error("protocol error at {context}: {detail}")]
    Protocol {
        /// What could not be decoded or encoded, and where in the bytes.
        detail: String,
        /// The broker (and topic or partition) the bytes came from.
        context: ErrorContext,
    },
    /// TLS set-up or handshake failed (bad CA, bad certificate, hostname mismatch, unreadable key).
    #[error("TLS error with {broker}: {reason}")]
    Tls {
        /// The broker, or the option (`ssl_config.cafile`…) when the configuration itself is bad.
        broker: String,
        /// The TLS library's reason.
        reason: String,
    },
    /// SASL authentication failed (wrong password, unsupported mechanism).
    #[error("SASL {mechanism} authentication failed with {broker}: {reason}")]
    Authentication {
        /// The broker that refused.
        broker: String,
        /// The SASL mechanism tried (`PLAIN`, `SCRAM-SHA-256`, `SCRAM-SHA-512`).
        mechanism: String,
        /// The broker's reason, or what the client found wrong.
        reason: String,
    },
    /// An option has a value outside its range, or options contradict each other.
    #[error("invalid option {option}: {reason}")]
    Config {
        /// The ferrokafka option (never a librdkafka property name).
        option: String,
        /// Why the value is refused, with the allowed range where there is one.
        reason: String,
    },
    /// Bad input to a call (PyKafka's TypeError/ValueError/UnicodeException): what and why.
    #[error("invalid {what}: {reason}")]
    InvalidInput {
        /// The argument or value that is wrong.
        what: String,
        /// Why.
        reason: String,
    },
    /// The requested engine is not compiled in (`use_rdkafka(true)` in a `pure-only` build).
    #[error("engine unavailable: {0}")]
    EngineUnavailable(String),
    /// The partition's leader is not among the known brokers (PyKafka's `LeaderNotFoundError`).
    #[error("leader {leader} of {context} is not a known broker")]
    LeaderNotFound {
        /// The broker id the metadata names as leader.
        leader: i32,
        /// The topic partition.
        context: ErrorContext,
    },
    /// The producer's queue is full and `block_on_queue_full` is false (PyKafka's `ProducerQueueFullError`).
    #[error(
        "producer queue full for topic {topic:?}: {queued} messages queued (max_queued_messages)"
    )]
    ProducerQueueFull {
        /// The producer's topic.
        topic: String,
        /// Messages waiting when the limit was hit.
        queued: usize,
    },
    /// The producer is not running (PyKafka's `ProducerStoppedException`).
    #[error("producer for topic {topic:?} is stopped")]
    ProducerStopped {
        /// The producer's topic.
        topic: String,
    },
    /// The consumer is not running (PyKafka's `ConsumerStoppedException`).
    #[error("consumer for topic {topic:?} is stopped")]
    ConsumerStopped {
        /// The consumer's topic.
        topic: String,
    },
    /// A message was larger than `max_request_size` or the broker's limit; never sent (PyKafka's `MessageSizeTooLarge`).
    #[error("message of {size} bytes for topic {topic:?} exceeds the maximum of {max} bytes")]
    MessageSizeTooLarge {
        /// The producer's topic.
        topic: String,
        /// The message's encoded size.
        size: usize,
        /// The limit it exceeded.
        max: usize,
    },
    /// A message could not be delivered after all retries (PyKafka's `ProduceFailureError`); `cause` says why.
    #[error("produce to {context} failed after {attempts} attempt(s): {cause}")]
    ProduceFailure {
        /// The topic partition the message was for.
        context: ErrorContext,
        /// How many times it was sent (`max_retries + 1` when retries ran out).
        attempts: u32,
        /// The last attempt's error.
        cause: Box<Error>,
    },
    /// A message whose fate is unknown: a request carrying it was sent and no answer came (a timeout, a lost
    /// connection), or the broker timed out after writing it. It may be in the log, possibly more than once
    /// without idempotence. Never reported for a message that certainly was not written (that is
    /// [`Error::ProduceFailure`]); `enable_idempotence` makes the retries that lead here safe.
    #[error(
        "delivery to {context} has an unknown outcome after {attempts} attempt(s): the message may have been \
         written. Last error: {cause}"
    )]
    DeliveryOutcomeUnknown {
        /// The topic partition the message was for.
        context: ErrorContext,
        /// How many times it was sent.
        attempts: u32,
        /// The error that left the outcome open (or the last attempt's error).
        cause: Box<Error>,
    },
    /// A fetched message set could not be decoded (PyKafka's `MessageSetDecodeFailure`).
    #[error("message set decode failure at {context}, offset {offset}: {reason}")]
    MessageSetDecodeFailure {
        /// The topic partition fetched.
        context: ErrorContext,
        /// The fetch offset (where the undecodable data starts).
        offset: i64,
        /// What is wrong with the bytes.
        reason: String,
    },
    /// ListOffsets for a reset failed more than the allowed retries (PyKafka's `OffsetRequestFailedError`).
    #[error("offset request failed at {context}: {reason}")]
    OffsetRequestFailed {
        /// The topic partition (and group) concerned.
        context: ErrorContext,
        /// The last attempt's failure.
        reason: String,
    },
    /// `get_delivery_report` on a producer built without `delivery_reports(true)`.
    #[error("delivery reports are disabled for this producer (enable delivery_reports)")]
    DeliveryReportsDisabled,
    /// A librdkafka-local error with no ferrokafka equivalent (PyKafka's `RdKafkaException`).
    #[error("librdkafka error {name} ({code}): {message}")]
    Native {
        /// librdkafka's numeric error code (`rd_kafka_resp_err_t`).
        code: i32,
        /// Its name, e.g. `_TRANSPORT`.
        name: String,
        /// librdkafka's description.
        message: String,
    },
    /// The ZooKeeper ensemble of an unmanaged balanced consumer did not answer in time, or its session
    /// could not be (re)established.
    #[error("ZooKeeper {hosts} unavailable: {reason}")]
    ZooKeeperUnavailable {
        /// The connect string tried (`host:port[,…][/chroot]`).
        hosts: String,
        /// What failed: the timeout, a refused connection, a missing `/brokers/ids`.
        reason: String,
    },
    /// PyKafka's `PartitionOwnedError`: another member of a ZooKeeper-coordinated group still owned the
    /// partition after `rebalance_max_retries` attempts.
    #[error(
        "partition {partition} of topic {topic:?} is still owned by {owner:?} in group {group:?}"
    )]
    PartitionOwned {
        /// The consumer group.
        group: String,
        /// The topic.
        topic: String,
        /// The partition that could not be claimed.
        partition: i32,
        /// The consumer id written in its owner znode.
        owner: String,
    },
    /// Any other failure, with what was being done (PyKafka's plain `KafkaException`).
    #[error("{0}")]
    Other(String),
}

impl Error {
    /// The broker error code, if this error carries one.
    pub fn code(&self) -> Option<KafkaCode> {
        match self {
            Error::Kafka { code, .. } => Some(*code),
            Error::ProduceFailure { cause, .. } | Error::DeliveryOutcomeUnknown { cause, .. } => {
                cause.code()
            }
            _ => None,
        }
    }

    /// Whether retrying the same operation may succeed.
    pub fn is_retriable(&self) -> bool {
        match self {
            Error::Kafka { code, .. } => code.is_retriable(),
            Error::SocketDisconnected { .. }
            | Error::NoBrokersAvailable { .. }
            | Error::Timeout { .. } => true,
            _ => false,
        }
    }

    /// A broker error code with its context.
    pub fn kafka(code: KafkaCode, context: ErrorContext) -> Error {
        Error::Kafka {
            code,
            message: None,
            context,
        }
    }

    /// A message that may or may not have been written (see [`Error::DeliveryOutcomeUnknown`]).
    pub fn delivery_outcome_unknown(context: ErrorContext, attempts: u32, cause: Error) -> Error {
        Error::DeliveryOutcomeUnknown {
            context,
            attempts,
            cause: Box::new(cause),
        }
    }

    /// Whether this is a delivery whose outcome is unknown (the message may be in the log).
    pub fn is_outcome_unknown(&self) -> bool {
        matches!(self, Error::DeliveryOutcomeUnknown { .. })
    }

    /// An invalid option.
    pub fn config(option: impl Into<String>, reason: impl Into<String>) -> Error {
        Error::Config {
            option: option.into(),
            reason: reason.into(),
        }
    }

    /// Invalid input to a call.
    pub fn invalid_input(what: impl Into<String>, reason: impl Into<String>) -> Error {
        Error::InvalidInput {
            what: what.into(),
            reason: reason.into(),
        }
    }
}

/// ferrokafka's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_name_where_it_happened() {
        let e = Error::kafka(
            KafkaCode::NotLeaderForPartition,
            ErrorContext::partition("events", 3).with_broker("1 (127.0.0.1:9092)"),
        );
        assert_eq!(
            e.to_string(),
            "NOT_LEADER_OR_FOLLOWER (6) at broker 1 (127.0.0.1:9092), topic \"events\", partition 3"
        );
        assert!(e.is_retriable());
        assert_eq!(e.code(), Some(KafkaCode::NotLeaderForPartition));
        let f = Error::ProduceFailure {
            context: ErrorContext::partition("events", 0),
            attempts: 4,
            cause: Box::new(e),
        };
        assert_eq!(f.code(), Some(KafkaCode::NotLeaderForPartition));
        assert!(!f.is_retriable());
    }
}
