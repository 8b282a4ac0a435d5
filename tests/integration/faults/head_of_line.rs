//! Finding 2 of issue 14: a consumer's long-poll Fetch used to share the client's one connection per broker
//! with produce, metadata and coordinator calls, so `fetch_wait_max_ms(20000)` on an empty topic made sync
//! produces time out and `update_cluster` take 20 s, even after `consumer.stop()`. Now each consumer fetches
//! on its own connection (closed on stop) and the long poll is capped below the request timeout.

use std::time::Duration;

use ferrokafka::{ClientOptions, ErrorKind, KafkaClient, OffsetType};
use ferrokafka_testkit::{shared_kafka4, unique_name, FaultProxy};

use super::support::{new_topic, proxy_for, timed};
use crate::balanced_support::engines;
use crate::common::eventually;

/// Socket timeout of the client; the consumer asks to wait longer than that on the broker.
const SOCKET_TIMEOUT_MS: i64 = 6_000;
/// What a control call or a produce may take while the long poll is parked: far below the poll.
const QUICK: Duration = Duration::from_millis(1_500);

fn client_through(proxy: &FaultProxy) -> KafkaClient {
    let mut o = ClientOptions::new(proxy.addr());
    o.socket_timeout_ms = SOCKET_TIMEOUT_MS;
    KafkaClient::with_options(o).expect("client")
}

#[test]
fn a_long_poll_fetch_blocks_no_produce_metadata_or_offsets_call() {
    let cluster = shared_kafka4();
    for rdkafka in engines() {
        let (empty, busy) = (
            new_topic(cluster, "hol-empty"),
            new_topic(cluster, "hol-busy"),
        );
        let proxy = proxy_for(cluster);
        let client = client_through(&proxy);
        let producer = match client
            .topic(&busy)
            .expect("topic")
            .sync_producer()
            .use_rdkafka(rdkafka)
            .build()
        {
            Ok(p) => p,
            Err(why) if why.kind() == ErrorKind::EngineUnavailable => {
                eprintln!("skipped: {why}");
                continue;
            }
            Err(e) => panic!("producer: {e}"),
        };
        producer.produce("warm-up").expect("first produce");
        let consumer = client
            .topic(&empty)
            .expect("topic")
            .simple_consumer()
            .use_rdkafka(rdkafka)
            .consumer_group(unique_name("hol-group"))
            .auto_offset_reset(OffsetType::Earliest)
            .fetch_wait_max_ms(60_000)
            .consumer_timeout_ms(100)
            .build()
            .expect("consumer");
        assert_eq!(consumer.consume(true).expect("consume"), None);
        // The long poll is now parked on the broker (the topic is empty).
        std::thread::sleep(Duration::from_millis(300));
        let connections_while_polling = proxy.open_connections();
        for i in 0..3 {
            let (r, took) = timed(|| producer.produce(format!("during-{i}")));
            r.expect("produce during a long poll");
            assert!(
                took < QUICK,
                "rdkafka={rdkafka}: produce took {took:?} behind a long poll"
            );
            let (r, took) = timed(|| client.update_cluster());
            r.expect("update_cluster");
            assert!(
                took < QUICK,
                "rdkafka={rdkafka}: update_cluster took {took:?}"
            );
            let (r, took) = timed(|| consumer.fetch_offsets());
            r.expect("fetch_offsets");
            assert!(
                took < QUICK,
                "rdkafka={rdkafka}: fetch_offsets took {took:?}"
            );
        }
        let (r, took) = timed(|| consumer.stop());
        r.expect("stop");
        assert!(
            took < Duration::from_millis(SOCKET_TIMEOUT_MS as u64),
            "rdkafka={rdkafka}: stop took {took:?}"
        );
        if !rdkafka {
            // The consumer's own fetch connection goes away with it; the client's stay.
            let closed = eventually(Duration::from_secs(3), || {
                (proxy.open_connections() < connections_while_polling).then_some(())
            });
            assert!(
                closed.is_some(),
                "still {} connections after stop (had {connections_while_polling})",
                proxy.open_connections()
            );
            let (r, took) = timed(|| producer.produce("after-stop"));
            r.expect("produce after stop");
            assert!(took < QUICK, "produce after stop took {took:?}");
        }
        producer.stop().expect("producer stop");
    }
}

#[test]
fn fetch_wait_is_capped_below_the_socket_timeout() {
    use ferrokafka_core::options::fetch_wait_cap_ms;
    assert_eq!(fetch_wait_cap_ms(30_000), 29_000);
    assert_eq!(fetch_wait_cap_ms(1_000), 500);
    // A consumer asking for i32::MAX ms answers consume(false)/stop promptly: its fetch returns within the cap.
    let cluster = shared_kafka4();
    let topic = new_topic(cluster, "hol-cap");
    let mut o = ClientOptions::new(cluster.bootstrap());
    o.socket_timeout_ms = 2_000;
    let client = KafkaClient::with_options(o).expect("client");
    let first = client
        .topic(&topic)
        .expect("topic")
        .simple_consumer()
        .fetch_wait_max_ms(i64::from(i32::MAX))
        .consumer_timeout_ms(100)
        .build()
        .expect("consumer");
    assert_eq!(first.consume(true).expect("consume"), None);
    first.stop().expect("stop");
    crate::common::produce(&client, &topic, 0, &[b"late"]);
    let second = client
        .topic(&topic)
        .expect("topic")
        .simple_consumer()
        .auto_offset_reset(OffsetType::Earliest)
        .consumer_timeout_ms(4_000)
        .build()
        .expect("second consumer");
    let (m, took) = timed(|| second.consume(true));
    let m = m
        .expect("consume")
        .expect("the message within consumer_timeout_ms");
    assert_eq!(m.value.as_deref(), Some(&b"late"[..]));
    assert!(
        took < Duration::from_secs(3),
        "a later consumer waited {took:?}"
    );
    second.stop().expect("stop");
}
