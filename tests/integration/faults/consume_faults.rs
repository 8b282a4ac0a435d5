//! Group consumption on a 3-node cluster while a broker is SIGSTOPped/SIGCONTed or killed -9 and restarted:
//! every produced message is consumed at least once (PyKafka's at-least-once), and the duplicates delivered
//! to the user are counted and printed. Halfway through, the member is replaced, so the next one resumes
//! from offsets committed under the fault.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use ferrokafka::{
    BalancedConsumer, BalancedConsumerBuilder, ClientOptions, KafkaClient, NewTopic, OffsetType,
};
use ferrokafka_testkit::{unique_name, KafkaCluster, KafkaConfig};

use super::support::signal;
use crate::balanced_support::{engines, member};

const PARTITIONS: i32 = 3;
const TOTAL: usize = 3_000;
/// Longest a run may take to read everything back.
const READ_DEADLINE: Duration = Duration::from_secs(60);

/// What is done to the broker leading partition 0, and undone.
#[derive(Clone, Copy, Debug)]
enum Fault {
    SigStop,
    Kill,
}

impl Fault {
    fn hit(self, cluster: &KafkaCluster, node: usize) {
        match self {
            Fault::SigStop => {
                let pid = cluster.node_pid(node).expect("node").expect("running");
                signal(pid, "-STOP");
            }
            Fault::Kill => cluster.kill_node(node).expect("kill -9"),
        }
    }

    fn heal(self, cluster: &KafkaCluster, node: usize) {
        match self {
            Fault::SigStop => {
                let pid = cluster.node_pid(node).expect("node").expect("running");
                signal(pid, "-CONT");
            }
            Fault::Kill => cluster.start_node(node).expect("restart"),
        }
    }
}

/// A member reading from the start and auto-committing every 300 ms.
fn builder(
    client: &KafkaClient,
    topic: &str,
    group: &str,
    rdkafka: bool,
) -> BalancedConsumerBuilder {
    member(client, topic, group, rdkafka)
        .auto_offset_reset(OffsetType::Earliest)
        .auto_commit_enable(true)
        .auto_commit_interval_ms(300)
}

fn grouped(client: &KafkaClient, topic: &str, group: &str, rdkafka: bool) -> BalancedConsumer {
    builder(client, topic, group, rdkafka)
        .build()
        .expect("member")
}

/// A replacement member, built while the fault may still be on: a retriable error (the killed broker refusing
/// connections) is retried, as a program would, until the read deadline.
fn regrouped(
    client: &KafkaClient,
    topic: &str,
    group: &str,
    rdkafka: bool,
    started: Instant,
) -> BalancedConsumer {
    loop {
        let built = builder(client, topic, group, rdkafka).build();
        match built {
            Ok(c) => return c,
            Err(e) if e.is_retriable() && started.elapsed() < READ_DEADLINE => {
                eprintln!("rdkafka={rdkafka}: replacement member not built yet: {e}");
                std::thread::sleep(Duration::from_millis(500));
            }
            Err(e) => panic!("replacement member: {e}"),
        }
    }
}

/// Produce TOTAL messages (acks=-1), then consume them in a group while `fault` hits the leader of
/// partition 0 at a third and is undone 6 s later; the member is replaced at two thirds.
fn consume_through(cluster: &KafkaCluster, fault: Fault, rdkafka: bool) {
    let mut o = ClientOptions::new(cluster.bootstrap());
    o.socket_timeout_ms = 3_000;
    o.offsets_channel_socket_timeout_ms = 3_000;
    let client = KafkaClient::with_options(o).expect("client");
    let name = unique_name("consume-fault");
    client
        .create_topics(&[NewTopic::new(&name, PARTITIONS, 3)], 30_000)
        .expect("topic");
    let topic = client.topic(&name).expect("topic");
    let producer = topic
        .producer()
        .required_acks(-1)
        .linger_ms(5)
        .build()
        .expect("producer");
    for i in 0..TOTAL {
        producer.produce(format!("m{i}")).expect("accepted");
    }
    producer.flush(Duration::from_secs(60)).expect("flush");
    producer.stop().expect("producer stop");
    let leader = topic.partitions()[&0].leader;
    let victim = (0..cluster.node_count())
        .find(|i| cluster.node_id(*i).expect("node id") == leader)
        .expect("leader is a node");

    let group = unique_name("consume-fault-g");
    let mut consumer = Some(grouped(&client, &name, &group, rdkafka));
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    let mut delivered = 0usize;
    let mut errors = 0usize;
    let (mut hit_at, mut healed, mut replaced) = (None::<Instant>, false, false);
    let started = Instant::now();
    while seen.len() < TOTAL && started.elapsed() < READ_DEADLINE {
        if hit_at.is_none() && delivered >= TOTAL / 3 {
            fault.hit(cluster, victim);
            hit_at = Some(Instant::now());
        }
        if !healed && hit_at.is_some_and(|at| at.elapsed() >= Duration::from_secs(6)) {
            fault.heal(cluster, victim);
            healed = true;
        }
        if !replaced && delivered >= 2 * TOTAL / 3 {
            replaced = true;
            let old = consumer.take().expect("a member");
            if let Err(e) = old.stop() {
                eprintln!("{fault:?} rdkafka={rdkafka}: stop under the fault: {e}");
            }
            consumer = Some(regrouped(&client, &name, &group, rdkafka, started));
        }
        match consumer.as_ref().expect("a member").consume(true) {
            Ok(Some(m)) => {
                delivered += 1;
                let v =
                    String::from_utf8_lossy(m.value.as_deref().unwrap_or_default()).into_owned();
                *seen.entry(v).or_insert(0) += 1;
            }
            Ok(None) => {}
            Err(e) => {
                errors += 1;
                eprintln!("{fault:?} rdkafka={rdkafka}: consume: {e}");
                std::thread::sleep(Duration::from_millis(200));
            }
        }
    }
    if hit_at.is_some() && !healed {
        fault.heal(cluster, victim);
    }
    if let Some(c) = consumer {
        let _ = c.stop();
    }
    let duplicates: Vec<(&String, &usize)> = seen.iter().filter(|(_, n)| **n > 1).collect();
    let extra: usize = duplicates.iter().map(|(_, n)| **n - 1).sum();
    eprintln!(
        "{fault:?} rdkafka={rdkafka}: produced {TOTAL}, distinct consumed {}, delivered {delivered}, \
         duplicates delivered {extra} ({} values), consume errors {errors}, took {:?}",
        seen.len(),
        duplicates.len(),
        started.elapsed()
    );
    let missing: Vec<String> = (0..TOTAL)
        .map(|i| format!("m{i}"))
        .filter(|v| !seen.contains_key(v))
        .collect();
    assert!(
        missing.is_empty(),
        "{fault:?} rdkafka={rdkafka}: {} produced messages never consumed, e.g. {:?}",
        missing.len(),
        &missing[..missing.len().min(10)]
    );
    assert!(hit_at.is_some(), "the fault was applied");
    cluster.wait_ready().expect("cluster back");
}

fn under(fault: Fault) {
    let cluster = KafkaCluster::start(KafkaConfig::kafka4().nodes(3)).expect("3-node cluster");
    for rdkafka in engines() {
        consume_through(&cluster, fault, rdkafka);
    }
}

#[test]
fn group_consume_loses_nothing_through_a_sigstopped_broker() {
    under(Fault::SigStop);
}

#[test]
fn group_consume_loses_nothing_through_a_killed_and_restarted_broker() {
    under(Fault::Kill);
}
