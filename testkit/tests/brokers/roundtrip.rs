//! 1000 messages through each broker with librdkafka, on an auto-created and a created topic.

use ferrokafka_testkit::{shared_kafka39, shared_kafka4, unique_name, KafkaCluster};

fn roundtrip_1000(cluster: &KafkaCluster, create: bool) {
    let topic = unique_name("roundtrip");
    if create {
        cluster.create_topic(&topic, 3).expect("create topic");
    }
    let config = crate::plaintext(cluster.bootstrap());
    crate::produce(&config, &topic, 1000);
    crate::consume(&config, &topic, 1000);
}

#[test]
fn produce_consume_1000_kafka4() {
    roundtrip_1000(shared_kafka4(), false);
}

#[test]
fn produce_consume_1000_kafka39() {
    roundtrip_1000(shared_kafka39(), false);
}

#[test]
fn produce_consume_1000_created_topic_kafka4() {
    roundtrip_1000(shared_kafka4(), true);
}
