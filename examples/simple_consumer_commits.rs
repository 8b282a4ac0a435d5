//! A SimpleConsumer with a consumer group and explicit commits (PyKafka's
//! `topic.get_simple_consumer(consumer_group=..., auto_commit_enable=False)` + `commit_offsets()`).
//!
//! Produces 10 messages; a first consumer reads 4 and commits; `fetch_offsets()` shows 4 (the next offset
//! to read); a second consumer of the same group starts at offset 4 and reads the other 6.
//! `KAFKA_BOOTSTRAP=host:port` uses that cluster; otherwise a local broker is started (see `support`).

mod support;

use ferrokafka::KafkaClient;
use ferrokafka_testkit::{unique_name, KafkaConfig};
use support::{brokers, check, fresh_topic, Outcome};

const PRODUCED: i64 = 10;
const FIRST_READ: i64 = 4;

fn main() -> Outcome {
    let (hosts, _local_broker) = brokers(KafkaConfig::kafka4())?;
    let client = KafkaClient::new(&hosts)?;
    let topic = client.topic(&fresh_topic(&client, "commits", 1)?)?;
    let group = unique_name("example-group");

    let producer = topic.sync_producer().build()?;
    for i in 0..PRODUCED {
        producer.produce(format!("message {i}"))?;
    }
    producer.stop()?;

    let first = topic
        .simple_consumer()
        .consumer_group(group.as_str())
        .consumer_timeout_ms(5_000)
        .build()?;
    let mut read = Vec::new();
    for message in first.iter().take(FIRST_READ as usize) {
        read.push(message?.offset);
    }
    // `consumer.commit_offsets()`: every partition at last consumed + 1.
    first.commit_offsets(None)?;
    let committed = first.fetch_offsets()?;
    first.stop()?;
    println!("first consumer read offsets {read:?}; committed {committed:?}");
    check(
        read == (0..FIRST_READ).collect::<Vec<_>>(),
        format!("the first consumer read offsets 0..{FIRST_READ}"),
    )?;
    check(
        committed.get(&0).map(|c| c.offset) == Some(FIRST_READ),
        format!("the group's committed offset is {FIRST_READ}, the next one to read"),
    )?;

    let second = topic
        .simple_consumer()
        .consumer_group(group.as_str())
        .consumer_timeout_ms(3_000)
        .build()?;
    let mut rest = Vec::new();
    for message in second.iter() {
        rest.push(message?.offset);
    }
    second.stop()?;
    println!("second consumer read offsets {rest:?}");
    check(
        rest == (FIRST_READ..PRODUCED).collect::<Vec<_>>(),
        format!(
            "the second consumer resumed at {FIRST_READ} and read the other {}",
            PRODUCED - FIRST_READ
        ),
    )
}
