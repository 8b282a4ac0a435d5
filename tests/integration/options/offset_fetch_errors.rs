//! Per-partition errors in an OffsetFetch answer reach `fetch_offsets()` on both engines. Real brokers answer
//! every partition of a known topic without error, so the recording proxy puts the code into one partition.

use ferrokafka::{KafkaCode, SimpleConsumer, Topic};
use ferrokafka_testkit::unique_name;

use super::support::{engines, new_topic, proxied_client};

/// A consumer of `topic` in a fresh group on engine `rdkafka`, with few offset retries.
fn grouped_consumer(topic: &Topic, rdkafka: bool) -> SimpleConsumer {
    topic
        .simple_consumer()
        .use_rdkafka(rdkafka)
        .consumer_group(unique_name("opt-offset-fetch"))
        .offsets_commit_max_retries(2)
        .consumer_timeout_ms(1_000)
        .build()
        .expect("consumer")
}

/// TOPIC_AUTHORIZATION_FAILED on partition 1 only: the call is `Ok`, partition 1 carries the code with
/// offset -1, partitions 0 and 2 carry what was committed.
#[test]
fn fetch_offsets_keeps_a_partitions_error_code() {
    let (wire, client) = proxied_client(None);
    let topic = new_topic(&client, "opt-offset-fetch-error", 3);
    for rd in engines() {
        let consumer = grouped_consumer(&topic, rd);
        consumer
            .commit_offsets(Some(&[(0, 5), (1, 6), (2, 7)]))
            .expect("commit");
        wire.fail_offset_fetch(1, 29);
        let seen_before = wire.requests(9).len();
        let fetched = consumer.fetch_offsets();
        wire.fail_offset_fetch(1, 0);
        let fetched = fetched.unwrap_or_else(|e| panic!("rdkafka={rd}: fetch_offsets failed: {e}"));
        let versions: Vec<i16> = wire.requests(9)[seen_before..]
            .iter()
            .map(|s| i16::from_be_bytes([s.frame[2], s.frame[3]]))
            .collect();
        assert!(
            !versions.is_empty(),
            "rdkafka={rd}: no OffsetFetch went through the proxy"
        );
        eprintln!("rdkafka={rd}: OffsetFetch versions {versions:?}");
        let got: Vec<(i32, i64, Option<KafkaCode>)> = fetched
            .iter()
            .map(|(p, c)| (*p, c.offset, c.error))
            .collect();
        assert_eq!(
            got,
            vec![
                (0, 5, None),
                (1, -1, Some(KafkaCode::TopicAuthorizationFailed)),
                (2, 7, None)
            ],
            "rdkafka={rd}"
        );
        // Once the broker answers normally again, partition 1's commit is back.
        let again = consumer.fetch_offsets().expect("fetch without the fault");
        assert_eq!(again[&1].error, None, "rdkafka={rd}");
        consumer.stop().expect("stop");
    }
}

/// A group-wide code (GROUP_AUTHORIZATION_FAILED) on one partition is not a partition's answer: the call fails
/// with that code on both engines.
#[test]
fn fetch_offsets_fails_on_a_group_error_in_one_partition() {
    let (wire, client) = proxied_client(None);
    let topic = new_topic(&client, "opt-offset-fetch-group-error", 2);
    for rd in engines() {
        let consumer = grouped_consumer(&topic, rd);
        wire.fail_offset_fetch(0, 30);
        let fetched = consumer.fetch_offsets();
        wire.fail_offset_fetch(0, 0);
        match fetched {
            Err(e) => assert_eq!(
                e.code(),
                Some(KafkaCode::GroupAuthorizationFailed),
                "rdkafka={rd}: {e}"
            ),
            Ok(map) => panic!("rdkafka={rd}: a group error was answered as {map:?}"),
        }
        consumer.stop().expect("stop");
    }
}
