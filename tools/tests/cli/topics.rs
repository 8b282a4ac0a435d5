//! print_topics, desc_topic, create_topic (with -a / -c parsed as JSON), delete_topic.

use ferrokafka_testkit::unique_name;

use crate::common::{client, kafka, row, run, topic};

#[test]
fn print_topics_counts_replicas_without_pykafkas_off_by_one() {
    let name = topic("cli-topics", 3);
    let text = run(&["print_topics"]).ok().text();
    assert!(text.starts_with("Topic"), "{text}");
    // PyKafka prints replicas - 1 = 0 here.
    assert_eq!(
        row(&text, &name),
        vec![name.clone(), "3".into(), "1".into()]
    );
    let json = run(&["print_topics", "--json"]).ok().json();
    let entry = json["topics"]
        .as_array()
        .expect("topics")
        .iter()
        .find(|t| t["topic"] == name.as_str())
        .expect("listed")
        .clone();
    assert_eq!(entry["partitions"], 3);
    assert_eq!(entry["replication"], 1);
}

#[test]
fn desc_topic_shows_partitions_leaders_replicas_and_isr() {
    let name = topic("cli-desc", 2);
    let node = kafka().node_id(0).expect("node id");
    let text = run(&["desc_topic", &name]).ok().text();
    assert!(
        text.starts_with(&format!("Topic: {name}\nPartitions: 2\nReplicas: 1\n")),
        "{text}"
    );
    for p in ["0", "1"] {
        let ids = format!("[{node}]");
        assert_eq!(
            row(&text, p),
            vec![p.to_string(), node.to_string(), ids.clone(), ids]
        );
    }
    let json = run(&["--json", "desc_topic", &name]).ok().json();
    assert_eq!(json["topic"], name.as_str());
    assert_eq!(json["partition_count"], 2);
    assert_eq!(json["partitions"][1]["partition"], 1);
    assert_eq!(json["partitions"][1]["leader"], node);
    assert_eq!(json["partitions"][1]["isr"], serde_json::json!([node]));
}

#[test]
fn create_and_delete_topic_check_the_controllers_answer() {
    let name = unique_name("cli-create");
    let out = run(&["create_topic", &name, "-p", "4", "-r", "1"]).ok();
    assert_eq!(out.text(), format!("Created topic {name}.\n"));
    let c = client();
    assert_eq!(c.topic(&name).expect("exists").partitions().len(), 4);
    // PyKafka leaves the response unchecked; a second create is TOPIC_ALREADY_EXISTS here.
    run(&["create_topic", &name]).fails(1, "TOPIC_ALREADY_EXISTS");
    let json = run(&["delete_topic", &name, "--json"]).ok().json();
    assert_eq!(json["deleted"], name.as_str());
    run(&["desc_topic", &name]).fails(1, "does not exist");
    run(&["delete_topic", &name]).fails(1, "UNKNOWN_TOPIC");
}

#[test]
fn replica_assignment_and_config_entries_are_sent_as_parsed_json() {
    let node = kafka().node_id(0).expect("node id");
    let name = unique_name("cli-assign");
    let assignment = format!(r#"{{"0": [{node}], "1": [{node}], "2": [{node}]}}"#);
    let json = run(&[
        "--json",
        "create_topic",
        &name,
        "-a",
        &assignment,
        "-c",
        r#"{"cleanup.policy": "compact", "retention.ms": 60000}"#,
    ])
    .ok()
    .json();
    assert_eq!(json["created"], name.as_str());
    let desc = run(&["desc_topic", &name, "--json"]).ok().json();
    assert_eq!(desc["partition_count"], 3);
    // The broker sees the config: an invalid value is refused, by name.
    let bad = unique_name("cli-badcfg");
    run(&[
        "create_topic",
        &bad,
        "-c",
        r#"{"cleanup.policy": "sideways"}"#,
    ])
    .fails(1, "INVALID_CONFIG");
    run(&["create_topic", &bad, "-a", "[1]"]).fails(2, "replica_assignment");
    run(&["create_topic", &bad, "-a", &assignment, "-p", "3"]).fails(2, "leave -p and -r unset");
    run(&["-o", "0.10.0", "create_topic", &bad]).fails(2, "older than 0.10.1");
    assert!(!client().topics().contains(&bad), "nothing was created");
}
