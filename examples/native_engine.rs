//! The librdkafka engine: PyKafka's `use_rdkafka=True`, on the producer and the SimpleConsumer (needs the
//! `native` cargo feature, on by default).
//!
//! Produces 50 messages with librdkafka (awaiting each delivery), reads them back with a librdkafka consumer
//! that commits to a group, and then with a pure-engine consumer of the same group, which must find the
//! commit: the two engines share options, offsets and semantics.
//! `KAFKA_BOOTSTRAP=host:port` uses that cluster; otherwise a local broker is started (see `support`).

mod support;

use ferrokafka::KafkaClient;
use ferrokafka_testkit::{unique_name, KafkaConfig};
use support::{brokers, check, fresh_topic, Outcome};

const PRODUCED: usize = 50;

fn main() -> Outcome {
    let (hosts, _local_broker) = brokers(KafkaConfig::kafka4())?;
    let client = KafkaClient::new(&hosts)?;
    let topic = client.topic(&fresh_topic(&client, "native", 2)?)?;
    let group = unique_name("example-native");

    // `topic.get_producer(use_rdkafka=True)`
    let producer = topic.producer().use_rdkafka(true).linger_ms(5).build()?;
    println!("producer engine: {}", producer.engine_name());
    let mut deliveries = Vec::new();
    for i in 0..PRODUCED {
        deliveries.push(producer.produce(format!("via librdkafka {i}"))?);
    }
    let mut delivered = 0;
    for delivery in deliveries {
        delivery.wait()?;
        delivered += 1;
    }
    producer.stop()?;
    check(
        producer.engine_name() == "librdkafka" && delivered == PRODUCED,
        format!("{PRODUCED} messages delivered by librdkafka"),
    )?;

    // `topic.get_simple_consumer(consumer_group=..., use_rdkafka=True)`
    let consumer = topic
        .simple_consumer()
        .use_rdkafka(true)
        .consumer_group(group.as_str())
        .consumer_timeout_ms(3_000)
        .build()?;
    println!("consumer engine: {}", consumer.engine_name());
    let mut read = 0;
    for message in consumer.iter() {
        message?;
        read += 1;
    }
    consumer.commit_offsets(None)?;
    consumer.stop()?;
    check(
        consumer.engine_name() == "librdkafka" && read == PRODUCED,
        format!("{read} messages read by librdkafka and committed"),
    )?;

    let pure = topic
        .simple_consumer()
        .consumer_group(group.as_str())
        .consumer_timeout_ms(1_000)
        .build()?;
    let committed: i64 = pure
        .fetch_offsets()?
        .values()
        .map(|c| c.offset.max(0))
        .sum();
    let left = pure.iter().count();
    pure.stop()?;
    println!("pure consumer of the same group: committed offsets sum to {committed}, {left} message(s) left");
    check(
        committed == PRODUCED as i64 && left == 0,
        "the pure engine resumes where librdkafka committed",
    )
}
