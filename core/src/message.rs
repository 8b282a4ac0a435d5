//! Messages in and out, and what a delivery report says.

use bytes::Bytes;

use crate::error::Error;

/// A record header. Keys are strings, values may be null. Kafka does not check that a key is UTF-8 (another
/// client may write any bytes): both engines read keys with [`Header::key_from_wire`], so such a key arrives
/// the same way on either, lossily, and never stops its partition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    /// The header's name (Kafka requires UTF-8).
    pub key: String,
    /// The header's value; `None` is a null value, distinct from an empty one.
    pub value: Option<Bytes>,
}

impl Header {
    /// A key as read from the wire: UTF-8, with invalid sequences replaced by U+FFFD.
    pub fn key_from_wire(bytes: &[u8]) -> String {
        String::from_utf8_lossy(bytes).into_owned()
    }

    /// A header with a non-null value.
    pub fn new(key: impl Into<String>, value: impl Into<Bytes>) -> Self {
        Header {
            key: key.into(),
            value: Some(value.into()),
        }
    }
}

/// A message read from a partition. Key and value are zero-copy slices of the fetched buffer (pure engine).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    /// The partition it was read from.
    pub partition_id: i32,
    /// Its offset in that partition.
    pub offset: i64,
    /// The key (PyKafka's name); `None` for a null key.
    pub partition_key: Option<Bytes>,
    /// The value; `None` for a null value (a tombstone on compacted topics).
    pub value: Option<Bytes>,
    /// Milliseconds since the epoch; `None` for magic-0 messages, which carry none.
    pub timestamp: Option<i64>,
    /// Record headers in wire order (RecordBatch v2; empty for older formats).
    pub headers: Vec<Header>,
}

/// A message to produce. `partition` is set by the partitioner, or by the caller to bypass it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OutgoingMessage {
    /// The value; `None` sends a null value.
    pub value: Option<Bytes>,
    /// The key the partitioner hashes and the broker stores; `None` for no key.
    pub partition_key: Option<Bytes>,
    /// Milliseconds since the epoch; `None` = now (brokers ≥ 0.10).
    pub timestamp: Option<i64>,
    /// Record headers (need brokers ≥ 0.11: a MessageSet-only broker refuses them with `InvalidInput`).
    pub headers: Vec<Header>,
    /// The target partition; `None` lets the partitioner choose.
    pub partition: Option<i32>,
}

impl OutgoingMessage {
    /// A message with this value and no key.
    pub fn new(value: impl Into<Bytes>) -> Self {
        OutgoingMessage {
            value: Some(value.into()),
            ..Default::default()
        }
    }

    /// Sets the key.
    pub fn with_key(mut self, key: impl Into<Bytes>) -> Self {
        self.partition_key = Some(key.into());
        self
    }

    /// Sets the timestamp (milliseconds since the epoch).
    pub fn with_timestamp(mut self, timestamp_ms: i64) -> Self {
        self.timestamp = Some(timestamp_ms);
        self
    }

    /// Adds a header; repeated keys are kept, in order.
    pub fn with_header(mut self, key: impl Into<String>, value: impl Into<Bytes>) -> Self {
        self.headers.push(Header::new(key, value));
        self
    }

    /// Sends to this partition, bypassing the partitioner.
    pub fn with_partition(mut self, partition: i32) -> Self {
        self.partition = Some(partition);
        self
    }

    /// Bytes this message adds to a request, roughly: used for `max_request_size` checks and batch sizing.
    pub fn encoded_size_hint(&self) -> usize {
        let len = |b: &Option<Bytes>| b.as_ref().map_or(0, Bytes::len);
        let headers: usize = self
            .headers
            .iter()
            .map(|h| h.key.len() + len(&h.value) + 4)
            .sum();
        len(&self.value) + len(&self.partition_key) + headers + 24
    }
}

/// Where a message landed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Delivery {
    /// The partition the broker appended it to.
    pub partition_id: i32,
    /// -1 when `required_acks` is 0 (the broker does not answer).
    pub offset: i64,
    /// The broker's log-append time when the topic uses it; otherwise the message's create time.
    pub timestamp: Option<i64>,
}

/// PyKafka's `(message, exception)` delivery report.
#[derive(Debug, Clone)]
pub struct DeliveryReport {
    /// The message as it was produced (partition filled in).
    pub message: OutgoingMessage,
    /// Where it landed, or why it was not delivered.
    pub result: Result<Delivery, Error>,
}
