//! What a call to one named broker returns (PyKafka's `Broker.fetch_messages` / `request_metadata`):
//! engine-independent, so the facade's broker handle names no generated protocol type.

use std::collections::BTreeMap;

use crate::admin::{BrokerInfo, TopicInfo};
use crate::error_code::KafkaCode;
use crate::message::Message;

/// One partition's messages from a Fetch sent to a given broker.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FetchedMessages {
    /// The messages at or after the offset asked for, in offset order (an incomplete last one left out).
    pub messages: Vec<Message>,
    /// The partition's high watermark as that broker reported it.
    pub high_watermark: i64,
}

/// A Metadata answer from a given broker.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ClusterMetadata {
    /// The brokers it lists, by id (`connected` is false: this is what the broker said, not a connection).
    pub brokers: BTreeMap<i32, BrokerInfo>,
    /// The controller's id, when the answer names one (Metadata v1+).
    pub controller_id: Option<i32>,
    /// The cluster id, when the answer has one (Metadata v2+).
    pub cluster_id: Option<String>,
    /// The topics it described without an error, by name.
    pub topics: BTreeMap<String, TopicInfo>,
    /// The topics it answered with an error (e.g. UNKNOWN_TOPIC_OR_PARTITION), by name.
    pub topic_errors: BTreeMap<String, KafkaCode>,
}
