//! The error contract against real brokers: `kind()`, `code()`, `is_retriable()`, `context()` and the
//! `source()` chain (the io error of a refused connection, the rustls or librdkafka error of a failed TLS
//! handshake), on both engines where the failure exists on both.

use std::error::Error as StdError;
use std::net::TcpListener;

use ferrokafka::{
    ClientOptions, Error, ErrorKind, KafkaClient, KafkaCode, NewTopic, OutgoingMessage, SslConfig,
};
use ferrokafka_testkit::{shared_kafka4, unique_name, Listener};

use crate::common::engines;

/// The first error of type `T` in `e`'s source chain (not `e` itself).
fn cause<T: StdError + 'static>(e: &Error) -> Option<&T> {
    let mut next = e.source();
    while let Some(s) = next {
        if let Some(t) = s.downcast_ref::<T>() {
            return Some(t);
        }
        next = s.source();
    }
    None
}

/// `host:port` where nothing listens: a port the OS just handed out, closed again.
pub(crate) fn dead_address() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("address").port();
    drop(listener);
    format!("127.0.0.1:{port}")
}

/// Client options with a 3 s socket timeout, so failures come quickly.
pub(crate) fn quick(hosts: &str) -> ClientOptions {
    let mut o = ClientOptions::new(hosts);
    o.socket_timeout_ms = 3_000;
    o
}

/// A TLS listener of the shared broker, with a CA that did not sign its certificate.
fn wrong_ca() -> ClientOptions {
    let cluster = shared_kafka4();
    let hosts = cluster
        .listener_bootstrap(Listener::Ssl)
        .expect("SSL listener");
    let mut o = quick(hosts);
    o.ssl_config = Some(SslConfig::new("/etc/ssl/certs/ca-certificates.crt"));
    o
}

#[test]
fn a_refused_connection_keeps_the_io_error_pure() {
    let hosts = dead_address();
    let e = KafkaClient::with_options(quick(&hosts)).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NoBrokersAvailable, "{e}");
    assert!(e.is_retriable());
    assert_eq!(e.hosts(), Some(hosts.as_str()));
    let io = cause::<std::io::Error>(&e).unwrap_or_else(|| panic!("no io error in {e:?}"));
    assert_eq!(io.kind(), std::io::ErrorKind::ConnectionRefused, "{io}");
    // The step in between is the connection failure, naming the broker it was for.
    let socket = cause::<Error>(&e).expect("the connection error");
    assert_eq!(socket.kind(), ErrorKind::SocketDisconnected);
    let broker = socket.context().broker.clone().expect("a broker");
    assert_eq!((broker.id, broker.address.as_str()), (None, hosts.as_str()));
    assert!(socket.to_string().contains(&hosts), "{socket}");
}

#[test]
fn tls_with_the_wrong_ca_keeps_the_rustls_error_pure() {
    let o = wrong_ca();
    let e = KafkaClient::with_options(o.clone()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Tls, "{e}");
    assert!(!e.is_retriable());
    assert!(e.to_string().contains(&o.hosts), "names the broker: {e}");
    let tls = cause::<rustls::Error>(&e).unwrap_or_else(|| panic!("no rustls error in {e:?}"));
    assert!(
        matches!(
            tls,
            rustls::Error::InvalidCertificate(rustls::CertificateError::UnknownIssuer)
        ),
        "{tls:?}"
    );
}

#[test]
fn broker_codes_say_whether_a_retry_can_help() {
    let cluster = shared_kafka4();
    let client = KafkaClient::with_options(quick(cluster.bootstrap())).expect("client");
    let name = unique_name("errors-codes");
    client
        .create_topics(&[NewTopic::new(&name, 1, 1)], 10_000)
        .expect("created");

    // Fatal: the topic exists. The error names the topic and the broker (id and address) that answered.
    let e = client
        .create_topics(&[NewTopic::new(&name, 1, 1)], 10_000)
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Kafka, "{e}");
    assert_eq!(e.code(), Some(KafkaCode::TopicAlreadyExists), "{e}");
    assert!(!e.is_retriable());
    assert_eq!(e.context().topic.as_deref(), Some(name.as_str()));
    let broker = e.context().broker.clone().expect("the answering broker");
    assert!(
        broker.id.is_some() && broker.address.contains(':'),
        "{broker:?}"
    );
    assert!(e.to_string().contains(&format!("broker {broker}")), "{e}");

    // Retriable: the topic is gone (it may come back).
    client.delete_topics(&[&name], 10_000).expect("deleted");
    let e = client.delete_topics(&[&name], 10_000).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Kafka, "{e}");
    assert_eq!(e.code(), Some(KafkaCode::UnknownTopicOrPartition), "{e}");
    assert!(e.is_retriable());
}

engines! {
    /// A partition the topic does not have: a typed error naming the topic on either engine. The pure
    /// engine refuses it before sending (its metadata lists the partitions); librdkafka reports the
    /// broker-side code.
    fn an_unknown_partition_is_refused_naming_the_topic(_cluster, client, rdkafka) {
        let topic = client.topic(&unique_name("errors-unknown")).expect("topic");
        let producer = topic
            .sync_producer()
            .use_rdkafka(rdkafka)
            .build()
            .expect("producer");
        let e = producer
            .produce_with(OutgoingMessage::new("x").with_partition(7))
            .and_then(|f| f.wait())
            .unwrap_err();
        if rdkafka {
            assert_eq!(e.code(), Some(KafkaCode::UnknownTopicOrPartition), "{e}");
            assert!(
                matches!(e.kind(), ErrorKind::Kafka | ErrorKind::ProduceFailure),
                "{e}"
            );
        } else {
            assert_eq!(e.kind(), ErrorKind::InvalidInput, "{e}");
            assert_eq!(e.code(), None);
        }
        assert!(e.to_string().contains(topic.name()), "{e}");
        producer.stop().expect("stop");
    }
}

#[cfg(feature = "native")]
pub(crate) mod native {
    use std::sync::Arc;
    use std::time::Duration;

    use ferrokafka::partitioner::RandomPartitioner;
    use ferrokafka::ProducerOptions;
    use ferrokafka_native::error::LibrdkafkaError;

    use super::*;

    /// A librdkafka producer built straight from `options` (the facade connects with the pure engine first).
    pub(crate) fn native_producer(options: &ClientOptions) -> Result<(), Error> {
        let opts = ProducerOptions {
            linger_ms: 0,
            ..Default::default()
        };
        ferrokafka_native::NativeProducer::new(
            options,
            &unique_name("errors-native"),
            opts,
            Some(Arc::new(RandomPartitioner::default())),
            &[],
        )
        .map(|_| ())
    }

    #[test]
    fn a_refused_connection_keeps_the_librdkafka_error() {
        let hosts = dead_address();
        let started = std::time::Instant::now();
        let e = native_producer(&quick(&hosts)).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::NoBrokersAvailable, "{e:?}");
        assert!(e.is_retriable());
        assert_eq!(e.hosts(), Some(hosts.as_str()));
        let native = cause::<LibrdkafkaError>(&e)
            .map(LibrdkafkaError::kafka_error)
            .unwrap_or_else(|| panic!("no KafkaError in {e:?}"));
        assert!(native.rdkafka_error_code().is_some(), "{native}");
        assert!(started.elapsed() < Duration::from_secs(30));
    }

    #[test]
    fn an_unknown_topic_is_a_retriable_kafka_error() {
        let cluster = shared_kafka4();
        let missing = unique_name("errors-missing");
        let e = ferrokafka_native::NativeSimpleConsumer::new(
            &quick(cluster.bootstrap()),
            &missing,
            ferrokafka::ConsumerOptions::default(),
            &[],
        )
        .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Kafka, "{e:?}");
        assert_eq!(e.code(), Some(KafkaCode::UnknownTopicOrPartition), "{e:?}");
        assert!(e.is_retriable());
        assert_eq!(e.context().topic.as_deref(), Some(missing.as_str()));
    }

    #[test]
    fn tls_with_the_wrong_ca_keeps_the_librdkafka_error() {
        let o = wrong_ca();
        let e = native_producer(&o).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Tls, "{e:?}");
        let native = cause::<LibrdkafkaError>(&e)
            .map(LibrdkafkaError::kafka_error)
            .unwrap_or_else(|| panic!("no KafkaError in {e:?}"));
        assert_eq!(
            native.rdkafka_error_code(),
            Some(ferrokafka_native::rdkafka::types::RDKafkaErrorCode::SSL),
            "{native}"
        );
    }
}
