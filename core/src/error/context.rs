//! Where an error happened, as typed values: the broker (id and address), topic, partition and group.

use std::fmt;

/// A broker as errors name it: its node id once metadata has told it, and always its `host:port`.
/// Printed `1 (host:port)`, or `host:port` for a bootstrap address whose id is not known yet.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct BrokerRef {
    /// The broker's node id, when known.
    pub id: Option<i32>,
    /// `host:port` as configured or advertised.
    pub address: String,
}

impl BrokerRef {
    /// A broker known by id and address.
    pub fn new(id: i32, host: &str, port: u16) -> Self {
        BrokerRef {
            id: Some(id),
            address: format!("{host}:{port}"),
        }
    }

    /// An id only, for code that knows no address (test transports); printed as the bare id.
    pub fn id(id: i32) -> Self {
        BrokerRef {
            id: Some(id),
            address: String::new(),
        }
    }

    /// An address only (a bootstrap host, or a broker whose id is not known).
    pub fn address(address: impl Into<String>) -> Self {
        BrokerRef {
            id: None,
            address: address.into(),
        }
    }
}

impl fmt::Display for BrokerRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.id {
            Some(id) if self.address.is_empty() => write!(f, "{id}"),
            Some(id) => write!(f, "{id} ({})", self.address),
            None => f.write_str(&self.address),
        }
    }
}

impl From<&BrokerRef> for BrokerRef {
    fn from(b: &BrokerRef) -> Self {
        b.clone()
    }
}

/// Where an error happened: any of broker, topic, partition, group. Printed as
/// `broker 1 (host:port), topic "t", partition 0, group "g"`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ErrorContext {
    /// The broker that answered or failed.
    pub broker: Option<BrokerRef>,
    /// The topic the operation was about.
    pub topic: Option<String>,
    /// The partition of `topic`, for per-partition operations.
    pub partition: Option<i32>,
    /// The consumer group, for group and offset operations.
    pub group: Option<String>,
}

impl ErrorContext {
    /// Only a broker (connection-level errors).
    pub fn broker(broker: impl Into<BrokerRef>) -> Self {
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
    pub fn with_broker(mut self, broker: impl Into<BrokerRef>) -> Self {
        self.broker = Some(broker.into());
        self
    }
    /// The same context, naming the consumer group too.
    pub fn with_group(mut self, group: impl Into<String>) -> Self {
        self.group = Some(group.into());
        self
    }
    /// True when nothing is named.
    pub fn is_empty(&self) -> bool {
        self == &ErrorContext::default()
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn brokers_print_id_and_address_or_address_alone() {
        assert_eq!(BrokerRef::new(1, "h", 9092).to_string(), "1 (h:9092)");
        assert_eq!(BrokerRef::address("h:9092").to_string(), "h:9092");
        assert_eq!(BrokerRef::id(3).to_string(), "3");
    }

    #[test]
    fn every_context_form_prints() {
        let b = BrokerRef::new(1, "127.0.0.1", 9092);
        assert_eq!(
            ErrorContext::broker(&b).to_string(),
            "broker 1 (127.0.0.1:9092)"
        );
        assert_eq!(
            ErrorContext::broker(BrokerRef::address("boot:9092")).to_string(),
            "broker boot:9092"
        );
        assert_eq!(ErrorContext::topic("t").to_string(), "topic \"t\"");
        assert_eq!(
            ErrorContext::partition("t", 2).with_broker(&b).to_string(),
            "broker 1 (127.0.0.1:9092), topic \"t\", partition 2"
        );
        assert_eq!(
            ErrorContext::group("g").with_broker(&b).to_string(),
            "broker 1 (127.0.0.1:9092), group \"g\""
        );
        assert_eq!(
            ErrorContext::partition("t", 0).with_group("g").to_string(),
            "topic \"t\", partition 0, group \"g\""
        );
        assert_eq!(
            ErrorContext::default().to_string(),
            "no broker, topic or group"
        );
        assert!(ErrorContext::default().is_empty());
    }
}
