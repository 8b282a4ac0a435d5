//! The behaviour scenarios against librdkafka's mock cluster, plus fault injection only the mock can do.

mod common;

use std::time::{Duration, Instant};

use common::{producer, scenarios, Cluster};
use ferrokafka_core::api::ProducerApi;
use ferrokafka_core::{ClientOptions, Error, ErrorKind, OutgoingMessage, ProducerOptions};
use ferrokafka_native::NativeProducer;

macro_rules! on_mock {
    ($($name:ident),* $(,)?) => {$(
        #[test]
        fn $name() {
            scenarios::$name(&Cluster::mock());
        }
    )*};
}

on_mock!(
    produce_then_consume_roundtrip,
    delivery_reports_are_per_thread,
    sync_produce_waits_for_delivery,
    oversize_message_is_reported,
    no_group_starts_at_zero,
    new_group_uses_auto_offset_reset,
    commit_then_resume,
    reset_on_start_commits,
    reset_offsets_targets,
    consumer_timeout_semantics,
    auto_commit,
    async_produce_and_consume,
    unknown_topic_is_reported,
    partitioner_places_keys,
    out_of_range_resets,
    queue_full,
    producer_stop_flushes,
);

/// Sync produce to a dead broker fails within pending_timeout_ms; stop() reports what it could not send.
#[test]
fn broker_down_sync_timeout_and_stop_reports() {
    let c = Cluster::mock();
    let topic = c.topic("down", 1);
    let sync = producer(
        &c,
        &topic,
        ProducerOptions {
            sync: true,
            pending_timeout_ms: 800,
            ..Default::default()
        },
    );
    let reports = producer(
        &c,
        &topic,
        ProducerOptions {
            delivery_reports: true,
            pending_timeout_ms: 500,
            ..common::fast_producer()
        },
    );
    let Cluster::Mock(m) = &c else { unreachable!() };
    m.broker_down(1).expect("down");
    let t = Instant::now();
    let e = sync.produce(OutgoingMessage::new("x")).unwrap_err();
    // librdkafka still holds the message and may yet write it: an unknown outcome, not a plain failure.
    assert!(
        e.kind() == ErrorKind::DeliveryOutcomeUnknown
            && e.cause().map(Error::kind) == Some(ErrorKind::Timeout),
        "{e}"
    );
    assert!(t.elapsed() < Duration::from_secs(3));
    reports
        .produce(OutgoingMessage::new("lost"))
        .expect("queued");
    let t = Instant::now();
    reports.stop().unwrap_err();
    assert!(t.elapsed() < Duration::from_secs(8), "{:?}", t.elapsed());
    let r = reports
        .get_delivery_report(true, Some(Duration::from_secs(5)))
        .expect("on")
        .expect("reported");
    assert!(
        matches!(r.result, Err(ref e) if e.kind() == ErrorKind::ProduceFailure),
        "{:?}",
        r.result
    );
}

/// Nothing listening → NoBrokersAvailable (or a timeout naming the failure) at construction.
#[test]
fn unreachable_brokers() {
    let mut client = ClientOptions::new("127.0.0.1:1");
    client.socket_timeout_ms = 1500;
    let e = NativeProducer::new(
        &client,
        "t",
        ProducerOptions::default(),
        Some(std::sync::Arc::new(common::RoundRobin::default())),
        &[],
    )
    .unwrap_err();
    assert!(e.kind() == ErrorKind::NoBrokersAvailable, "{e:?}");
}
