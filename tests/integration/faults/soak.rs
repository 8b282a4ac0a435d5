//! The soak (opt-in, `FERROKAFKA_SOAK=1`): produce and consume through each engine at a steady rate for
//! `FERROKAFKA_SOAK_SECS` (default 600) and check messages in = messages out, printing the process's RSS at
//! start and end of each engine's run.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use ferrokafka::{KafkaClient, OffsetType};
use ferrokafka_testkit::shared_kafka4;

use super::support::{new_topic, soak};
use crate::balanced_support::engines;

/// Messages produced per 10 ms tick (200 per second).
const PER_TICK: usize = 2;

fn soak_secs() -> u64 {
    std::env::var("FERROKAFKA_SOAK_SECS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(600)
}

/// This process's resident set in KiB (VmRSS of /proc/self/status); 0 where there is none.
fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmRSS:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        })
        .unwrap_or(0)
}

/// Count one received message by the number it carries.
fn receive(counts: &mut BTreeMap<u64, usize>, m: &ferrokafka::Message) {
    let v = String::from_utf8_lossy(m.value.as_deref().unwrap_or_default());
    *counts
        .entry(v.parse().expect("a number we sent"))
        .or_insert(0) += 1;
}

fn soak_one(rdkafka: bool, secs: u64) {
    let cluster = shared_kafka4();
    let name = new_topic(cluster, "soak");
    let client = KafkaClient::new(cluster.bootstrap()).expect("client");
    let topic = client.topic(&name).expect("topic");
    let producer = topic
        .producer()
        .use_rdkafka(rdkafka)
        .linger_ms(5)
        .build()
        .expect("producer");
    let consumer = topic
        .simple_consumer()
        .use_rdkafka(rdkafka)
        .auto_offset_reset(OffsetType::Earliest)
        .consumer_timeout_ms(5_000)
        .build()
        .expect("consumer");
    let rss_start = rss_kib();
    let mut counts: BTreeMap<u64, usize> = BTreeMap::new();
    let started = Instant::now();
    let mut sent = 0u64;
    let mut next_tick = started;
    while started.elapsed() < Duration::from_secs(secs) {
        for _ in 0..PER_TICK {
            producer.produce(sent.to_string()).expect("accepted");
            sent += 1;
        }
        while let Some(m) = consumer.consume(false).expect("consume") {
            receive(&mut counts, &m);
        }
        next_tick += Duration::from_millis(10);
        std::thread::sleep(next_tick.saturating_duration_since(Instant::now()));
    }
    producer.flush(Duration::from_secs(60)).expect("flush");
    while (counts.len() as u64) < sent {
        match consumer.consume(true).expect("consume") {
            Some(m) => receive(&mut counts, &m),
            None => break,
        }
    }
    let rss_end = rss_kib();
    let total: usize = counts.values().sum();
    eprintln!(
        "soak {}: {secs} s, sent {sent}, received {total} ({} distinct), RSS {rss_start} KiB -> {rss_end} KiB",
        producer.engine_name(),
        counts.len()
    );
    producer.stop().expect("producer stop");
    consumer.stop().expect("consumer stop");
    assert_eq!(counts.len() as u64, sent, "every message sent was received");
    assert_eq!(total as u64, sent, "no message received twice");
    assert!(
        counts.keys().all(|k| *k < sent),
        "nothing received that was not sent"
    );
}

#[test]
fn soak_both_engines() {
    if !soak() {
        eprintln!("soak skipped (set FERROKAFKA_SOAK=1)");
        return;
    }
    for rdkafka in engines() {
        soak_one(rdkafka, soak_secs());
    }
}
