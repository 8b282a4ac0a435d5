//! Trap 6 of issue 29: an unknown topic on brokers that do not auto-create topics fails at once with a typed,
//! non-retriable error (it used to wait 30 s for leaders that never come). The lookup is the client's,
//! before any engine is chosen, so both engines meet the same error; an existing topic still serves a
//! producer and a consumer on each engine. Brokers that do auto-create (the shared ones) are covered by
//! `metadata.rs::metadata_and_admin`, whose unknown topic is still created and waited for.

use std::sync::OnceLock;
use std::time::{Duration, Instant};

use ferrokafka::{ErrorKind, KafkaCode, OffsetType};
use ferrokafka_testkit::{unique_name, KafkaCluster, KafkaConfig};

use crate::common;

/// Far below the 30 s this used to take, with room for a loaded 2-core machine.
const AT_ONCE: Duration = Duration::from_secs(5);

fn without_auto_create(config: KafkaConfig) -> KafkaCluster {
    KafkaCluster::start(config.property("auto.create.topics.enable", "false"))
        .expect("broker without auto-create")
}

fn kafka4() -> &'static KafkaCluster {
    static CLUSTER: OnceLock<KafkaCluster> = OnceLock::new();
    CLUSTER.get_or_init(|| without_auto_create(KafkaConfig::kafka4()))
}

fn kafka39() -> &'static KafkaCluster {
    static CLUSTER: OnceLock<KafkaCluster> = OnceLock::new();
    CLUSTER.get_or_init(|| without_auto_create(KafkaConfig::kafka39()))
}

fn engines() -> Vec<bool> {
    if cfg!(feature = "native") {
        vec![false, true]
    } else {
        vec![false]
    }
}

fn check_unknown(err: &ferrokafka::Error, name: &str, took: Duration) {
    assert!(took < AT_ONCE, "took {took:?}: {err}");
    assert_eq!(err.kind(), ErrorKind::UnknownTopicOrPartition, "{err}");
    assert_eq!(
        err.code(),
        Some(KafkaCode::UnknownTopicOrPartition),
        "{err}"
    );
    assert!(!err.is_retriable(), "{err}");
    assert_eq!(err.context().topic.as_deref(), Some(name), "{err}");
    let text = err.to_string();
    assert!(
        text.contains(&format!("topic {name:?} does not exist"))
            && text.contains("auto.create.topics.enable=false"),
        "{text}"
    );
}

fn unknown_fails_at_once_and_known_works(cluster: &KafkaCluster) {
    let client = common::client(cluster);
    let name = unique_name("missing");
    let started = Instant::now();
    let err = client.topic(&name).expect_err("no such topic");
    check_unknown(&err, &name, started.elapsed());
    // The async form and PyKafka's `topics[name]` are the same lookup.
    let started = Instant::now();
    let err = client
        .runtime_handle()
        .block_on(client.topics().get_async(&name))
        .expect_err("no such topic (async)");
    check_unknown(&err, &name, started.elapsed());

    // A topic that exists still works on both engines.
    let known = unique_name("known");
    cluster.create_topic(&known, 1).expect("create topic");
    let topic = client.topic(&known).expect("existing topic");
    for rdkafka in engines() {
        let producer = topic
            .sync_producer()
            .use_rdkafka(rdkafka)
            .build()
            .expect("producer");
        producer.produce(format!("via {rdkafka}")).expect("produce");
        producer.stop().expect("stop producer");
        let consumer = topic
            .simple_consumer()
            .use_rdkafka(rdkafka)
            .auto_offset_reset(OffsetType::Earliest)
            .reset_offset_on_start(true)
            .consumer_timeout_ms(15_000)
            .build()
            .expect("consumer");
        let values: Vec<String> = std::iter::from_fn(|| consumer.consume(true).expect("consume"))
            .map(|m| String::from_utf8_lossy(m.value.as_deref().unwrap_or_default()).into_owned())
            .take(usize::from(rdkafka) + 1)
            .collect();
        assert!(values.contains(&format!("via {rdkafka}")), "{values:?}");
        consumer.stop().expect("stop consumer");
    }
}

#[test]
fn kafka4_unknown_topic_fails_at_once() {
    unknown_fails_at_once_and_known_works(kafka4());
}

#[test]
fn kafka39_unknown_topic_fails_at_once() {
    unknown_fails_at_once_and_known_works(kafka39());
}
