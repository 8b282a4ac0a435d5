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
        "produce to topic \"events\", partition 0 failed after 4 attempt(s)",
        "the last attempt is source(), not repeated"
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
    let e = Error::socket_disconnected(broker(), "connect failed").with_source(io);
    assert_eq!(
        e.to_string(),
        "socket disconnected from broker 1 (127.0.0.1:9092): connect failed"
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

/// `e` as anyhow's `{:#}` prints it, after checking that each error of the chain appears in it exactly once.
fn report(e: Error) -> String {
    let mut texts = vec![e.to_string()];
    let mut next = e.source();
    while let Some(s) = next {
        texts.push(s.to_string());
        next = s.source();
    }
    let own = e.report().to_string();
    let report = format!("{:#}", anyhow::Error::from(e));
    assert_eq!(own, report, "Error::report() prints what anyhow does");
    for text in &texts {
        assert_eq!(
            report.matches(text.as_str()).count(),
            1,
            "{text:?} in {report:?}"
        );
    }
    assert_eq!(
        report,
        texts.join(": "),
        "anyhow joins the chain with \": \""
    );
    report
}

/// Stands for a foreign cause (librdkafka's `KafkaError`) whose text is fixed here.
#[derive(Debug)]
struct Foreign(&'static str);

impl std::fmt::Display for Foreign {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.0)
    }
}

impl std::error::Error for Foreign {}

fn refused() -> std::io::Error {
    std::io::Error::from_raw_os_error(111)
}

#[test]
fn a_refused_connection_reads_once_under_anyhow() {
    let io_text = refused().to_string();
    let e = Error::socket_disconnected(BrokerRef::address("127.0.0.1:1"), "connect failed")
        .with_source(refused());
    assert_eq!(
        report(e),
        format!("socket disconnected from broker 127.0.0.1:1: connect failed: {io_text}")
    );
}

#[test]
fn a_failed_produce_reports_its_last_attempt_once() {
    let io_text = refused().to_string();
    let last = Error::socket_disconnected(broker(), "write failed").with_source(refused());
    let f = Error::produce_failure(ErrorContext::partition("events", 0), 4, last.clone());
    assert_eq!(
        report(f),
        format!(
            "produce to topic \"events\", partition 0 failed after 4 attempt(s): \
             socket disconnected from broker 1 (127.0.0.1:9092): write failed: {io_text}"
        )
    );
    let unknown = Error::delivery_outcome_unknown(ErrorContext::partition("events", 0), 2, last);
    assert_eq!(
        unknown.source().map(|s| s.to_string()),
        Some("socket disconnected from broker 1 (127.0.0.1:9092): write failed".into()),
        "an unknown outcome's cause is its source() too"
    );
    assert!(report(unknown).starts_with(
        "delivery to topic \"events\", partition 0 has an unknown outcome after 2 attempt(s): the \
         message may have been written: socket disconnected"
    ));
}

#[test]
fn no_brokers_available_nests_the_last_hosts_failure_once() {
    let io_text = refused().to_string();
    let last = Error::socket_disconnected(BrokerRef::address("127.0.0.1:2"), "connect failed")
        .with_source(refused());
    let e = Error::no_brokers_available(
        "127.0.0.1:1,127.0.0.1:2",
        "127.0.0.1:1 failed as 127.0.0.1:2 did",
    )
    .with_source(last);
    assert_eq!(
        report(e),
        format!(
            "no brokers available among 127.0.0.1:1,127.0.0.1:2: 127.0.0.1:1 failed as 127.0.0.1:2 did: \
             socket disconnected from broker 127.0.0.1:2: connect failed: {io_text}"
        )
    );
    let alone = Error::no_brokers_available("h:1", "").with_source(refused());
    assert_eq!(
        report(alone),
        format!("no brokers available among h:1: {io_text}")
    );
}

#[test]
fn a_reason_the_source_already_gives_is_left_out() {
    // librdkafka's errors carry their code's description; the translated error names only its kind.
    let native =
        Foreign("Message production error: BadCompression (Local: Invalid compressed data)");
    let e =
        Error::native(-198, "BadCompression", "Local: Invalid compressed data").with_source(native);
    assert_eq!(
        e.reason(),
        "Local: Invalid compressed data",
        "the accessor still has it"
    );
    assert_eq!(
        report(e),
        "librdkafka error BadCompression (-198): Message production error: BadCompression (Local: \
         Invalid compressed data)"
    );
    let transport =
        Foreign("Global error: BrokerTransportFailure (Local: Broker transport failure)");
    let e = Error::socket_disconnected(
        BrokerRef::address("k1:9092"),
        "Local: Broker transport failure",
    )
    .with_source(transport);
    assert_eq!(
        report(e),
        "socket disconnected from broker k1:9092: Global error: BrokerTransportFailure (Local: Broker \
         transport failure)"
    );
    // Without a source the reason is printed.
    assert_eq!(
        Error::native(-198, "BadCompression", "Local: Invalid compressed data").to_string(),
        "librdkafka error BadCompression (-198): Local: Invalid compressed data"
    );
}

#[test]
fn tls_sasl_and_config_name_the_step_and_leave_the_cause_to_source() {
    let tls = Error::tls(broker(), "handshake failed")
        .with_source(Foreign("invalid peer certificate: UnknownIssuer"));
    assert_eq!(
        report(tls),
        "TLS error with broker 1 (127.0.0.1:9092): handshake failed: invalid peer certificate: UnknownIssuer"
    );
    let closed = Error::socket_disconnected(broker(), "connection closed by the broker");
    let sasl = Error::authentication(
        broker(),
        "PLAIN",
        "the broker closed the connection during authentication",
    )
    .with_source(closed);
    assert!(report(sasl).ends_with(
        "during authentication: socket disconnected from broker 1 (127.0.0.1:9092): connection closed by the broker"
    ));
    let missing = std::io::Error::from(std::io::ErrorKind::NotFound);
    let config = Error::config("ssl_config.cafile", "/x.pem: cannot be used").with_source(missing);
    assert_eq!(
        report(config),
        "invalid option ssl_config.cafile: /x.pem: cannot be used: entity not found"
    );
}

#[test]
fn raw_bytes_print_as_hex_with_their_ascii() {
    assert_eq!(hex_ascii(b"HTTP"), "48 54 54 50 (\"HTTP\")");
    assert_eq!(hex_ascii(&[0, 0, 1, 0x7f]), "00 00 01 7f (\"....\")");
    assert_eq!(hex_ascii(b"a \"b"), "61 20 22 62 (\"a \\\"b\")");
    assert_eq!(hex_ascii(&[]), " (\"\")");
}
