//! `Partition` as a set or map key: `Hash` and `Ord` agree with its `PartialEq` by (topic, id).

use std::collections::{BTreeSet, HashSet};

use ferrokafka_testkit::{shared_kafka4, unique_name};

// Clippy sees the client's interior mutability inside `Partition`; its hash and order read only the topic
// name, the id and the client's address, which never change.
#[allow(clippy::mutable_key_type)]
#[test]
fn partitions_work_in_hash_and_btree_sets() {
    let cluster = shared_kafka4();
    let client = crate::common::client(cluster);
    let (a, b) = (unique_name("keys-a"), unique_name("keys-b"));
    cluster.create_topic(&a, 3).expect("create a");
    cluster.create_topic(&b, 2).expect("create b");
    let of = |name: &str| {
        client
            .topic(name)
            .expect("topic")
            .partitions()
            .into_values()
            .collect::<Vec<_>>()
    };
    let (pa, pb) = (of(&a), of(&b));
    assert_eq!((pa.len(), pb.len()), (3, 2));
    // The same partitions twice (fresh objects the second time): equal ones collapse.
    let all: Vec<_> = pb.iter().chain(&pa).chain(&of(&a)).cloned().collect();
    let hashed: HashSet<_> = all.iter().cloned().collect();
    assert_eq!(hashed.len(), 5);
    assert!(hashed.contains(&pa[1]));
    let sorted: BTreeSet<_> = all.iter().cloned().collect();
    assert_eq!(sorted.len(), 5);
    // Ordered by topic name, then id.
    let order: Vec<(String, i32)> = sorted
        .iter()
        .map(|p| (p.topic().name().to_string(), p.id))
        .collect();
    let mut want: Vec<(String, i32)> = (0..3)
        .map(|i| (a.clone(), i))
        .chain((0..2).map(|i| (b.clone(), i)))
        .collect();
    want.sort();
    assert_eq!(order, want);
    assert!(pa[0] < pa[1] && pa[1] < pa[2]);
    assert_eq!(pa[2].cmp(&of(&a)[2]), std::cmp::Ordering::Equal);
}
