//! The shared brokers of this test binary (Kafka 4.1.1 with all listeners, Kafka 3.9.1 KRaft,
//! Kafka 3.9.1 on ZooKeeper) checked with hand-written requests and with rdkafka.

mod probe;
mod roundtrip;
mod security;

use std::collections::HashSet;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use rdkafka::config::ClientConfig;
use rdkafka::consumer::{BaseConsumer, Consumer, ConsumerContext};
use rdkafka::error::KafkaError;
use rdkafka::message::Message;
use rdkafka::producer::{BaseProducer, BaseRecord, DeliveryResult, Producer, ProducerContext};
use rdkafka::ClientContext;

/// Collects librdkafka's global errors so tests can tell *why* a client failed.
#[derive(Default)]
pub struct Errors(pub Mutex<Vec<String>>);

impl ClientContext for Errors {
    fn error(&self, error: KafkaError, reason: &str) {
        self.0
            .lock()
            .expect("errors lock")
            .push(format!("{error}: {reason}"));
    }
}

impl ConsumerContext for Errors {}

impl ProducerContext for Errors {
    type DeliveryOpaque = ();

    fn delivery(&self, result: &DeliveryResult<'_>, _: ()) {
        if let Err((e, _)) = result {
            self.0
                .lock()
                .expect("errors lock")
                .push(format!("delivery: {e}"));
        }
    }
}

/// Produces `count` messages with keys `k<i>` and flushes.
pub fn produce(config: &ClientConfig, topic: &str, count: usize) {
    let producer: BaseProducer<Errors> = config
        .create_with_context(Errors::default())
        .expect("create producer");
    for i in 0..count {
        let key = format!("k{i}");
        let payload = format!("message {i}");
        let mut record = BaseRecord::to(topic).key(&key).payload(&payload);
        loop {
            match producer.send(record) {
                Ok(()) => break,
                Err((KafkaError::MessageProduction(_), r)) => {
                    producer.poll(Duration::from_millis(50));
                    record = r;
                }
                Err((e, _)) => panic!("send failed: {e}"),
            }
        }
        producer.poll(Duration::ZERO);
    }
    producer
        .flush(Duration::from_secs(60))
        .expect("flush within 60 s");
    let errors = producer.context().0.lock().expect("errors lock").clone();
    assert!(errors.is_empty(), "producer errors: {errors:?}");
}

/// Subscribes with a fresh group and reads until `count` distinct keys arrived.
pub fn consume(config: &ClientConfig, topic: &str, count: usize) {
    let consumer: BaseConsumer<Errors> = config
        .clone()
        .set("group.id", ferrokafka_testkit::unique_name("group"))
        .set("auto.offset.reset", "earliest")
        .set("enable.auto.commit", "false")
        .create_with_context(Errors::default())
        .expect("create consumer");
    consumer.subscribe(&[topic]).expect("subscribe");
    let mut keys = HashSet::new();
    let deadline = Instant::now() + Duration::from_secs(90);
    while keys.len() < count {
        assert!(
            Instant::now() < deadline,
            "consumed {} of {count} messages from {topic}",
            keys.len()
        );
        match consumer.poll(Duration::from_millis(500)) {
            Some(Ok(m)) => {
                let key = m.key().map(|k| String::from_utf8_lossy(k).into_owned());
                let payload = m.payload().map(|p| String::from_utf8_lossy(p).into_owned());
                let key = key.expect("message key");
                assert_eq!(
                    payload.as_deref(),
                    Some(format!("message {}", &key[1..]).as_str())
                );
                keys.insert(key);
            }
            Some(Err(e)) => panic!("consume error: {e}"),
            None => {}
        }
    }
}

/// A client config for the PLAINTEXT listener of `bootstrap`.
pub fn plaintext(bootstrap: &str) -> ClientConfig {
    let mut c = ClientConfig::new();
    c.set("bootstrap.servers", bootstrap);
    c
}
