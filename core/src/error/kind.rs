//! What kind of failure an [`Error`](super::Error) is: the stable thing to match on.

/// The kind of an [`Error`](super::Error). Named after PyKafka's exceptions where one exists. New kinds may be
/// added in minor releases, so a `match` needs a wildcard arm.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// A broker answered with an error code ([`Error::code`](super::Error::code); PyKafka's
    /// `ProtocolClientError` family).
    Kafka,
    /// A connection to a broker could not be made, or broke (PyKafka's `SocketDisconnectedError`).
    SocketDisconnected,
    /// No bootstrap or known broker answered (PyKafka's `NoBrokersAvailableError`).
    NoBrokersAvailable,
    /// An operation took longer than its configured timeout ([`Error::after`](super::Error::after)); also a
    /// message not delivered within `delivery_timeout_ms` (its partition in the context, the last attempt's
    /// error as `source()`).
    Timeout,
    /// Bytes from a broker could not be decoded, or a request could not be encoded.
    Protocol,
    /// TLS handshake failed (bad CA, bad certificate, hostname mismatch).
    Tls,
    /// SASL authentication failed (wrong password, unsupported mechanism).
    Authentication,
    /// An option has a value outside its range, options contradict each other, or a file an option names
    /// (a certificate, a key) cannot be used ([`Error::option`](super::Error::option)).
    Config,
    /// Bad input to a call (PyKafka's `TypeError` / `ValueError` / `UnicodeException`).
    InvalidInput,
    /// The requested engine is not compiled in (`use_rdkafka(true)` in a `pure-only` build).
    EngineUnavailable,
    /// The topic does not exist and the broker will not create it (PyKafka's `UnknownTopicOrPartition`;
    /// [`Error::code`](super::Error::code) is `UNKNOWN_TOPIC_OR_PARTITION`). Not retriable: it stays so until
    /// someone creates the topic.
    UnknownTopicOrPartition,
    /// The partition's leader is not among the known brokers (PyKafka's `LeaderNotFoundError`).
    LeaderNotFound,
    /// The producer's queue is full and `block_on_queue_full` is false (PyKafka's `ProducerQueueFullError`).
    ProducerQueueFull,
    /// The producer is not running (PyKafka's `ProducerStoppedException`).
    ProducerStopped,
    /// The consumer is not running (PyKafka's `ConsumerStoppedException`).
    ConsumerStopped,
    /// A message was larger than `max_request_size` or the broker's limit (PyKafka's `MessageSizeTooLarge`).
    MessageSizeTooLarge,
    /// A message could not be delivered after all retries (PyKafka's `ProduceFailureError`); the last
    /// attempt's error is [`Error::cause`](super::Error::cause) and `source()`.
    ProduceFailure,
    /// A message whose fate is unknown: a request carrying it was sent and no answer came (a timeout, a lost
    /// connection), or the broker timed out after writing it. It may be in the log, possibly more than once
    /// without idempotence. Never reported for a message that certainly was not written (that is
    /// `ProduceFailure`); `enable_idempotence` makes the retries that lead here safe.
    DeliveryOutcomeUnknown,
    /// A fetched message set could not be decoded (PyKafka's `MessageSetDecodeFailure`).
    MessageSetDecodeFailure,
    /// Offsets could not be listed, fetched or committed after the allowed attempts (PyKafka's
    /// `OffsetRequestFailedError`).
    OffsetRequestFailed,
    /// `get_delivery_report` on a producer built without `delivery_reports(true)`.
    DeliveryReportsDisabled,
    /// A librdkafka-local error with no ferrokafka equivalent (PyKafka's `RdKafkaException`); the
    /// librdkafka error is `source()`.
    Native,
    /// The ZooKeeper ensemble of an unmanaged balanced consumer did not answer in time, or its session could
    /// not be (re)established.
    ZooKeeperUnavailable,
    /// Another member of a ZooKeeper-coordinated group still owned a partition after `rebalance_max_retries`
    /// attempts (PyKafka's `PartitionOwnedError`).
    PartitionOwned,
    /// A background thread or task the client relies on could not start, or ended without answering (a
    /// panic, or its owner stopped first).
    BackgroundTaskFailed,
    /// The client's own state forbids the call (e.g. a group consumer asked for offsets before it has a
    /// member identity).
    InvalidState,
}
