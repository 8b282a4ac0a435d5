//! Helpers shared by the integration tests.

use std::time::Duration;

use bytes::{BufMut, Bytes, BytesMut};
use ferrokafka::{ClientOptions, KafkaClient};
use ferrokafka_pure::protocol::messages::produce_request::{
    PartitionProduceData, TopicProduceData,
};
use ferrokafka_pure::protocol::messages::ProduceRequest;
use ferrokafka_pure::protocol::VersionRange;
use ferrokafka_testkit::KafkaCluster;

/// Options for a testkit cluster's PLAINTEXT listener, with a short timeout so failures show fast.
pub fn options(cluster: &KafkaCluster) -> ClientOptions {
    let mut o = ClientOptions::new(cluster.bootstrap());
    o.socket_timeout_ms = 15_000;
    o
}

pub fn client(cluster: &KafkaCluster) -> KafkaClient {
    KafkaClient::with_options(options(cluster)).expect("client connects")
}

/// A new one-partition topic named after `prefix`, and a SimpleConsumer builder for it on the chosen engine.
pub fn simple_on_new_topic(
    cluster: &KafkaCluster,
    client: &KafkaClient,
    prefix: &str,
    rdkafka: bool,
) -> (String, ferrokafka::SimpleConsumerBuilder) {
    let topic = ferrokafka_testkit::unique_name(prefix);
    cluster.create_topic(&topic, 1).expect("create topic");
    let builder = client
        .topic(&topic)
        .expect("topic")
        .simple_consumer()
        .use_rdkafka(rdkafka);
    (topic, builder)
}

fn put_varint(out: &mut BytesMut, v: i64) {
    let mut z = ((v << 1) ^ (v >> 63)) as u64;
    while z >= 0x80 {
        out.put_u8((z as u8) | 0x80);
        z >>= 7;
    }
    out.put_u8(z as u8);
}

/// A RecordBatch v2 of `values` (no keys, no headers, no compression), as a producer would write it.
pub fn record_batch(values: &[&[u8]]) -> Bytes {
    let no_headers: Vec<&[(&[u8], &[u8])]> = vec![&[]; values.len()];
    record_batch_with_headers(values, &no_headers)
}

/// A RecordBatch v2 of `values`, record i carrying the raw `(key, value)` headers `headers[i]` — any bytes,
/// as another client may write them.
pub fn record_batch_with_headers(values: &[&[u8]], headers: &[&[(&[u8], &[u8])]]) -> Bytes {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    let mut records = BytesMut::new();
    for (i, v) in values.iter().enumerate() {
        let mut r = BytesMut::new();
        r.put_i8(0);
        put_varint(&mut r, 0);
        put_varint(&mut r, i as i64);
        put_varint(&mut r, -1);
        put_varint(&mut r, v.len() as i64);
        r.put_slice(v);
        let hs = headers.get(i).copied().unwrap_or(&[]);
        put_varint(&mut r, hs.len() as i64);
        for (k, hv) in hs {
            put_varint(&mut r, k.len() as i64);
            r.put_slice(k);
            put_varint(&mut r, hv.len() as i64);
            r.put_slice(hv);
        }
        put_varint(&mut records, r.len() as i64);
        records.put_slice(&r);
    }
    let mut after_crc = BytesMut::new();
    after_crc.put_i16(0);
    after_crc.put_i32(values.len() as i32 - 1);
    after_crc.put_i64(now);
    after_crc.put_i64(now);
    after_crc.put_i64(-1);
    after_crc.put_i16(-1);
    after_crc.put_i32(-1);
    after_crc.put_i32(values.len() as i32);
    after_crc.put_slice(&records);
    let crc = crc32c::crc32c(&after_crc);
    let mut out = BytesMut::new();
    out.put_i64(0);
    out.put_i32((4 + 1 + 4 + after_crc.len()) as i32);
    out.put_i32(-1);
    out.put_i8(2);
    out.put_u32(crc);
    out.put_slice(&after_crc);
    out.freeze()
}

/// Produce one batch to a partition's leader with acks=1, through the client's own connections; retried
/// while a just-created partition's leader is not ready.
pub fn produce(client: &KafkaClient, topic: &str, partition: i32, values: &[&[u8]]) {
    produce_batch(client, topic, partition, record_batch(values));
}

/// Produce a prepared batch as [`produce`] does.
pub fn produce_batch(client: &KafkaClient, topic: &str, partition: i32, batch: Bytes) {
    let mut last = 0;
    for _ in 0..40 {
        let cluster = client.cluster().clone();
        let (t, batch) = (topic.to_string(), batch.clone());
        let rt = client.runtime_handle().clone();
        let resp = rt.block_on(async move {
            let leader = cluster.leader(&t, partition)?;
            leader
                .request(Some(VersionRange::new(3, 8)), |_| ProduceRequest {
                    acks: 1,
                    timeout_ms: 10_000,
                    topic_data: vec![TopicProduceData {
                        name: t.clone(),
                        partition_data: vec![PartitionProduceData {
                            index: partition,
                            records: Some(batch),
                            ..Default::default()
                        }],
                        ..Default::default()
                    }],
                    ..Default::default()
                })
                .await
        });
        match resp {
            Ok((_, r)) => {
                last = r.responses[0].partition_responses[0].error_code;
                if last == 0 {
                    return;
                }
            }
            Err(e) => eprintln!("produce: {e}"),
        }
        std::thread::sleep(Duration::from_millis(250));
        let _ = client.update_cluster();
    }
    panic!("produce to {topic}/{partition} kept failing, last error code {last}");
}

/// Retry `f` until it returns `Some`, up to `timeout`.
pub fn eventually<T>(timeout: Duration, mut f: impl FnMut() -> Option<T>) -> Option<T> {
    let deadline = std::time::Instant::now() + timeout;
    loop {
        if let Some(v) = f() {
            return Some(v);
        }
        if std::time::Instant::now() > deadline {
            return None;
        }
        std::thread::sleep(Duration::from_millis(250));
    }
}

/// One test per engine × broker cell, so a failure names its cell: `engines! { fn name(cluster, client,
/// rdkafka) { body } }` makes module `name` with tests `pure_kafka4`, `pure_kafka39`, and (with the `native`
/// feature) `native_kafka4`, `native_kafka39`, each running `body` with that broker and `rdkafka` set.
macro_rules! engines {
    ($($(#[$attr:meta])* fn $name:ident($cluster:ident, $client:ident, $rdkafka:ident) $body:block)*) => {
        $(
            $(#[$attr])*
            mod $name {
                #[allow(unused_imports)]
                use super::*;

                fn body(
                    $cluster: &ferrokafka_testkit::KafkaCluster,
                    $client: &ferrokafka::KafkaClient,
                    $rdkafka: bool,
                ) $body

                pub(super) fn run(cluster: &ferrokafka_testkit::KafkaCluster, rdkafka: bool) {
                    let client = $crate::common::client(cluster);
                    body(cluster, &client, rdkafka);
                }

                #[test]
                fn pure_kafka4() {
                    run(ferrokafka_testkit::shared_kafka4(), false);
                }

                #[test]
                fn pure_kafka39() {
                    run(ferrokafka_testkit::shared_kafka39(), false);
                }

                #[cfg(feature = "native")]
                #[test]
                fn native_kafka4() {
                    run(ferrokafka_testkit::shared_kafka4(), true);
                }

                #[cfg(feature = "native")]
                #[test]
                fn native_kafka39() {
                    run(ferrokafka_testkit::shared_kafka39(), true);
                }
            }
        )*
    };
}
pub(crate) use engines;

/// `e` with its `source()` chain, as anyhow's `{:#}` prints it: `Display` alone leaves the causes out.
pub fn full_text(e: &ferrokafka::Error) -> String {
    format!("{:#}", anyhow::Error::from(e.clone()))
}
