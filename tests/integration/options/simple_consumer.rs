//! SimpleConsumer options against the shared Kafka 4 node: what is read, what is committed, and what the
//! Fetch requests carry, changes with the option. Both engines unless the option has no librdkafka meaning.

use std::time::{Duration, Instant};

use ferrokafka::{BalancedConsumer, OutgoingMessage, ResetTarget, Topic};
use ferrokafka_pure::protocol::messages::FetchRequest;
use ferrokafka_testkit::unique_name;

use super::support::{client, engines, new_topic, produce_values, proxied_client, text, within};

/// `n` messages "m0".."m{n-1}" to `partition`, delivered before returning; timestamps 1 s apart, the last
/// one `n` seconds ago.
fn fill(topic: &Topic, partition: i32, n: i64) -> i64 {
    let producer = topic.sync_producer().build().expect("producer");
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_millis() as i64;
    let first = now - 2 * n * 1_000;
    for i in 0..n {
        let m = OutgoingMessage::new(format!("m{i}"))
            .with_partition(partition)
            .with_timestamp(first + i * 1_000);
        producer.produce_with(m).expect("delivered");
    }
    producer.stop().expect("stop");
    first
}

fn next_offset(c: &ferrokafka::SimpleConsumer) -> Option<i64> {
    c.consume(true).expect("consume").map(|m| m.offset)
}

#[test]
fn partitions_subset_reads_only_those() {
    let client = client();
    let topic = new_topic(&client, "opt-partitions", 3);
    for p in 0..3 {
        fill(&topic, p, 2);
    }
    for rd in engines() {
        let consumer = topic
            .simple_consumer()
            .use_rdkafka(rd)
            .partitions([0, 2])
            .consumer_timeout_ms(2_000)
            .build()
            .expect("consumer");
        assert_eq!(consumer.partitions(), vec![0, 2]);
        let mut read: Vec<(i32, i64)> = consumer
            .iter()
            .map(|m| m.expect("message"))
            .map(|m| (m.partition_id, m.offset))
            .collect();
        read.sort();
        consumer.stop().expect("stop");
        assert_eq!(read, vec![(0, 0), (0, 1), (2, 0), (2, 1)], "rdkafka={rd}");
    }
}

#[test]
fn fetch_min_bytes_and_wait_are_sent_and_honoured() {
    for rd in engines() {
        let (wire, client) = proxied_client(None);
        let topic = new_topic(&client, "opt-fetch-min", 1);
        let consumer = topic
            .simple_consumer()
            .use_rdkafka(rd)
            .fetch_min_bytes(1_000_000)
            .fetch_wait_max_ms(700)
            .consumer_timeout_ms(3_500)
            .build()
            .expect("consumer");
        assert!(consumer.consume(true).expect("idle").is_none());
        consumer.stop().expect("stop");
        let fetches: Vec<FetchRequest> = wire.requests(1).iter().map(|s| s.decode()).collect();
        assert!(
            !fetches.is_empty(),
            "rdkafka={rd}: no Fetch through the proxy"
        );
        for f in &fetches {
            assert_eq!(
                (f.min_bytes, f.max_wait_ms),
                (1_000_000, 700),
                "rdkafka={rd}"
            );
        }
        // The broker parks each fetch for the whole wait (1 MB never arrives): at most one per 700 ms
        // (the default 1 byte / 100 ms would make some 35 in 3.5 s).
        assert!(
            fetches.len() <= 9,
            "rdkafka={rd}: {} fetches in 3.5 s",
            fetches.len()
        );
    }
}

#[test]
fn auto_start_false_reads_nothing_until_start() {
    let client = client();
    let topic = new_topic(&client, "opt-consumer-start", 1);
    fill(&topic, 0, 3);
    for rd in engines() {
        let consumer = topic
            .simple_consumer()
            .use_rdkafka(rd)
            .auto_start(false)
            .consumer_timeout_ms(2_000)
            .build()
            .expect("consumer");
        std::thread::sleep(Duration::from_millis(1_000));
        assert!(
            !matches!(consumer.consume(false), Ok(Some(_))),
            "rdkafka={rd}: a message before start()"
        );
        consumer.start().expect("start");
        let read: Vec<String> = consumer
            .iter()
            .map(|m| text(&m.expect("message")))
            .collect();
        consumer.stop().expect("stop");
        assert_eq!(read, vec!["m0", "m1", "m2"], "rdkafka={rd}");
    }
}

#[test]
fn auto_commit_enable_commits_in_the_background() {
    let client = client();
    let topic = new_topic(&client, "opt-auto-commit", 1);
    fill(&topic, 0, 5);
    for rd in engines() {
        for enabled in [false, true] {
            let consumer = topic
                .simple_consumer()
                .use_rdkafka(rd)
                .consumer_group(unique_name("opt-auto-commit"))
                .auto_commit_enable(enabled)
                .auto_commit_interval_ms(300)
                .reset_offset_on_fetch(false)
                .consumer_timeout_ms(2_000)
                .build()
                .expect("consumer");
            assert_eq!(next_offset(&consumer), Some(0));
            assert_eq!(next_offset(&consumer), Some(1));
            let committed = || consumer.fetch_offsets().expect("fetch")[&0].offset;
            if enabled {
                assert!(
                    within(Duration::from_secs(5), || committed() == 2),
                    "rdkafka={rd}: no background commit, committed {}",
                    committed()
                );
            } else {
                std::thread::sleep(Duration::from_millis(1_200));
                assert_eq!(
                    committed(),
                    -1,
                    "rdkafka={rd}: committed without auto-commit"
                );
            }
            consumer.stop().expect("stop");
        }
    }
}

#[test]
fn reset_offset_on_fetch_false_keeps_positions() {
    let client = client();
    let topic = new_topic(&client, "opt-reset-on-fetch", 1);
    fill(&topic, 0, 10);
    for rd in engines() {
        for reset in [false, true] {
            let consumer = topic
                .simple_consumer()
                .use_rdkafka(rd)
                .consumer_group(unique_name("opt-reset-on-fetch"))
                .reset_offset_on_fetch(reset)
                .consumer_timeout_ms(2_000)
                .build()
                .expect("consumer");
            for want in 0..3 {
                assert_eq!(next_offset(&consumer), Some(want));
            }
            consumer.commit_offsets(None).expect("commit 3");
            for want in 3..6 {
                assert_eq!(next_offset(&consumer), Some(want));
            }
            assert_eq!(consumer.fetch_offsets().expect("fetch")[&0].offset, 3);
            let expected = if reset { 3 } else { 6 };
            assert_eq!(
                next_offset(&consumer),
                Some(expected),
                "rdkafka={rd}, reset_offset_on_fetch={reset}"
            );
            consumer.stop().expect("stop");
        }
    }
}

/// `ResetTarget::Timestamp` on both engines: the first message at or after the time, or nothing past the end.
#[test]
fn reset_to_a_timestamp_finds_the_first_later_message() {
    let client = client();
    let topic = new_topic(&client, "opt-reset-ts", 1);
    let first = fill(&topic, 0, 10);
    for rd in engines() {
        let consumer = topic
            .simple_consumer()
            .use_rdkafka(rd)
            .consumer_timeout_ms(1_500)
            .build()
            .expect("consumer");
        assert_eq!(consumer.iter().count(), 10);
        consumer
            .reset_offsets(Some(&[(0, ResetTarget::Timestamp(first + 3_500))]))
            .expect("reset");
        assert_eq!(next_offset(&consumer), Some(4), "rdkafka={rd}");
        consumer
            .reset_offsets(Some(&[(0, ResetTarget::Timestamp(first + 86_400_000))]))
            .expect("reset past the end");
        assert_eq!(next_offset(&consumer), None, "rdkafka={rd}");
        consumer.stop().expect("stop");
    }
}

/// A live one-member group on a one-partition topic, and its generation (the coordinator checks commits
/// against it).
fn live_group(topic: &Topic, group: &str) -> (BalancedConsumer, i32) {
    let member = topic
        .balanced_consumer(group)
        .consumer_timeout_ms(500)
        .build()
        .expect("member");
    assert!(
        within(Duration::from_secs(20), || member.partitions() == vec![0]),
        "the member got no partition"
    );
    let generation = member.generation_id();
    (member, generation)
}

fn committer(
    topic: &Topic,
    group: &str,
    generation: i32,
    member: &str,
) -> ferrokafka::SimpleConsumerBuilder {
    topic
        .simple_consumer()
        .consumer_group(group)
        .generation_id(generation)
        .consumer_id(member.to_string())
        .auto_start(false)
        .consumer_timeout_ms(500)
}

#[test]
fn generation_id_and_consumer_id_are_what_the_coordinator_checks() {
    let client = client();
    let topic = new_topic(&client, "opt-generation", 1);
    fill(&topic, 0, 3);
    let group = unique_name("opt-generation");
    let (member, generation) = live_group(&topic, &group);
    let member_id = member.member_id();

    let right = committer(&topic, &group, generation, &member_id)
        .build()
        .expect("consumer");
    right
        .commit_offsets(Some(&[(0, 2)]))
        .expect("the live member's generation and id are accepted");
    assert_eq!(right.fetch_offsets().expect("fetch")[&0].offset, 2);
    right.stop().expect("stop");

    for (generation, id) in [
        (generation + 7, member_id.as_str()),
        (generation, "someone-else"),
    ] {
        let wrong = committer(&topic, &group, generation, id)
            .offsets_commit_max_retries(1)
            .build()
            .expect("consumer");
        let e = wrong.commit_offsets(Some(&[(0, 3)])).expect_err("refused");
        let s = crate::common::full_text(&e);
        assert!(
            s.contains("ILLEGAL_GENERATION") || s.contains("UNKNOWN_MEMBER_ID"),
            "{s}"
        );
        wrong.stop().expect("stop");
    }
    member.stop().expect("stop member");
}

/// librdkafka has no way to commit as another member: `generation_id` and `consumer_id` are not mapped, so
/// even the live member's generation and id are refused there (the commit goes out as a standalone one),
/// where the pure engine's is accepted (above).
#[cfg(feature = "native")]
#[test]
fn generation_id_is_not_mapped_on_librdkafka() {
    let client = client();
    let topic = new_topic(&client, "opt-generation-native", 1);
    fill(&topic, 0, 3);
    let group = unique_name("opt-generation-native");
    let (member, generation) = live_group(&topic, &group);
    let native = committer(&topic, &group, generation, &member.member_id())
        .use_rdkafka(true)
        .offsets_commit_max_retries(1)
        .build()
        .expect("consumer");
    let e = native
        .commit_offsets(Some(&[(0, 2)]))
        .expect_err("librdkafka cannot commit as the live member");
    let s = crate::common::full_text(&e);
    assert!(
        s.contains("UNKNOWN_MEMBER_ID") || s.contains("ILLEGAL_GENERATION"),
        "{s}"
    );
    native.stop().expect("stop");
    member.stop().expect("stop member");
}

#[test]
fn offsets_commit_max_retries_and_backoff_on_a_refused_commit() {
    let client = client();
    let topic = new_topic(&client, "opt-commit-retries", 1);
    let group = unique_name("opt-commit-retries");
    let (member, generation) = live_group(&topic, &group);
    let member_id = member.member_id();
    // Refused on both engines: pure for the stale generation, librdkafka because it commits as a standalone
    // consumer into a group that has a live member.
    for rd in engines() {
        let mut took = Vec::new();
        for attempts in [1, 3] {
            let consumer = committer(&topic, &group, generation + 7, &member_id)
                .use_rdkafka(rd)
                .offsets_commit_max_retries(attempts)
                .offsets_channel_backoff_ms(400)
                .build()
                .expect("consumer");
            let started = Instant::now();
            consumer
                .commit_offsets(Some(&[(0, 1)]))
                .expect_err("refused commit");
            took.push(started.elapsed());
            consumer.stop().expect("stop");
        }
        // 1 attempt: no backoff. 3 attempts: 1 × 400 + 2 × 400 ms of backoff before the last.
        assert!(
            took[0] < Duration::from_millis(1_000),
            "rdkafka={rd}: {took:?}"
        );
        assert!(
            took[1] >= Duration::from_millis(1_200),
            "rdkafka={rd}: {took:?}"
        );
    }
    member.stop().expect("stop member");
}

/// The prefetch bound: 60 one-message batches, fetches of about one batch each (`fetch_message_max_bytes`
/// 100), and a consumer that reads nothing for 3 s. With `queued_max_messages` 5 the fetcher stops once 5
/// are buffered; with 1000 it goes on. Seen on the wire (the recording proxy): the highest offset fetched.
#[test]
fn queued_max_messages_bounds_the_prefetch() {
    let (wire, client) = proxied_client(None);
    let topic = new_topic(&client, "opt-queued-max", 1);
    produce_values(&topic, 60);
    for rd in engines() {
        let mut counts = Vec::new();
        for bound in [5, 1_000] {
            let before = wire.requests(1).len();

            let consumer = topic
                .simple_consumer()
                .use_rdkafka(rd)
                .queued_max_messages(bound)
                .fetch_message_max_bytes(100)
                .consumer_timeout_ms(1_000)
                .build()
                .expect("consumer");
            std::thread::sleep(Duration::from_millis(3_000));
            let fetched = wire.requests(1)[before..]
                .iter()
                .map(|s| s.decode::<FetchRequest>())
                .flat_map(|f| f.topics.into_iter().flat_map(|t| t.partitions))
                .map(|p| p.fetch_offset)
                .max();
            counts.push(fetched.unwrap_or(-1));
            assert_eq!(next_offset(&consumer), Some(0), "rdkafka={rd}");
            consumer.stop().expect("stop");
        }
        assert!(
            (0..=8).contains(&counts[0]) && counts[1] >= 15,
            "rdkafka={rd}: highest offset fetched with bound 5 and 1000: {counts:?}"
        );
    }
}

/// The median gap between consecutive Fetch requests the proxy saw in `[from, to]`.
fn median_fetch_gap(wire: &super::wire_log::WireLog, from: Instant, to: Instant) -> Duration {
    let at: Vec<Instant> = wire
        .requests(1)
        .iter()
        .map(|s| s.at)
        .filter(|t| *t >= from && *t <= to)
        .collect();
    let mut gaps: Vec<Duration> = at.windows(2).map(|w| w[1] - w[0]).collect();
    assert!(
        gaps.len() >= 2,
        "too few Fetch requests to measure: {}",
        at.len()
    );
    gaps.sort();
    gaps[gaps.len() / 2]
}

/// `fetch_error_backoff_ms` against a real broker: the recording proxy answers every Fetch partition with
/// UNKNOWN_SERVER_ERROR (a code the engine retries), and the gap between the requests on the wire follows the
/// back-off: ~1 s with 1000, short with 100 (`fetch_wait_max_ms` 50, so no long-poll hides it).
///
/// Pure engine only: librdkafka (2.12, Fetch v16) gets the option as `fetch.error.backoff.ms`, yet under these
/// injected partition errors (UNKNOWN_SERVER_ERROR, REQUEST_TIMED_OUT) it kept fetching every ~90 ms with
/// either value, so there is no effect to assert there.
#[test]
fn fetch_error_backoff_ms_spaces_the_fetches_after_an_error() {
    let (wire, client) = proxied_client(None);
    let topic = new_topic(&client, "opt-fetch-backoff", 1);
    fill(&topic, 0, 3);
    wire.fail_fetch(-1);
    let mut medians = Vec::new();
    for backoff in [100, 1_000] {
        let consumer = topic
            .simple_consumer()
            .fetch_error_backoff_ms(backoff)
            .fetch_wait_max_ms(50)
            .consumer_timeout_ms(500)
            .build()
            .expect("consumer");
        let from = Instant::now() + Duration::from_millis(500);
        std::thread::sleep(Duration::from_millis(4_500));
        medians.push(median_fetch_gap(&wire, from, Instant::now()));
        assert_eq!(
            consumer.consume(false).expect("consume"),
            None,
            "every Fetch failed, nothing can be read"
        );
        consumer.stop().expect("stop");
    }
    wire.fail_fetch(0);
    assert!(
        medians[0] < Duration::from_millis(600) && medians[1] >= Duration::from_millis(900),
        "median gap between fetches with back-off 100 and 1000 ms: {medians:?}"
    );
}
