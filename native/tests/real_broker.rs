//! The behaviour scenarios against a real Kafka broker: the proof that the mock-cluster results hold.
//!
//! Set `KAFKA_BOOTSTRAP=host:port` (a PLAINTEXT listener of a broker with topic creation allowed); without
//! it every test here prints why it did nothing and passes. (When the `testkit` crate lands, the default
//! becomes its shared Kafka 4.1.1 node, which honours the same variable.)

mod common;

use common::{scenarios, Cluster};

fn real() -> Option<Cluster> {
    match std::env::var("KAFKA_BOOTSTRAP") {
        Ok(bootstrap) if !bootstrap.is_empty() => Some(Cluster::Real { bootstrap }),
        _ => {
            eprintln!("KAFKA_BOOTSTRAP is not set: real-broker test skipped");
            None
        }
    }
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
);

/// `KAFKA_SASL_BOOTSTRAP` (a SASL_PLAINTEXT listener of the `KAFKA_BOOTSTRAP` broker) with
/// `KAFKA_SASL_USER` / `KAFKA_SASL_PASSWORD` (PLAIN).
fn sasl() -> Option<(Cluster, String, String, String)> {
    let c = real()?;
    let var = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
    match (
        var("KAFKA_SASL_BOOTSTRAP"),
        var("KAFKA_SASL_USER"),
        var("KAFKA_SASL_PASSWORD"),
    ) {
        (Some(b), Some(u), Some(p)) => Some((c, b, u, p)),
        _ => {
            eprintln!("KAFKA_SASL_BOOTSTRAP/USER/PASSWORD not set: SASL test skipped");
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
        std::sync::Arc::new(common::RoundRobin::default()),
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
        std::sync::Arc::new(common::RoundRobin::default()),
        &[],
    )
    .unwrap_err();
    assert!(
        matches!(&e, ferrokafka_core::Error::Authentication { mechanism, .. } if mechanism == "PLAIN"),
        "{e:?}"
    );
    let e =
        ferrokafka_native::NativeSimpleConsumer::new(&client, &topic, common::consumer_opts(), &[])
            .unwrap_err();
    assert!(
        matches!(&e, ferrokafka_core::Error::Authentication { mechanism, .. } if mechanism == "PLAIN"),
        "{e:?}"
    );
}
