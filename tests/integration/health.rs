//! Trap 7 of issue 29: through a broker outage `consume` only returns `Ok(None)`, so consumers expose
//! `health()`. A consumer reads through a [`FaultProxy`]; the proxy then plays a dead broker (every
//! connection closed at once): `health()` turns unhealthy with the failure, and back to healthy once the proxy
//! relays again, when consumption resumes. Simple and balanced consumers, both engines, both brokers.

use std::time::{Duration, Instant};

use ferrokafka::{ClientOptions, ErrorKind, Health, KafkaClient, Message, OffsetType, Result};
use ferrokafka_testkit::{unique_name, FaultProxy, KafkaCluster, Mode};

use crate::common;

/// Generous bounds for a loaded 2-core machine: the conditions are waited on, never slept for.
const SHOWS_WITHIN: Duration = Duration::from_secs(30);
const RECOVERS_WITHIN: Duration = Duration::from_secs(60);

fn wait_for(
    what: &str,
    within: Duration,
    health: &impl Fn() -> Health,
    f: impl Fn(&Health) -> bool,
) {
    let deadline = Instant::now() + within;
    loop {
        let h = health();
        if f(&h) {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "{what} not seen within {within:?}: {h:?}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn value(m: &Message) -> String {
    String::from_utf8_lossy(m.value.as_deref().unwrap_or_default()).into_owned()
}

/// Reads until `wanted` arrives, up to `within`.
fn read_until(
    consume: &impl Fn(Duration) -> Result<Option<Message>>,
    wanted: &str,
    within: Duration,
) {
    let deadline = Instant::now() + within;
    while Instant::now() < deadline {
        if let Some(m) = consume(Duration::from_millis(500)).expect("consume") {
            if value(&m) == wanted {
                return;
            }
        }
    }
    panic!("{wanted:?} not consumed within {within:?}");
}

/// The outage as a consumer sees it, through `proxy`.
fn outage(
    direct: &KafkaClient,
    topic: &str,
    proxy: &FaultProxy,
    health: impl Fn() -> Health,
    consume: impl Fn(Duration) -> Result<Option<Message>>,
) {
    common::produce(direct, topic, 0, &[b"before"]);
    read_until(&consume, "before", Duration::from_secs(60));
    wait_for(
        "healthy while reading",
        SHOWS_WITHIN,
        &health,
        Health::is_healthy,
    );

    proxy.set_mode(Mode::Dead);
    wait_for("the outage", SHOWS_WITHIN, &health, |h| !h.is_healthy());
    let Health::Unhealthy {
        last_error,
        since,
        failures,
    } = health()
    else {
        panic!("unhealthy");
    };
    assert!(failures >= 1 && since <= Instant::now());
    assert!(
        matches!(
            last_error.kind(),
            ErrorKind::SocketDisconnected | ErrorKind::NoBrokersAvailable | ErrorKind::Timeout
        ),
        "{last_error:?}"
    );
    // What a caller of consume sees meanwhile: nothing, and no error.
    assert!(consume(Duration::from_secs(1))
        .expect("consume in the outage")
        .is_none());
    assert!(!health().is_healthy(), "still down");

    proxy.set_mode(Mode::Relay);
    common::produce(direct, topic, 0, &[b"after"]);
    wait_for("the recovery", RECOVERS_WITHIN, &health, Health::is_healthy);
    read_until(&consume, "after", RECOVERS_WITHIN);
}

/// A one-partition topic, a proxy in front of the (single) broker, and a client through it.
fn proxied(cluster: &KafkaCluster, prefix: &str) -> (String, FaultProxy, KafkaClient) {
    let topic = unique_name(prefix);
    cluster.create_topic(&topic, 1).expect("create topic");
    let first = cluster.bootstrap().split(',').next().expect("a broker");
    let proxy = FaultProxy::start(first).expect("proxy");
    let mut o = ClientOptions::new(proxy.addr());
    o.socket_timeout_ms = 2_000;
    o.offsets_channel_socket_timeout_ms = 2_000;
    let client = KafkaClient::with_options(o).expect("client through the proxy");
    (topic, proxy, client)
}

common::engines! {
    fn simple_consumer_health_shows_an_outage(cluster, client, rdkafka) {
        let (topic, proxy, through) = proxied(cluster, "health-simple");
        let consumer = through
            .topic(&topic)
            .expect("topic")
            .simple_consumer()
            .use_rdkafka(rdkafka)
            .auto_offset_reset(OffsetType::Earliest)
            .reset_offset_on_start(true)
            .build()
            .expect("consumer");
        outage(client, &topic, &proxy, || consumer.health(), |t| consumer.consume_within(t));
        consumer.stop().expect("stop");
    }

    fn balanced_consumer_health_shows_an_outage(cluster, client, rdkafka) {
        let (topic, proxy, through) = proxied(cluster, "health-balanced");
        let consumer = through
            .topic(&topic)
            .expect("topic")
            .balanced_consumer(unique_name("health-group"))
            .use_rdkafka(rdkafka)
            .auto_offset_reset(OffsetType::Earliest)
            .build()
            .expect("consumer");
        outage(client, &topic, &proxy, || consumer.health(), |t| consumer.consume_within(t));
        let _ = consumer.stop();
    }
}
