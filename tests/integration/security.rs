//! TLS and SASL against the testkit's SSL, SASL_PLAINTEXT and SASL_SSL listeners (Kafka 4), for the pure engine
//! (client, metadata, errors) and the librdkafka engine (produce and consume over each listener).

use std::time::{Duration, Instant};

use ferrokafka::{ClientOptions, ErrorKind, KafkaClient, SaslConfig, SaslMechanism, SslConfig};
use ferrokafka_testkit::{shared_kafka4, unique_name, Listener};

fn listener_options(listener: Listener) -> ClientOptions {
    let cluster = shared_kafka4();
    let hosts = cluster
        .listener_bootstrap(listener)
        .unwrap_or_else(|| panic!("{listener:?} listener"));
    let mut o = ClientOptions::new(hosts);
    o.socket_timeout_ms = 10_000;
    o
}

fn ssl_config() -> SslConfig {
    SslConfig::new(shared_kafka4().ca_pem().expect("CA file"))
}

fn sasl(mechanism: SaslMechanism, password: &str) -> SaslConfig {
    let user = &shared_kafka4().sasl_users()[0];
    SaslConfig {
        mechanism,
        username: user.username.clone(),
        password: if password.is_empty() {
            user.password.clone()
        } else {
            password.to_string()
        },
    }
}

fn works(options: ClientOptions) {
    let client = KafkaClient::with_options(options).expect("connects");
    assert!(!client.brokers().is_empty());
    let name = unique_name("client-sec");
    let topic = client.topic(&name).expect("auto-create over this listener");
    assert_eq!(
        topic.latest_available_offsets().unwrap()[&0].offsets,
        vec![0]
    );
    client.delete_topics(&[&name], 10_000).unwrap();
}

#[test]
fn tls_with_the_right_ca_works_with_and_without_hostname_check() {
    let mut o = listener_options(Listener::Ssl);
    o.ssl_config = Some(ssl_config());
    works(o.clone());
    o.ssl_config.as_mut().unwrap().check_hostname = false;
    works(o);
}

#[test]
fn tls_with_the_wrong_ca_is_rejected_naming_the_broker() {
    let mut o = listener_options(Listener::Ssl);
    o.ssl_config = Some(SslConfig::new("/etc/ssl/certs/ca-certificates.crt"));
    let started = Instant::now();
    let e = KafkaClient::with_options(o.clone()).unwrap_err();
    assert!(e.kind() == ErrorKind::Tls, "{e}");
    let s = e.to_string();
    assert!(s.contains("cafile") && s.contains(&o.hosts), "{s}");
    assert!(started.elapsed() < Duration::from_secs(10));
    o.ssl_config.as_mut().unwrap().check_hostname = false;
    assert!(matches!(
        KafkaClient::with_options(o),
        Err(ref e) if e.kind() == ErrorKind::Tls
    ));
}

#[test]
fn tls_against_a_plaintext_port_fails_cleanly() {
    let mut o = listener_options(Listener::Plaintext);
    o.socket_timeout_ms = 3_000;
    o.ssl_config = Some(ssl_config());
    let e = KafkaClient::with_options(o).unwrap_err();
    assert!(
        matches!(e.kind(), ErrorKind::Tls | ErrorKind::NoBrokersAvailable),
        "{e}"
    );
}

#[test]
fn sasl_plain_and_scram_over_plaintext() {
    for mech in [
        SaslMechanism::Plain,
        SaslMechanism::ScramSha256,
        SaslMechanism::ScramSha512,
    ] {
        let mut o = listener_options(Listener::SaslPlaintext);
        o.sasl_config = Some(sasl(mech, ""));
        works(o);
    }
}

#[test]
fn sasl_scram_over_tls() {
    let mut o = listener_options(Listener::SaslSsl);
    o.ssl_config = Some(ssl_config());
    o.sasl_config = Some(sasl(SaslMechanism::ScramSha512, ""));
    works(o);
}

#[test]
fn a_wrong_password_is_an_authentication_error_at_once() {
    for mech in [
        SaslMechanism::Plain,
        SaslMechanism::ScramSha256,
        SaslMechanism::ScramSha512,
    ] {
        let mut o = listener_options(Listener::SaslPlaintext);
        o.sasl_config = Some(sasl(mech, "not-the-password"));
        let started = Instant::now();
        let e = KafkaClient::with_options(o.clone()).unwrap_err();
        assert!(e.kind() == ErrorKind::Authentication, "{mech:?}: {e}");
        assert!(e.to_string().contains(&o.hosts), "names the broker: {e}");
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "{mech:?} took {:?}",
            started.elapsed()
        );
    }
}

/// The librdkafka engine over a secured listener: a native producer writes and a native consumer reads back,
/// with librdkafka doing the TLS handshake and SASL exchange from the mapped `ssl_config` / `sasl_config`.
#[cfg(feature = "native")]
fn native_round_trip(options: ClientOptions) {
    let client = KafkaClient::with_options(options).expect("connects");
    let name = unique_name("native-sec");
    let topic = client.topic(&name).expect("auto-create over this listener");
    let producer = topic
        .sync_producer()
        .use_rdkafka(true)
        .build()
        .expect("native producer");
    for i in 0..10 {
        producer.produce(format!("secure {i}")).expect("produce");
    }
    producer.stop().expect("stop");
    let consumer = topic
        .simple_consumer()
        .use_rdkafka(true)
        .consumer_timeout_ms(5_000)
        .build()
        .expect("native consumer");
    let values: Vec<String> = consumer
        .iter()
        .map(|m| {
            String::from_utf8_lossy(&m.expect("consume").value.unwrap_or_default()).into_owned()
        })
        .collect();
    consumer.stop().expect("stop");
    let expected: Vec<String> = (0..10).map(|i| format!("secure {i}")).collect();
    assert_eq!(values, expected);
    client.delete_topics(&[&name], 10_000).unwrap();
}

#[cfg(feature = "native")]
#[test]
fn native_engine_over_tls_sasl_and_sasl_ssl() {
    let mut o = listener_options(Listener::Ssl);
    o.ssl_config = Some(ssl_config());
    native_round_trip(o);
    for mech in [
        SaslMechanism::Plain,
        SaslMechanism::ScramSha256,
        SaslMechanism::ScramSha512,
    ] {
        let mut o = listener_options(Listener::SaslPlaintext);
        o.sasl_config = Some(sasl(mech, ""));
        native_round_trip(o);
    }
    let mut o = listener_options(Listener::SaslSsl);
    o.ssl_config = Some(ssl_config());
    o.sasl_config = Some(sasl(SaslMechanism::ScramSha256, ""));
    native_round_trip(o);
}
