use std::error::Error as _;
use std::time::Duration;

use super::*;

fn broker() -> BrokerRef {
    BrokerRef::new(1, "127.0.0.1", 9092)
}

#[test]
fn messages_name_where_it_happened() {
    let e = Error::kafka(
        KafkaCode::NotLeaderForPartition,
        ErrorContext::partition("events", 3).with_broker(broker()),
    );
    assert_eq!(
        e.to_string(),
        "NOT_LEADER_OR_FOLLOWER (6) at broker 1 (127.0.0.1:9092), topic \"events\", partition 3"
    );
    assert_eq!(e.kind(), ErrorKind::Kafka);
    assert!(e.is_retriable());
    assert_eq!(e.code(), Some(KafkaCode::NotLeaderForPartition));
    assert_eq!(e.context().partition, Some(3));
    assert_eq!(e.context().broker.as_ref().and_then(|b| b.id), Some(1));
}

#[test]
fn a_produce_failure_keeps_its_last_attempt_as_code_and_source() {
    let last = Error::kafka(
        KafkaCode::NotLeaderForPartition,
        ErrorContext::partition("events", 0),
    );
    let f = Error::produce_failure(ErrorContext::partition("events", 0), 4, last);
    assert_eq!(f.kind(), ErrorKind::ProduceFailure);
    assert_eq!(f.code(), Some(KafkaCode::NotLeaderForPartition));
    assert_eq!(f.attempts(), Some(4));
    assert!(!f.is_retriable(), "retries are used up");
    let source = f.source().and_then(|s| s.downcast_ref::<Error>());
    assert_eq!(source.map(Error::kind), Some(ErrorKind::Kafka));
    assert_eq!(
        f.to_string(),
        "produce to topic \"events\", partition 0 failed after 4 attempt(s): \
         NOT_LEADER_OR_FOLLOWER (6) at topic \"events\", partition 0"
    );
}

#[test]
fn a_delivery_timeout_is_a_timeout_with_the_last_attempt_as_source() {
    let last = Error::socket_disconnected(broker(), "connect: connection refused");
    let t = Error::delivery_timeout(
        ErrorContext::partition("events", 2),
        Duration::from_millis(3000),
        Some(7),
        false,
        Some(last),
    );
    assert_eq!(t.kind(), ErrorKind::Timeout);
    assert_eq!(t.after(), Some(Duration::from_millis(3000)));
    assert_eq!(t.attempts(), Some(7));
    assert!(!t.is_outcome_unknown());
    assert_eq!(t.context().partition, Some(2));
    let source = t.source().and_then(|s| s.downcast_ref::<Error>());
    assert_eq!(source.map(Error::kind), Some(ErrorKind::SocketDisconnected));
    assert_eq!(
        t.cause().map(Error::kind),
        Some(ErrorKind::SocketDisconnected)
    );
    assert_eq!(
        t.to_string(),
        "delivery to topic \"events\", partition 2 timed out after 3000 ms (delivery_timeout_ms), 7 attempt(s)"
    );
    let maybe = Error::delivery_timeout(
        ErrorContext::partition("events", 2),
        Duration::from_millis(3000),
        None,
        true,
        None,
    );
    assert!(maybe.is_outcome_unknown());
    assert!(
        maybe.to_string().ends_with("may have been written"),
        "{maybe}"
    );
}

#[test]
fn a_socket_error_keeps_the_io_error_as_source() {
    let io = std::io::Error::new(std::io::ErrorKind::ConnectionRefused, "refused");
    let e =
        Error::socket_disconnected(broker(), "connect to 127.0.0.1:9092 failed").with_source(io);
    assert_eq!(
        e.to_string(),
        "socket disconnected from broker 1 (127.0.0.1:9092): connect to 127.0.0.1:9092 failed"
    );
    let io = e.source().and_then(|s| s.downcast_ref::<std::io::Error>());
    assert_eq!(
        io.map(std::io::Error::kind),
        Some(std::io::ErrorKind::ConnectionRefused)
    );
    assert!(e.is_retriable());
    let copy = e.clone();
    assert!(copy.source().is_some(), "clones share the cause");
}

#[test]
fn timeouts_carry_their_limit_and_a_context_when_set() {
    let e = Error::timeout("metadata from broker 1 (h:1)", Duration::from_millis(1500));
    assert_eq!(e.after(), Some(Duration::from_millis(1500)));
    assert_eq!(
        e.to_string(),
        "timed out after 1500 ms waiting for metadata from broker 1 (h:1)"
    );
    assert_eq!(
        Error::timeout("a librdkafka request", Duration::ZERO).to_string(),
        "timed out waiting for a librdkafka request"
    );
    let e = e.with_context(ErrorContext::topic("t"));
    assert_eq!(
        e.to_string(),
        "timed out after 1500 ms waiting for metadata from broker 1 (h:1) (topic \"t\")"
    );
}

#[test]
fn every_kind_reads_as_a_sentence() {
    let b = broker();
    let cases = [
        (
            Error::tls(&b, "unknown issuer"),
            "TLS error with broker 1 (127.0.0.1:9092): unknown issuer",
        ),
        (
            Error::authentication(&b, "PLAIN", "bad password"),
            "SASL PLAIN authentication failed with broker 1 (127.0.0.1:9092): bad password",
        ),
        (
            Error::producer_queue_full("t", 3),
            "producer queue full for topic \"t\": 3 messages queued (max_queued_messages)",
        ),
        (
            Error::message_size_too_large("t", 20, 10),
            "message of 20 bytes for topic \"t\" exceeds the maximum of 10 bytes",
        ),
        (
            Error::partition_owned("g", "t", 2, "c-1"),
            "partition 2 of topic \"t\" is still owned by \"c-1\" in group \"g\"",
        ),
        (
            Error::consumer_stopped("t"),
            "consumer for topic \"t\" is stopped",
        ),
        (
            Error::config("linger_ms", "must be >= 0"),
            "invalid option linger_ms: must be >= 0",
        ),
        (
            Error::background_task_failed("thread t", "ended without an answer"),
            "background thread t failed: ended without an answer",
        ),
    ];
    for (e, text) in cases {
        assert_eq!(e.to_string(), text, "{:?}", e.kind());
    }
}
