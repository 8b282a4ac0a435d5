//! PyKafka's partition assignors (`decide_partitions_range` / `decide_partitions_roundrobin`), reproduced
//! exactly so a group mixing PyKafka and ferrokafka members agrees on who owns what.
//!
//! PyKafka sorts partitions by the *string* `"{topic}-{leader}-{partition}"` (so `"t-1-10"` < `"t-1-2"` and
//! the leader id matters) and participants by their bytes; both sorts are part of the contract.

use std::collections::BTreeSet;

/// The membership protocol a group uses: PyKafka's `RangeProtocol` (default) or `RoundRobinProtocol`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Assignor {
    #[default]
    Range,
    RoundRobin,
}

/// A partition as the assignors see it: its id and its leader's broker id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PartitionLeader {
    pub id: i32,
    pub leader: i32,
}

impl Assignor {
    /// The protocol name sent in JoinGroup (`b"range"` / `b"roundrobin"`).
    pub fn protocol_name(self) -> &'static str {
        match self {
            Assignor::Range => "range",
            Assignor::RoundRobin => "roundrobin",
        }
    }

    /// The partition ids `consumer_id` gets. Empty when it is not among `participants`.
    pub fn decide(
        self,
        topic: &str,
        participants: &[String],
        partitions: &[PartitionLeader],
        consumer_id: &str,
    ) -> BTreeSet<i32> {
        let mut members: Vec<&str> = participants.iter().map(String::as_str).collect();
        members.sort_by(|a, b| a.as_bytes().cmp(b.as_bytes()));
        let Some(idx) = members.iter().position(|m| *m == consumer_id) else {
            return BTreeSet::new();
        };
        let sorted = sort_partitions(topic, partitions);
        match self {
            Assignor::Range => range(&sorted, members.len(), idx),
            Assignor::RoundRobin => sorted
                .iter()
                .enumerate()
                .filter(|(i, _)| i % members.len() == idx)
                .map(|(_, p)| *p)
                .collect(),
        }
    }
}

/// Partition ids in PyKafka's order: by the string `"{topic}-{leader}-{id}"`.
fn sort_partitions(topic: &str, partitions: &[PartitionLeader]) -> Vec<i32> {
    let mut keyed: Vec<(String, i32)> = partitions
        .iter()
        .map(|p| (format!("{topic}-{}-{}", p.leader, p.id), p.id))
        .collect();
    keyed.sort();
    keyed.into_iter().map(|(_, id)| id).collect()
}

/// `start = n*idx + min(idx, r)`, `num = n + (idx < r)` over the sorted partitions.
fn range(sorted: &[i32], members: usize, idx: usize) -> BTreeSet<i32> {
    let (n, r) = (sorted.len() / members, sorted.len() % members);
    let start = n * idx + idx.min(r);
    let num = n + usize::from(idx < r);
    sorted[start..start + num].iter().copied().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(list: &[(i32, i32)]) -> Vec<PartitionLeader> {
        list.iter()
            .map(|&(id, leader)| PartitionLeader { id, leader })
            .collect()
    }

    fn ids(v: &[i32]) -> BTreeSet<i32> {
        v.iter().copied().collect()
    }

    fn members(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn partitions_sort_as_strings_so_10_comes_before_2() {
        // 12 partitions on leader 1: "t-1-0" "t-1-1" "t-1-10" "t-1-11" "t-1-2" ... "t-1-9".
        let p = parts(&(0..12).map(|i| (i, 1)).collect::<Vec<_>>());
        assert_eq!(
            sort_partitions("t", &p),
            vec![0, 1, 10, 11, 2, 3, 4, 5, 6, 7, 8, 9]
        );
    }

    #[test]
    fn the_leader_id_orders_partitions_before_their_id() {
        // "t-1-5" < "t-2-0" < "t-2-3" < "t-3-1"
        let p = parts(&[(0, 2), (1, 3), (3, 2), (5, 1)]);
        assert_eq!(sort_partitions("t", &p), vec![5, 0, 3, 1]);
    }

    #[test]
    fn range_gives_the_remainder_to_the_first_members() {
        // 12 partitions (sorted 0 1 10 11 2 3 4 5 6 7 8 9), 5 members: n = 2, r = 2 → 3 3 2 2 2.
        let p = parts(&(0..12).map(|i| (i, 1)).collect::<Vec<_>>());
        let m = members(&["e", "a", "c", "b", "d"]);
        let got = |who| Assignor::Range.decide("t", &m, &p, who);
        assert_eq!(got("a"), ids(&[0, 1, 10]));
        assert_eq!(got("b"), ids(&[11, 2, 3]));
        assert_eq!(got("c"), ids(&[4, 5]));
        assert_eq!(got("d"), ids(&[6, 7]));
        assert_eq!(got("e"), ids(&[8, 9]));
    }

    #[test]
    fn range_with_more_members_than_partitions_leaves_the_last_empty() {
        let p = parts(&[(0, 1), (1, 1)]);
        let m = members(&["x", "y", "z"]);
        assert_eq!(Assignor::Range.decide("t", &m, &p, "x"), ids(&[0]));
        assert_eq!(Assignor::Range.decide("t", &m, &p, "y"), ids(&[1]));
        assert_eq!(Assignor::Range.decide("t", &m, &p, "z"), ids(&[]));
    }

    #[test]
    fn roundrobin_deals_sorted_partitions_in_turn() {
        // sorted: 0 1 10 11 2 3 4 5 6 7 8 9; members sorted a b c.
        let p = parts(&(0..12).map(|i| (i, 1)).collect::<Vec<_>>());
        let m = members(&["c", "a", "b"]);
        let got = |who| Assignor::RoundRobin.decide("t", &m, &p, who);
        assert_eq!(got("a"), ids(&[0, 11, 4, 7]));
        assert_eq!(got("b"), ids(&[1, 2, 5, 8]));
        assert_eq!(got("c"), ids(&[10, 3, 6, 9]));
    }

    #[test]
    fn participants_sort_by_bytes_uppercase_first() {
        // b"B" (0x42) < b"a" (0x61): "B" is first and gets the first half.
        let p = parts(&[(0, 1), (1, 1), (2, 1), (3, 1)]);
        let m = members(&["a", "B"]);
        assert_eq!(Assignor::Range.decide("t", &m, &p, "B"), ids(&[0, 1]));
        assert_eq!(Assignor::Range.decide("t", &m, &p, "a"), ids(&[2, 3]));
    }

    #[test]
    fn a_stranger_gets_nothing() {
        let p = parts(&[(0, 1)]);
        assert!(Assignor::Range
            .decide("t", &members(&["a"]), &p, "zz")
            .is_empty());
    }
}
