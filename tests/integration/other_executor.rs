//! The async API under another executor: `futures::executor::block_on` on a plain thread, where no tokio
//! runtime is current. Every `_async` call enters the client's runtime while it is polled
//! (`bridge::on_runtime`), so the tokio timers inside (`consumer_timeout_ms`, `consume_within`, the flush
//! deadline) work instead of panicking with "no reactor running". Both engines; simple and balanced consumers.

use std::time::{Duration, Instant};

use futures::executor::block_on;
use futures::StreamExt;

use ferrokafka::{KafkaClient, ResetTarget};
use ferrokafka_testkit::{shared_kafka4, unique_name};

use crate::balanced_support::{engines, member};
use crate::common;

const COUNT: usize = 20;

fn values(n: usize) -> Vec<String> {
    (0..n).map(|i| format!("other-executor {i}")).collect()
}

fn text(m: ferrokafka::Result<ferrokafka::Message>) -> String {
    let value = m.expect("message").value.unwrap_or_default();
    String::from_utf8_lossy(&value).into_owned()
}

/// Produce, flush and await every delivery with `block_on` only.
fn produce_all(client: &KafkaClient, topic: &str, rdkafka: bool) {
    let producer = block_on(
        client
            .topic(topic)
            .expect("topic")
            .producer()
            .use_rdkafka(rdkafka)
            .linger_ms(50)
            .build_async(),
    )
    .expect("producer");
    let mut pending = Vec::new();
    for v in values(COUNT) {
        pending.push(block_on(producer.produce_async(v)).expect("queued"));
    }
    block_on(producer.flush_async(Duration::from_secs(30))).expect("flushed");
    for d in pending {
        let report = block_on(d).expect("delivered");
        assert!(report.offset >= 0, "a delivered message has an offset");
    }
    block_on(producer.stop_async()).expect("producer stops");
}

fn simple_consumer_without_tokio(rdkafka: bool) {
    let kafka = shared_kafka4();
    let client = common::client(kafka);
    let topic = unique_name("other-exec");
    kafka.create_topic(&topic, 1).expect("topic");
    produce_all(&client, &topic, rdkafka);

    let consumer = block_on(
        client
            .topic(&topic)
            .expect("topic")
            .simple_consumer()
            .use_rdkafka(rdkafka)
            .consumer_group(unique_name("other-exec-g").as_str())
            .consumer_timeout_ms(1_500)
            .build_async(),
    )
    .expect("consumer");
    // The stream ends at `consumer_timeout_ms` after the last message: a tokio timer, polled by `block_on`.
    let started = Instant::now();
    let read: Vec<String> = block_on(consumer.stream().collect::<Vec<_>>())
        .into_iter()
        .map(text)
        .collect();
    assert_eq!(read, values(COUNT), "rdkafka={rdkafka}");
    assert!(
        started.elapsed() >= Duration::from_millis(1_400),
        "rdkafka={rdkafka}: the stream ended before consumer_timeout_ms ran out"
    );

    block_on(consumer.commit_offsets_async(None)).expect("commit");
    let committed = block_on(consumer.fetch_offsets_async()).expect("fetch offsets");
    assert_eq!(committed.get(&0).map(|c| c.offset), Some(COUNT as i64));

    // `consume_within` with a deadline and nothing to read: `Ok(None)` near the deadline, no panic.
    let waited = Instant::now();
    let none =
        block_on(consumer.consume_within_async(Duration::from_millis(300))).expect("no error");
    assert!(none.is_none(), "rdkafka={rdkafka}: nothing is left to read");
    assert!(waited.elapsed() >= Duration::from_millis(250));

    block_on(consumer.reset_offsets_async(Some(&[(0, ResetTarget::LastConsumed(4))])))
        .expect("reset");
    let again = block_on(consumer.consume_within_async(Duration::from_secs(10)))
        .expect("consume")
        .expect("a message after the reset");
    assert_eq!(again.offset, 5, "rdkafka={rdkafka}");
    block_on(consumer.stop_async()).expect("stop");
}

#[test]
fn simple_consumer_and_producer_under_another_executor() {
    for rdkafka in engines() {
        simple_consumer_without_tokio(rdkafka);
    }
}

#[test]
fn balanced_consumer_under_another_executor() {
    let kafka = shared_kafka4();
    let client = common::client(kafka);
    for rdkafka in engines() {
        let topic = unique_name("other-exec-b");
        kafka.create_topic(&topic, 2).expect("topic");
        produce_all(&client, &topic, rdkafka);
        let group = unique_name("other-exec-bg");
        let consumer =
            block_on(member(&client, &topic, &group, rdkafka).build_async()).expect("member");
        let mut read: Vec<String> = block_on(consumer.stream().collect::<Vec<_>>())
            .into_iter()
            .map(text)
            .collect();
        read.sort();
        let mut want = values(COUNT);
        want.sort();
        assert_eq!(read, want, "rdkafka={rdkafka}");
        block_on(consumer.stop_async()).expect("stop");
    }
}
