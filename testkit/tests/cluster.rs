//! A 3-node Kafka 4 KRaft cluster survives a killed node, and the node comes back.

use std::time::{Duration, Instant};

use ferrokafka_testkit::{pid_alive, unique_name, KafkaCluster, KafkaConfig};
use rdkafka::config::ClientConfig;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::producer::{BaseProducer, BaseRecord, Producer};

fn produce(bootstrap: &str, topic: &str, from: usize, count: usize) {
    let producer: BaseProducer = ClientConfig::new()
        .set("bootstrap.servers", bootstrap)
        .set("acks", "all")
        .create()
        .expect("producer");
    for i in from..from + count {
        let payload = format!("m{i}");
        producer
            .send(BaseRecord::<(), _>::to(topic).payload(&payload))
            .expect("enqueue");
        producer.poll(Duration::ZERO);
    }
    producer.flush(Duration::from_secs(60)).expect("flush");
}

fn count_all(bootstrap: &str, topic: &str, expected: usize) {
    let consumer: BaseConsumer = ClientConfig::new()
        .set("bootstrap.servers", bootstrap)
        .set("group.id", unique_name("count"))
        .set("auto.offset.reset", "earliest")
        .create()
        .expect("consumer");
    consumer.subscribe(&[topic]).expect("subscribe");
    let deadline = Instant::now() + Duration::from_secs(90);
    let mut n = 0;
    while n < expected {
        assert!(Instant::now() < deadline, "consumed {n} of {expected}");
        match consumer.poll(Duration::from_millis(500)) {
            Some(Ok(_)) => n += 1,
            Some(Err(e)) => panic!("consume: {e}"),
            None => {}
        }
    }
}

#[test]
fn three_nodes_kill_restart() {
    let t = Instant::now();
    let step = |what: &str| eprintln!("[{:>5.1}s] {what}", t.elapsed().as_secs_f64());
    // A short broker session: the controller fences the killed node (and moves its leaders) sooner.
    let config = KafkaConfig::kafka4()
        .nodes(3)
        .property("broker.heartbeat.interval.ms", "500")
        .property("broker.session.timeout.ms", "4000");
    let cluster = KafkaCluster::start(config).expect("3-node cluster");
    assert_eq!(cluster.node_count(), 3);
    assert_eq!(cluster.metadata(&[]).expect("metadata").brokers.len(), 3);
    let topic = unique_name("replicated");
    cluster.create_topic(&topic, 3).expect("topic with RF 3");
    produce(cluster.bootstrap(), &topic, 0, 100);
    step("started, topic created, 100 produced");

    // Crash node 2: its JVM disappears, the other two keep serving.
    let pid = cluster.node_pid(1).expect("node").expect("running");
    cluster.kill_node(1).expect("kill");
    assert!(!pid_alive(pid), "JVM {pid} survived SIGKILL");
    assert!(!cluster.node_running(1).expect("node"));
    produce(cluster.bootstrap(), &topic, 100, 100);
    step("node 2 killed, 100 more produced");

    // It comes back on its old data and ports and sees all three brokers.
    cluster.start_node(1).expect("start node 2 again");
    assert!(cluster.node_running(1).expect("node"));
    let addr = cluster.node_addr(1).expect("addr");
    let seen = ferrokafka_testkit::metadata(&addr, &[], Duration::from_secs(5)).expect("metadata");
    assert_eq!(seen.brokers.len(), 3);
    step("node 2 back");

    // A graceful restart of another node.
    cluster.restart_node(0).expect("restart node 1");
    step("node 1 restarted");
    count_all(cluster.bootstrap(), &topic, 200);
    step("200 consumed");
}

#[test]
fn node_control_needs_managed_cluster() {
    let external = KafkaCluster::external("127.0.0.1:1");
    assert!(external.kill_node(0).is_err());
    assert!(external.version().is_none());
}

/// Downloads `kafka-tools` (~40 MB), so only on request: `cargo test -- --ignored`.
#[test]
#[ignore]
fn producer_performance_tool() {
    let cluster = KafkaCluster::start(KafkaConfig::kafka4()).expect("broker");
    let topic = unique_name("perf");
    let out = ferrokafka_testkit::kafka_tool_command("org.apache.kafka.tools.ProducerPerformance")
        .expect("tools")
        .args([
            "--topic",
            &topic,
            "--num-records",
            "1000",
            "--record-size",
            "100",
        ])
        .args(["--throughput", "-1", "--producer-props"])
        .arg(format!("bootstrap.servers={}", cluster.bootstrap()))
        .output()
        .expect("run ProducerPerformance");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("1000 records sent"), "{stdout}");
}

#[test]
fn startup_failure_names_the_log() {
    let config = KafkaConfig::kafka4().property("process.roles", "nonsense");
    let err = KafkaCluster::start(config).expect_err("an invalid config must not start");
    let message = err.to_string();
    let ferrokafka_testkit::TestkitError::Process { log, .. } = &err else {
        panic!("expected a process error, got: {message}");
    };
    assert!(log.is_file(), "the log {} must be kept", log.display());
    assert!(message.contains(&log.display().to_string()), "{message}");
    // The directory is kept for the reader; this test is the reader.
    if let Some(cluster_dir) = log.parent().and_then(|node| node.parent()) {
        let _ = std::fs::remove_dir_all(cluster_dir);
    }
}
