//! Interop between the engines: what the pure producer writes the librdkafka consumer reads, and the reverse —
//! every codec, with keys, null values, headers (repeated names, null values) and explicit timestamps, on
//! Kafka 4.1 and 3.9. Every field must come back equal and in order per partition.

use std::collections::BTreeMap;
use std::time::Duration;

use bytes::Bytes;
use ferrokafka::{Compression, Header, KafkaClient, Message, OutgoingMessage};
use ferrokafka_testkit::{shared_kafka39, shared_kafka4, unique_name, KafkaCluster};

use crate::common;

const PARTITIONS: i32 = 2;
const PER_CODEC: usize = 120;
/// 2021-01-01T00:00:00Z, far from "now" so a broker-assigned timestamp cannot pass for ours.
const BASE_TS: i64 = 1_609_459_200_000;

/// Message `i`: partition i % 2; every 7th has no key, every 11th a null value; headers vary.
fn message(i: usize) -> OutgoingMessage {
    let mut m = OutgoingMessage {
        value: (i % 11 != 5).then(|| Bytes::from(format!("value-{i}-").repeat(1 + i % 4))),
        ..Default::default()
    }
    .with_partition((i % 2) as i32)
    .with_timestamp(BASE_TS + i as i64 * 1_000);
    if i % 7 != 3 {
        m = m.with_key(format!("key-{i}"));
    }
    m = m.with_header("trace", format!("t{i}"));
    if i % 3 == 0 {
        // A repeated name and a null value: both must survive as written, in order.
        m = m.with_header("trace", "second");
        m.headers.push(Header {
            key: "empty".into(),
            value: None,
        });
    }
    m
}

fn produce(client: &KafkaClient, topic: &str, codec: Compression, rdkafka: bool) {
    let producer = client
        .topic(topic)
        .expect("topic")
        .producer()
        .use_rdkafka(rdkafka)
        .compression(codec)
        .required_acks(-1)
        .linger_ms(10)
        .build()
        .expect("producer");
    let futures: Vec<_> = (0..PER_CODEC)
        .map(|i| producer.produce_with(message(i)).expect("produce"))
        .collect();
    producer.flush(Duration::from_secs(60)).expect("flush");
    for (i, f) in futures.into_iter().enumerate() {
        f.wait()
            .unwrap_or_else(|e| panic!("message {i} not delivered: {e}"));
    }
    producer.stop().expect("stop");
}

fn consume_all(client: &KafkaClient, topic: &str, rdkafka: bool) -> Vec<Message> {
    let consumer = client
        .topic(topic)
        .expect("topic")
        .simple_consumer()
        .use_rdkafka(rdkafka)
        .consumer_timeout_ms(5_000)
        .build()
        .expect("consumer");
    let mut out = Vec::new();
    for m in consumer.iter() {
        out.push(m.expect("consume"));
        if out.len() == PER_CODEC {
            break;
        }
    }
    consumer.stop().expect("stop");
    out
}

fn check(written_by: &str, read_by: &str, codec: Compression, got: Vec<Message>) {
    let ctx = format!("{written_by} → {read_by}, {codec:?}");
    assert_eq!(got.len(), PER_CODEC, "{ctx}: message count");
    let mut by_partition: BTreeMap<i32, Vec<Message>> = BTreeMap::new();
    for m in got {
        by_partition.entry(m.partition_id).or_default().push(m);
    }
    for (partition, messages) in by_partition {
        let expected: Vec<usize> = (0..PER_CODEC)
            .filter(|i| (i % 2) as i32 == partition)
            .collect();
        assert_eq!(
            messages.len(),
            expected.len(),
            "{ctx}: partition {partition}"
        );
        for (pos, (m, &i)) in messages.iter().zip(&expected).enumerate() {
            let want = message(i);
            let at = format!("{ctx}: partition {partition} message {i}");
            assert_eq!(m.offset, pos as i64, "{at}: offset");
            assert_eq!(m.partition_key, want.partition_key, "{at}: key");
            assert_eq!(m.value, want.value, "{at}: value");
            assert_eq!(m.timestamp, want.timestamp, "{at}: timestamp");
            assert_eq!(m.headers, want.headers, "{at}: headers");
        }
    }
}

fn interop_on(cluster: &KafkaCluster) {
    let client = common::client(cluster);
    for codec in Compression::ALL {
        for (writer, reader) in [(false, true), (true, false)] {
            let name = |rd: bool| if rd { "librdkafka" } else { "pure" };
            let topic = unique_name(&format!("interop-{codec:?}").to_lowercase());
            cluster
                .create_topic(&topic, PARTITIONS)
                .expect("create topic");
            produce(&client, &topic, codec, writer);
            let got = consume_all(&client, &topic, reader);
            check(name(writer), name(reader), codec, got);
        }
    }
}

#[test]
fn engines_read_each_others_messages_kafka4() {
    interop_on(shared_kafka4());
}

#[test]
fn engines_read_each_others_messages_kafka39() {
    interop_on(shared_kafka39());
}
