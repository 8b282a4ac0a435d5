//! Dropped `consume_async` futures lose nothing: every consumer kind (simple and balanced, both engines) is
//! read through futures that a short timeout keeps cancelling while messages arrive, with auto-commit on.
//! Every message must still be delivered once, in order, and the group's committed offset must not pass
//! what was delivered.

use std::future::Future;
use std::time::{Duration, Instant};

use ferrokafka::{ConsumerApi, KafkaClient, Message, Result};
use ferrokafka_testkit::{unique_name, KafkaCluster};

use crate::common::{self, engines};

const MESSAGES: i64 = 40;

/// Produces `MESSAGES` messages one by one, a few ms apart, so many consume futures are pending (and then
/// dropped) right when a message arrives.
fn trickle(client: &KafkaClient, topic: &str) -> std::thread::JoinHandle<()> {
    let (client, topic) = (client.clone(), topic.to_string());
    std::thread::spawn(move || {
        for i in 0..MESSAGES {
            common::produce(&client, &topic, 0, &[format!("m{i}").as_bytes()]);
            std::thread::sleep(Duration::from_millis(4));
        }
    })
}

/// Reads until `MESSAGES` messages came, each through a future that a 1–3 ms timeout may drop. Returns the
/// offsets delivered and how many futures were dropped.
fn read_through_cancellations<F, Fut>(consume: F) -> (Vec<i64>, usize)
where
    F: Fn() -> Fut,
    Fut: Future<Output = Result<Option<Message>>>,
{
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        let deadline = Instant::now() + Duration::from_secs(60);
        let (mut offsets, mut dropped) = (Vec::new(), 0usize);
        let mut wait = 1u64;
        while (offsets.len() as i64) < MESSAGES {
            assert!(
                Instant::now() < deadline,
                "only {} of {MESSAGES} messages in 60 s: {offsets:?}",
                offsets.len()
            );
            match tokio::time::timeout(Duration::from_millis(wait), consume()).await {
                Err(_) => dropped += 1,
                Ok(Ok(Some(m))) => offsets.push(m.offset),
                Ok(Ok(None)) => {}
                Ok(Err(e)) => panic!("consume_async: {e}"),
            }
            wait = wait % 3 + 1;
        }
        (offsets, dropped)
    })
}

fn check(kind: &str, offsets: &[i64], dropped: usize) {
    let expected: Vec<i64> = (0..MESSAGES).collect();
    assert_eq!(
        offsets, expected,
        "{kind}: a dropped consume_async lost or repeated a message"
    );
    assert!(
        dropped > 0,
        "{kind}: no future was dropped, the test proved nothing"
    );
}

fn new_topic(cluster: &KafkaCluster) -> String {
    let name = unique_name("cancel");
    cluster.create_topic(&name, 1).expect("create topic");
    name
}

/// The group's committed offset of partition 0 (-1 = none), read by a fresh consumer of the group.
fn committed(client: &KafkaClient, topic: &str, group: &str) -> i64 {
    let c = client
        .topic(topic)
        .expect("topic")
        .simple_consumer()
        .consumer_group(group)
        .auto_start(false)
        .build()
        .expect("reader");
    c.fetch_offsets().expect("fetch offsets")[&0].offset
}

engines! {
    fn simple_consumer_drops_no_message(cluster, client, rdkafka) {
        let topic = new_topic(cluster);
        let group = unique_name("cancel-simple");
        let c = client
            .topic(&topic)
            .expect("topic")
            .simple_consumer()
            .use_rdkafka(rdkafka)
            .consumer_group(group.as_str())
            .auto_commit_enable(true)
            .auto_commit_interval_ms(20)
            .build()
            .expect("consumer");
        let producer = trickle(client, &topic);
        let (offsets, dropped) = read_through_cancellations(|| c.consume_async());
        producer.join().expect("producer thread");
        check("simple", &offsets, dropped);
        c.stop().expect("stop");
        assert_eq!(committed(client, &topic, &group), MESSAGES, "committed after stop");
    }

    fn balanced_consumer_drops_no_message(cluster, client, rdkafka) {
        let topic = new_topic(cluster);
        let group = unique_name("cancel-balanced");
        let c = client
            .topic(&topic)
            .expect("topic")
            .balanced_consumer(group.as_str())
            .use_rdkafka(rdkafka)
            .auto_commit_enable(true)
            .auto_commit_interval_ms(20)
            .heartbeat_interval_ms(200)
            .session_timeout_ms(10_000)
            .rebalance_backoff_ms(200)
            .offsets_channel_backoff_ms(100)
            .build()
            .expect("consumer");
        let producer = trickle(client, &topic);
        let (offsets, dropped) = read_through_cancellations(|| c.consume_async());
        producer.join().expect("producer thread");
        check("balanced", &offsets, dropped);
        // Through the trait too: the stream form is the same future.
        assert!(ConsumerApi::partitions(&c).contains(&0));
        c.stop().expect("stop");
        assert_eq!(committed(client, &topic, &group), MESSAGES, "committed after stop");
    }
}
