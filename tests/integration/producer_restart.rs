//! KIP-91 on a real broker: a producer rides through its only broker's restart with default options (retries
//! until `delivery_timeout_ms`), and with a short `delivery_timeout_ms` reports each message it cannot deliver
//! as a typed timeout, no earlier and not much later. Each test has its own single-node cluster, since it
//! stops the broker.

use std::collections::HashSet;
use std::error::Error as _;
use std::time::{Duration, Instant};

use bytes::Bytes;
use ferrokafka::{ClientOptions, DeliveryFuture, ErrorKind, KafkaClient, Producer};
use ferrokafka_testkit::{unique_name, KafkaCluster, KafkaConfig};

use super::producer::build;
use super::producer_reliability::log_values;

/// Messages sent at `SEND_EVERY` intervals, while the broker is stopped after the first `STOP_AFTER`.
const MESSAGES: usize = 200;
const SEND_EVERY: Duration = Duration::from_millis(100);
const STOP_AFTER: usize = 20;
/// How long the broker stays down (the 15 s outage).
const OUTAGE: Duration = Duration::from_secs(15);

/// A private one-node Kafka 4.1 and a client of it.
fn single_node() -> (KafkaCluster, KafkaClient) {
    let cluster = KafkaCluster::start(KafkaConfig::kafka4()).expect("private broker");
    let client =
        KafkaClient::with_options(ClientOptions::new(cluster.bootstrap())).expect("client");
    (cluster, client)
}

/// One producer's messages and their futures.
struct Sent {
    producer: Producer,
    topic: String,
    futures: Vec<(Bytes, DeliveryFuture)>,
}

/// The broker is stopped for [`OUTAGE`] and started again while two producers with default delivery options
/// send: one plain, one idempotent. Neither reports a failure, every delivered value is in the log, and the
/// idempotent one's log holds no duplicate.
fn rides_through_a_restart(rdkafka: bool) {
    let (cluster, client) = single_node();
    let mut producers = Vec::new();
    for idempotent in [false, true] {
        let name = unique_name(if idempotent {
            "restart-idem"
        } else {
            "restart"
        });
        cluster.create_topic(&name, 3).expect("topic");
        let topic = client.topic(&name).expect("topic");
        let mut builder = topic.producer().use_rdkafka(rdkafka);
        if idempotent {
            builder = builder.enable_idempotence(true).required_acks(-1);
        }
        let Some(producer) = build(builder) else {
            return;
        };
        producers.push(Sent {
            producer,
            topic: name,
            futures: Vec::new(),
        });
    }
    std::thread::scope(|scope| {
        let mut outage = None;
        for i in 0..MESSAGES {
            if i == STOP_AFTER {
                let cluster = &cluster;
                outage = Some(scope.spawn(move || {
                    cluster.stop_node(0).expect("stop the broker");
                    std::thread::sleep(OUTAGE);
                    cluster.start_node(0).expect("start the broker again");
                }));
            }
            for sent in &mut producers {
                let value = Bytes::from(format!("m{i}"));
                let future = sent.producer.produce(value.clone()).expect("queued");
                sent.futures.push((value, future));
            }
            std::thread::sleep(SEND_EVERY);
        }
        if let Some(outage) = outage {
            outage.join().expect("outage thread");
        }
    });
    for sent in producers {
        let idempotent = sent.topic.contains("idem");
        sent.producer
            .flush(Duration::from_secs(120))
            .unwrap_or_else(|e| panic!("rdkafka={rdkafka} idempotent={idempotent}: flush: {e}"));
        let mut delivered = HashSet::new();
        let mut failed = Vec::new();
        for (value, future) in sent.futures {
            match future.wait() {
                Ok(_) => {
                    delivered.insert(value);
                }
                Err(e) => failed.push(format!("{value:?}: {e}")),
            }
        }
        assert!(
            failed.is_empty(),
            "rdkafka={rdkafka} idempotent={idempotent}: {} of {MESSAGES} failed through the restart, e.g. {:?}",
            failed.len(),
            failed.first()
        );
        let (log, duplicates) = log_values(&client, &sent.topic);
        let missing: Vec<_> = delivered.difference(&log).collect();
        assert!(
            missing.is_empty(),
            "rdkafka={rdkafka} idempotent={idempotent}: reported delivered, not in the log: {missing:?}"
        );
        assert_eq!(delivered.len(), MESSAGES, "rdkafka={rdkafka}");
        if idempotent {
            assert_eq!(
                duplicates, 0,
                "rdkafka={rdkafka}: idempotence wrote a message twice"
            );
        } else {
            eprintln!("rdkafka={rdkafka}: {duplicates} duplicate(s) without idempotence");
        }
        sent.producer.stop().expect("stop");
    }
}

#[test]
fn a_broker_restart_fails_no_message_with_default_options_pure() {
    rides_through_a_restart(false);
}

#[test]
fn a_broker_restart_fails_no_message_with_default_options_native() {
    if cfg!(feature = "native") {
        rides_through_a_restart(true);
    }
}

/// The delivery timeout used below and the slack allowed on top of it (a loaded machine; librdkafka scans
/// its queues for timed-out messages about once a second).
const SHORT_TIMEOUT: Duration = Duration::from_millis(3_000);
const SLACK: Duration = Duration::from_secs(10);

/// The future's outcome, or `None` if it has none by `deadline` (a message held forever must fail the test,
/// not hang it).
fn wait_until(
    future: DeliveryFuture,
    deadline: Instant,
) -> Option<ferrokafka::Result<ferrokafka::Delivery>> {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(future.wait());
    });
    rx.recv_timeout(deadline.saturating_duration_since(Instant::now()))
        .ok()
}

/// With the broker down and `delivery_timeout_ms` 3000, every message is reported failed with a timeout
/// naming its partition, after about 3 s: not before (no early failure after `max_retries`), and not much
/// later. The source says why the last attempt failed.
fn a_short_delivery_timeout_fails_in_time(rdkafka: bool) {
    let (cluster, client) = single_node();
    let name = unique_name("restart-short");
    cluster.create_topic(&name, 2).expect("topic");
    let topic = client.topic(&name).expect("topic");
    let Some(producer) = build(
        topic
            .producer()
            .use_rdkafka(rdkafka)
            .delivery_timeout_ms(3_000)
            .ack_timeout_ms(1_000)
            .linger_ms(0),
    ) else {
        return;
    };
    cluster.stop_node(0).expect("stop the broker");
    let sent: Vec<(Instant, DeliveryFuture)> = (0..10)
        .map(|i| {
            let at = Instant::now();
            let future = producer.produce(format!("m{i}")).expect("queued");
            std::thread::sleep(Duration::from_millis(50));
            (at, future)
        })
        .collect();
    for (at, future) in sent {
        let e = wait_until(future, at + SHORT_TIMEOUT + SLACK)
            .unwrap_or_else(|| {
                panic!(
                    "rdkafka={rdkafka}: no report within {:?} of produce",
                    SHORT_TIMEOUT + SLACK
                )
            })
            .expect_err("the broker is down");
        let took = at.elapsed();
        assert_eq!(e.kind(), ErrorKind::Timeout, "rdkafka={rdkafka}: {e}");
        assert_eq!(e.after(), Some(SHORT_TIMEOUT), "rdkafka={rdkafka}: {e}");
        assert_eq!(
            e.context().topic.as_deref(),
            Some(name.as_str()),
            "rdkafka={rdkafka}: {e}"
        );
        assert!(e.context().partition.is_some(), "rdkafka={rdkafka}: {e}");
        assert!(e.to_string().contains("delivery_timeout_ms"), "{e}");
        let source = e.source().map(|s| s.to_string());
        assert!(source.is_some(), "rdkafka={rdkafka}: no source: {e:?}");
        assert!(
            took >= SHORT_TIMEOUT - Duration::from_millis(100),
            "rdkafka={rdkafka}: failed early, after {took:?}: {e}"
        );
        assert!(
            took <= SHORT_TIMEOUT + SLACK,
            "rdkafka={rdkafka}: failed after {took:?}: {e}"
        );
        eprintln!("rdkafka={rdkafka}: after {took:?}: {e}; source: {source:?}");
    }
    producer.stop().expect("stop");
}

#[test]
fn a_short_delivery_timeout_reports_a_typed_timeout_in_time_pure() {
    a_short_delivery_timeout_fails_in_time(false);
}

#[test]
fn a_short_delivery_timeout_reports_a_typed_timeout_in_time_native() {
    if cfg!(feature = "native") {
        a_short_delivery_timeout_fails_in_time(true);
    }
}
