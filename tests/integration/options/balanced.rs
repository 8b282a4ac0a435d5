//! Balanced-consumer options against the shared Kafka 4 node, both engines for the internal consumer.

use std::time::Duration;

use ferrokafka::OffsetType;
use ferrokafka_pure::protocol::messages::JoinGroupRequest;
use ferrokafka_testkit::unique_name;

use super::support::{client, engines, new_topic, produce_values, proxied_client, within};

/// A group that committed offset 6 of 10 starts again at 6, unless `reset_offset_on_start`, which takes
/// `auto_offset_reset` (earliest → 0, latest → nothing) and commits it.
#[test]
fn reset_offset_on_start_ignores_the_groups_commits() {
    let client = client();
    let topic = new_topic(&client, "opt-balanced-reset", 1);
    produce_values(&topic, 10);
    for rd in engines() {
        for (reset, auto_reset, first) in [
            (false, OffsetType::Earliest, Some(6)),
            (true, OffsetType::Earliest, Some(0)),
            (true, OffsetType::Latest, None),
        ] {
            let group = unique_name("opt-balanced-reset");
            let setup = topic
                .simple_consumer()
                .consumer_group(&group)
                .consumer_timeout_ms(200)
                .build()
                .expect("committer");
            setup.commit_offsets(Some(&[(0, 6)])).expect("commit 6");
            setup.stop().expect("stop");
            let member = topic
                .balanced_consumer(&group)
                .use_rdkafka(rd)
                .reset_offset_on_start(reset)
                .auto_offset_reset(auto_reset)
                .consumer_timeout_ms(4_000)
                .build()
                .expect("member");
            let got = member.consume(true).expect("consume").map(|m| m.offset);
            member.stop().expect("stop");
            assert_eq!(
                got, first,
                "rdkafka={rd}, reset_offset_on_start={reset}, {auto_reset:?}"
            );
        }
    }
}

/// A group with no committed offset starts where `auto_offset_reset` says, as PyKafka's does.
#[test]
fn a_new_group_starts_at_auto_offset_reset() {
    let client = client();
    let topic = new_topic(&client, "opt-balanced-new", 1);
    produce_values(&topic, 4);
    for rd in engines() {
        for (auto_reset, first) in [(OffsetType::Earliest, Some(0)), (OffsetType::Latest, None)] {
            let member = topic
                .balanced_consumer(unique_name("opt-balanced-new"))
                .use_rdkafka(rd)
                .auto_offset_reset(auto_reset)
                .consumer_timeout_ms(3_000)
                .build()
                .expect("member");
            let got = member.consume(true).expect("consume").map(|m| m.offset);
            member.stop().expect("stop");
            assert_eq!(got, first, "rdkafka={rd}, {auto_reset:?}");
        }
    }
}

/// The group settings as the coordinator receives them (through the recording proxy): JoinGroup carries the
/// session and rebalance timeouts, and heartbeats come every `heartbeat_interval_ms`. The group logic is the
/// same for both engines' internal consumers.
#[test]
fn group_timeouts_and_heartbeat_interval_are_on_the_wire() {
    let (wire, client) = proxied_client(None);
    let topic = new_topic(&client, "opt-group-wire", 1);
    let member = topic
        .balanced_consumer(unique_name("opt-group-wire"))
        .session_timeout_ms(12_000)
        .rebalance_timeout_ms(9_000)
        .heartbeat_interval_ms(250)
        .consumer_timeout_ms(500)
        .build()
        .expect("member");
    assert!(
        within(Duration::from_secs(20), || member.partitions() == vec![0]),
        "no assignment"
    );
    let before = wire.requests(12).len();
    std::thread::sleep(Duration::from_millis(2_500));
    let beats = wire.requests(12).len() - before;
    member.stop().expect("stop");
    let joins: Vec<JoinGroupRequest> = wire.requests(11).iter().map(|s| s.decode()).collect();
    assert!(!joins.is_empty(), "no JoinGroup through the proxy");
    for j in &joins {
        assert_eq!(
            (j.session_timeout_ms, j.rebalance_timeout_ms),
            (12_000, 9_000)
        );
    }
    // 2.5 s at one per 250 ms is 10 (the default 3000 ms would give at most 1).
    assert!((5..=16).contains(&beats), "{beats} heartbeats in 2.5 s");
}
