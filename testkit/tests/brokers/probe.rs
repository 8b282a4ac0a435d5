//! Hand-written ApiVersions, Metadata and CreateTopics against every shared broker.

use ferrokafka_testkit::{
    api_versions, shared_kafka39, shared_kafka39_zk, shared_kafka4, unique_name, KafkaCluster,
    KafkaVersion, TestkitError,
};

const PRODUCE: i16 = 0;
const FETCH: i16 = 1;
const API_VERSIONS: i16 = 18;

fn check_api_versions(cluster: &KafkaCluster) -> ferrokafka_testkit::ApiVersions {
    let addr = cluster.bootstrap().split(',').next().expect("an address");
    let v = api_versions(addr, std::time::Duration::from_secs(5)).expect("ApiVersions v0");
    assert_eq!(v.error_code, 0);
    assert!(!v.apis.is_empty());
    let produce = v.get(PRODUCE).expect("Produce listed");
    assert!(produce.max_version >= 9, "{produce:?}");
    assert!(v.get(API_VERSIONS).is_some());
    v
}

#[test]
fn api_versions_kafka4() {
    let cluster = shared_kafka4();
    let v = check_api_versions(cluster);
    if cluster.version() == Some(KafkaVersion::Kafka4) {
        // KIP-896: Kafka 4 dropped Fetch v0-3 (Produce v0-2 too, though ApiVersions
        // still advertises Produce from v0 for librdkafka's sake).
        eprintln!("Kafka 4 Produce {:?}", v.get(PRODUCE));
        assert_eq!(v.get(FETCH).map(|r| r.min_version), Some(4));
    }
}

#[test]
fn api_versions_kafka39() {
    let cluster = shared_kafka39();
    let v = check_api_versions(cluster);
    if cluster.version() == Some(KafkaVersion::Kafka39) {
        assert_eq!(v.get(PRODUCE).map(|r| r.min_version), Some(0));
        assert_eq!(v.get(FETCH).map(|r| r.min_version), Some(0));
    }
}

#[test]
fn create_topic_and_metadata_kafka4() {
    let cluster = shared_kafka4();
    let topic = unique_name("probe");
    cluster.create_topic(&topic, 3).expect("create topic");
    let m = cluster.metadata(&[&topic]).expect("metadata");
    assert!(!m.brokers.is_empty());
    let t = m
        .topics
        .iter()
        .find(|t| t.name == topic)
        .expect("topic listed");
    assert_eq!(t.error_code, 0);
    assert_eq!(t.partitions.len(), 3);
    assert!(t.partitions.iter().all(|&(_, leader)| leader >= 0));
    match cluster.create_topic(&topic, 3) {
        Err(TestkitError::Protocol { reason, .. }) => {
            assert!(reason.contains("error 36"), "{reason}")
        }
        other => panic!("second create should fail with TOPIC_ALREADY_EXISTS, got {other:?}"),
    }
}

#[test]
fn zookeeper_mode_kafka39() {
    let cluster = shared_kafka39_zk();
    check_api_versions(cluster);
    let zk = cluster.zookeeper_connect().expect("zookeeper address");
    assert!(zk.starts_with("127.0.0.1:"), "{zk}");
    let topic = unique_name("zk");
    cluster.create_topic(&topic, 2).expect("create topic");
    let m = cluster.metadata(&[&topic]).expect("metadata");
    assert_eq!(m.topics[0].partitions.len(), 2);
    let config = crate::plaintext(cluster.bootstrap());
    crate::produce(&config, &topic, 100);
    crate::consume(&config, &topic, 100);
}
