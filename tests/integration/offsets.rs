//! PyKafka's `fetch_offset_limits` worked example: segments, LATEST with max_offsets, EARLIEST, timestamps.

use std::time::{Duration, SystemTime};

use ferrokafka::{NewTopic, OffsetType, OffsetsBefore};
use ferrokafka_testkit::{shared_kafka39, shared_kafka4, unique_name};

use crate::common;

/// Four batches of three messages, each in its own segment (tiny `segment.bytes`, allowed on 3.9):
/// segments start at 0, 3, 6, 9 and the latest offset is 12.
#[test]
fn kafka39_offset_limits_match_pykafkas_worked_example() {
    let cluster = shared_kafka39();
    let client = common::client(cluster);
    let name = unique_name("client-offsets");
    client
        .create_topics(
            &[NewTopic::new(&name, 1, 1).config("segment.bytes", "100")],
            30_000,
        )
        .unwrap();
    let topic = client.topic(&name).unwrap();
    for b in 0..4 {
        let v = format!("batch-{b}");
        common::produce(&client, &name, 0, &[v.as_bytes(), b"x", b"y"]);
    }
    std::thread::sleep(Duration::from_millis(50));
    let after_writes = SystemTime::now();

    let latest = topic.fetch_offset_limits(OffsetType::Latest, 100).unwrap();
    assert_eq!(latest[&0].error, None);
    assert_eq!(latest[&0].offsets, vec![12, 9, 6, 3, 0]);
    let latest3 = topic.fetch_offset_limits(OffsetType::Latest, 3).unwrap();
    assert_eq!(latest3[&0].offsets, vec![12, 9, 6]);
    let earliest = topic
        .fetch_offset_limits(OffsetType::Earliest, 100)
        .unwrap();
    assert_eq!(earliest[&0].offsets, vec![0]);
    let by_time = topic.fetch_offset_limits(after_writes, 100).unwrap();
    let o = &by_time[&0].offsets;
    assert!(!o.is_empty() && o.windows(2).all(|w| w[0] > w[1]), "{o:?}");
    assert!(o.iter().all(|x| [0, 3, 6, 9, 12].contains(x)), "{o:?}");
    let before_all = topic
        .fetch_offset_limits(OffsetsBefore::Timestamp(1), 100)
        .unwrap();
    assert_eq!(before_all[&0].offsets, Vec::<i64>::new());

    assert_eq!(
        topic.latest_available_offsets().unwrap()[&0].offsets,
        vec![12]
    );
    assert_eq!(
        topic.earliest_available_offsets().unwrap()[&0].offsets,
        vec![0]
    );
    let p = &topic.partitions()[&0];
    assert_eq!(p.latest_available_offset().unwrap(), 12);
    assert_eq!(p.earliest_available_offset().unwrap(), 0);
    client.delete_topics(&[&name], 30_000).unwrap();
}

/// Kafka 4 has no ListOffsets v0: one offset per partition whatever `max_offsets` is (documented).
#[test]
fn kafka4_offset_limits_give_one_offset() {
    let cluster = shared_kafka4();
    let client = common::client(cluster);
    let name = unique_name("client-offsets4");
    client
        .create_topics(&[NewTopic::new(&name, 2, 1)], 30_000)
        .unwrap();
    let topic = client.topic(&name).unwrap();
    common::produce(&client, &name, 0, &[b"a", b"b", b"c"]);
    common::produce(&client, &name, 1, &[b"d"]);

    let latest = topic.fetch_offset_limits(OffsetType::Latest, 100).unwrap();
    assert_eq!(latest[&0].offsets, vec![3]);
    assert_eq!(latest[&1].offsets, vec![1]);
    let earliest = topic.earliest_available_offsets().unwrap();
    assert_eq!(earliest[&0].offsets, vec![0]);
    // A time before everything: the first offset whose timestamp is at or after it.
    let t = topic
        .fetch_offset_limits(OffsetsBefore::Timestamp(1), 1)
        .unwrap();
    assert_eq!(t[&0].offsets, vec![0]);
    // A time after everything: no offset.
    let future = SystemTime::now() + Duration::from_secs(3600);
    let f = topic.fetch_offset_limits(future, 1).unwrap();
    assert_eq!(f[&0].offsets, Vec::<i64>::new());
    assert_eq!(topic.partitions()[&0].latest_available_offset().unwrap(), 3);
    client.delete_topics(&[&name], 30_000).unwrap();
}
