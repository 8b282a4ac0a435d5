//! Mixed consumer groups: one ferrokafka balanced consumer (each engine) and one member of another client in
//! the same group — librdkafka or Kafka's Java consumer on Kafka 4.1, PyKafka 2.8.0's
//! ManagedBalancedConsumer on Kafka 3.9 — for `range` and `roundrobin`, with ferrokafka joining first (it
//! leads and writes every assignment) and joining second (the other client leads). Each cell checks, from
//! outside: the assignments the coordinator holds cover every partition once within 10 s of the last join
//! and, where ferrokafka, librdkafka or Java wrote them, follow Kafka's schema byte for byte (PyKafka's own
//! omit the user data; ferrokafka reads them leniently); every message produced afterwards is read exactly
//! once across the two members, each from its own partitions; neither side logs an error.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use ferrokafka::{BalancedConsumer, KafkaClient, MembershipProtocol, OutgoingMessage};
use ferrokafka_testkit::{shared_kafka39, shared_kafka4, unique_name};

use crate::balanced_support::member;
use crate::common;
use crate::mixed_support::{lenient_assignment, strict_assignment, ForeignMember};

pub(crate) const PARTITIONS: i32 = 6;
pub(crate) const PER_PARTITION: usize = 20;
/// The bound: the group settles within 10 s of the last join.
const SETTLE: Duration = Duration::from_secs(10);

#[derive(Clone, Copy, Debug)]
enum Other {
    #[cfg_attr(not(feature = "native"), allow(dead_code))]
    Librdkafka,
    Java,
    PyKafka,
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Order {
    FerrokafkaFirst,
    OtherFirst,
}

fn start_other(
    other: Other,
    bootstrap: &str,
    topic: &str,
    group: &str,
    assignor: &str,
) -> ForeignMember {
    match other {
        #[cfg(feature = "native")]
        Other::Librdkafka => {
            crate::mixed_support::rdkafka_member(bootstrap, topic, group, assignor)
        }
        #[cfg(not(feature = "native"))]
        Other::Librdkafka => {
            unreachable!("librdkafka cells are compiled with the native feature only")
        }
        Other::Java => crate::mixed_support::java_member(bootstrap, topic, group, assignor),
        Other::PyKafka => crate::mixed_support::pykafka_member(bootstrap, topic, group, assignor),
    }
}

/// What PyKafka logs at ERROR while its group rebalances: its auto-commit with the old generation or member
/// id is refused (ILLEGAL_GENERATION, UNKNOWN_MEMBER_ID, REBALANCE_IN_PROGRESS) until it has rejoined. A group
/// of two PyKafka members logs the same (checked by a control run), so it is PyKafka's, not caused by
/// ferrokafka; what the test asserts about delivery is unaffected.
fn pykafka_own_rebalance_noise(line: &str) -> bool {
    line.contains("ERROR pykafka.simpleconsumer: Error committing offsets")
        && [
            "IllegalGeneration",
            "UnknownMemberId",
            "RebalanceInProgress",
        ]
        .iter()
        .any(|code| line.contains(code))
}

/// Waits until the group is Stable with two members whose assignments parse strictly and split the topic.
/// Returns each member's partitions by member id.
fn settled_assignment(
    client: &KafkaClient,
    group: &str,
    topic: &str,
    theirs: &ForeignMember,
    strict: bool,
) -> BTreeMap<String, BTreeSet<i32>> {
    let mut last = String::new();
    let got = common::eventually(SETTLE, || {
        let groups = client.describe_groups(&[group]).ok()?;
        let g = groups.get(group)?;
        last = format!(
            "state {} protocol {} members {}",
            g.state,
            g.protocol,
            g.members.len()
        );
        if g.state != "Stable" || g.members.len() != 2 {
            return None;
        }
        let mut owned = BTreeMap::new();
        for (id, m) in &g.members {
            let parts = strict_assignment(&m.member_assignment, topic)
                .or_else(|| (!strict).then(|| lenient_assignment(&m.member_assignment, topic)))
                .unwrap_or_else(|| {
                    panic!(
                        "member {id}'s assignment does not follow Kafka's schema: {:?}",
                        m.member_assignment
                    )
                });
            owned.insert(id.clone(), parts);
        }
        let total: usize = owned.values().map(BTreeSet::len).sum();
        let union: BTreeSet<i32> = owned.values().flatten().copied().collect();
        (total == PARTITIONS as usize && union == (0..PARTITIONS).collect()).then_some(owned)
    });
    got.unwrap_or_else(|| {
        let errors = theirs.errors();
        panic!("group {group} did not settle within {SETTLE:?} of the last join: {last}; other member: {errors:?}")
    })
}

/// Waits until the ferrokafka member holds exactly `want` (it applies its assignment after SyncGroup).
fn holds(c: &BalancedConsumer, want: &BTreeSet<i32>) {
    let ok = common::eventually(SETTLE, || {
        (c.partitions().into_iter().collect::<BTreeSet<_>>() == *want).then_some(())
    });
    assert!(
        ok.is_some(),
        "ferrokafka holds {:?}, the coordinator says {want:?}",
        c.partitions()
    );
}

pub(crate) fn produce_all(client: &KafkaClient, topic: &str) -> BTreeSet<(i32, String)> {
    let producer = client
        .topic(topic)
        .expect("topic")
        .producer()
        .build()
        .expect("producer");
    let mut sent = BTreeSet::new();
    for p in 0..PARTITIONS {
        for i in 0..PER_PARTITION {
            let value = format!("p{p}-m{i}");
            producer
                .produce_with(OutgoingMessage {
                    value: Some(Bytes::from(value.clone())),
                    partition: Some(p),
                    ..Default::default()
                })
                .expect("produce");
            sent.insert((p, value));
        }
    }
    producer.stop().expect("producer stop");
    sent
}

/// What the two members of a mixed cell read of what was produced.
pub(crate) struct Reads {
    pub sent: BTreeSet<(i32, String)>,
    pub ours: Vec<(i32, i64, String)>,
    pub theirs: Vec<(i32, i64, String)>,
    /// Whether as many messages as were sent arrived within 60 s.
    pub complete: bool,
}

/// Produces the cell's messages, reads them with both members until as many arrived (and 2 s more, so a
/// message read twice shows), then stops ferrokafka's member first (its final commit belongs to the
/// generation both read in) and the other.
pub(crate) fn produce_and_read(
    client: &KafkaClient,
    topic: &str,
    ours: BalancedConsumer,
    theirs: &mut ForeignMember,
) -> Reads {
    let sent = produce_all(client, topic);
    let ours = Arc::new(ours);
    let ours_read = Arc::new(Mutex::new(Vec::new()));
    let stop = Arc::new(AtomicBool::new(false));
    let reader = ferrokafka_reader(ours.clone(), ours_read.clone(), stop.clone());
    let complete = common::eventually(Duration::from_secs(60), || {
        let n = ours_read.lock().expect("lock").len() + theirs.messages().len();
        (n >= sent.len()).then_some(())
    })
    .is_some();
    std::thread::sleep(Duration::from_secs(2));
    stop.store(true, Ordering::SeqCst);
    reader.join().expect("ferrokafka reader");
    ours.stop().expect("ferrokafka member stops");
    theirs.stop();
    let ours_read = ours_read.lock().expect("lock").clone();
    Reads {
        sent,
        ours: ours_read,
        theirs: theirs.messages(),
        complete,
    }
}

/// PyKafka's protocol name of an assignor.
pub(crate) fn assignor_name(protocol: &MembershipProtocol) -> &'static str {
    match protocol {
        MembershipProtocol::Range => "range",
        MembershipProtocol::RoundRobin => "roundrobin",
        MembershipProtocol::Custom(p) => panic!("no Java or librdkafka member speaks {p:?}"),
    }
}

/// Reads with the ferrokafka member on a thread until `stop` is set.
fn ferrokafka_reader(
    c: Arc<BalancedConsumer>,
    out: Arc<Mutex<Vec<(i32, i64, String)>>>,
    stop: Arc<AtomicBool>,
) -> std::thread::JoinHandle<()> {
    std::thread::spawn(move || {
        while !stop.load(Ordering::SeqCst) {
            match c.consume(true) {
                Ok(Some(m)) => {
                    let v = String::from_utf8_lossy(m.value.as_deref().unwrap_or_default())
                        .into_owned();
                    out.lock()
                        .expect("lock")
                        .push((m.partition_id, m.offset, v));
                }
                Ok(None) => {}
                Err(e) => panic!("ferrokafka member failed: {e}"),
            }
        }
    })
}

fn run(other: Other, protocol: MembershipProtocol, order: Order, rdkafka_engine: bool) {
    // PyKafka speaks the old protocol versions Kafka 4 removed.
    let cluster = match other {
        Other::PyKafka => shared_kafka39(),
        _ => shared_kafka4(),
    };
    let client = common::client(cluster);
    let topic = unique_name("mixed");
    cluster
        .create_topic(&topic, PARTITIONS)
        .expect("create topic");
    let group = unique_name("mixed-group");
    let assignor = assignor_name(&protocol);
    eprintln!(
        "--- {other:?} {assignor} {order:?} ferrokafka rdkafka={rdkafka_engine}: group {group}"
    );
    let warnings_before = crate::log_capture::mentioning(&group).len();
    let build_ours = || {
        member(&client, &topic, &group, rdkafka_engine)
            .membership_protocol(protocol.clone())
            .consumer_timeout_ms(500)
            .build()
            .expect("ferrokafka member joins")
    };

    let (ours, mut theirs) = match order {
        Order::FerrokafkaFirst => {
            let ours = build_ours();
            let all: BTreeSet<i32> = (0..PARTITIONS).collect();
            holds(&ours, &all);
            (
                ours,
                start_other(other, cluster.bootstrap(), &topic, &group, assignor),
            )
        }
        Order::OtherFirst => {
            let theirs = start_other(other, cluster.bootstrap(), &topic, &group, assignor);
            // The other member must have joined and be the leader before ferrokafka arrives.
            let alone = common::eventually(Duration::from_secs(30), || {
                let g = client.describe_groups(&[&group]).ok()?;
                let g = g.get(&group)?;
                (g.state == "Stable" && g.members.len() == 1).then_some(())
            });
            let errors = theirs.errors();
            assert!(
                alone.is_some(),
                "the {other:?} member never formed the group alone: {errors:?}"
            );
            (build_ours(), theirs)
        }
    };
    let joined = Instant::now();
    // PyKafka's leader writes assignments without the user data Kafka's schema ends with.
    let strict = !(matches!(other, Other::PyKafka) && order == Order::OtherFirst);
    let owned = settled_assignment(&client, &group, &topic, &theirs, strict);
    let settle_time = joined.elapsed();
    let our_parts = owned.get(&ours.member_id()).cloned().unwrap_or_else(|| {
        panic!(
            "ferrokafka's member id {} is not in the group: {owned:?}",
            ours.member_id()
        )
    });
    assert!(
        !our_parts.is_empty() && our_parts.len() < PARTITIONS as usize,
        "{owned:?}"
    );
    holds(&ours, &our_parts);

    let Reads {
        sent,
        ours: ours_read,
        theirs: theirs_read,
        complete: all_read,
    } = produce_and_read(&client, &topic, ours, &mut theirs);
    eprintln!(
        "    settled in {settle_time:?}; ferrokafka read {}, {other:?} read {}, sent {}",
        ours_read.len(),
        theirs_read.len(),
        sent.len()
    );
    assert!(
        all_read,
        "not everything was read: ours {}, theirs {}",
        ours_read.len(),
        theirs_read.len()
    );

    let mut seen = BTreeSet::new();
    for (who, read, mine) in [
        ("ferrokafka", &ours_read, true),
        ("other", &theirs_read, false),
    ] {
        for (p, offset, value) in read {
            assert_eq!(
                our_parts.contains(p),
                mine,
                "{who} read partition {p}, owned by the other member"
            );
            assert!(
                seen.insert((*p, value.clone())),
                "{who} read {value} (partition {p} offset {offset}) twice"
            );
        }
    }
    assert_eq!(seen, sent, "every message exactly once across the members");
    let errors: Vec<String> = theirs
        .errors()
        .into_iter()
        .filter(|e| !(matches!(other, Other::PyKafka) && pykafka_own_rebalance_noise(e)))
        .collect();
    assert!(
        errors.is_empty(),
        "the {other:?} member logged errors: {errors:?}"
    );
    let warnings = crate::log_capture::mentioning(&group);
    assert_eq!(
        warnings.len(),
        warnings_before,
        "ferrokafka logged: {warnings:?}"
    );
}

/// One test per cell, so a failure names its cell and cells run in parallel.
macro_rules! mixed_cells {
    ($($name:ident: $other:ident, $protocol:ident, $order:ident, $engine:expr;)*) => {$(
        #[test]
        fn $name() {
            run(Other::$other, MembershipProtocol::$protocol, Order::$order, $engine);
        }
    )*};
}

#[cfg(feature = "native")]
mixed_cells! {
    librdkafka_range_ferrokafka_leads_pure: Librdkafka, Range, FerrokafkaFirst, false;
    librdkafka_range_ferrokafka_leads_native: Librdkafka, Range, FerrokafkaFirst, true;
    librdkafka_range_librdkafka_leads_pure: Librdkafka, Range, OtherFirst, false;
    librdkafka_range_librdkafka_leads_native: Librdkafka, Range, OtherFirst, true;
    librdkafka_roundrobin_ferrokafka_leads_pure: Librdkafka, RoundRobin, FerrokafkaFirst, false;
    librdkafka_roundrobin_ferrokafka_leads_native: Librdkafka, RoundRobin, FerrokafkaFirst, true;
    librdkafka_roundrobin_librdkafka_leads_pure: Librdkafka, RoundRobin, OtherFirst, false;
    librdkafka_roundrobin_librdkafka_leads_native: Librdkafka, RoundRobin, OtherFirst, true;
    java_range_ferrokafka_leads_native: Java, Range, FerrokafkaFirst, true;
    java_range_java_leads_native: Java, Range, OtherFirst, true;
    java_roundrobin_ferrokafka_leads_native: Java, RoundRobin, FerrokafkaFirst, true;
    java_roundrobin_java_leads_native: Java, RoundRobin, OtherFirst, true;
    pykafka_range_ferrokafka_leads_native: PyKafka, Range, FerrokafkaFirst, true;
    pykafka_range_pykafka_leads_native: PyKafka, Range, OtherFirst, true;
    pykafka_roundrobin_ferrokafka_leads_native: PyKafka, RoundRobin, FerrokafkaFirst, true;
    pykafka_roundrobin_pykafka_leads_native: PyKafka, RoundRobin, OtherFirst, true;
}

mixed_cells! {
    pykafka_range_ferrokafka_leads_pure: PyKafka, Range, FerrokafkaFirst, false;
    pykafka_range_pykafka_leads_pure: PyKafka, Range, OtherFirst, false;
    pykafka_roundrobin_ferrokafka_leads_pure: PyKafka, RoundRobin, FerrokafkaFirst, false;
    pykafka_roundrobin_pykafka_leads_pure: PyKafka, RoundRobin, OtherFirst, false;
    java_range_ferrokafka_leads_pure: Java, Range, FerrokafkaFirst, false;
    java_range_java_leads_pure: Java, Range, OtherFirst, false;
    java_roundrobin_ferrokafka_leads_pure: Java, RoundRobin, FerrokafkaFirst, false;
    java_roundrobin_java_leads_pure: Java, RoundRobin, OtherFirst, false;
}
