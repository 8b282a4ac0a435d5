//! One error type for the whole client and both engines, opaque like tokio-postgres's.
//!
//! Match on [`Error::kind`] (an [`ErrorKind`], named after PyKafka's exceptions) and [`Error::code`] (the
//! broker's [`KafkaCode`]); ask [`Error::is_retriable`] whether trying again may help; read where it happened
//! from [`Error::context`]. The underlying cause, where there is one (an `std::io::Error` of a socket, the
//! rustls error of a handshake, librdkafka's `KafkaError`, the last attempt of a failed produce), is
//! [`std::error::Error::source`], and `Display` never repeats it (C-GOOD-ERR): a report such as anyhow's
//! `{:#}` prints each cause once. `Error` is an `Arc` inside: cloning is cheap, so one batch failure can be
//! reported for each of its messages.

mod context;
mod describe;
mod kind;

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

pub use context::{BrokerRef, ErrorContext};
pub use describe::{hex_ascii, Report};
pub use kind::ErrorKind;

use crate::error_code::KafkaCode;

/// A cause kept for [`std::error::Error::source`].
pub type Cause = Arc<dyn std::error::Error + Send + Sync + 'static>;

/// Every failure ferrokafka reports. See the [module docs](self) for the contract.
#[derive(Clone)]
pub struct Error(Arc<Inner>);

#[derive(Clone)]
struct Inner {
    detail: Detail,
    context: ErrorContext,
    source: Option<Cause>,
}

/// What each kind carries beyond its context; private so fields can change without breaking callers.
#[derive(Debug, Clone)]
enum Detail {
    Kafka {
        code: KafkaCode,
        message: Option<String>,
    },
    SocketDisconnected {
        reason: String,
    },
    NoBrokersAvailable {
        hosts: String,
        reason: String,
    },
    Timeout {
        what: String,
        after: Duration,
    },
    Protocol {
        detail: String,
    },
    Tls {
        reason: String,
    },
    Authentication {
        mechanism: String,
        reason: String,
    },
    Config {
        option: String,
        reason: String,
    },
    InvalidInput {
        what: String,
        reason: String,
    },
    EngineUnavailable {
        reason: String,
    },
    LeaderNotFound {
        leader: i32,
    },
    UnknownTopic {
        reason: String,
    },
    ProducerQueueFull {
        queued: usize,
    },
    ProducerStopped,
    ConsumerStopped,
    MessageSizeTooLarge {
        size: usize,
        max: usize,
    },
    ProduceFailure {
        attempts: u32,
        cause: Error,
    },
    DeliveryOutcomeUnknown {
        attempts: u32,
        cause: Error,
    },
    /// `delivery_timeout_ms` expired; the last attempt's error, if any, is the source.
    DeliveryTimeout {
        after: Duration,
        attempts: Option<u32>,
        in_doubt: bool,
        last: Option<Error>,
    },
    MessageSetDecodeFailure {
        offset: i64,
        reason: String,
    },
    OffsetRequestFailed {
        reason: String,
    },
    DeliveryReportsDisabled,
    Native {
        code: i32,
        name: String,
        message: String,
    },
    ZooKeeperUnavailable {
        hosts: String,
        reason: String,
    },
    PartitionOwned {
        owner: String,
    },
    BackgroundTaskFailed {
        what: String,
        reason: String,
    },
    InvalidState {
        what: String,
    },
}

/// Constructors, one per kind; the context and the cause are added with [`Error::with_context`],
/// [`Error::with_broker`] and [`Error::with_source`].
impl Error {
    fn new(detail: Detail, context: ErrorContext) -> Error {
        Error(Arc::new(Inner {
            detail,
            context,
            source: None,
        }))
    }

    /// A broker error code about `context`.
    pub fn kafka(code: KafkaCode, context: ErrorContext) -> Error {
        Error::new(
            Detail::Kafka {
                code,
                message: None,
            },
            context,
        )
    }

    /// A broker error code with the broker's own message (responses that carry one).
    pub fn kafka_with_message(
        code: KafkaCode,
        message: Option<String>,
        context: ErrorContext,
    ) -> Error {
        Error::new(Detail::Kafka { code, message }, context)
    }

    /// A connection to `broker` could not be made, or broke; `reason` says which step failed.
    pub fn socket_disconnected(broker: impl Into<BrokerRef>, reason: impl Into<String>) -> Error {
        Error::new(
            Detail::SocketDisconnected {
                reason: reason.into(),
            },
            ErrorContext::broker(broker),
        )
    }

    /// No broker among `hosts` answered.
    pub fn no_brokers_available(hosts: impl Into<String>, reason: impl Into<String>) -> Error {
        Error::new(
            Detail::NoBrokersAvailable {
                hosts: hosts.into(),
                reason: reason.into(),
            },
            ErrorContext::default(),
        )
    }

    /// Waiting for `what` (which names the broker, topic or group) took longer than `after`.
    pub fn timeout(what: impl Into<String>, after: Duration) -> Error {
        Error::new(
            Detail::Timeout {
                what: what.into(),
                after,
            },
            ErrorContext::default(),
        )
    }

    /// Bytes that could not be decoded (or a request that could not be encoded) at `context`.
    pub fn protocol(detail: impl Into<String>, context: ErrorContext) -> Error {
        Error::new(
            Detail::Protocol {
                detail: detail.into(),
            },
            context,
        )
    }

    /// The TLS handshake with `broker` failed.
    pub fn tls(broker: impl Into<BrokerRef>, reason: impl Into<String>) -> Error {
        Error::new(
            Detail::Tls {
                reason: reason.into(),
            },
            ErrorContext::broker(broker),
        )
    }

    /// SASL `mechanism` was refused by (or could not be run with) `broker`.
    pub fn authentication(
        broker: impl Into<BrokerRef>,
        mechanism: impl Into<String>,
        reason: impl Into<String>,
    ) -> Error {
        Error::new(
            Detail::Authentication {
                mechanism: mechanism.into(),
                reason: reason.into(),
            },
            ErrorContext::broker(broker),
        )
    }

    /// The ferrokafka option `option` (never a librdkafka property name) is refused.
    pub fn config(option: impl Into<String>, reason: impl Into<String>) -> Error {
        Error::new(
            Detail::Config {
                option: option.into(),
                reason: reason.into(),
            },
            ErrorContext::default(),
        )
    }

    /// Invalid input to a call: which argument, and why.
    pub fn invalid_input(what: impl Into<String>, reason: impl Into<String>) -> Error {
        Error::new(
            Detail::InvalidInput {
                what: what.into(),
                reason: reason.into(),
            },
            ErrorContext::default(),
        )
    }

    /// The requested engine is not compiled in.
    pub fn engine_unavailable(reason: impl Into<String>) -> Error {
        Error::new(
            Detail::EngineUnavailable {
                reason: reason.into(),
            },
            ErrorContext::default(),
        )
    }

    /// Broker `leader`, named as leader of the partition in `context`, is not a known broker.
    pub fn leader_not_found(leader: i32, context: ErrorContext) -> Error {
        Error::new(Detail::LeaderNotFound { leader }, context)
    }

    /// `topic` does not exist and will not be created; `reason` says how that is known.
    pub fn unknown_topic(topic: impl Into<String>, reason: impl Into<String>) -> Error {
        Error::new(
            Detail::UnknownTopic {
                reason: reason.into(),
            },
            ErrorContext::topic(topic),
        )
    }

    /// The producer of `topic` has `queued` messages waiting, its limit.
    pub fn producer_queue_full(topic: impl Into<String>, queued: usize) -> Error {
        Error::new(
            Detail::ProducerQueueFull { queued },
            ErrorContext::topic(topic),
        )
    }

    /// The producer of `topic` is stopped.
    pub fn producer_stopped(topic: impl Into<String>) -> Error {
        Error::new(Detail::ProducerStopped, ErrorContext::topic(topic))
    }

    /// The consumer of `topic` is stopped.
    pub fn consumer_stopped(topic: impl Into<String>) -> Error {
        Error::new(Detail::ConsumerStopped, ErrorContext::topic(topic))
    }

    /// A message of `size` bytes for `topic` exceeds `max`.
    pub fn message_size_too_large(topic: impl Into<String>, size: usize, max: usize) -> Error {
        Error::new(
            Detail::MessageSizeTooLarge { size, max },
            ErrorContext::topic(topic),
        )
    }

    /// Delivery to `context` failed after `attempts` sends; `cause` is the last attempt's error.
    pub fn produce_failure(context: ErrorContext, attempts: u32, cause: Error) -> Error {
        Error::new(Detail::ProduceFailure { attempts, cause }, context)
    }

    /// A message sent `attempts` times whose fate is unknown (see [`ErrorKind::DeliveryOutcomeUnknown`]);
    /// `cause` is the error that left the outcome open.
    pub fn delivery_outcome_unknown(context: ErrorContext, attempts: u32, cause: Error) -> Error {
        Error::new(Detail::DeliveryOutcomeUnknown { attempts, cause }, context)
    }

    /// A message not delivered within `delivery_timeout_ms` (`after`), sent `attempts` times (`None` when the
    /// engine does not count them). Its kind is [`ErrorKind::Timeout`]; `in_doubt` says a request carrying it
    /// got no verdict, so it may be in the log ([`Error::is_outcome_unknown`]). `last`, the last attempt's
    /// error, is the source.
    pub fn delivery_timeout(
        context: ErrorContext,
        after: Duration,
        attempts: Option<u32>,
        in_doubt: bool,
        last: Option<Error>,
    ) -> Error {
        Error::new(
            Detail::DeliveryTimeout {
                after,
                attempts,
                in_doubt,
                last,
            },
            context,
        )
    }

    /// Whether this is a delivery whose outcome is unknown (the message may be in the log): a
    /// `DeliveryOutcomeUnknown`, or a delivery timeout of a message that may have been written.
    pub fn is_outcome_unknown(&self) -> bool {
        matches!(
            self.0.detail,
            Detail::DeliveryOutcomeUnknown { .. } | Detail::DeliveryTimeout { in_doubt: true, .. }
        )
    }

    /// The data fetched at `offset` of `context` cannot be decoded.
    pub fn message_set_decode_failure(
        context: ErrorContext,
        offset: i64,
        reason: impl Into<String>,
    ) -> Error {
        Error::new(
            Detail::MessageSetDecodeFailure {
                offset,
                reason: reason.into(),
            },
            context,
        )
    }

    /// Offsets at `context` could not be listed, fetched or committed.
    pub fn offset_request_failed(context: ErrorContext, reason: impl Into<String>) -> Error {
        Error::new(
            Detail::OffsetRequestFailed {
                reason: reason.into(),
            },
            context,
        )
    }

    /// Delivery reports were asked for but not enabled.
    pub fn delivery_reports_disabled() -> Error {
        Error::new(Detail::DeliveryReportsDisabled, ErrorContext::default())
    }

    /// A librdkafka-local error (`code` is its `rd_kafka_resp_err_t`, `name` e.g. `_TRANSPORT`); attach the
    /// rdkafka error with [`Error::with_source`].
    pub fn native(code: i32, name: impl Into<String>, message: impl Into<String>) -> Error {
        Error::new(
            Detail::Native {
                code,
                name: name.into(),
                message: message.into(),
            },
            ErrorContext::default(),
        )
    }

    /// The ZooKeeper ensemble `hosts` could not be used.
    pub fn zookeeper_unavailable(hosts: impl Into<String>, reason: impl Into<String>) -> Error {
        Error::new(
            Detail::ZooKeeperUnavailable {
                hosts: hosts.into(),
                reason: reason.into(),
            },
            ErrorContext::default(),
        )
    }

    /// A partition of a ZooKeeper-coordinated `group` is still owned by consumer `owner`.
    pub fn partition_owned(
        group: impl Into<String>,
        topic: impl Into<String>,
        partition: i32,
        owner: impl Into<String>,
    ) -> Error {
        Error::new(
            Detail::PartitionOwned {
                owner: owner.into(),
            },
            ErrorContext::partition(topic, partition).with_group(group),
        )
    }

    /// A background thread or task doing `what` could not start or ended without answering.
    pub fn background_task_failed(what: impl Into<String>, reason: impl Into<String>) -> Error {
        Error::new(
            Detail::BackgroundTaskFailed {
                what: what.into(),
                reason: reason.into(),
            },
            ErrorContext::default(),
        )
    }

    /// The client's state forbids the call; `what` says what is missing.
    pub fn invalid_state(what: impl Into<String>, context: ErrorContext) -> Error {
        Error::new(Detail::InvalidState { what: what.into() }, context)
    }

    fn edit(mut self, f: impl FnOnce(&mut Inner)) -> Error {
        f(Arc::make_mut(&mut self.0));
        self
    }

    /// The same error about `context` (replacing the context the constructor set).
    pub fn with_context(self, context: ErrorContext) -> Error {
        self.edit(|i| i.context = context)
    }

    /// The same error, naming the broker involved.
    pub fn with_broker(self, broker: impl Into<BrokerRef>) -> Error {
        let broker = broker.into();
        self.edit(|i| i.context.broker = Some(broker))
    }

    /// The same error, keeping `cause` as its [`source`](std::error::Error::source).
    pub fn with_source(self, cause: impl std::error::Error + Send + Sync + 'static) -> Error {
        self.with_cause(Arc::new(cause))
    }

    /// [`Error::with_source`] for a cause already shared.
    pub fn with_cause(self, cause: Cause) -> Error {
        self.edit(|i| i.source = Some(cause))
    }
}

/// Accessors.
impl Error {
    /// What kind of failure this is.
    pub fn kind(&self) -> ErrorKind {
        match &self.0.detail {
            Detail::Kafka { .. } => ErrorKind::Kafka,
            Detail::SocketDisconnected { .. } => ErrorKind::SocketDisconnected,
            Detail::NoBrokersAvailable { .. } => ErrorKind::NoBrokersAvailable,
            Detail::Timeout { .. } | Detail::DeliveryTimeout { .. } => ErrorKind::Timeout,
            Detail::Protocol { .. } => ErrorKind::Protocol,
            Detail::Tls { .. } => ErrorKind::Tls,
            Detail::Authentication { .. } => ErrorKind::Authentication,
            Detail::Config { .. } => ErrorKind::Config,
            Detail::InvalidInput { .. } => ErrorKind::InvalidInput,
            Detail::EngineUnavailable { .. } => ErrorKind::EngineUnavailable,
            Detail::LeaderNotFound { .. } => ErrorKind::LeaderNotFound,
            Detail::UnknownTopic { .. } => ErrorKind::UnknownTopicOrPartition,
            Detail::ProducerQueueFull { .. } => ErrorKind::ProducerQueueFull,
            Detail::ProducerStopped => ErrorKind::ProducerStopped,
            Detail::ConsumerStopped => ErrorKind::ConsumerStopped,
            Detail::MessageSizeTooLarge { .. } => ErrorKind::MessageSizeTooLarge,
            Detail::ProduceFailure { .. } => ErrorKind::ProduceFailure,
            Detail::DeliveryOutcomeUnknown { .. } => ErrorKind::DeliveryOutcomeUnknown,
            Detail::MessageSetDecodeFailure { .. } => ErrorKind::MessageSetDecodeFailure,
            Detail::OffsetRequestFailed { .. } => ErrorKind::OffsetRequestFailed,
            Detail::DeliveryReportsDisabled => ErrorKind::DeliveryReportsDisabled,
            Detail::Native { .. } => ErrorKind::Native,
            Detail::ZooKeeperUnavailable { .. } => ErrorKind::ZooKeeperUnavailable,
            Detail::PartitionOwned { .. } => ErrorKind::PartitionOwned,
            Detail::BackgroundTaskFailed { .. } => ErrorKind::BackgroundTaskFailed,
            Detail::InvalidState { .. } => ErrorKind::InvalidState,
        }
    }

    /// The broker error code, if this error carries one (a failed produce: its last attempt's code).
    pub fn code(&self) -> Option<KafkaCode> {
        match &self.0.detail {
            Detail::Kafka { code, .. } => Some(*code),
            Detail::UnknownTopic { .. } => Some(KafkaCode::UnknownTopicOrPartition),
            Detail::ProduceFailure { cause, .. } | Detail::DeliveryOutcomeUnknown { cause, .. } => {
                cause.code()
            }
            Detail::DeliveryTimeout { last, .. } => last.as_ref().and_then(Error::code),
            _ => None,
        }
    }

    /// Whether retrying the same operation may succeed: a retriable broker code, a broken connection, no
    /// broker reachable, or a timeout. A failed produce has used its retries already, so it is not.
    pub fn is_retriable(&self) -> bool {
        match &self.0.detail {
            Detail::Kafka { code, .. } => code.is_retriable(),
            Detail::SocketDisconnected { .. }
            | Detail::NoBrokersAvailable { .. }
            | Detail::Timeout { .. } => true,
            _ => false,
        }
    }

    /// Where it happened: broker, topic, partition, group (any may be absent).
    pub fn context(&self) -> &ErrorContext {
        &self.0.context
    }

    /// The broker's own error message, for responses that carry one.
    pub fn broker_message(&self) -> Option<&str> {
        match &self.0.detail {
            Detail::Kafka { message, .. } => message.as_deref(),
            _ => None,
        }
    }

    /// For a timeout, the limit that expired (zero when librdkafka did not say).
    pub fn after(&self) -> Option<Duration> {
        match &self.0.detail {
            Detail::Timeout { after, .. } | Detail::DeliveryTimeout { after, .. } => Some(*after),
            _ => None,
        }
    }

    /// For a failed produce, how many times the message was sent (`max_retries + 1` when retries ran out).
    pub fn attempts(&self) -> Option<u32> {
        match &self.0.detail {
            Detail::ProduceFailure { attempts, .. }
            | Detail::DeliveryOutcomeUnknown { attempts, .. } => Some(*attempts),
            Detail::DeliveryTimeout { attempts, .. } => *attempts,
            _ => None,
        }
    }

    /// For a failed produce, the last attempt's error (also its `source()`).
    pub fn cause(&self) -> Option<&Error> {
        match &self.0.detail {
            Detail::ProduceFailure { cause, .. } | Detail::DeliveryOutcomeUnknown { cause, .. } => {
                Some(cause)
            }
            Detail::DeliveryTimeout { last, .. } => last.as_ref(),
            _ => None,
        }
    }

    /// For a configuration error, the ferrokafka option refused.
    pub fn option(&self) -> Option<&str> {
        match &self.0.detail {
            Detail::Config { option, .. } => Some(option),
            _ => None,
        }
    }

    /// For a message too large, its size and the limit it exceeded, in bytes.
    pub fn size_and_max(&self) -> Option<(usize, usize)> {
        match &self.0.detail {
            Detail::MessageSizeTooLarge { size, max } => Some((*size, *max)),
            _ => None,
        }
    }

    /// For a full producer queue, how many messages were waiting.
    pub fn queued(&self) -> Option<usize> {
        match &self.0.detail {
            Detail::ProducerQueueFull { queued } => Some(*queued),
            _ => None,
        }
    }

    /// For an undecodable message set, the fetch offset where the bad data starts.
    pub fn offset(&self) -> Option<i64> {
        match &self.0.detail {
            Detail::MessageSetDecodeFailure { offset, .. } => Some(*offset),
            _ => None,
        }
    }

    /// The hosts tried: bootstrap brokers (no brokers available) or a ZooKeeper connect string.
    pub fn hosts(&self) -> Option<&str> {
        match &self.0.detail {
            Detail::NoBrokersAvailable { hosts, .. }
            | Detail::ZooKeeperUnavailable { hosts, .. } => Some(hosts),
            _ => None,
        }
    }

    /// For SASL failures, the mechanism tried.
    pub fn mechanism(&self) -> Option<&str> {
        match &self.0.detail {
            Detail::Authentication { mechanism, .. } => Some(mechanism),
            _ => None,
        }
    }

    /// For a partition still owned in a ZooKeeper group, the consumer id that owns it.
    pub fn owner(&self) -> Option<&str> {
        match &self.0.detail {
            Detail::PartitionOwned { owner } => Some(owner),
            _ => None,
        }
    }

    /// For a librdkafka-local error, its code and name (`-195`, `_TRANSPORT`).
    pub fn native_code(&self) -> Option<(i32, &str)> {
        match &self.0.detail {
            Detail::Native { code, name, .. } => Some((*code, name)),
            _ => None,
        }
    }

    /// The free-text part of the message: the reason, detail or what was waited for, without the context.
    pub fn reason(&self) -> &str {
        match &self.0.detail {
            Detail::Kafka { message, .. } => message.as_deref().unwrap_or(""),
            Detail::SocketDisconnected { reason }
            | Detail::NoBrokersAvailable { reason, .. }
            | Detail::Tls { reason }
            | Detail::Authentication { reason, .. }
            | Detail::Config { reason, .. }
            | Detail::InvalidInput { reason, .. }
            | Detail::EngineUnavailable { reason }
            | Detail::MessageSetDecodeFailure { reason, .. }
            | Detail::OffsetRequestFailed { reason }
            | Detail::ZooKeeperUnavailable { reason, .. }
            | Detail::BackgroundTaskFailed { reason, .. }
            | Detail::UnknownTopic { reason } => reason,
            Detail::Timeout { what, .. } | Detail::InvalidState { what } => what,
            Detail::Protocol { detail } => detail,
            Detail::Native { message, .. } => message,
            Detail::ProduceFailure { cause, .. } | Detail::DeliveryOutcomeUnknown { cause, .. } => {
                cause.reason()
            }
            Detail::DeliveryTimeout { last, .. } => last.as_ref().map_or("", Error::reason),
            Detail::LeaderNotFound { .. }
            | Detail::ProducerQueueFull { .. }
            | Detail::ProducerStopped
            | Detail::ConsumerStopped
            | Detail::MessageSizeTooLarge { .. }
            | Detail::DeliveryReportsDisabled
            | Detail::PartitionOwned { .. } => "",
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        if let Detail::ProduceFailure { cause, .. } | Detail::DeliveryOutcomeUnknown { cause, .. } =
            &self.0.detail
        {
            return Some(cause);
        }
        if let Detail::DeliveryTimeout {
            last: Some(last), ..
        } = &self.0.detail
        {
            return Some(last);
        }
        self.0
            .source
            .as_deref()
            .map(|s| s as &(dyn std::error::Error + 'static))
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("Error");
        d.field("kind", &self.kind())
            .field("detail", &self.0.detail)
            .field("context", &self.0.context);
        if let Some(s) = &self.0.source {
            d.field("source", s);
        }
        d.finish()
    }
}

/// ferrokafka's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests;
