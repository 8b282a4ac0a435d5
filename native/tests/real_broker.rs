//! The behaviour scenarios against a real Kafka broker: the proof that the mock-cluster results hold.
//!
//! The broker is the testkit's shared Kafka 4.1.1 node (started on first use), or the cluster named by
//! `KAFKA_BOOTSTRAP`. SASL tests use the testkit node's SASL_PLAINTEXT listener and skip (saying so) on an
//! external cluster, which has none the testkit knows of.

mod common;

use common::{scenarios, Cluster};

fn real() -> Option<Cluster> {
    let kafka = ferrokafka_testkit::shared_kafka4();
    Some(Cluster::Real {
        bootstrap: kafka.bootstrap().to_string(),
    })
}

macro_rules! on_real_broker {
    ($($name:ident),* $(,)?) => {$(
        #[test]
        fn $name() {
            if let Some(c) = real() {
                scenarios::$name(&c);
            }
        }
    )*};
}

on_real_broker!(
    produce_then_consume_roundtrip,
    delivery_reports_are_per_thread,
    sync_produce_waits_for_delivery,
    queue_full,
    oversize_message_is_reported,
    no_group_starts_at_zero,
    new_group_uses_auto_offset_reset,
    commit_then_resume,
    reset_on_start_commits,
    reset_offsets_targets,
    consumer_timeout_semantics,
    auto_commit,
    async_produce_and_consume,
    producer_stop_flushes,
    unknown_topic_is_reported,
    partitioner_places_keys,
    out_of_range_resets,
    default_placement_is_sticky_and_detached_loses_nothing,
);

/// The testkit node's SASL_PLAINTEXT listener and one of its users (PLAIN).
fn sasl() -> Option<(Cluster, String, String, String)> {
    let c = real()?;
    let kafka = ferrokafka_testkit::shared_kafka4();
    let listener = kafka.listener_bootstrap(ferrokafka_testkit::Listener::SaslPlaintext);
    match (listener, kafka.sasl_users().first()) {
        (Some(b), Some(u)) => Some((c, b.to_string(), u.username.clone(), u.password.clone())),
        _ => {
            eprintln!("external cluster without a known SASL listener: SASL test skipped");
            None
        }
    }
}

fn sasl_client(bootstrap: &str, user: &str, password: &str) -> ferrokafka_core::ClientOptions {
    let mut client = ferrokafka_core::ClientOptions::new(bootstrap);
    client.socket_timeout_ms = 5_000;
    client.sasl_config = Some(ferrokafka_core::SaslConfig {
        mechanism: ferrokafka_core::SaslMechanism::Plain,
        username: user.to_string(),
        password: password.to_string(),
    });
    client
}

#[test]
fn sasl_plain_roundtrip() {
    use ferrokafka_core::api::{ConsumerApi, ProducerApi};
    let Some((c, bootstrap, user, password)) = sasl() else {
        return;
    };
    let topic = c.topic("sasl", 1);
    let client = sasl_client(&bootstrap, &user, &password);
    let p = ferrokafka_native::NativeProducer::new(
        &client,
        &topic,
        common::fast_producer(),
        Some(std::sync::Arc::new(common::RoundRobin::default())),
        &[],
    )
    .expect("producer over SASL");
    p.produce(ferrokafka_core::OutgoingMessage::new("secret"))
        .expect("produce")
        .wait()
        .expect("delivered");
    let k =
        ferrokafka_native::NativeSimpleConsumer::new(&client, &topic, common::consumer_opts(), &[])
            .expect("consumer over SASL");
    let m = k.consume(true).expect("consume").expect("a message");
    assert_eq!(m.value.as_deref(), Some(&b"secret"[..]));
}

#[test]
fn sasl_wrong_password_is_an_authentication_error() {
    let Some((c, bootstrap, user, _)) = sasl() else {
        return;
    };
    let topic = c.topic("saslbad", 1);
    let client = sasl_client(&bootstrap, &user, "wrong-password");
    let e = ferrokafka_native::NativeProducer::new(
        &client,
        &topic,
        common::fast_producer(),
        Some(std::sync::Arc::new(common::RoundRobin::default())),
        &[],
    )
    .unwrap_err();
    assert!(
        e.kind() == ferrokafka_core::ErrorKind::Authentication && e.mechanism() == Some("PLAIN"),
        "{e:?}"
    );
    let e =
        ferrokafka_native::NativeSimpleConsumer::new(&client, &topic, common::consumer_opts(), &[])
            .unwrap_err();
    assert!(
        e.kind() == ferrokafka_core::ErrorKind::Authentication && e.mechanism() == Some("PLAIN"),
        "{e:?}"
    );
}
