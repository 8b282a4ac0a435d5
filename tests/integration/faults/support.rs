//! Helpers of the fault suite: a client talking through a [`FaultProxy`], reading a topic back straight from
//! the broker, and the API keys faults are chosen by.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use ferrokafka::{ClientOptions, KafkaClient, OffsetType};
use ferrokafka_testkit::{unique_name, FaultProxy, KafkaCluster};

pub const PRODUCE: i16 = 0;
pub const FETCH: i16 = 1;

/// `socket_timeout_ms` of proxied clients: short, so a stuck connection shows within the test's time.
pub const SOCKET_TIMEOUT_MS: i64 = 2_000;

/// Whether the long (soak) variants run.
pub fn soak() -> bool {
    std::env::var("FERROKAFKA_SOAK").is_ok_and(|v| v == "1")
}

/// A fresh one-partition topic named after `prefix`.
pub fn new_topic(cluster: &KafkaCluster, prefix: &str) -> String {
    let topic = unique_name(prefix);
    cluster.create_topic(&topic, 1).expect("create topic");
    topic
}

/// A proxy in front of the cluster's first (only) broker.
pub fn proxy_for(cluster: &KafkaCluster) -> FaultProxy {
    let first = cluster.bootstrap().split(',').next().expect("a broker");
    FaultProxy::start(first).expect("proxy")
}

/// A fresh one-partition topic, a proxy in front of the cluster's (single) broker, and a client through it.
pub fn proxied(cluster: &KafkaCluster, prefix: &str) -> (String, FaultProxy, KafkaClient) {
    let topic = new_topic(cluster, prefix);
    let proxy = proxy_for(cluster);
    let mut o = ClientOptions::new(proxy.addr());
    o.socket_timeout_ms = SOCKET_TIMEOUT_MS;
    o.offsets_channel_socket_timeout_ms = SOCKET_TIMEOUT_MS;
    let client = KafkaClient::with_options(o).expect("client through the proxy");
    (topic, proxy, client)
}

/// Every value in partition 0 of `topic` with how many times it is in the log, read straight from the broker.
pub fn log_counts(cluster: &KafkaCluster, topic: &str) -> BTreeMap<String, usize> {
    let client = KafkaClient::new(cluster.bootstrap()).expect("direct client");
    let consumer = client
        .topic(topic)
        .expect("topic")
        .simple_consumer()
        .auto_offset_reset(OffsetType::Earliest)
        .consumer_timeout_ms(1_500)
        .build()
        .expect("reader");
    let mut counts = BTreeMap::new();
    while let Some(m) = consumer.consume(true).expect("read back") {
        let value = String::from_utf8_lossy(m.value.as_deref().unwrap_or_default()).into_owned();
        *counts.entry(value).or_insert(0) += 1;
    }
    consumer.stop().expect("stop reader");
    counts
}

/// Run `f`, return its result and how long it took.
pub fn timed<T>(f: impl FnOnce() -> T) -> (T, Duration) {
    let started = Instant::now();
    let out = f();
    (out, started.elapsed())
}

/// Send `sig` (`-STOP`, `-CONT`) to a broker process.
pub fn signal(pid: u32, sig: &str) {
    let ok = std::process::Command::new("kill")
        .args([sig, &pid.to_string()])
        .status()
        .expect("kill runs")
        .success();
    assert!(ok, "kill {sig} {pid}");
}
