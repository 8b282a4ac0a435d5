//! ferrokafka's partitioners against placements computed by PyKafka itself and by the Kafka Java client.
//!
//! `pykafka_reference/hashing_expected.json` comes from `pykafka_reference/make_expected.py` (PyKafka 2.8.0);
//! `java_reference/murmur2_expected.json` from `java_reference/Murmur2Expected.java` (kafka-clients 3.9.1).
//! Both files say how to regenerate them; neither is computed by ferrokafka's code.

use std::collections::BTreeSet;

use ferrokafka_core::partitioner::{
    murmur2, sha1_hash, ConsistentRandomPartitioner, GroupHashingPartitioner, HashingPartitioner,
    KeyHash, Murmur2Partitioner, Partitioner, RandomPartitioner,
};
use ferrokafka_core::ErrorKind;
use proptest::prelude::*;
use serde_json::Value;
use sha1::{Digest, Sha1};

fn load(path: &str) -> Value {
    let full = format!("{}/tests/{path}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&full).unwrap_or_else(|e| panic!("{full}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{full}: {e}"))
}

fn unhex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

fn ids(v: &Value) -> Vec<i32> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_i64().unwrap() as i32)
        .collect()
}

/// The custom `hash_func`s of make_expected.py, ported.
fn signed128(k: &[u8]) -> KeyHash {
    let d = Sha1::digest(k);
    let mut b = [0u8; 16];
    b.copy_from_slice(&d[..16]);
    KeyHash::Int(i128::from_be_bytes(b))
}

fn small(k: &[u8]) -> KeyHash {
    KeyHash::from(k.len() as i64 % 7 - 3)
}

struct Reference {
    lists: Vec<(String, Vec<i32>)>,
    doc: Value,
}

/// A ported `hash_func`, named as in the JSON.
type NamedHash = (&'static str, fn(&[u8]) -> KeyHash);

fn pykafka() -> Reference {
    let doc = load("pykafka_reference/hashing_expected.json");
    let lists = doc["partition_lists"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(n, v)| (n.clone(), ids(v)))
        .collect();
    Reference { lists, doc }
}

#[test]
fn reference_lists_are_unsorted() {
    let r = pykafka();
    assert_eq!(r.lists.len(), 6);
    assert!(r
        .lists
        .iter()
        .any(|(_, l)| l.windows(2).any(|w| w[0] > w[1])));
    assert_eq!(r.doc["cases"].as_array().unwrap().len(), 200);
}

#[test]
fn hashing_matches_pykafka() {
    let r = pykafka();
    let partitioners = [
        ("hashing", HashingPartitioner::new()),
        ("hashing", HashingPartitioner::with_hash_fn(sha1_hash)),
        ("signed128", HashingPartitioner::with_hash_fn(signed128)),
        ("small", HashingPartitioner::with_hash_fn(small)),
    ];
    let mut checked = 0;
    for case in r.doc["cases"].as_array().unwrap() {
        let key = unhex(case["key"].as_str().unwrap());
        for (name, p) in &partitioners {
            for (n, list) in &r.lists {
                let want = case[*name][n.as_str()].as_i64().unwrap() as i32;
                let got = p.partition(list, Some(&key)).unwrap();
                assert_eq!(got, want, "{name} key {key:02x?} over {n} partitions");
                checked += 1;
            }
        }
    }
    assert_eq!(checked, 200 * 4 * 6);
}

#[test]
fn group_hashing_matches_pykafka_for_every_random_offset() {
    let r = pykafka();
    let fns: [NamedHash; 3] = [
        ("sha1", sha1_hash),
        ("signed128", signed128),
        ("small", small),
    ];
    let mut checked = 0;
    for case in r.doc["cases"].as_array().unwrap() {
        let key = unhex(case["key"].as_str().unwrap());
        for (fname, f) in fns {
            for g in 1..=4usize {
                let p = GroupHashingPartitioner::new(f, g).unwrap();
                for (n, list) in &r.lists {
                    let want = &case["group"][format!("{fname}/{g}/{n}").as_str()];
                    if want.as_str() == Some("ValueError") {
                        assert!(matches!(
                            p.partition(list, Some(&key)),
                            Err(ref e) if e.kind() == ErrorKind::InvalidInput
                        ));
                        continue;
                    }
                    let want = ids(want);
                    let got: Vec<i32> = (0..g)
                        .map(|off| p.partition_for_offset(list, Some(&key), off).unwrap())
                        .collect();
                    assert_eq!(got, want, "{fname} g={g} key {key:02x?} over {n}");
                    // And the random offsets only ever pick from PyKafka's set.
                    let allowed: BTreeSet<i32> = want.into_iter().collect();
                    let picked = p.partition(list, Some(&key)).unwrap();
                    assert!(allowed.contains(&picked));
                    checked += 1;
                }
            }
        }
    }
    assert!(checked > 10_000, "{checked}");
}

#[test]
fn round_robin_matches_pykafka() {
    let r = pykafka();
    let list = &r.lists.iter().find(|(n, _)| n == "7").unwrap().1;
    let p = RandomPartitioner::new();
    let got: Vec<i32> = (0..25).map(|_| p.partition(list, None).unwrap()).collect();
    assert_eq!(got, ids(&r.doc["random_sequence_over_7"]));
}

#[test]
fn none_keys_are_value_errors_as_in_pykafka() {
    let r = pykafka();
    assert!(r.doc["none_key_errors"]["hashing"]
        .as_str()
        .unwrap()
        .starts_with("ValueError"));
    assert!(r.doc["none_key_errors"]["group"]
        .as_str()
        .unwrap()
        .starts_with("ValueError"));
    assert!(matches!(
        HashingPartitioner::new().partition(&[0], None),
        Err(ref e) if e.kind() == ErrorKind::InvalidInput
    ));
    assert!(matches!(
        GroupHashingPartitioner::new(small, 1)
            .unwrap()
            .partition(&[0], None),
        Err(ref e) if e.kind() == ErrorKind::InvalidInput
    ));
}

#[test]
fn consistent_random_matches_crc32() {
    let r = pykafka();
    for case in r.doc["cases"].as_array().unwrap() {
        let key = unhex(case["key"].as_str().unwrap());
        for (n, list) in &r.lists {
            let got = ConsistentRandomPartitioner
                .partition(list, Some(&key))
                .unwrap();
            match case["crc32"][n.as_str()].as_i64() {
                Some(want) => assert_eq!(got as i64, want, "key {key:02x?} over {n}"),
                None => assert!(list.contains(&got)), // empty key: random, as in librdkafka
            }
        }
    }
}

#[test]
fn murmur2_matches_the_java_client() {
    let java = load("java_reference/murmur2_expected.json");
    let r = pykafka();
    let cases = java["cases"].as_array().unwrap();
    assert_eq!(cases.len(), 200);
    for case in cases {
        let key = unhex(case["key"].as_str().unwrap());
        assert_eq!(
            murmur2(&key) as i64,
            case["murmur2"].as_i64().unwrap(),
            "murmur2({key:02x?})"
        );
        for (n, list) in &r.lists {
            let want = case["partition"][n.as_str()].as_i64().unwrap();
            let got = Murmur2Partitioner.partition(list, Some(&key)).unwrap();
            assert_eq!(got as i64, want, "key {key:02x?} over {n}");
        }
    }
}

fn all_partitioners() -> Vec<Box<dyn Partitioner>> {
    vec![
        Box::new(RandomPartitioner::new()),
        Box::new(HashingPartitioner::new()),
        Box::new(HashingPartitioner::with_hash_fn(signed128)),
        Box::new(GroupHashingPartitioner::new(small, 1).unwrap()),
        Box::new(Murmur2Partitioner),
        Box::new(ConsistentRandomPartitioner),
    ]
}

proptest! {
    #[test]
    fn always_an_id_from_the_list(
        list in prop::collection::vec(any::<i32>(), 1..64),
        key in prop::option::of(prop::collection::vec(any::<u8>(), 0..64)),
        group in 1usize..8,
    ) {
        let mut ps = all_partitioners();
        ps.push(Box::new(GroupHashingPartitioner::new(signed128, group).unwrap()));
        for p in &ps {
            match p.partition(&list, key.as_deref()) {
                Ok(id) => prop_assert!(list.contains(&id), "{:?} gave {}", p, id),
                // Only the PyKafka hashing partitioners refuse, and only for what PyKafka refuses.
                Err(ref e) if e.kind() == ErrorKind::InvalidInput => {
                    let name = format!("{p:?}");
                    prop_assert!(name.contains("Hashing"));
                    prop_assert!(key.is_none() || name.contains("Group") && group > list.len());
                }
                Err(e) => prop_assert!(false, "{:?}: {}", p, e),
            }
        }
    }

    #[test]
    fn empty_list_is_a_typed_error(key in prop::option::of(prop::collection::vec(any::<u8>(), 0..32))) {
        for p in all_partitioners() {
            let r = p.partition(&[], key.as_deref());
            prop_assert!(matches!(r, Err(ref e) if e.kind() == ErrorKind::InvalidInput), "{:?}: {:?}", p, r);
        }
    }
}
