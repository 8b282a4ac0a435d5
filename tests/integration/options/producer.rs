//! Producer options against the shared Kafka 4 node, each on both engines: what the broker stores or
//! receives changes with the option.

use std::time::{Duration, Instant};

use bytes::Bytes;
use ferrokafka::partitioner::HashingPartitioner;
use ferrokafka::{Error, ErrorKind, OutgoingMessage, Partitioner};
use ferrokafka_pure::protocol::messages::ProduceRequest;

use super::support::{client, engines, new_topic, proxied_client, read_all, text};

#[test]
fn serializer_transforms_what_is_written() {
    let client = client();
    for rd in engines() {
        let topic = new_topic(&client, "opt-serializer", 1);
        let producer = topic
            .sync_producer()
            .use_rdkafka(rd)
            .serializer(|value, key| {
                if value.as_deref() == Some(b"refuse".as_slice()) {
                    return Err(Error::invalid_input("value", "the serializer refuses it"));
                }
                let value = value.map(|v| Bytes::from([b"S:".as_slice(), &v].concat()));
                let key = key.map(|k| Bytes::from([b"K:".as_slice(), &k].concat()));
                Ok((value, key))
            })
            .build()
            .expect("producer");
        producer
            .produce_with(OutgoingMessage::new("v1").with_key("k1"))
            .expect("produce");
        let refused = producer
            .produce("refuse")
            .expect_err("serializer error comes back");
        assert!(refused.to_string().contains("refuses"), "{refused}");
        producer.stop().expect("stop");
        let back = read_all(&topic);
        assert_eq!(back.len(), 1, "rdkafka={rd}: {back:?}");
        assert_eq!(text(&back[0]), "S:v1");
        assert_eq!(back[0].partition_key.as_deref(), Some(b"K:k1".as_slice()));
    }
}

#[test]
fn ack_timeout_ms_is_the_produce_request_timeout() {
    for rd in engines() {
        let (wire, client) = proxied_client(None);
        let topic = new_topic(&client, "opt-ack-timeout", 1);
        let producer = topic
            .sync_producer()
            .use_rdkafka(rd)
            .ack_timeout_ms(4_321)
            .required_acks(-1)
            .build()
            .expect("producer");
        producer.produce("timed").expect("delivered");
        producer.stop().expect("stop");
        let produces = wire.requests(0);
        assert!(
            !produces.is_empty(),
            "rdkafka={rd}: no Produce went through the proxy"
        );
        for p in produces {
            let req: ProduceRequest = p.decode();
            assert_eq!((req.timeout_ms, req.acks), (4_321, -1), "rdkafka={rd}");
        }
    }
}

#[test]
fn min_queued_messages_sends_a_full_batch_before_linger() {
    let client = client();
    for rd in engines() {
        let topic = new_topic(&client, "opt-min-queued", 1);
        let producer = topic
            .producer()
            .use_rdkafka(rd)
            .linger_ms(120_000)
            // The delivery timeout must cover the linger and one request (Java's rule).
            .delivery_timeout_ms(300_000)
            .min_queued_messages(5)
            .build()
            .expect("producer");
        let mut futures: Vec<_> = (0..4)
            .map(|i| producer.produce(format!("m{i}")).expect("queued"))
            .collect();
        std::thread::sleep(Duration::from_millis(1_500));
        assert_eq!(
            producer.pending(),
            4,
            "rdkafka={rd}: 4 < min_queued wait for linger"
        );
        futures.push(producer.produce("m4").expect("queued"));
        for f in futures {
            f.wait().expect("the fifth message sends the batch");
        }
        producer.stop().expect("stop");

        let lingering = topic
            .producer()
            .use_rdkafka(rd)
            .linger_ms(700)
            .build()
            .expect("producer");
        let started = Instant::now();
        let f = lingering.produce("alone").expect("queued");
        std::thread::sleep(Duration::from_millis(200));
        assert_eq!(lingering.pending(), 1, "rdkafka={rd}: held for the linger");
        f.wait().expect("sent after the linger");
        assert!(started.elapsed() < Duration::from_secs(10), "rdkafka={rd}");
        lingering.stop().expect("stop");
        assert_eq!(read_all(&topic).len(), 6, "rdkafka={rd}");
    }
}

#[test]
fn pending_timeout_ms_bounds_stop() {
    for rd in engines() {
        let (wire, client) = proxied_client(None);
        let topic = new_topic(&client, "opt-pending", 1);
        let producer = topic
            .producer()
            .use_rdkafka(rd)
            .linger_ms(0)
            .ack_timeout_ms(60_000)
            .pending_timeout_ms(1_500)
            .build()
            .expect("producer");
        wire.drop_produce(true);
        let f = producer.produce("never answered").expect("queued");
        let started = Instant::now();
        let _ = producer.stop();
        let took = started.elapsed();
        assert!(
            took >= Duration::from_millis(1_300) && took < Duration::from_secs(8),
            "rdkafka={rd}: stop took {took:?}"
        );
        assert!(
            f.wait().is_err(),
            "rdkafka={rd}: an unsent message is reported failed"
        );
    }
}

#[test]
fn auto_start_false_sends_nothing_until_start() {
    let client = client();
    for rd in engines() {
        let topic = new_topic(&client, "opt-producer-start", 1);
        let producer = topic
            .sync_producer()
            .use_rdkafka(rd)
            .auto_start(false)
            .build()
            .expect("producer");
        let e = producer.produce("early").expect_err("not started");
        assert!(e.kind() == ErrorKind::ProducerStopped, "rdkafka={rd}: {e}");
        producer.start().expect("start");
        producer.produce("after start").expect("delivered");
        producer.stop().expect("stop");
        let back: Vec<String> = read_all(&topic).iter().map(text).collect();
        assert_eq!(back, vec!["after start"], "rdkafka={rd}");
    }
}

#[test]
fn hashing_partitioner_places_keys() {
    let client = client();
    for rd in engines() {
        let topic = new_topic(&client, "opt-partitioner", 4);
        let producer = topic
            .producer()
            .use_rdkafka(rd)
            .linger_ms(10)
            .partitioner(HashingPartitioner::new())
            .build()
            .expect("producer");
        for round in 0..2 {
            for k in 0..12 {
                producer
                    .produce_with(
                        OutgoingMessage::new(format!("r{round}")).with_key(format!("key-{k}")),
                    )
                    .expect("queued");
            }
        }
        producer.stop().expect("stop");
        let back = read_all(&topic);
        assert_eq!(back.len(), 24, "rdkafka={rd}");
        let expected = HashingPartitioner::new();
        let mut used = std::collections::BTreeSet::new();
        for m in &back {
            let key = m.partition_key.as_deref().expect("key");
            let want = expected.partition(&[0, 1, 2, 3], Some(key)).expect("hash");
            assert_eq!(
                m.partition_id,
                want,
                "rdkafka={rd}: {:?}",
                String::from_utf8_lossy(key)
            );
            used.insert(m.partition_id);
        }
        assert!(
            used.len() > 1,
            "rdkafka={rd}: 12 keys spread over partitions {used:?}"
        );
    }
}

/// `queue_empty_timeout_ms` and `num_consumer_fetchers` have no effect on either engine (README's capability
/// matrix); they are validated as PyKafka does and a valid value changes nothing.
#[test]
fn no_effect_options_are_validated_and_harmless() {
    let client = client();
    for rd in engines() {
        let topic = new_topic(&client, "opt-no-effect", 2);
        let producer = topic
            .sync_producer()
            .use_rdkafka(rd)
            .queue_empty_timeout_ms(-1)
            .build()
            .expect("producer");
        producer.produce("delivered").expect("delivered");
        producer.stop().expect("stop");
        let e = topic
            .producer()
            .use_rdkafka(rd)
            .queue_empty_timeout_ms(-2)
            .build();
        assert!(e
            .expect_err("refused")
            .to_string()
            .contains("queue_empty_timeout_ms"));

        let consumer = topic
            .simple_consumer()
            .use_rdkafka(rd)
            .num_consumer_fetchers(4)
            .consumer_timeout_ms(2_000)
            .build()
            .expect("consumer");
        let read: Vec<String> = consumer
            .iter()
            .map(|m| text(&m.expect("message")))
            .collect();
        consumer.stop().expect("stop");
        assert_eq!(read, vec!["delivered"], "rdkafka={rd}");
        let e = topic
            .simple_consumer()
            .use_rdkafka(rd)
            .num_consumer_fetchers(0)
            .build();
        assert!(e
            .expect_err("refused")
            .to_string()
            .contains("num_consumer_fetchers"));
    }
}

/// Every Produce answered with the retriable NOT_ENOUGH_REPLICAS (injected by the recording proxy: a topic
/// with `min.insync.replicas=2` on this one-node Kafka 4.1 still accepted acks=-1 produces):
/// the broker sees exactly `max_retries + 1` attempts, at least `retry_backoff_ms` apart (the backoff grows
/// per retry up to `retry_backoff_max_ms`), then the error is reported.
#[test]
fn max_retries_and_retry_backoff_ms_on_a_retriable_error() {
    for rd in engines() {
        let (wire, client) = proxied_client(None);
        let topic = new_topic(&client, "opt-retries", 1);
        let producer = topic
            .producer()
            .use_rdkafka(rd)
            .max_retries(2)
            .retry_backoff_ms(600)
            .linger_ms(0)
            .build()
            .expect("producer");
        wire.fail_produce(19);
        let started = Instant::now();
        let e = producer
            .produce("refused")
            .expect("queued")
            .wait()
            .expect_err("refused every time");
        let took = started.elapsed();
        producer.stop().expect("stop");
        let s = crate::common::full_text(&e);
        assert!(s.contains("NOT_ENOUGH_REPLICAS"), "rdkafka={rd}: {s}");
        assert_eq!(
            wire.requests(0).len(),
            3,
            "rdkafka={rd}: max_retries 2 = 3 attempts"
        );
        // Two gaps of 600 ms (librdkafka jitters its backoff by up to 20%).
        assert!(took >= Duration::from_millis(950), "rdkafka={rd}: {took:?}");
    }
}

/// Nothing is delivered while the proxy answers every Produce with a retriable error, so the queue fills:
/// past `max_queued_messages` a producer with `block_on_queue_full(false)` fails at once with
/// `ProducerQueueFull`; one with `true` waits, and goes on once the answers are good again (a retry lands).
#[test]
fn max_queued_messages_and_block_on_queue_full() {
    for rd in engines() {
        let (wire, client) = proxied_client(None);
        let topic = new_topic(&client, "opt-queue-full", 1);
        for block in [false, true] {
            wire.fail_produce(19);
            let producer = topic
                .producer()
                .use_rdkafka(rd)
                .max_queued_messages(3)
                .block_on_queue_full(block)
                .linger_ms(0)
                .max_retries(1_000)
                .retry_backoff_ms(200)
                .pending_timeout_ms(15_000)
                .build()
                .expect("producer");
            for i in 0..3 {
                producer.produce(format!("m{i}")).expect("room for 3");
            }
            if block {
                let (tx, rx) = std::sync::mpsc::channel();
                std::thread::scope(|scope| {
                    scope.spawn(|| {
                        let _ = tx.send(producer.produce("fourth").map(|_| ()));
                    });
                    assert!(
                        rx.recv_timeout(Duration::from_millis(1_500)).is_err(),
                        "rdkafka={rd}: the fourth produce did not wait"
                    );
                    wire.fail_produce(0);
                    let released = rx.recv_timeout(Duration::from_secs(30));
                    assert!(
                        matches!(released, Ok(Ok(()))),
                        "rdkafka={rd}: the waiting produce did not go on: {released:?}"
                    );
                });
                producer.stop().expect("stop");
            } else {
                let e = producer.produce("fourth").expect_err("full");
                assert!(
                    e.kind() == ErrorKind::ProducerQueueFull,
                    "rdkafka={rd}: {e}"
                );
                wire.fail_produce(0);
                producer.stop().expect("stop");
            }
        }
    }
}
