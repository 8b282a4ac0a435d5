//! Engine against engine, no broker needed: the pure engine and the librdkafka engine (both through the
//! facade) and raw rust-rdkafka, producing and consuming [`common::BATCH`] × 100 B on librdkafka's in-process
//! mock cluster. The mock broker's own cost is in every line alike, so read the ratios, not the rates.

mod common;

use std::time::Duration;

use common::{MockBroker, BATCH, FLUSH, PARTITIONS};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use ferrokafka::{KafkaClient, OutgoingMessage};
use ferrokafka_native::rdkafka;
use rdkafka::config::ClientConfig;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::producer::Producer as _;
use rdkafka::topic_partition_list::{Offset, TopicPartitionList};

/// The engines the facade offers, by their `use_rdkafka` flag.
const ENGINES: [(&str, bool); 2] = [("ferrokafka pure", false), ("ferrokafka native", true)];

fn produce(c: &mut Criterion) {
    let broker = MockBroker::start();
    let client = KafkaClient::new(&broker.bootstrap()).expect("client on the mock cluster");
    let value = common::value();
    let mut group = c.benchmark_group("produce 10k x 100 B");
    group.throughput(Throughput::Elements(BATCH));
    for (name, native) in ENGINES {
        let topic = client
            .topic(&broker.topic("produce"))
            .expect("topic metadata");
        let producer = topic
            .producer()
            .linger_ms(5)
            .use_rdkafka(native)
            .build()
            .expect("producer");
        group.bench_function(name, |b| {
            b.iter(|| {
                for _ in 0..BATCH {
                    producer
                        .produce_detached(OutgoingMessage::new(value.clone()))
                        .expect("produce");
                }
                producer.flush(FLUSH).expect("flush");
            })
        });
    }
    let topic = broker.topic("produce");
    let raw = common::raw_producer(&broker.bootstrap());
    group.bench_function("rust-rdkafka BaseProducer", |b| {
        b.iter(|| {
            for _ in 0..BATCH {
                common::send_raw(&raw, &topic, &value);
            }
            raw.flush(FLUSH).expect("flush");
        })
    });
    group.finish();
}

fn consume(c: &mut Criterion) {
    let broker = MockBroker::start();
    let topic_name = broker.filled_topic("consume", BATCH);
    let client = KafkaClient::new(&broker.bootstrap()).expect("client on the mock cluster");
    let topic = client.topic(&topic_name).expect("topic metadata");
    let mut group = c.benchmark_group("consume 10k x 100 B");
    group.throughput(Throughput::Elements(BATCH));
    for (name, native) in ENGINES {
        group.bench_function(name, |b| {
            b.iter_custom(|iters| {
                common::timed_reads(
                    iters,
                    || common::simple_consumer(&topic, native),
                    |consumer| {
                        for _ in 0..BATCH {
                            consumer
                                .consume(true)
                                .expect("consume")
                                .expect("a message within 10 s");
                        }
                    },
                )
            })
        });
    }
    group.bench_function("rust-rdkafka BaseConsumer", |b| {
        b.iter_custom(|iters| {
            common::timed_reads(
                iters,
                || raw_consumer(&broker.bootstrap(), &topic_name),
                |consumer| {
                    let mut got = 0;
                    while got < BATCH {
                        if let Some(m) = consumer.poll(Duration::from_secs(10)) {
                            m.expect("consume");
                            got += 1;
                        }
                    }
                },
            )
        })
    });
    group.finish();
}

/// rust-rdkafka's `BaseConsumer` on every partition from offset 0 (the perf tool's peer settings).
fn raw_consumer(bootstrap: &str, topic: &str) -> BaseConsumer {
    let consumer: BaseConsumer = ClientConfig::new()
        .set("bootstrap.servers", bootstrap)
        .set("group.id", "bench-raw")
        .set("enable.auto.commit", "false")
        .set("fetch.queue.backoff.ms", "10")
        .create()
        .expect("rust-rdkafka consumer");
    let mut assignment = TopicPartitionList::new();
    for p in 0..PARTITIONS {
        assignment
            .add_partition_offset(topic, p, Offset::Beginning)
            .expect("partition offset");
    }
    consumer.assign(&assignment).expect("assign");
    consumer
}

criterion_group! {
    name = engines;
    config = common::criterion();
    targets = produce, consume
}
criterion_main!(engines);
