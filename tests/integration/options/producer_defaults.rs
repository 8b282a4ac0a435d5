//! The producer's defaults where they differ from PyKafka's (README "Differences"), on both engines against
//! the shared Kafka 4 node: a 5 ms linger, so one awaited delivery does not wait 5 s; and keyed messages
//! placed by murmur2, where the Java client and librdkafka put them.

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use ferrokafka::{Message, OutgoingMessage};

use super::support::{client, engines, new_topic, read_all};

/// PyKafka's old default linger was 5 s; the new one is 5 ms. Half the old one leaves a loaded machine
/// 2.5 s of slack and still fails at once if the 5 s linger came back.
const WELL_BEFORE_THE_OLD_LINGER: Duration = Duration::from_millis(2_500);

#[test]
fn one_awaited_delivery_with_default_options_does_not_wait_for_a_long_linger() {
    let client = client();
    let mut fastest = Vec::new();
    for rd in engines() {
        let topic = new_topic(&client, "opt-default-linger", 1);
        let producer = topic.producer().use_rdkafka(rd).build().expect("producer");
        // The first delivery also opens the leader's connection: not timed.
        producer
            .produce("warm-up")
            .expect("queued")
            .wait()
            .expect("delivered");
        // The fastest of three, one message at a time: a load spike cannot fail it, a 5 s linger always would.
        let best = (0..3)
            .map(|i| {
                let started = Instant::now();
                let delivery = producer.produce(format!("m{i}")).expect("queued");
                delivery.wait().expect("delivered");
                started.elapsed()
            })
            .min()
            .unwrap_or_default();
        producer.stop().expect("stop");
        assert_eq!(read_all(&topic).len(), 4, "rdkafka={rd}");
        fastest.push((rd, best));
    }
    assert!(
        fastest.iter().all(|(_, t)| *t < WELL_BEFORE_THE_OLD_LINGER),
        "one awaited delivery with default options took (rdkafka, fastest of 3): {fastest:?}"
    );
}

/// Partitions of the placement tests: not a power of two, so a wrong modulus shows.
const PARTITIONS: i32 = 7;

/// Keys of Apache Kafka's `UtilsTest.testMurmur2` with the partition of 7 the Java client gives them,
/// `(murmur2(key) & 0x7fffffff) % 7`: murmur2("21") = -973932308, murmur2("abc") = 479470107,
/// murmur2("a-little-bit-long-string") = -985981536.
const JAVA_PLACEMENT: [(&str, i32); 3] = [("21", 3), ("abc", 4), ("a-little-bit-long-string", 1)];

/// Every key this test produces: the Java vectors and `k0..k39`.
fn keys() -> Vec<String> {
    JAVA_PLACEMENT
        .iter()
        .map(|(k, _)| k.to_string())
        .chain((0..40).map(|i| format!("k{i}")))
        .collect()
}

/// Key → partition for the messages of `topic` whose value is `source`; fails if one key is on two partitions.
fn placement(all: &[Message], source: &str) -> BTreeMap<String, i32> {
    let mut out = BTreeMap::new();
    for m in all
        .iter()
        .filter(|m| m.value.as_deref() == Some(source.as_bytes()))
    {
        let key =
            String::from_utf8_lossy(m.partition_key.as_deref().unwrap_or_default()).into_owned();
        let earlier = out.insert(key.clone(), m.partition_id);
        assert!(
            earlier.map_or(true, |p| p == m.partition_id),
            "{source}: key {key:?} on partitions {earlier:?} and {}",
            m.partition_id
        );
    }
    out
}

/// Each key twice with a ferrokafka producer of default options (no partitioner given).
fn produce_keys_with_defaults(topic: &ferrokafka::Topic, rd: bool, source: &str) {
    let producer = topic.producer().use_rdkafka(rd).build().expect("producer");
    let deliveries: Vec<_> = keys()
        .iter()
        .chain(keys().iter())
        .map(|k| {
            producer
                .produce_with(OutgoingMessage::new(source.to_string()).with_key(k.clone()))
                .expect("queued")
        })
        .collect();
    for d in deliveries {
        d.wait().expect("delivered");
    }
    producer.stop().expect("stop");
}

/// The same keys with librdkafka's own producer and its `murmur2_random` partitioner (the Java client's
/// placement): no ferrokafka code chooses these partitions.
#[cfg(feature = "native")]
fn produce_keys_with_librdkafka(bootstrap: &str, topic: &str) {
    use ferrokafka_native::rdkafka::config::ClientConfig;
    use ferrokafka_native::rdkafka::producer::{BaseProducer, BaseRecord, Producer};

    let p: BaseProducer = ClientConfig::new()
        .set("bootstrap.servers", bootstrap)
        .set("partitioner", "murmur2_random")
        .set("linger.ms", "5")
        .create()
        .expect("rdkafka producer");
    for k in keys() {
        p.send(
            BaseRecord::<str, str>::to(topic)
                .key(k.as_str())
                .payload("librdkafka"),
        )
        .map_err(|(e, _)| e)
        .expect("rdkafka send");
    }
    p.flush(Duration::from_secs(60)).expect("rdkafka flush");
}

#[test]
fn keyed_messages_with_default_options_land_where_java_and_librdkafka_put_them() {
    let client = client();
    let topic = new_topic(&client, "opt-default-keys", PARTITIONS);
    #[cfg(feature = "native")]
    produce_keys_with_librdkafka(
        ferrokafka_testkit::shared_kafka4().bootstrap(),
        topic.name(),
    );
    let sources: Vec<(bool, String)> = engines()
        .into_iter()
        .map(|rd| (rd, format!("ferrokafka rdkafka={rd}")))
        .collect();
    for (rd, source) in &sources {
        produce_keys_with_defaults(&topic, *rd, source);
    }
    let all = read_all(&topic);
    for (_, source) in &sources {
        let placed = placement(&all, source);
        assert_eq!(placed.len(), keys().len(), "{source}: {placed:?}");
        if cfg!(feature = "native") {
            assert_eq!(
                placed,
                placement(&all, "librdkafka"),
                "{source} (left) against librdkafka's murmur2_random (right)"
            );
        }
        for (key, java) in JAVA_PLACEMENT {
            assert_eq!(placed[key], java, "{source}: key {key:?}, Java's partition");
        }
        let used: BTreeSet<i32> = placed.values().copied().collect();
        assert!(
            used.len() > 3,
            "{source}: 43 keys on partitions {used:?} only"
        );
    }
}
