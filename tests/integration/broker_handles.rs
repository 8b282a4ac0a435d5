//! Live broker handles (PyKafka's `Broker`): each typed call goes to the broker it names. On one broker:
//! what producers of both engines wrote comes back from `fetch_messages`, offset limits match, a commit
//! through the coordinator's handle is what a SimpleConsumer reads back. On three: calls sent to a broker
//! that is not the leader / coordinator come back with that broker's "not me" code.

use std::collections::BTreeMap;
use std::time::{Duration, SystemTime};

use ferrokafka::{
    Broker, ClientOptions, ErrorKind, KafkaClient, KafkaCode, NewTopic, OffsetType, OffsetsBefore,
    OutgoingMessage,
};
use ferrokafka_testkit::{shared_kafka4, unique_name, KafkaCluster, KafkaConfig};

use crate::common;
use crate::producer::build;

const MAX_BYTES: i32 = 1024 * 1024;

/// Produce `values` to partition 0 through a producer of the chosen engine; false when it is not built in.
fn produce_with(client: &KafkaClient, topic: &str, rdkafka: bool, values: &[&str]) -> bool {
    let topic = client.topic(topic).expect("topic");
    let Some(p) = build(topic.producer().use_rdkafka(rdkafka)) else {
        return false;
    };
    for v in values {
        let mut m = OutgoingMessage::new(v.to_string());
        m.partition = Some(0);
        p.produce_with(m).expect("produce");
    }
    p.flush(Duration::from_secs(30)).expect("flush");
    p.stop().expect("stop");
    true
}

/// Commit through `broker`, retrying the retriable codes a just-created group's coordinator gives while
/// its offsets partition loads (the handle itself never retries: it is one request to one broker).
fn commit_when_ready(broker: &Broker, group: &str, topic: &str, offsets: BTreeMap<i32, i64>) {
    let mut last = None;
    let done = common::eventually(Duration::from_secs(30), || {
        match broker.commit_consumer_group_offsets(group, topic, &offsets) {
            Ok(()) => Some(()),
            Err(e) if e.is_retriable() => {
                last = Some(e);
                None
            }
            Err(e) => panic!("commit through broker {}: {e}", broker.id()),
        }
    });
    assert!(done.is_some(), "commit never succeeded: {last:?}");
}

#[test]
fn broker_handle_calls_on_one_broker() {
    let cluster = shared_kafka4();
    let client = common::client(cluster);
    let name = unique_name("broker-handle");
    client
        .create_topics(&[NewTopic::new(&name, 2, 1)], 30_000)
        .unwrap();
    let topic = client.topic(&name).unwrap();
    let mut written: Vec<String> = Vec::new();
    for rdkafka in [false, true] {
        let values: Vec<String> = (0..3).map(|i| format!("{rdkafka}-{i}")).collect();
        let refs: Vec<&str> = values.iter().map(String::as_str).collect();
        if produce_with(&client, &name, rdkafka, &refs) {
            written.extend(values);
        }
    }
    let n = written.len() as i64;

    let partition = topic.partitions()[&0].clone();
    let leader = partition.leader_broker().expect("a leader");
    assert_eq!(leader.id(), partition.leader);
    assert_eq!(
        leader.port().unwrap(),
        client.brokers()[&leader.id()].port().unwrap()
    );
    assert_eq!(partition.replica_brokers(), vec![leader.clone()]);
    assert_eq!(partition.isr_brokers(), vec![leader.clone()]);

    // fetch_messages: what the producers wrote, from any offset.
    let all = leader.fetch_messages(&name, 0, 0, MAX_BYTES).unwrap();
    let got: Vec<String> = all
        .messages
        .iter()
        .map(|m| String::from_utf8_lossy(m.value.as_deref().unwrap_or_default()).into_owned())
        .collect();
    assert_eq!(got, written);
    assert_eq!(all.high_watermark, n);
    let tail = leader.fetch_messages(&name, 0, 2, MAX_BYTES).unwrap();
    assert_eq!(tail.messages.first().map(|m| m.offset), Some(2));
    assert_eq!(tail.messages.len() as i64, n - 2);
    let e = leader.fetch_messages(&name, 0, 0, 0).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidInput, "{e}");

    // request_offset_limits: earliest, latest, a time after everything.
    let latest = leader
        .request_offset_limits(&name, &[0], OffsetType::Latest, 1)
        .unwrap();
    assert_eq!(latest[&0].offsets, vec![n]);
    assert_eq!(latest[&0].error, None);
    let earliest = leader
        .request_offset_limits(&name, &[0], OffsetsBefore::Earliest, 1)
        .unwrap();
    assert_eq!(earliest[&0].offsets, vec![0]);
    let later = SystemTime::now() + Duration::from_secs(3600);
    let none = leader.request_offset_limits(&name, &[0], later, 1).unwrap();
    assert_eq!(none[&0].offsets, Vec::<i64>::new());

    // request_metadata: the topic with its partitions, the broker itself; an unknown topic is an error
    // entry, not created.
    let meta = leader.request_metadata(&[&name]).unwrap();
    assert_eq!(meta.topics[&name].partitions.len(), 2);
    assert!(meta.brokers.contains_key(&leader.id()));
    let missing = unique_name("broker-handle-missing");
    let meta = leader.request_metadata(&[&missing]).unwrap();
    assert_eq!(
        meta.topic_errors.get(&missing),
        Some(&KafkaCode::UnknownTopicOrPartition)
    );
    assert!(!client.topics().contains(&missing));

    // commit / fetch group offsets through the coordinator's handle; a SimpleConsumer reads them back.
    let group = unique_name("broker-handle-g");
    let coordinator = client.broker(client.get_group_coordinator(&group).unwrap().id);
    commit_when_ready(&coordinator, &group, &name, BTreeMap::from([(0, 2)]));
    let back = coordinator
        .fetch_consumer_group_offsets(&group, &name, &[0, 1])
        .unwrap();
    assert_eq!(back, BTreeMap::from([(0, 2), (1, -1)]));
    for rdkafka in [false, true] {
        let built = topic
            .simple_consumer()
            .consumer_group(&group)
            .use_rdkafka(rdkafka)
            .build();
        let consumer = match built {
            Ok(c) => c,
            Err(e) if e.kind() == ErrorKind::EngineUnavailable => continue,
            Err(e) => panic!("consumer: {e}"),
        };
        let committed = consumer.fetch_offsets().unwrap();
        assert_eq!(committed[&0].offset, 2, "rdkafka={rdkafka}");
        consumer.stop().unwrap();
    }

    // The async twins answer the same.
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let fetched = rt
        .block_on(leader.fetch_messages_async(&name, 0, 0, MAX_BYTES))
        .unwrap();
    assert_eq!(fetched, all);
    let meta = rt.block_on(leader.request_metadata_async(&[])).unwrap();
    assert!(meta.topics.contains_key(&name));

    // A broker id the metadata does not list: a typed error naming it.
    let gone = client.broker(4242);
    let e = gone.fetch_messages(&name, 0, 0, MAX_BYTES).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidState, "{e}");
    assert!(e.to_string().contains("4242"), "{e}");
    assert_eq!(gone.info().unwrap_err().kind(), ErrorKind::InvalidState);
    assert!(!gone.connected());
    client.delete_topics(&[&name], 30_000).unwrap();
}

/// Three brokers: a call goes to the broker named, so a non-leader / non-coordinator answers "not me".
#[test]
fn broker_handle_calls_reach_the_broker_named() {
    let cluster = KafkaCluster::start(KafkaConfig::kafka4().nodes(3)).expect("3-node cluster");
    let mut o = ClientOptions::new(cluster.bootstrap());
    o.socket_timeout_ms = 15_000;
    let client = KafkaClient::with_options(o).unwrap();
    assert_eq!(client.brokers().len(), 3);
    let name = unique_name("broker-handle3");
    client
        .create_topics(&[NewTopic::new(&name, 1, 1)], 30_000)
        .unwrap();
    let topic = client.topic(&name).unwrap();
    common::produce(&client, &name, 0, &[b"a", b"b"]);
    let partition = topic.partitions()[&0].clone();
    let leader = partition.leader_broker().expect("a leader");
    let other = client
        .brokers()
        .into_values()
        .find(|b| b.id() != leader.id())
        .expect("a broker that is not the leader");

    assert_eq!(
        leader
            .fetch_messages(&name, 0, 0, MAX_BYTES)
            .unwrap()
            .messages
            .len(),
        2
    );
    let e = other.fetch_messages(&name, 0, 0, MAX_BYTES).unwrap_err();
    assert_eq!(e.code(), Some(KafkaCode::NotLeaderForPartition), "{e}");
    assert!(
        e.to_string().contains(&other.id().to_string()),
        "names the broker: {e}"
    );

    let latest = other
        .request_offset_limits(&name, &[0], OffsetType::Latest, 1)
        .unwrap();
    assert_eq!(latest[&0].error, Some(KafkaCode::NotLeaderForPartition));
    let latest = leader
        .request_offset_limits(&name, &[0], OffsetType::Latest, 1)
        .unwrap();
    assert_eq!(latest[&0].offsets, vec![2]);

    let group = unique_name("broker-handle3-g");
    let coordinator_id = client.get_group_coordinator(&group).unwrap().id;
    let not_coordinator = client
        .brokers()
        .into_values()
        .find(|b| b.id() != coordinator_id)
        .expect("a broker that is not the coordinator");
    let e = not_coordinator
        .commit_consumer_group_offsets(&group, &name, &BTreeMap::from([(0, 1)]))
        .unwrap_err();
    assert_eq!(e.code(), Some(KafkaCode::NotCoordinatorForGroup), "{e}");
    let e = not_coordinator
        .fetch_consumer_group_offsets(&group, &name, &[0])
        .unwrap_err();
    assert_eq!(e.code(), Some(KafkaCode::NotCoordinatorForGroup), "{e}");
    let coordinator = client.broker(coordinator_id);
    commit_when_ready(&coordinator, &group, &name, BTreeMap::from([(0, 1)]));
    assert_eq!(
        coordinator
            .fetch_consumer_group_offsets(&group, &name, &[0])
            .unwrap(),
        BTreeMap::from([(0, 1)])
    );

    // Every broker answers Metadata, each naming all three.
    for b in client.brokers().values() {
        let meta = b.request_metadata(&[&name]).unwrap();
        assert_eq!(meta.brokers.len(), 3, "from broker {}", b.id());
        assert_eq!(meta.topics[&name].partitions[&0].leader, leader.id());
    }

    // Live: once a stopped broker leaves the metadata, the handle taken before says so by id.
    let index = (0..3)
        .find(|i| cluster.node_id(*i).ok() == Some(other.id()))
        .expect("the other broker is a testkit node");
    cluster.stop_node(index).unwrap();
    let gone = common::eventually(Duration::from_secs(60), || {
        let _ = client.update_cluster();
        other.info().err()
    })
    .expect("the stopped broker left the metadata");
    assert_eq!(gone.kind(), ErrorKind::InvalidState, "{gone}");
    assert!(gone.to_string().contains(&other.id().to_string()), "{gone}");
    let e = other.request_metadata(&[]).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidState, "{e}");
    assert!(leader.request_metadata(&[&name]).is_ok());
}
