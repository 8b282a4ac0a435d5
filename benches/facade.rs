//! The facade's own costs, each against the same work without it, on librdkafka's in-process mock cluster:
//! the engine enum dispatch (the facade's `Producer` against the engine object it wraps), a serializer in the
//! produce path, the blocking bridge (a blocking call against its `_async` twin awaited on the caller's
//! runtime), and iteration against the stream and the plain `consume` loop.

mod common;

use std::sync::Arc;

use bytes::Bytes;
use common::{MockBroker, BATCH, FLUSH};
use criterion::{criterion_group, criterion_main, BenchmarkGroup, Criterion, Throughput};
use ferrokafka::{KafkaClient, OutgoingMessage, Producer, SimpleConsumer, Topic};
use ferrokafka_core::partitioner::StickyPartitioner;
use ferrokafka_core::{ClientOptions, ProducerApi, ProducerOptions};
use futures::StreamExt;

/// The perf tool's linger (PyKafka's default, 5 s, would make every flush the whole cost).
const LINGER_MS: i64 = 5;

fn producer_options() -> ProducerOptions {
    ProducerOptions {
        linger_ms: LINGER_MS,
        ..ProducerOptions::default()
    }
}

fn facade_producer(topic: &Topic, native: bool) -> Producer {
    topic
        .producer()
        .linger_ms(LINGER_MS)
        .use_rdkafka(native)
        .build()
        .expect("producer")
}

/// [`BATCH`] fire-and-forget messages through `produce`, then a flush: one measured unit.
fn batch_of<M>(
    group: &mut BenchmarkGroup<'_, M>,
    name: &str,
    produce: impl Fn(Bytes),
    flush: impl Fn(),
) where
    M: criterion::measurement::Measurement,
{
    let value = common::value();
    group.bench_function(name, |b| {
        b.iter(|| {
            for _ in 0..BATCH {
                produce(value.clone());
            }
            flush();
        })
    });
}

/// The facade's `Producer` against the engine object inside it, on each engine.
fn dispatch(c: &mut Criterion) {
    let broker = MockBroker::start();
    let client = KafkaClient::new(&broker.bootstrap()).expect("client on the mock cluster");
    let options = ClientOptions::new(broker.bootstrap());
    let mut group = c.benchmark_group("dispatch: produce_detached 10k");
    group.throughput(Throughput::Elements(BATCH));

    let topic = client.topic(&broker.topic("dispatch")).expect("topic");
    let pure_cluster = ferrokafka_pure::PureCluster::connect(options.clone()).expect("pure engine");
    let pure = pure_cluster
        .producer(
            topic.name(),
            producer_options(),
            Arc::new(StickyPartitioner::new()),
        )
        .expect("pure engine producer");
    batch_of(
        &mut group,
        "pure engine, direct",
        |v| {
            pure.produce_detached(OutgoingMessage::new(v))
                .expect("produce")
        },
        || pure.flush(FLUSH).expect("flush"),
    );
    let facade = facade_producer(&topic, false);
    batch_of(
        &mut group,
        "pure engine, through the facade",
        |v| {
            facade
                .produce_detached(OutgoingMessage::new(v))
                .expect("produce")
        },
        || facade.flush(FLUSH).expect("flush"),
    );

    let native = ferrokafka_native::NativeProducer::new(
        &options,
        topic.name(),
        producer_options(),
        None,
        &[],
    )
    .expect("native engine producer");
    batch_of(
        &mut group,
        "native engine, direct",
        |v| {
            native
                .produce_detached(OutgoingMessage::new(v))
                .expect("produce")
        },
        || native.flush(FLUSH).expect("flush"),
    );
    let facade = facade_producer(&topic, true);
    batch_of(
        &mut group,
        "native engine, through the facade",
        |v| {
            facade
                .produce_detached(OutgoingMessage::new(v))
                .expect("produce")
        },
        || facade.flush(FLUSH).expect("flush"),
    );
    group.finish();
}

/// A PyKafka-style `serializer(value, key)` in the produce path: none, the identity, and one that checks the
/// value is UTF-8 (what a text serializer must do).
fn serializer(c: &mut Criterion) {
    let broker = MockBroker::start();
    let client = KafkaClient::new(&broker.bootstrap()).expect("client on the mock cluster");
    let topic = client.topic(&broker.topic("serializer")).expect("topic");
    let mut group = c.benchmark_group("serializer: produce_detached 10k, pure");
    group.throughput(Throughput::Elements(BATCH));
    let build = |with: Option<ferrokafka::Serializer>| {
        let mut b = topic.producer().linger_ms(LINGER_MS);
        if let Some(s) = with {
            b = b.serializer(move |v, k| s(v, k));
        }
        b.build().expect("producer")
    };
    let utf8: ferrokafka::Serializer = Arc::new(|value: Option<Bytes>, key| {
        if let Some(v) = &value {
            std::str::from_utf8(v).map_err(|e| {
                ferrokafka::Error::config("serializer", format!("value is not UTF-8: {e}"))
            })?;
        }
        Ok((value, key))
    });
    for (name, with) in [
        ("none", None),
        (
            "identity",
            Some(Arc::new(|v, k| Ok((v, k))) as ferrokafka::Serializer),
        ),
        ("UTF-8 check", Some(utf8)),
    ] {
        let p = build(with);
        batch_of(
            &mut group,
            name,
            |v| {
                p.produce_detached(OutgoingMessage::new(v))
                    .expect("produce")
            },
            || p.flush(FLUSH).expect("flush"),
        );
    }
    group.finish();
}

/// A blocking call against its `_async` twin awaited on the caller's own runtime: the bridge's cost.
fn blocking_bridge(c: &mut Criterion) {
    let broker = MockBroker::start();
    let client = KafkaClient::new(&broker.bootstrap()).expect("client on the mock cluster");
    let topic = client.topic(&broker.topic("bridge")).expect("topic");
    let producer = facade_producer(&topic, false);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let mut group = c.benchmark_group("bridge: flush of an idle producer");
    group.bench_function("blocking flush", |b| {
        b.iter(|| producer.flush(FLUSH).expect("flush"))
    });
    group.bench_function("flush_async awaited", |b| {
        b.iter(|| rt.block_on(producer.flush_async(FLUSH)).expect("flush"))
    });
    group.finish();

    let mut group = c.benchmark_group("bridge: produce 10k with a DeliveryFuture, pure");
    group.throughput(Throughput::Elements(BATCH));
    batch_of(
        &mut group,
        "blocking produce",
        |v| drop(producer.produce(v).expect("produce")),
        || producer.flush(FLUSH).expect("flush"),
    );
    batch_of(
        &mut group,
        "produce_async awaited",
        |v| drop(rt.block_on(producer.produce_async(v)).expect("produce")),
        || producer.flush(FLUSH).expect("flush"),
    );
    group.finish();
}

/// Reading [`BATCH`] messages three ways: `consume(true)`, the iterator, the stream (polled on the caller's
/// tokio runtime: the pure engine's stream needs tokio's timer). Timed from a started consumer.
fn iteration(c: &mut Criterion) {
    let broker = MockBroker::start();
    let name = broker.filled_topic("iteration", BATCH);
    let client = KafkaClient::new(&broker.bootstrap()).expect("client on the mock cluster");
    let topic = client.topic(&name).expect("topic");
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let mut group = c.benchmark_group("consume 10k, pure");
    group.throughput(Throughput::Elements(BATCH));
    type Read = fn(&SimpleConsumer, &tokio::runtime::Runtime);
    let ways: [(&str, Read); 3] = [
        ("consume(true) loop", |c, _| {
            for _ in 0..BATCH {
                c.consume(true).expect("consume").expect("a message");
            }
        }),
        ("iter()", |c, _| {
            let mut n = 0;
            for m in c.iter().take(BATCH as usize) {
                m.expect("message");
                n += 1;
            }
            assert_eq!(n, BATCH, "the iterator ended early");
        }),
        ("stream()", |c, rt| {
            let n = rt.block_on(
                c.stream()
                    .take(BATCH as usize)
                    .map(|m| m.expect("message"))
                    .count(),
            );
            assert_eq!(n as u64, BATCH, "the stream ended early");
        }),
    ];
    for (way, read) in ways {
        group.bench_function(way, |b| {
            b.iter_custom(|iters| {
                common::timed_reads(
                    iters,
                    || common::simple_consumer(&topic, false),
                    |consumer| read(consumer, &rt),
                )
            })
        });
    }
    group.finish();
}

criterion_group! {
    name = facade;
    config = common::criterion();
    targets = dispatch, serializer, blocking_bridge, iteration
}
criterion_main!(facade);
