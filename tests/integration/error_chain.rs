//! The commonest errors as a user's report prints them: `format!("{:#}", anyhow::Error::from(e))` shows each
//! error of the `source()` chain once (the Rust API guidelines' C-GOOD-ERR), provoked for real against the
//! testkit's brokers and local peers, on both engines where the error can come from either.

use std::error::Error as StdError;
use std::io::{Read, Write};
use std::net::TcpListener;

use ferrokafka::{
    ClientOptions, Error, ErrorKind, KafkaClient, KafkaCode, NewTopic, OutgoingMessage, SaslConfig,
    SaslMechanism, SslConfig,
};
use ferrokafka_testkit::{shared_kafka4, unique_name, FaultProxy, Listener};

use crate::common::engines;
#[cfg(feature = "native")]
use crate::errors::native::native_producer;
use crate::errors::{dead_address, quick};

/// The report of `e`, after checking it: each error of the chain appears in it exactly once, in order,
/// joined by `": "`, on one line. Printed, so a failing run shows what a user would read.
fn report(e: &Error) -> String {
    let mut texts = vec![e.to_string()];
    let mut next = e.source();
    while let Some(s) = next {
        texts.push(s.to_string());
        next = s.source();
    }
    let report = format!("{:#}", anyhow::Error::from(e.clone()));
    eprintln!("{:?}: {report}", e.kind());
    for text in &texts {
        assert!(!text.is_empty(), "an empty cause in {report:?}");
        assert_eq!(
            report.matches(text.as_str()).count(),
            1,
            "{text:?} should appear once in {report:?}"
        );
    }
    assert_eq!(report, texts.join(": "), "the chain in order");
    assert!(!report.contains('\n'), "one line: {report:?}");
    report
}

/// How many times `needle` is in `haystack`.
fn count(haystack: &str, needle: &str) -> usize {
    haystack.matches(needle).count()
}

/// The text Linux gives a refused connect (ECONNREFUSED): `Connection refused (os error 111)`.
fn refused_text() -> String {
    std::io::Error::from_raw_os_error(111).to_string()
}

/// A peer that answers anything with an HTTP error, like a web server on the wrong port.
fn http_server() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("address").to_string();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { return };
            std::thread::spawn(move || {
                let mut buf = [0u8; 1024];
                let _ = stream.read(&mut buf);
                let _ = stream.write_all(
                    b"HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\nconnection: close\r\n\r\n",
                );
            });
        }
    });
    addr
}

/// A TLS listener of the shared broker, with a CA that did not sign its certificate.
fn wrong_ca() -> ClientOptions {
    let hosts = shared_kafka4()
        .listener_bootstrap(Listener::Ssl)
        .expect("SSL listener");
    let mut o = quick(hosts);
    o.ssl_config = Some(SslConfig::new("/etc/ssl/certs/ca-certificates.crt"));
    o
}

/// The SASL/PLAIN listener of the shared broker, with a wrong password.
fn wrong_password() -> ClientOptions {
    let cluster = shared_kafka4();
    let hosts = cluster
        .listener_bootstrap(Listener::SaslPlaintext)
        .expect("SASL listener");
    let mut o = quick(hosts);
    o.sasl_config = Some(SaslConfig {
        mechanism: SaslMechanism::Plain,
        username: cluster.sasl_users()[0].username.clone(),
        password: "not-the-password".into(),
    });
    o
}

// 1. Unreachable hosts: each host is named, the OS's refusal appears once, not once per host and round.
#[test]
fn two_unreachable_hosts_pure() {
    let (a, b) = (dead_address(), dead_address());
    let e = KafkaClient::with_options(quick(&format!("{a},{b}"))).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NoBrokersAvailable, "{e}");
    let text = report(&e);
    assert_eq!(count(&text, &refused_text()), 1, "{text}");
    assert_eq!(
        text,
        format!(
            "no brokers available among {a},{b}: {a} failed as {b} did: socket disconnected from \
             broker {b}: connect to {b} failed: {}",
            refused_text()
        )
    );
}

#[cfg(feature = "native")]
#[test]
fn two_unreachable_hosts_native() {
    let (a, b) = (dead_address(), dead_address());
    let e = native_producer(&quick(&format!("{a},{b}"))).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NoBrokersAvailable, "{e:?}");
    let text = report(&e);
    assert!(
        text.starts_with(&format!("no brokers available among {a},{b}")),
        "{text}"
    );
}

// 2. A broker that goes away mid-use (its proxy stops: connections closed, new ones refused): the failed
// produce reports its last attempt, whose cause is the refused reconnect (pure engine; librdkafka's sync
// produce gives up at pending_timeout_ms).
engines! {
    fn a_broker_gone_mid_use_fails_the_produce_with_its_cause(cluster, _client, rdkafka) {
        let first = cluster.bootstrap().split(',').next().expect("a broker");
        let proxy = FaultProxy::start(first).expect("proxy");
        let mut o = quick(proxy.addr());
        o.socket_timeout_ms = 2_000;
        let client = KafkaClient::with_options(o).expect("client through the proxy");
        let name = unique_name("chain-gone");
        cluster.create_topic(&name, 1).expect("create");
        let topic = client.topic(&name).expect("topic");
        let producer = topic
            .sync_producer()
            .use_rdkafka(rdkafka)
            .max_retries(2)
            .retry_backoff_ms(50)
            .pending_timeout_ms(3_000)
            .build()
            .expect("producer");
        producer.produce("before").and_then(|f| f.wait()).expect("delivered while up");
        drop(proxy);
        let e = producer.produce("after").and_then(|f| f.wait()).unwrap_err();
        let text = report(&e);
        if !rdkafka {
            assert_eq!(count(&text, &refused_text()), 1, "{text}");
        }
        assert!(
            matches!(
                e.kind(),
                ErrorKind::ProduceFailure | ErrorKind::DeliveryOutcomeUnknown | ErrorKind::Timeout
            ),
            "{text}"
        );
        assert!(text.contains(&name), "names the topic: {text}");
        let _ = producer.stop();
    }
}

// 3. A request timeout: a peer that accepts connections and never answers, so the bootstrap's first request
// (ApiVersions / Metadata) waits out `socket_timeout_ms`. (A broker silenced behind the fault proxy after
// connecting let a COORDINATOR_NOT_AVAILABLE answer through under load, 1 run in a full suite.)
#[test]
fn a_silent_broker_times_out() {
    let silent = ferrokafka_testkit::BlackHole::start().expect("a silent peer");
    let mut o = quick(silent.addr());
    o.socket_timeout_ms = 1_500;
    let e = KafkaClient::with_options(o).unwrap_err();
    let text = report(&e);
    assert!(text.contains("timed out after 1500 ms"), "{text}");
}

// 4. An unknown topic.
#[test]
fn an_unknown_topic_pure() {
    let client = KafkaClient::with_options(quick(shared_kafka4().bootstrap())).expect("client");
    let missing = unique_name("chain-missing");
    let e = client.delete_topics(&[&missing], 10_000).unwrap_err();
    assert_eq!(e.code(), Some(KafkaCode::UnknownTopicOrPartition), "{e}");
    let text = report(&e);
    assert!(text.contains(&missing), "{text}");
}

#[cfg(feature = "native")]
#[test]
fn an_unknown_topic_native() {
    let missing = unique_name("chain-missing");
    let e = ferrokafka_native::NativeSimpleConsumer::new(
        &quick(shared_kafka4().bootstrap()),
        &missing,
        ferrokafka::ConsumerOptions::default(),
        &[],
    )
    .unwrap_err();
    assert_eq!(e.code(), Some(KafkaCode::UnknownTopicOrPartition), "{e:?}");
    let text = report(&e);
    assert!(text.contains(&missing), "{text}");
}

// 5. A broker error code: the topic exists already (admin, pure engine), a partition the topic lacks
// (produce, either engine).
#[test]
fn a_broker_error_code() {
    let client = KafkaClient::with_options(quick(shared_kafka4().bootstrap())).expect("client");
    let name = unique_name("chain-exists");
    client
        .create_topics(&[NewTopic::new(&name, 1, 1)], 10_000)
        .expect("created");
    let e = client
        .create_topics(&[NewTopic::new(&name, 1, 1)], 10_000)
        .unwrap_err();
    assert_eq!(e.code(), Some(KafkaCode::TopicAlreadyExists), "{e}");
    let text = report(&e);
    assert!(text.contains("TOPIC_ALREADY_EXISTS"), "{text}");
}

engines! {
    fn a_partition_the_topic_lacks(cluster, client, rdkafka) {
        let name = unique_name("chain-partition");
        cluster.create_topic(&name, 1).expect("create");
        let producer = client
            .topic(&name)
            .expect("topic")
            .sync_producer()
            .use_rdkafka(rdkafka)
            .build()
            .expect("producer");
        let e = producer
            .produce_with(OutgoingMessage::new("x").with_partition(7))
            .and_then(|f| f.wait())
            .unwrap_err();
        let text = report(&e);
        assert!(text.contains(&name), "{text}");
        let _ = producer.stop();
    }
}

// 6 and 7. TLS refusal and SASL failure.
#[test]
fn tls_with_the_wrong_ca_pure() {
    let e = KafkaClient::with_options(wrong_ca()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Tls, "{e}");
    let text = report(&e);
    assert!(text.contains("UnknownIssuer"), "the rustls error: {text}");
    assert_eq!(count(&text, "UnknownIssuer"), 1, "{text}");
}

#[cfg(feature = "native")]
#[test]
fn tls_with_the_wrong_ca_native() {
    let e = native_producer(&wrong_ca()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Tls, "{e:?}");
    report(&e);
}

#[test]
fn sasl_with_a_wrong_password_pure() {
    let e = KafkaClient::with_options(wrong_password()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Authentication, "{e}");
    report(&e);
}

#[cfg(feature = "native")]
#[test]
fn sasl_with_a_wrong_password_native() {
    let e = native_producer(&wrong_password()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Authentication, "{e:?}");
    report(&e);
}

// 8. A peer that is not a Kafka broker: the bytes it sent, as hex and ASCII.
#[test]
fn an_http_peer_pure() {
    let addr = http_server();
    let e = KafkaClient::with_options(quick(&addr)).unwrap_err();
    let text = report(&e);
    assert!(text.contains("48 54 54 50 (\"HTTP\")"), "{text}");
}

#[cfg(feature = "native")]
#[test]
fn an_http_peer_native() {
    let addr = http_server();
    let e = native_producer(&quick(&addr)).unwrap_err();
    report(&e);
}

// 9. A failed produce: the report's source is the last attempt, printed once (the broker refuses a
// message over the topic's max.message.bytes).
engines! {
    fn a_failed_produce_reports_its_last_attempt(cluster, client, rdkafka) {
        let name = unique_name("chain-large");
        cluster
            .create_topic_with(&name, 1, None, &[("max.message.bytes", "20000")])
            .expect("create");
        let producer = client
            .topic(&name)
            .expect("topic")
            .sync_producer()
            .max_request_size(100_000)
            .use_rdkafka(rdkafka)
            .build()
            .expect("producer");
        let e = producer
            .produce(vec![b'y'; 50_000])
            .and_then(|f| f.wait())
            .unwrap_err();
        let text = report(&e);
        if e.kind() == ErrorKind::ProduceFailure {
            let last = e.cause().expect("the last attempt").to_string();
            assert_eq!(e.source().map(|s| s.to_string()), Some(last.clone()));
            assert!(text.ends_with(&last) || text.contains(&format!(": {last}")), "{text}");
        }
        let _ = producer.stop();
    }
}

// 10. An invalid option, on either engine.
engines! {
    fn an_invalid_option(_cluster, client, rdkafka) {
        let topic = client.topic(&unique_name("chain-option")).expect("topic");
        let e = topic
            .producer()
            .linger_ms(-5)
            .use_rdkafka(rdkafka)
            .build()
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Config, "{e}");
        let text = report(&e);
        assert!(text.contains("linger_ms"), "{text}");
    }
}
