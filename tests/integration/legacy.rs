//! PyKafka-era brokers end to end: every object under every `broker_version` pin ("0.8.2", "0.9.0" =
//! PyKafka's default, "0.10.0", "0.10.1", none) on Kafka 3.9.1, which still serves every old API version; the same
//! objects with no pin on real Kafka 2.8.2 and 1.1.1 brokers (ZooKeeper mode); clear errors where a pin
//! cannot work (groups under 0.8.2, 0.8.2 against Kafka 4).

use std::collections::BTreeSet;

use ferrokafka::{
    Compression, Error, ErrorKind, KafkaClient, KafkaCode, Message, ResetTarget, SimpleConsumer,
};
use ferrokafka_pure::protocol::messages::offset_commit_request::{
    OffsetCommitRequestPartition, OffsetCommitRequestTopic,
};
use ferrokafka_pure::protocol::messages::offset_fetch_request::OffsetFetchRequestTopic;
use ferrokafka_pure::protocol::messages::{OffsetCommitRequest, OffsetFetchRequest};
use ferrokafka_pure::protocol::VersionRange;
use ferrokafka_testkit::{
    shared_kafka11, shared_kafka28, shared_kafka39, shared_kafka39_zk, shared_kafka4, unique_name,
    KafkaCluster,
};

use crate::balanced_support::{drain, engines, filled_topic, member, settled};
use crate::common;
use crate::legacy_support::*;

const PER_CODEC: usize = 30;

fn consumer(client: &KafkaClient, topic: &str, group: &str, rd: bool) -> SimpleConsumer {
    client
        .topic(topic)
        .expect("topic")
        .simple_consumer()
        .use_rdkafka(rd)
        .consumer_group(group)
        .consumer_timeout_ms(4_000)
        .offsets_channel_backoff_ms(100)
        .fetch_error_backoff_ms(100)
        .build()
        .expect("simple consumer")
}

fn drain_all(c: &SimpleConsumer) -> Vec<Message> {
    c.iter().collect::<Result<_, _>>().expect("consume")
}

fn values(ms: &[Message]) -> Vec<String> {
    ms.iter()
        .map(|m| String::from_utf8_lossy(m.value.as_deref().unwrap_or_default()).into_owned())
        .collect()
}

/// Producer (every codec), SimpleConsumer (consume all, commit → resume, fetch_offsets, reset_offsets) for
/// one pin and engine. Asserts the message format on the wire both ways.
fn simple_matrix(cluster: &KafkaCluster, pin: Option<&str>, rd: bool) {
    let label = format!("pin {pin:?}, rdkafka={rd}");
    eprintln!("--- simple: {label}");
    let client = pinned_client(cluster, pin);
    let topic = unique_name("legacy");
    cluster.create_topic(&topic, 2).expect("create topic");
    let versions = chosen_versions(&client, &topic);
    eprintln!("versions under {label}: {versions:?}");
    if let Some(p) = pin {
        assert_eq!(versions, expected_pinned(p), "{label}: versions chosen");
    }
    // What the producer writes: librdkafka negotiates from 0.10 on (PyKafka's mapping), so magic 2 there.
    let produce_magic = match (rd, expected_magic(pin)) {
        (true, 1) => 2,
        (_, m) => m,
    };
    // The pure engine refuses zstd where the format cannot carry it (magic 0/1, or Produce < 7); librdkafka
    // delivers it whatever the pin (seen under 0.8.2 and 0.9.0: the messages arrive intact).
    let zstd_possible =
        rd || (produce_magic == 2 && versions.get("Produce").is_some_and(|v| *v >= 7));

    let mut expected = BTreeSet::new();
    for codec in CODECS {
        match produce_codec(&client, &topic, codec, PER_CODEC, rd) {
            Ok(v) => {
                assert!(
                    codec != Compression::Zstd || zstd_possible,
                    "{label}: zstd accepted"
                );
                expected.extend(v);
            }
            Err(e) => {
                assert!(
                    codec == Compression::Zstd && !zstd_possible,
                    "{label}: {} failed: {e}",
                    codec_name(codec)
                );
                assert!(
                    e.kind() == ErrorKind::ProduceFailure
                        && crate::common::full_text(&e).contains("zstd needs Produce v7+"),
                    "{label}: {e}"
                );
            }
        }
    }
    assert_eq!(
        expected.len(),
        PER_CODEC * if zstd_possible { 5 } else { 4 }
    );

    // Fetch side: the broker converts to the format of the Fetch version the pin allows.
    let (fetch_version, magic) = raw_fetch_magic(&client, &topic, 0);
    assert_eq!(
        magic,
        expected_magic(pin),
        "{label}: Fetch v{fetch_version}"
    );

    // Produce side: a magic-0 message carries no timestamp, so read back with no pin none has one.
    let plain = common::client(cluster);
    let reader = plain
        .topic(&topic)
        .unwrap()
        .simple_consumer()
        .consumer_timeout_ms(4_000)
        .build()
        .unwrap();
    let all = drain_all(&reader);
    reader.stop().unwrap();
    assert_eq!(values(&all).into_iter().collect::<BTreeSet<_>>(), expected);
    for m in &all {
        assert_eq!(m.timestamp.is_some(), produce_magic > 0, "{label}: {m:?}");
        let i: usize = m.partition_key.as_deref().map_or(0, |k| {
            String::from_utf8_lossy(&k[1..])
                .parse()
                .unwrap_or(usize::MAX)
        });
        assert!(i < PER_CODEC, "{label}: key of {m:?}");
    }

    // The pinned SimpleConsumer: part, commit, resume elsewhere, fetch_offsets, reset_offsets.
    let group = unique_name("legacy-g");
    let c = consumer(&client, &topic, &group, rd);
    let first: Vec<Message> = (0..17)
        .map(|_| c.consume(true).unwrap().expect("a message"))
        .collect();
    if !rd && expected_magic(pin) == 0 {
        assert!(
            first.iter().all(|m| m.timestamp.is_none()),
            "{label}: magic 0 fetched"
        );
    }
    c.commit_offsets(None).unwrap();
    let held = c.held_offsets();
    let committed = c.fetch_offsets().unwrap();
    // Partitions nothing was read from yet hold PyKafka's -2 on librdkafka; compare the ones read.
    for (p, last) in held.iter().filter(|(_, last)| **last >= 0) {
        assert_eq!(committed[p].offset, last + 1, "{label}: partition {p}");
    }
    c.stop().unwrap();

    let c = consumer(&client, &topic, &group, rd);
    let rest = drain_all(&c);
    let mut seen: Vec<String> = values(&first);
    seen.extend(values(&rest));
    assert_eq!(
        seen.len(),
        expected.len(),
        "{label}: resumed without repeats"
    );
    assert_eq!(seen.into_iter().collect::<BTreeSet<_>>(), expected);

    c.reset_offsets(None).unwrap();
    assert_eq!(
        drain_all(&c).len(),
        expected.len(),
        "{label}: reset to earliest"
    );
    let latest = [(0, ResetTarget::Latest), (1, ResetTarget::Latest)];
    c.reset_offsets(Some(&latest)).unwrap();
    assert_eq!(c.consume(true).unwrap(), None, "{label}: reset to latest");
    let ends = client
        .topic(&topic)
        .unwrap()
        .latest_available_offsets()
        .unwrap();
    let committed = c.fetch_offsets().unwrap();
    for p in 0..2 {
        assert_eq!(
            committed[&p].offset, ends[&p].offsets[0],
            "{label}: reset committed"
        );
    }
    c.stop().unwrap();
}

/// Two managed balanced members split a 4-partition topic and read it all, once.
fn balanced_pair(cluster: &KafkaCluster, pin: Option<&str>, rd: bool) {
    eprintln!("--- balanced: pin {pin:?}, rdkafka={rd}");
    let client = pinned_client(cluster, pin);
    let topic = filled_topic(cluster, &common::client(cluster), 4, 10);
    let group = unique_name("legacy-bg");
    let a = member(&client, &topic, &group, rd)
        .build()
        .expect("member a");
    let b = member(&client, &topic, &group, rd)
        .build()
        .expect("member b");
    let sets = settled(&[&a, &b], 4);
    assert!(
        sets.iter().all(|s| !s.is_empty()),
        "both members own partitions: {sets:?}"
    );
    let mut got = drain(&a, 100);
    got.extend(drain(&b, 100));
    let unique: BTreeSet<_> = got.iter().copied().collect();
    assert_eq!(
        (got.len(), unique.len()),
        (40, 40),
        "pin {pin:?}: every message once"
    );
    a.stop().unwrap();
    // b takes a's partitions over before it stops, so its final commit covers them too.
    settled(&[&b], 4);
    b.stop().unwrap();
}

#[test]
fn every_pin_simple_consumer_and_producer_on_kafka39() {
    for pin in PINS {
        for rd in engines() {
            simple_matrix(shared_kafka39(), pin, rd);
        }
    }
}

#[test]
fn every_pin_with_groups_balanced_pair_on_kafka39() {
    for pin in PINS.into_iter().filter(|p| *p != Some("0.8.2")) {
        for rd in engines() {
            balanced_pair(shared_kafka39(), pin, rd);
        }
    }
}

/// Kafka 0.8 had no Kafka-managed groups: one clear error naming JoinGroup and the pin, at build().
#[test]
fn groups_under_0_8_2_fail_with_one_clear_error() {
    let cluster = shared_kafka39();
    let client = pinned_client(cluster, Some("0.8.2"));
    let topic = filled_topic(cluster, &common::client(cluster), 1, 1);
    for rd in engines() {
        let started = std::time::Instant::now();
        let e = member(&client, &topic, &unique_name("legacy-082"), rd)
            .build()
            .expect_err("no groups under 0.8.2");
        assert_eq!(e.code(), Some(KafkaCode::UnsupportedVersion), "{e}");
        let s = crate::common::full_text(&e);
        assert!(s.contains("JoinGroup") && s.contains("\"0.8.2\""), "{s}");
        assert!(
            started.elapsed().as_secs() < 10,
            "no retries of a hopeless join"
        );
    }
}

/// read_committed needs Fetch v4 (Kafka 0.11): under an older pin the consumer says so instead of handing
/// out aborted transactions.
#[test]
fn read_committed_under_a_pre_0_11_pin_is_refused() {
    let cluster = shared_kafka39();
    let topic = filled_topic(cluster, &common::client(cluster), 1, 3);
    let client = pinned_client(cluster, Some("0.10.1"));
    let c = client
        .topic(&topic)
        .unwrap()
        .simple_consumer()
        .read_committed(true)
        .consumer_timeout_ms(3_000)
        .build()
        .unwrap();
    let e = c.consume(true).unwrap_err();
    assert!(e.option() == Some("read_committed"), "{e}");
    let text = crate::common::full_text(&e);
    assert!(text.contains("Fetch v4+") && text.contains("v3"), "{text}");
    c.stop().unwrap();
}

/// A pin the broker cannot serve: the error says so (API, ranges, pin), never "connection closed".
#[test]
fn pin_0_8_2_against_kafka4_is_unsupported() {
    let cluster = shared_kafka4();
    let topic = filled_topic(cluster, &common::client(cluster), 1, 3);
    let mut o = common::options(cluster);
    o.broker_version = Some("0.8.2".into());
    o.socket_timeout_ms = 5_000;
    // Metadata v0 still exists in 4.x, so the client itself connects.
    let client = KafkaClient::with_options(o).expect("metadata v0 works on Kafka 4");
    let t = client.topic(&topic).unwrap();
    let check = |e: Error, api: &str| {
        assert_eq!(e.code(), Some(KafkaCode::UnsupportedVersion), "{e}");
        let s = crate::common::full_text(&e);
        for part in [
            api,
            "\"0.8.2\" is not supported",
            "the pin allows v0-v0",
            "the broker v",
        ] {
            assert!(s.contains(part), "{part:?} missing from {s}");
        }
        assert!(!s.contains("connection closed"), "{s}");
    };
    check(t.latest_available_offsets().unwrap_err(), "ListOffsets");
    let c = t
        .simple_consumer()
        .consumer_timeout_ms(3_000)
        .build()
        .unwrap();
    check(c.consume(true).unwrap_err(), "Fetch");
    c.stop().unwrap();
    let p = t.sync_producer().build().unwrap();
    let e = p.produce("x").map(drop).unwrap_err();
    let text = crate::common::full_text(&e);
    assert!(
        text.contains("\"0.8.2\" is not supported") && text.contains("Produce"),
        "{text}"
    );
    let _ = p.stop();
}

/// OffsetCommit v0 / OffsetFetch v0 as 0.8.1 defined them: the broker keeps v0 offsets in ZooKeeper, apart
/// from the v1+ (Kafka-stored) ones PyKafka commits.
fn zookeeper_v0_offsets(cluster: &KafkaCluster) {
    let client = common::client(cluster);
    let topic = filled_topic(cluster, &client, 1, 3);
    let group = unique_name("legacy-zk");
    let coordinator = client.get_group_coordinator(&group).unwrap();
    let broker = client
        .cluster()
        .broker(coordinator.id)
        .expect("coordinator broker");
    let (t, g) = (topic.clone(), group.clone());
    let v0 = Some(VersionRange::new(0, 0));
    let fetch = |range: Option<VersionRange>| {
        let (broker, t, g) = (broker.clone(), t.clone(), g.clone());
        client.runtime_handle().block_on(async move {
            let (v, r) = broker
                .offsets_request(range, |_| OffsetFetchRequest {
                    group_id: g.clone(),
                    topics: Some(vec![OffsetFetchRequestTopic {
                        name: t.clone(),
                        partition_indexes: vec![0],
                        ..Default::default()
                    }]),
                    ..Default::default()
                })
                .await
                .unwrap();
            let p = &r.topics[0].partitions[0];
            (v, p.error_code, p.committed_offset, p.metadata.clone())
        })
    };
    let (b2, t2, g2) = (broker.clone(), t.clone(), g.clone());
    let (v, resp) = client
        .runtime_handle()
        .block_on(async move {
            b2.offsets_request(v0, |_| OffsetCommitRequest {
                group_id: g2.clone(),
                topics: vec![OffsetCommitRequestTopic {
                    name: t2.clone(),
                    partitions: vec![OffsetCommitRequestPartition {
                        partition_index: 0,
                        committed_offset: 2,
                        committed_metadata: Some("zk".into()),
                        ..Default::default()
                    }],
                    ..Default::default()
                }],
                ..Default::default()
            })
            .await
        })
        .unwrap();
    assert_eq!(v, 0);
    assert_eq!(resp.topics[0].partitions[0].error_code, 0);
    // ZooKeeper keeps the offset only, not the metadata.
    assert_eq!(fetch(v0), (0, 0, 2, Some(String::new())));
    let (v1, code, offset, _) = fetch(Some(VersionRange::new(1, 1)));
    assert_eq!(
        (v1, code, offset),
        (1, 0, -1),
        "v0 offsets are not Kafka-stored"
    );
}

#[test]
fn offset_commit_and_fetch_v0_live_in_zookeeper_on_kafka39() {
    zookeeper_v0_offsets(shared_kafka39_zk());
}

/// The same objects with no pin against real old brokers: whatever their ApiVersions allow.
fn real_broker(cluster: &KafkaCluster) {
    let versions = cluster.api_versions().expect("ApiVersions");
    eprintln!("broker ApiVersions: {versions:?}");
    for rd in engines() {
        simple_matrix(cluster, None, rd);
        balanced_pair(cluster, None, rd);
    }
    zookeeper_v0_offsets(cluster);
}

#[test]
fn real_kafka_2_8_no_pin() {
    real_broker(shared_kafka28());
}

#[test]
fn real_kafka_1_1_no_pin() {
    real_broker(shared_kafka11());
}
