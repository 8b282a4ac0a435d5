//! Balanced-consumer options against the shared Kafka 4 node, both engines for the internal consumer.

use ferrokafka::OffsetType;
use ferrokafka_testkit::unique_name;

use super::support::{client, engines, new_topic};

/// A group that committed offset 6 of 10 starts again at 6, unless `reset_offset_on_start`, which takes
/// `auto_offset_reset` (earliest → 0, latest → nothing) and commits it.
#[test]
fn reset_offset_on_start_ignores_the_groups_commits() {
    let client = client();
    let topic = new_topic(&client, "opt-balanced-reset", 1);
    let producer = topic.sync_producer().build().expect("producer");
    for i in 0..10 {
        producer.produce(format!("m{i}")).expect("delivered");
    }
    producer.stop().expect("stop");
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
    let producer = topic.sync_producer().build().expect("producer");
    for i in 0..4 {
        producer.produce(format!("m{i}")).expect("delivered");
    }
    producer.stop().expect("stop");
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
