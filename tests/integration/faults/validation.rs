//! Bad input is refused up front with a typed error naming what is wrong (issue 14, finding 5), on both
//! engines where the engine is chosen by the caller.

use ferrokafka::{ClientOptions, Error, ErrorKind, KafkaClient, NewTopic};
use ferrokafka_testkit::{shared_kafka4, unique_name};

use super::support::new_topic;
use crate::balanced_support::engines;

/// A fresh topic on Kafka 4 and a client straight to the broker.
fn direct(prefix: &str) -> (String, KafkaClient) {
    let cluster = shared_kafka4();
    let topic = new_topic(cluster, prefix);
    (
        topic,
        KafkaClient::new(cluster.bootstrap()).expect("client"),
    )
}

fn config_error(e: Error, option: &str, mentions: &str) {
    assert!(e.kind() == ErrorKind::Config, "not a config error: {e:?}");
    let text = e.to_string();
    assert!(text.contains(option) && text.contains(mentions), "{text}");
}

#[test]
fn malformed_ipv6_hosts_are_refused() {
    for bad in ["[::1", "[::1:9092"] {
        let e = KafkaClient::with_options(ClientOptions::new(bad)).unwrap_err();
        config_error(e, "hosts", bad);
    }
}

#[test]
fn max_queued_messages_zero_is_refused() {
    let (topic, client) = direct("val-queue");
    for rdkafka in engines() {
        let built = client
            .topic(&topic)
            .expect("topic")
            .producer()
            .use_rdkafka(rdkafka)
            .max_queued_messages(0)
            .build();
        let Err(e) = built else {
            panic!("max_queued_messages(0) must be refused");
        };
        config_error(e, "max_queued_messages", "");
    }
}

#[test]
fn a_commit_below_minus_two_is_refused() {
    let (topic, client) = direct("val-commit");
    for rdkafka in engines() {
        let consumer = client
            .topic(&topic)
            .expect("topic")
            .simple_consumer()
            .use_rdkafka(rdkafka)
            .consumer_group(unique_name("val-group"))
            .consumer_timeout_ms(100)
            .build()
            .expect("consumer");
        let before = consumer.fetch_offsets().expect("fetch_offsets");
        let e = consumer.commit_offsets(Some(&[(0, -100)])).unwrap_err();
        config_error(e, "commit_offsets", "-100");
        let e = consumer.commit_offsets(Some(&[(0, -3)])).unwrap_err();
        config_error(e, "commit_offsets", "-3");
        // Nothing was stored.
        assert_eq!(consumer.fetch_offsets().expect("fetch_offsets"), before);
        consumer.stop().expect("stop");
    }
}

#[test]
fn create_topics_with_a_negative_timeout_is_refused() {
    let client = KafkaClient::new(shared_kafka4().bootstrap()).expect("client");
    let name = unique_name("val-create");
    let e = client
        .create_topics(&[NewTopic::new(&name, 1, 1)], -5)
        .unwrap_err();
    config_error(e, "timeout_ms", "-5");
    let _ = client.update_cluster();
    assert!(
        !client.topics().names().contains(&name),
        "the topic was created anyway"
    );
    let e = client.delete_topics(&[&name], -1).unwrap_err();
    config_error(e, "timeout_ms", "-1");
}

#[test]
fn a_pin_kafka_4_cannot_serve_says_the_version_is_unsupported() {
    let cluster = shared_kafka4();
    let topic = new_topic(cluster, "val-pin");
    let mut o = ClientOptions::new(cluster.bootstrap());
    o.broker_version = Some("0.8.2".into());
    o.socket_timeout_ms = 5_000;
    // Kafka 4 still answers Metadata v0, so the client starts; Produce v0 and Fetch v0 are gone.
    let client = KafkaClient::with_options(o).expect("client");
    let producer = client
        .topic(&topic)
        .expect("topic")
        .sync_producer()
        .max_retries(0)
        .build()
        .expect("producer");
    let Err(e) = producer.produce("x") else {
        panic!("Produce v0 is refused");
    };
    let text = crate::common::full_text(&e);
    eprintln!("{text}");
    assert!(!text.contains("connection closed"), "{text}");
    assert!(
        text.contains("0.8.2") && text.to_lowercase().contains("unsupported"),
        "{text}"
    );
    let _ = producer.stop();
    // The consumer's first request Kafka 4 cannot serve under the pin (ListOffsets v0 or Fetch v0) says so too.
    let consumed = client
        .topic(&topic)
        .expect("topic")
        .simple_consumer()
        .consumer_timeout_ms(3_000)
        .build()
        .and_then(|c| c.consume(true));
    let Err(e) = consumed else {
        panic!("a pinned consumer cannot read from Kafka 4");
    };
    let text = crate::common::full_text(&e);
    eprintln!("{text}");
    assert!(!text.contains("connection closed"), "{text}");
    assert!(
        text.contains("0.8.2") && text.to_lowercase().contains("unsupported"),
        "{text}"
    );
}
