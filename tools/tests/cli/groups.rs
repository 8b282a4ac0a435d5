//! print_consumer_lag (checked against the library), print_managed_consumer_groups, reset_offsets on a
//! group that a consumer then resumes from.

use std::collections::BTreeMap;
use std::time::Duration;

use ferrokafka::{KafkaClient, SimpleConsumer};
use ferrokafka_testkit::unique_name;
use serde_json::Value;

use crate::common::{client, row, run, run_in, topic};

/// A grouped consumer of `topic` that commits only when told.
fn grouped(client: &KafkaClient, topic: &str, group: &str) -> SimpleConsumer {
    client
        .topic(topic)
        .expect("topic")
        .simple_consumer()
        .consumer_group(group)
        .consumer_timeout_ms(10_000)
        .build()
        .expect("consumer")
}

/// A new topic whose partitions 0 and 1 hold `n` messages each, produced by `kafka-tools produce`.
fn filled_topic(prefix: &str, partitions: i32, n: usize) -> String {
    let name = topic(prefix, partitions);
    let lines: String = (0..n).map(|i| format!("m{i}\n")).collect();
    for p in ["0", "1"] {
        run_in(&["produce", &name, "-p", p], lines.as_bytes()).ok();
    }
    name
}

/// Consume `n` messages; their (partition, offset) pairs.
fn take(c: &SimpleConsumer, n: usize) -> Vec<(i32, i64)> {
    (0..n)
        .map(|_| {
            let m = c
                .consume(true)
                .expect("consume")
                .expect("a message within 10 s");
            (m.partition_id, m.offset)
        })
        .collect()
}

#[test]
fn consumer_lag_matches_the_library_and_skips_partitions_without_commits() {
    let name = filled_topic("cli-lag", 3, 12);
    let group = unique_name("lag-group");
    let c = client();
    let consumer = client()
        .topic(&name)
        .expect("topic")
        .simple_consumer()
        .consumer_group(&group)
        .partitions([0, 1])
        .consumer_timeout_ms(10_000)
        .build()
        .expect("consumer");
    take(&consumer, 7);
    consumer.commit_offsets(None).expect("commit");

    // The library's view: latest - committed, for partitions with a commit.
    let latest = c.topic(&name).unwrap().latest_available_offsets().unwrap();
    let committed = consumer.fetch_offsets().expect("fetch offsets");
    let expected: BTreeMap<i32, Option<i64>> = latest
        .iter()
        .map(|(p, l)| {
            let c = committed.get(p).map(|c| c.offset).filter(|o| *o >= 0);
            (*p, c.map(|c| l.offsets[0] - c))
        })
        .collect();
    let total: i64 = expected.values().flatten().sum();
    assert_eq!(total, 24 - 7);
    assert_eq!(expected[&2], None);

    let json = run(&["print_consumer_lag", &name, &group, "--json"])
        .ok()
        .json();
    let got: BTreeMap<i32, Option<i64>> = json["partitions"]
        .as_array()
        .expect("partitions")
        .iter()
        .map(|p| (p["partition"].as_i64().unwrap() as i32, p["lag"].as_i64()))
        .collect();
    assert_eq!(got, expected);
    assert_eq!(json["total_lag"], total);
    // No commit on partition 2: no lag (PyKafka prints latest + 1 = 1 there).
    assert_eq!(json["partitions"][2]["current_offset"], Value::Null);
    assert_ne!(
        json["partitions"][0]["client_id"], "-",
        "hostname from the JSON metadata"
    );

    let text = run(&["print_consumer_lag", &name, &group]).ok().text();
    assert!(
        text.starts_with("Partition  Lag  Latest Offset  Current Offset  Consumer_ID  Client_ID"),
        "{text}"
    );
    assert_eq!(row(&text, "2")[..4], ["2", "-", "0", "-"]);
    assert!(
        text.ends_with(&format!("\n Total lag: {total} messages.\n")),
        "{text}"
    );
    consumer.stop().expect("stop");
}

#[test]
fn managed_groups_lists_a_live_balanced_group_of_the_topic() {
    let name = topic("cli-managed", 2);
    let other = topic("cli-managed-other", 1);
    let group = unique_name("managed");
    let c = client();
    let member = c
        .topic(&name)
        .unwrap()
        .balanced_consumer(&group)
        .consumer_timeout_ms(100)
        .build()
        .expect("member joins");
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    let json = loop {
        let json = run(&["print_managed_consumer_groups", &name, "--json"])
            .ok()
            .json();
        let stable = json["groups"]
            .as_array()
            .unwrap()
            .iter()
            .any(|g| g["group_id"] == group.as_str() && g["state"] == "Stable");
        if stable || std::time::Instant::now() > deadline {
            break json;
        }
        std::thread::sleep(Duration::from_millis(500));
    };
    let g = json["groups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["group_id"] == group.as_str())
        .unwrap_or_else(|| panic!("{group} not in {json}"))
        .clone();
    assert_eq!(g["state"], "Stable");
    assert_eq!(g["protocol_type"], "consumer");
    assert_eq!(g["members"], 1);
    let text = run(&["print_managed_consumer_groups", &name]).ok().text();
    assert!(
        text.starts_with(&format!("Topic: {name}\nGroupId")),
        "{text}"
    );
    assert_eq!(
        row(&text, &group)[1..3],
        [
            "Stable".to_string(),
            g["protocol"].as_str().unwrap().to_string()
        ]
    );
    // Another topic's groups do not list it.
    let other_json = run(&["print_managed_consumer_groups", &other, "--json"])
        .ok()
        .json();
    assert!(!other_json.to_string().contains(&group), "{other_json}");
    // A live group cannot be reset from outside: refused with one clear line, not ignored.
    run(&["reset_offsets", &name, &group, "earliest"]).fails(1, "active member");
    member.stop().expect("stop");
}

#[test]
fn reset_offsets_moves_a_groups_commits_and_a_new_consumer_resumes_there() {
    let name = filled_topic("cli-reset", 2, 10);
    let group = unique_name("reset");
    let c = client();
    let first = grouped(&c, &name, &group);
    take(&first, 20);
    first.commit_offsets(None).expect("commit");
    let before = run(&["print_consumer_lag", &name, &group, "--json"])
        .ok()
        .json();
    assert_eq!(before["total_lag"], 0);

    let json = run(&["reset_offsets", &name, &group, "earliest", "--json"])
        .ok()
        .json();
    assert_eq!(
        json["offsets"],
        serde_json::json!([
            {"partition": 0, "previous": 10, "offset": 0},
            {"partition": 1, "previous": 10, "offset": 0}
        ])
    );
    let after = first.fetch_offsets().expect("fetch");
    assert_eq!(after[&0].offset, 0);
    assert_eq!(after[&1].offset, 0);
    drop(first);

    // A consumer started afterwards resumes at the reset offsets.
    let second = grouped(&c, &name, &group);
    let mut got = take(&second, 20);
    got.sort();
    assert_eq!(got.first(), Some(&(0, 0)));
    assert_eq!(
        got.iter().filter(|(_, o)| *o == 0).count(),
        2,
        "both partitions restart at 0: {got:?}"
    );
    second.stop().expect("stop");

    // Back to the end, through the human table.
    let text = run(&["reset_offsets", &name, &group, "latest"]).ok().text();
    assert_eq!(row(&text, "0"), vec!["0", "0", "10"]);
    let lag = run(&["print_consumer_lag", &name, &group, "--json"])
        .ok()
        .json();
    assert_eq!(lag["total_lag"], 0);
}
