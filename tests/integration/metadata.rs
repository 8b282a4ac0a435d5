//! Metadata, leaders, coordinator lookup, topic create/delete, group list/describe, TopicDict semantics.

use std::time::Duration;

use ferrokafka::{Error, KafkaClient, KafkaCode, NewTopic};
use ferrokafka_testkit::{shared_kafka39, shared_kafka4, unique_name, KafkaCluster};

use crate::common;

fn metadata_and_admin(cluster: &KafkaCluster) {
    let client = common::client(cluster);
    let brokers = client.brokers();
    assert!(!brokers.is_empty());
    let controller = client.controller().expect("metadata v1+ names a controller");
    assert!(brokers.contains_key(&controller.id));

    // create, look up, describe partitions
    let name = unique_name("client-meta");
    client
        .create_topics(&[NewTopic::new(&name, 3, 1).config("retention.ms", "600000")], 30_000)
        .unwrap();
    let e = client
        .create_topics(&[NewTopic::new(&name, 3, 1)], 30_000)
        .unwrap_err();
    assert_eq!(e.code(), Some(KafkaCode::TopicAlreadyExists), "{e}");
    assert!(e.to_string().contains(&name), "error names the topic: {e}");
    let topic = client.topic(&name).unwrap();
    assert_eq!(topic.name(), name);
    let parts = topic.partitions();
    assert_eq!(parts.keys().copied().collect::<Vec<_>>(), vec![0, 1, 2]);
    for p in parts.values() {
        assert!(brokers.contains_key(&p.leader), "leader {} known", p.leader);
        assert_eq!(p.replicas.len(), 1);
        assert!(p.isr.contains(&p.leader));
        assert!(p.leader_broker().is_some());
    }
    assert!(client.topics().contains(&name));
    assert!(client.topics().names().contains(&name));

    // TopicDict: internal hidden, non-ASCII rejected, unknown auto-created
    assert!(!client.topics().contains("é"));
    assert!(matches!(client.topic("é"), Err(Error::InvalidInput { .. })));
    let auto = unique_name("client-auto");
    let t = client.topic(&auto).expect("auto-created");
    assert_eq!(t.partitions().len(), 1);

    // delete
    client.delete_topics(&[&name, &auto], 30_000).unwrap();
    let gone = common::eventually(Duration::from_secs(20), || {
        client.update_cluster().ok()?;
        (!client.topics().contains(&name)).then_some(())
    });
    assert!(gone.is_some(), "deleted topic disappears from metadata");
    let e = client.delete_topics(&[&name], 10_000).unwrap_err();
    assert_eq!(e.code(), Some(KafkaCode::UnknownTopicOrPartition), "{e}");
}

fn coordinator_and_groups(cluster: &KafkaCluster) {
    let client = common::client(cluster);
    let group = unique_name("client-group");
    let coordinator = client.get_group_coordinator(&group).unwrap();
    assert!(client.brokers().contains_key(&coordinator.id));
    // No member has joined: the group is listed only once something commits; describe works regardless.
    let described = client.describe_groups(&[&group]).unwrap();
    let d = &described[&group];
    assert_eq!(d.error, None);
    assert!(d.state == "Dead" || d.state == "Empty", "state {}", d.state);
    assert!(d.members.is_empty());
    let listed = client.list_groups().unwrap();
    assert!(listed.iter().all(|g| !g.group_id.is_empty()));
    let managed = client.get_managed_group_descriptions().unwrap();
    assert!(managed.values().all(|d| d.error.is_none()));
}

#[test]
fn kafka4_metadata_topics_and_admin() {
    metadata_and_admin(shared_kafka4());
}

#[test]
fn kafka39_metadata_topics_and_admin() {
    metadata_and_admin(shared_kafka39());
}

#[test]
fn kafka4_coordinator_and_groups() {
    coordinator_and_groups(shared_kafka4());
}

#[test]
fn kafka39_coordinator_and_groups() {
    coordinator_and_groups(shared_kafka39());
}

#[test]
fn pinned_0_9_versions_work_on_kafka39_and_fail_cleanly_on_kafka4() {
    let mut o = common::options(shared_kafka39());
    o.broker_version = Some("0.9.0".into());
    let client = KafkaClient::with_options(o).unwrap();
    let name = unique_name("client-pinned");
    let topic = client.topic(&name).unwrap();
    assert_eq!(topic.latest_available_offsets().unwrap()[&0].offsets, vec![0]);

    let mut o = common::options(shared_kafka4());
    o.broker_version = Some("0.9.0".into());
    o.socket_timeout_ms = 5_000;
    // Metadata v0 still exists in 4.x; ListOffsets v0 does not: a typed error, no hang.
    if let Ok(client) = KafkaClient::with_options(o) {
        let topic = client.topic(&name).unwrap();
        let started = std::time::Instant::now();
        let e = topic.latest_available_offsets().unwrap_err();
        assert!(started.elapsed() < Duration::from_secs(30), "{e}");
    }
}

#[test]
fn async_client_from_a_current_thread_runtime() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let opts = common::options(shared_kafka4());
    rt.block_on(async move {
        let client = KafkaClient::connect(opts).await.unwrap();
        let name = unique_name("client-async");
        let topic = client.topic_async(&name).await.unwrap();
        let latest = topic.latest_available_offsets_async().await.unwrap();
        assert_eq!(latest[&0].offsets, vec![0]);
        // A blocking call inside a runtime must not panic.
        assert!(client.update_cluster().is_ok());
        client.delete_topics_async(&[&name], 10_000).await.unwrap();
    });
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn blocking_calls_inside_a_multi_thread_runtime() {
    let client = KafkaClient::with_options(common::options(shared_kafka4())).unwrap();
    assert!(!client.brokers().is_empty());
    let g = client.get_group_coordinator_async("client-any-group").await.unwrap();
    assert!(client.brokers().contains_key(&g.id));
}
