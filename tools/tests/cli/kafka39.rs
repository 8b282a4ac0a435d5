//! The main subcommands against Kafka 3.9.1 (KRaft), whose protocol versions differ from 4.1's.

use ferrokafka_testkit::{shared_kafka39, unique_name};

use crate::common::{row, run_raw};

fn run39(args: &[&str], stdin: &[u8]) -> crate::common::Out {
    let mut all = vec!["-b", shared_kafka39().bootstrap()];
    all.extend_from_slice(args);
    run_raw(&all, stdin)
}

#[test]
fn topics_produce_consume_lag_and_reset_on_kafka_3_9() {
    let name = unique_name("cli-39");
    run39(&["create_topic", &name, "-p", "2"], b"").ok();
    let text = run39(&["print_topics"], b"").ok().text();
    assert_eq!(
        row(&text, &name),
        vec![name.clone(), "2".into(), "1".into()]
    );
    run39(
        &["produce", &name, "-p", "1", "-K", "=", "-z", "lz4"],
        b"k1=a\nk2=b\nk3=c\n",
    )
    .ok();
    let out = run39(&["consume", &name, "-e", "-f", "%p %o %k %s\\n"], b"").ok();
    assert_eq!(out.text(), "1 0 k1 a\n1 1 k2 b\n1 2 k3 c\n");
    let group = unique_name("g39");
    run39(&["consume", &name, "-G", &group, "-c", "1"], b"").ok();
    let lag = run39(&["print_consumer_lag", &name, &group, "--json"], b"")
        .ok()
        .json();
    assert_eq!(lag["total_lag"], 2);
    run39(&["reset_offsets", &name, &group, "latest"], b"").ok();
    let lag = run39(&["print_consumer_lag", &name, &group, "--json"], b"")
        .ok()
        .json();
    assert_eq!(lag["total_lag"], 0);
    let offsets = run39(&["print_offsets", &name, "latest", "--json"], b"")
        .ok()
        .json();
    assert_eq!(offsets["offsets"][1]["offset"], 3);
    run39(&["delete_topic", &name], b"").ok();
}
