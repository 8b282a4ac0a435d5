//! A 3-node Kafka 4 cluster: kill a partition's leader, and a metadata refresh finds the new one.

use std::time::{Duration, Instant};

use ferrokafka::{ClientOptions, KafkaClient, NewTopic};
use ferrokafka_testkit::{unique_name, KafkaCluster, KafkaConfig};

#[test]
fn a_moved_leader_is_found_by_a_metadata_refresh() {
    let cluster = KafkaCluster::start(KafkaConfig::kafka4().nodes(3)).expect("3-node cluster");
    let mut o = ClientOptions::new(cluster.bootstrap());
    o.socket_timeout_ms = 10_000;
    let client = KafkaClient::with_options(o).unwrap();
    assert_eq!(client.brokers().len(), 3);
    let coordinator = client.get_group_coordinator("client-failover").unwrap();
    assert!(client.brokers().contains_key(&coordinator.id));

    let name = unique_name("client-failover");
    client
        .create_topics(&[NewTopic::new(&name, 1, 3)], 30_000)
        .unwrap();
    let topic = client.topic(&name).unwrap();
    let old_leader = topic.partitions()[&0].leader;
    let index = (0..3)
        .find(|i| cluster.node_id(*i).unwrap() == old_leader)
        .expect("leader is a testkit node");
    cluster.kill_node(index).unwrap();

    let started = Instant::now();
    let mut new_leader = old_leader;
    while started.elapsed() < Duration::from_secs(60) {
        // Refresh on the error a request to the dead leader gives, as engines do.
        let partition = topic.partitions()[&0].clone();
        if let Err(e) = partition.latest_available_offset() {
            eprintln!("while the leader moves: {e}");
        }
        let _ = client.update_cluster();
        new_leader = topic.partitions()[&0].leader;
        if new_leader >= 0 && new_leader != old_leader {
            break;
        }
        std::thread::sleep(Duration::from_millis(500));
    }
    assert!(
        new_leader >= 0 && new_leader != old_leader,
        "leader still {new_leader} after {:?}",
        started.elapsed()
    );
    assert_eq!(topic.partitions()[&0].latest_available_offset().unwrap(), 0);
    eprintln!(
        "leader moved {old_leader} -> {new_leader}, found in {:?}",
        started.elapsed()
    );
}
