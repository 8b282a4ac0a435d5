//! What the option tests share: the engines to run, fresh topics on the shared Kafka 4 node, a client
//! through the recording proxy, and reading a topic back with the pure engine.

use std::time::Duration;

use ferrokafka::{ClientOptions, KafkaClient, Message, Topic};
use ferrokafka_testkit::{shared_kafka4, unique_name};

use super::wire_log::WireLog;

/// `false` = pure engine, `true` = librdkafka (when compiled in).
pub fn engines() -> Vec<bool> {
    if cfg!(feature = "native") {
        vec![false, true]
    } else {
        vec![false]
    }
}

/// A client of the shared Kafka 4 node.
pub fn client() -> KafkaClient {
    crate::common::client(shared_kafka4())
}

/// A client bootstrapped through a fresh recording proxy, and that proxy.
pub fn proxied_client(client_id: Option<&str>) -> (WireLog, KafkaClient) {
    let wire = WireLog::start(shared_kafka4().bootstrap());
    let mut options = ClientOptions::new(wire.bootstrap());
    options.socket_timeout_ms = 15_000;
    if let Some(id) = client_id {
        options.client_id = id.to_string();
    }
    let client = KafkaClient::with_options(options).expect("client through the proxy");
    (wire, client)
}

/// A new topic with `partitions` partitions, created on the broker (not through `client`).
pub fn new_topic(client: &KafkaClient, prefix: &str, partitions: i32) -> Topic {
    let name = unique_name(prefix);
    shared_kafka4()
        .create_topic(&name, partitions)
        .expect("create topic");
    client.topic(&name).expect("topic")
}

/// Every message of `topic` (all partitions), read with the pure engine until 2 s pass without one.
pub fn read_all(topic: &Topic) -> Vec<Message> {
    let consumer = topic
        .simple_consumer()
        .consumer_timeout_ms(2_000)
        .build()
        .expect("reader");
    let all = consumer.iter().map(|m| m.expect("read back")).collect();
    consumer.stop().expect("stop reader");
    all
}

/// `"m0".."m{n-1}"` to `topic`, each delivered before the next (pure engine, partitioner's choice).
pub fn produce_values(topic: &Topic, n: usize) {
    let producer = topic.sync_producer().build().expect("producer");
    for i in 0..n {
        producer.produce(format!("m{i}")).expect("delivered");
    }
    producer.stop().expect("stop");
}

/// Over `client` (a secured listener), auto-creates a topic, produces `"{label} {rdkafka}"` with each
/// engine, and returns what a pure consumer reads back.
pub fn round_trip_each_engine(client: &KafkaClient, label: &str) -> Vec<String> {
    let topic = client
        .topic(&unique_name(&format!("opt-{label}")))
        .expect("auto-created");
    for rd in engines() {
        let producer = topic
            .sync_producer()
            .use_rdkafka(rd)
            .build()
            .expect("producer");
        producer
            .produce(format!("{label} {rd}"))
            .expect("delivered");
        producer.stop().expect("stop");
    }
    read_all(&topic).iter().map(text).collect()
}

/// A message's value as text.
pub fn text(m: &Message) -> String {
    String::from_utf8_lossy(m.value.as_deref().unwrap_or_default()).into_owned()
}

/// Sleeps in small steps until `f` holds or `timeout` passes; whether it held.
pub fn within(timeout: Duration, f: impl FnMut() -> bool) -> bool {
    let mut f = f;
    crate::common::eventually(timeout, || f().then_some(())).is_some()
}
