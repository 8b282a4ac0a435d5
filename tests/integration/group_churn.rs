//! Groups under failure and churn, while messages flow: the coordinator's broker killed (-9) on a 3-node
//! Kafka 4.1 cluster, a member added and one stopped cleanly, a member of another client killed without
//! leaving. Counted from outside: every acknowledged message is read (0 unconsumed), and duplicates stay
//! within the bound that uncommitted offsets allow.
//!
//! The ferrokafka members here commit after every message (retrying a failed commit until it lands or the
//! member's generation changes) and log every read and every commit that landed: a message may be read
//! twice only if no landed commit had covered it before the second read.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use bytes::Bytes;
use ferrokafka::{BalancedConsumer, ClientOptions, KafkaClient, NewTopic, OutgoingMessage};
use ferrokafka_testkit::{shared_kafka4, unique_name, KafkaCluster, KafkaConfig};

use crate::balanced_support::member;
use crate::common;

const PARTITIONS: i32 = 6;

/// What a reader did, in order: a message read, or a commit that landed with the offsets it held then.
enum Event {
    Read(Instant, i32, i64, String),
    Committed(Instant, BTreeMap<i32, i64>),
}

/// A ferrokafka member consuming on its own thread, committing after every message.
struct Reader {
    consumer: Arc<BalancedConsumer>,
    read: Arc<Mutex<Vec<String>>>,
    events: Arc<Mutex<Vec<Event>>>,
    generations: Arc<Mutex<BTreeSet<i32>>>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Reader {
    fn start(consumer: BalancedConsumer) -> Reader {
        let consumer = Arc::new(consumer);
        let read = Arc::new(Mutex::new(Vec::new()));
        let events = Arc::new(Mutex::new(Vec::new()));
        let generations = Arc::new(Mutex::new(BTreeSet::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let thread = {
            let (c, read, events, generations, stop) = (
                consumer.clone(),
                read.clone(),
                events.clone(),
                generations.clone(),
                stop.clone(),
            );
            std::thread::spawn(move || {
                while !stop.load(Ordering::SeqCst) {
                    generations.lock().expect("lock").insert(c.generation_id());
                    match c.consume(true) {
                        Ok(Some(m)) => {
                            let v = String::from_utf8_lossy(m.value.as_deref().unwrap_or_default())
                                .into_owned();
                            read.lock().expect("lock").push(v.clone());
                            let at = Instant::now();
                            events.lock().expect("lock").push(Event::Read(
                                at,
                                m.partition_id,
                                m.offset,
                                v,
                            ));
                            if commit_until_landed(&c, &stop) {
                                let held = Event::Committed(Instant::now(), c.held_offsets());
                                events.lock().expect("lock").push(held);
                            }
                        }
                        Ok(None) => {}
                        Err(e) => {
                            eprintln!("    consume: {e}");
                            std::thread::sleep(Duration::from_millis(200));
                        }
                    }
                }
            })
        };
        Reader {
            consumer,
            read,
            events,
            generations,
            stop,
            thread: Some(thread),
        }
    }

    fn read(&self) -> Vec<String> {
        self.read.lock().expect("lock").clone()
    }

    fn generation_count(&self) -> usize {
        self.generations.lock().expect("lock").len()
    }

    /// Ends the reading thread, then stops the consumer cleanly (it leaves the group).
    fn finish(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(t) = self.thread.take() {
            t.join().expect("reader thread");
        }
        if let Err(e) = self.consumer.stop() {
            eprintln!("    stop: {e}");
        }
    }
}

impl Drop for Reader {
    fn drop(&mut self) {
        self.finish();
    }
}

/// Commits the member's offsets, retrying while the coordinator moves; gives up when its generation
/// changed (the partition may have moved: that message is the one a handover may re-deliver).
fn commit_until_landed(c: &BalancedConsumer, stop: &AtomicBool) -> bool {
    let generation = c.generation_id();
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline && !stop.load(Ordering::SeqCst) {
        match c.commit_offsets(None) {
            Ok(()) => return true,
            Err(e) => {
                if c.generation_id() != generation {
                    return false;
                }
                eprintln!("    commit (retrying): {e}");
                std::thread::sleep(Duration::from_millis(200));
            }
        }
    }
    false
}

/// Re-reads that no uncommitted offset explains: a message read again although, before that second read,
/// some member's commit had landed while it held the message's partition at or past the message. Each is a
/// commit reported done that did not hold, or a message handed out from a partition already committed past.
fn unexplained_duplicates(readers: &[&Reader]) -> Vec<String> {
    let mut reads = Vec::new();
    let mut commits = Vec::new();
    for r in readers {
        for e in r.events.lock().expect("lock").iter() {
            match e {
                Event::Read(t, p, o, v) => reads.push((*t, *p, *o, v.clone())),
                Event::Committed(t, held) => commits.push((*t, held.clone())),
            }
        }
    }
    reads.sort_by_key(|r| r.0);
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    for (t, p, o, v) in reads {
        if !seen.insert(v.clone()) {
            let covered = commits
                .iter()
                .any(|(tc, held)| *tc < t && held.get(&p).is_some_and(|last| *last >= o));
            if covered {
                out.push(format!("{v} (partition {p} offset {o})"));
            }
        }
    }
    out
}

/// Produces `count` messages `"{tag}-{i}"` at about `per_second`, calling `at(i)` before message `i`;
/// returns the values whose delivery was acknowledged.
fn produce_flow(
    client: &KafkaClient,
    topic: &str,
    tag: &str,
    count: usize,
    per_second: u64,
    mut at: impl FnMut(usize),
) -> BTreeSet<String> {
    let producer = client
        .topic(topic)
        .expect("topic")
        .producer()
        .required_acks(-1)
        .linger_ms(0)
        // Partition leaders move while a broker dies: retry long enough that every message lands.
        .max_retries(60)
        .retry_backoff_ms(500)
        .build()
        .expect("producer");
    let mut pending = Vec::new();
    for i in 0..count {
        at(i);
        let value = format!("{tag}-{i}");
        let message = OutgoingMessage {
            value: Some(Bytes::from(value.clone())),
            partition: Some(i as i32 % PARTITIONS),
            ..Default::default()
        };
        match producer.produce_with(message) {
            Ok(delivery) => pending.push((value, delivery)),
            Err(e) => eprintln!("    produce {value}: {e}"),
        }
        std::thread::sleep(Duration::from_millis(1000 / per_second));
    }
    let acked = pending
        .into_iter()
        .filter_map(|(value, delivery)| delivery.wait().ok().map(|_| value))
        .collect();
    producer.stop().expect("producer stop");
    acked
}

/// Waits until `readers` together, with what stopped members read (`earlier`), read every value of
/// `acked`; returns how often each value was read.
fn read_everything(
    readers: &[&Reader],
    earlier: &[String],
    acked: &BTreeSet<String>,
    within: Duration,
) -> BTreeMap<String, usize> {
    let counts = || {
        let mut counts: BTreeMap<String, usize> = BTreeMap::new();
        for v in earlier {
            *counts.entry(v.clone()).or_default() += 1;
        }
        for r in readers {
            for v in r.read() {
                *counts.entry(v).or_default() += 1;
            }
        }
        counts
    };
    let done = common::eventually(within, || {
        acked.iter().all(|v| counts().contains_key(v)).then_some(())
    });
    let counts = counts();
    let missing: Vec<&String> = acked.iter().filter(|v| !counts.contains_key(*v)).collect();
    assert!(
        done.is_some(),
        "{} of {} acknowledged messages never read, e.g. {:?}",
        missing.len(),
        acked.len(),
        missing.iter().take(5).collect::<Vec<_>>()
    );
    counts
}

fn duplicates(counts: &BTreeMap<String, usize>) -> usize {
    counts.values().map(|n| n - 1).sum()
}

fn quick_member(client: &KafkaClient, topic: &str, group: &str, rdkafka: bool) -> BalancedConsumer {
    member(client, topic, group, rdkafka)
        .auto_commit_enable(false)
        .consumer_timeout_ms(300)
        .build()
        .expect("member joins")
}

/// The engines of two members: one of each when librdkafka is built in.
fn two_engines() -> [bool; 2] {
    [false, cfg!(feature = "native")]
}

#[test]
fn the_coordinators_broker_killed_while_two_members_consume() {
    let cluster = KafkaCluster::start(KafkaConfig::kafka4().nodes(3)).expect("3-node cluster");
    let mut options = ClientOptions::new(cluster.bootstrap());
    options.socket_timeout_ms = 10_000;
    let client = KafkaClient::with_options(options).expect("client");
    let topic = unique_name("churn-coordinator");
    client
        .create_topics(&[NewTopic::new(&topic, PARTITIONS, 3)], 30_000)
        .expect("create topic");
    let group = unique_name("churn-coordinator-group");
    let [e1, e2] = two_engines();
    let mut a = Reader::start(quick_member(&client, &topic, &group, e1));
    let mut b = Reader::start(quick_member(&client, &topic, &group, e2));
    crate::balanced_support::settled(&[&*a.consumer, &*b.consumer], PARTITIONS);

    let coordinator = client
        .get_group_coordinator(&group)
        .expect("coordinator")
        .id;
    let index = (0..3)
        .find(|i| cluster.node_id(*i).ok() == Some(coordinator))
        .expect("the coordinator is a testkit node");
    let mut killed_at = None;
    let acked = produce_flow(&client, &topic, "c", 600, 100, |i| {
        if i == 200 {
            cluster.kill_node(index).expect("kill -9 the coordinator");
            killed_at = Some(Instant::now());
        }
    });
    let counts = read_everything(&[&a, &b], &[], &acked, Duration::from_secs(120));
    let new_coordinator = client
        .get_group_coordinator(&group)
        .expect("new coordinator")
        .id;
    let dups = duplicates(&counts);
    let unexplained = unexplained_duplicates(&[&a, &b]);
    eprintln!(
        "coordinator {coordinator} killed -> {new_coordinator}; acked {}, read {}, distinct {}, duplicates {dups}, generations {} + {}, {:?} after the kill",
        acked.len(),
        counts.values().sum::<usize>(),
        counts.len(),
        a.generation_count(),
        b.generation_count(),
        killed_at.map(|t| t.elapsed())
    );
    assert_ne!(
        new_coordinator, coordinator,
        "the group found a new coordinator"
    );
    // Duplicates are allowed only where offsets were not committed yet.
    assert!(
        unexplained.is_empty(),
        "{dups} duplicates, these read again after a commit past them had landed: {unexplained:?}"
    );
    a.finish();
    b.finish();
}

#[test]
fn a_member_added_and_one_stopped_while_messages_flow() {
    for rdkafka in crate::balanced_support::engines() {
        let cluster = shared_kafka4();
        let client = common::client(cluster);
        let topic = unique_name("churn-flow");
        cluster
            .create_topic(&topic, PARTITIONS)
            .expect("create topic");
        let group = unique_name("churn-flow-group");
        let first = Arc::new(Mutex::new(Some(Reader::start(quick_member(
            &client, &topic, &group, rdkafka,
        )))));
        let second: Arc<Mutex<Option<Reader>>> = Arc::new(Mutex::new(None));
        let stopped_read = Arc::new(Mutex::new(Vec::new()));
        let acked = produce_flow(&client, &topic, "f", 450, 75, |i| {
            if i == 150 {
                let joined = Reader::start(quick_member(&client, &topic, &group, rdkafka));
                *second.lock().expect("lock") = Some(joined);
            }
            if i == 300 {
                // A clean stop: the first member commits and leaves; the second takes everything.
                if let Some(mut r) = first.lock().expect("lock").take() {
                    r.finish();
                    *stopped_read.lock().expect("lock") = r.read();
                }
            }
        });
        let second = second.lock().expect("lock").take().expect("second member");
        let first_read = stopped_read.lock().expect("lock").clone();
        let counts = read_everything(&[&second], &first_read, &acked, Duration::from_secs(60));
        let missing = acked.iter().filter(|v| !counts.contains_key(*v)).count();
        let dups = duplicates(&counts);
        // Two rebalances (join, leave); each member holds at most one uncommitted message at a time.
        let bound = 2 * 2;
        eprintln!(
            "rdkafka={rdkafka}: acked {}, first read {}, second read {}, missing {missing}, duplicates {dups} (bound {bound})",
            acked.len(),
            first_read.len(),
            second.read().len()
        );
        assert_eq!(missing, 0);
        assert!(dups <= bound, "{dups} duplicates");
        assert_eq!(
            second.consumer.partitions().len(),
            PARTITIONS as usize,
            "the remaining member holds everything"
        );
        drop(second);
    }
}

#[test]
fn a_java_member_killed_without_leaving_hands_its_partitions_over() {
    for rdkafka in crate::balanced_support::engines() {
        let cluster = shared_kafka4();
        let client = common::client(cluster);
        let topic = unique_name("churn-kill");
        cluster
            .create_topic(&topic, PARTITIONS)
            .expect("create topic");
        let group = unique_name("churn-kill-group");
        let ours = Reader::start(quick_member(&client, &topic, &group, rdkafka));
        let mut java =
            crate::mixed_support::java_member(cluster.bootstrap(), &topic, &group, "range");
        let split = common::eventually(Duration::from_secs(30), || {
            let n = ours.consumer.partitions().len();
            (n > 0 && n < PARTITIONS as usize).then_some(n)
        });
        assert!(split.is_some(), "the Java member never got partitions");
        let before = produce_flow(&client, &topic, "k1", 60, 200, |_| {});
        let java_read = common::eventually(Duration::from_secs(30), || {
            let n = ours.read().len() + java.messages().len();
            (n >= before.len()).then(|| java.messages())
        })
        .expect("both members read the first batch");
        // Java auto-commits every 200 ms: after this pause nothing it read is uncommitted.
        std::thread::sleep(Duration::from_secs(2));
        java.stop(); // SIGKILL: no LeaveGroup
        let killed = Instant::now();
        let all = common::eventually(Duration::from_secs(30), || {
            (ours.consumer.partitions().len() == PARTITIONS as usize).then_some(())
        });
        let handover = killed.elapsed();
        assert!(all.is_some(), "the dead member's partitions never moved");
        let after = produce_flow(&client, &topic, "k2", 60, 200, |_| {});
        let acked: BTreeSet<String> = before.union(&after).cloned().collect();
        let java_read: Vec<String> = java_read.into_iter().map(|(_, _, v)| v).collect();
        let counts = read_everything(&[&ours], &java_read, &acked, Duration::from_secs(30));
        let missing = acked.iter().filter(|v| !counts.contains_key(*v)).count();
        eprintln!(
            "rdkafka={rdkafka}: partitions moved {handover:?} after kill -9 (session timeout 10 s); missing {missing}, duplicates {}",
            duplicates(&counts)
        );
        // The Java member's session timeout is 10 s; the coordinator notices within it.
        assert!(
            handover <= Duration::from_secs(15),
            "handover took {handover:?}"
        );
        assert_eq!(missing, 0);
        assert_eq!(
            duplicates(&counts),
            0,
            "everything read before the kill was committed"
        );
    }
}
