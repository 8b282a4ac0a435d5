//! PyKafka's `GroupMembershipProtocol`: how a group's leader decides who reads what. `range` and
//! `roundrobin` reproduce PyKafka's `decide_partitions_range` / `decide_partitions_roundrobin` exactly, so a
//! group mixing PyKafka, Java, librdkafka and ferrokafka members agrees on who owns what; a user-defined
//! protocol plugs in through [`MembershipProtocol::custom`].
//!
//! PyKafka sorts partitions by the *string* `"{topic}-{leader}-{partition}"` (so `"t-1-10"` < `"t-1-2"` and
//! the leader id matters) and participants by their bytes; both sorts are part of the contract.

use std::collections::BTreeSet;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::sync::Arc;

/// PyKafka's literal default subscription user data, sent by `range` and `roundrobin`.
pub const PYKAFKA_USER_DATA: &[u8] = b"testuserdata";

/// A partition as a protocol sees it: its id and its leader's broker id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PartitionLeader {
    /// The partition id.
    pub id: i32,
    /// Its leader's broker id (-1 when it has none).
    pub leader: i32,
}

/// PyKafka's `GroupMembershipProtocol`: a name, subscription metadata and `decide_partitions`.
///
/// Every member of a group must offer the same protocol name. The group's leader (whichever member the
/// coordinator picks) calls `decide_partitions` once per member, so it must be deterministic: the same
/// arguments give the same answer on every member.
pub trait GroupMembershipProtocol: fmt::Debug + Send + Sync {
    /// The protocol name sent in JoinGroup (PyKafka's `protocol_name`).
    fn name(&self) -> &str;

    /// The user data in this member's subscription metadata (PyKafka's `metadata.user_data`).
    fn user_data(&self) -> Vec<u8> {
        PYKAFKA_USER_DATA.to_vec()
    }

    /// The partition ids of `topic` that `consumer_id` gets, given every participant's member id (in the
    /// coordinator's order) and the topic's partitions with their leaders. PyKafka's
    /// `decide_partitions(participants, partitions, consumer_id)`.
    fn decide_partitions(
        &self,
        topic: &str,
        participants: &[String],
        partitions: &[PartitionLeader],
        consumer_id: &str,
    ) -> BTreeSet<i32>;
}

/// PyKafka's `RangeProtocol`: contiguous slices of the sorted partitions, the remainder to the first members.
#[derive(Debug, Clone, Copy, Default)]
pub struct RangeProtocol;

/// PyKafka's `RoundRobinProtocol`: the sorted partitions dealt to the sorted members in turn.
#[derive(Debug, Clone, Copy, Default)]
pub struct RoundRobinProtocol;

impl GroupMembershipProtocol for RangeProtocol {
    fn name(&self) -> &str {
        "range"
    }

    fn decide_partitions(
        &self,
        topic: &str,
        participants: &[String],
        partitions: &[PartitionLeader],
        consumer_id: &str,
    ) -> BTreeSet<i32> {
        deal(topic, participants, partitions, consumer_id, range)
    }
}

impl GroupMembershipProtocol for RoundRobinProtocol {
    fn name(&self) -> &str {
        "roundrobin"
    }

    fn decide_partitions(
        &self,
        topic: &str,
        participants: &[String],
        partitions: &[PartitionLeader],
        consumer_id: &str,
    ) -> BTreeSet<i32> {
        deal(topic, participants, partitions, consumer_id, round_robin)
    }
}

/// The membership protocol a group uses: PyKafka's `RangeProtocol` (default), `RoundRobinProtocol`, or one of
/// the user's ([`MembershipProtocol::custom`]). A user-defined protocol runs wherever ferrokafka runs the
/// group, which is every balanced consumer (the librdkafka engine only reads the assigned partitions).
#[derive(Debug, Clone, Default)]
pub enum MembershipProtocol {
    /// PyKafka's `range` assignor.
    #[default]
    Range,
    /// PyKafka's `roundrobin` assignor.
    RoundRobin,
    /// A user-defined protocol.
    Custom(Arc<dyn GroupMembershipProtocol>),
}

impl MembershipProtocol {
    /// A user-defined protocol.
    pub fn custom(protocol: impl GroupMembershipProtocol + 'static) -> Self {
        MembershipProtocol::Custom(Arc::new(protocol))
    }

    /// The protocol behind it.
    pub fn protocol(&self) -> &dyn GroupMembershipProtocol {
        match self {
            MembershipProtocol::Range => &RangeProtocol,
            MembershipProtocol::RoundRobin => &RoundRobinProtocol,
            MembershipProtocol::Custom(p) => p.as_ref(),
        }
    }
}

impl From<RangeProtocol> for MembershipProtocol {
    fn from(_: RangeProtocol) -> Self {
        MembershipProtocol::Range
    }
}

impl From<RoundRobinProtocol> for MembershipProtocol {
    fn from(_: RoundRobinProtocol) -> Self {
        MembershipProtocol::RoundRobin
    }
}

impl From<Arc<dyn GroupMembershipProtocol>> for MembershipProtocol {
    fn from(p: Arc<dyn GroupMembershipProtocol>) -> Self {
        MembershipProtocol::Custom(p)
    }
}

/// Built-ins by variant; user-defined ones by identity (the same `Arc`).
impl PartialEq for MembershipProtocol {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (MembershipProtocol::Custom(a), MembershipProtocol::Custom(b)) => Arc::ptr_eq(a, b),
            (MembershipProtocol::Range, MembershipProtocol::Range)
            | (MembershipProtocol::RoundRobin, MembershipProtocol::RoundRobin) => true,
            _ => false,
        }
    }
}

impl Eq for MembershipProtocol {}

impl Hash for MembershipProtocol {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.protocol().name().hash(state);
    }
}

impl GroupMembershipProtocol for MembershipProtocol {
    fn name(&self) -> &str {
        self.protocol().name()
    }

    fn user_data(&self) -> Vec<u8> {
        self.protocol().user_data()
    }

    fn decide_partitions(
        &self,
        topic: &str,
        participants: &[String],
        partitions: &[PartitionLeader],
        consumer_id: &str,
    ) -> BTreeSet<i32> {
        self.protocol()
            .decide_partitions(topic, participants, partitions, consumer_id)
    }
}

/// PyKafka's frame around both assignors: `pick(sorted partitions, member count, index)` with the members
/// sorted by bytes and `consumer_id`'s index among them; nothing when it is not a participant.
fn deal(
    topic: &str,
    participants: &[String],
    partitions: &[PartitionLeader],
    consumer_id: &str,
    pick: fn(&[i32], usize, usize) -> BTreeSet<i32>,
) -> BTreeSet<i32> {
    let mut members: Vec<&str> = participants.iter().map(String::as_str).collect();
    members.sort_by(|a, b| a.as_bytes().cmp(b.as_bytes()));
    match members.iter().position(|m| *m == consumer_id) {
        Some(idx) => pick(&sort_partitions(topic, partitions), members.len(), idx),
        None => BTreeSet::new(),
    }
}

/// Every `members`-th sorted partition, starting at `idx`.
fn round_robin(sorted: &[i32], members: usize, idx: usize) -> BTreeSet<i32> {
    sorted
        .iter()
        .enumerate()
        .filter(|(i, _)| i % members == idx)
        .map(|(_, p)| *p)
        .collect()
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
        let got = |who| RangeProtocol.decide_partitions("t", &m, &p, who);
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
        assert_eq!(RangeProtocol.decide_partitions("t", &m, &p, "x"), ids(&[0]));
        assert_eq!(RangeProtocol.decide_partitions("t", &m, &p, "y"), ids(&[1]));
        assert_eq!(RangeProtocol.decide_partitions("t", &m, &p, "z"), ids(&[]));
    }

    #[test]
    fn roundrobin_deals_sorted_partitions_in_turn() {
        // sorted: 0 1 10 11 2 3 4 5 6 7 8 9; members sorted a b c.
        let p = parts(&(0..12).map(|i| (i, 1)).collect::<Vec<_>>());
        let m = members(&["c", "a", "b"]);
        let got = |who| RoundRobinProtocol.decide_partitions("t", &m, &p, who);
        assert_eq!(got("a"), ids(&[0, 11, 4, 7]));
        assert_eq!(got("b"), ids(&[1, 2, 5, 8]));
        assert_eq!(got("c"), ids(&[10, 3, 6, 9]));
    }

    #[test]
    fn participants_sort_by_bytes_uppercase_first() {
        // b"B" (0x42) < b"a" (0x61): "B" is first and gets the first half.
        let p = parts(&[(0, 1), (1, 1), (2, 1), (3, 1)]);
        let m = members(&["a", "B"]);
        assert_eq!(
            RangeProtocol.decide_partitions("t", &m, &p, "B"),
            ids(&[0, 1])
        );
        assert_eq!(
            RangeProtocol.decide_partitions("t", &m, &p, "a"),
            ids(&[2, 3])
        );
    }

    /// Everything to the first participant in the coordinator's order.
    #[derive(Debug)]
    struct FirstTakesAll;

    impl GroupMembershipProtocol for FirstTakesAll {
        fn name(&self) -> &str {
            "first-takes-all"
        }

        fn user_data(&self) -> Vec<u8> {
            b"mine".to_vec()
        }

        fn decide_partitions(
            &self,
            _topic: &str,
            participants: &[String],
            partitions: &[PartitionLeader],
            consumer_id: &str,
        ) -> BTreeSet<i32> {
            if participants.first().map(String::as_str) == Some(consumer_id) {
                partitions.iter().map(|p| p.id).collect()
            } else {
                BTreeSet::new()
            }
        }
    }

    #[test]
    fn the_enum_dispatches_to_the_builtins_and_the_users_protocol() {
        let p = parts(&[(0, 1), (1, 1)]);
        let m = members(&["z", "a"]);
        let custom = MembershipProtocol::custom(FirstTakesAll);
        assert_eq!(custom.name(), "first-takes-all");
        assert_eq!(custom.user_data(), b"mine");
        assert_eq!(custom.decide_partitions("t", &m, &p, "z"), ids(&[0, 1]));
        assert_eq!(custom.decide_partitions("t", &m, &p, "a"), ids(&[]));
        let range = MembershipProtocol::from(RangeProtocol);
        assert_eq!(range.name(), "range");
        assert_eq!(range.user_data(), PYKAFKA_USER_DATA);
        assert_eq!(range.decide_partitions("t", &m, &p, "a"), ids(&[0]));
        assert_eq!(
            MembershipProtocol::from(RoundRobinProtocol).name(),
            "roundrobin"
        );
        // Built-ins compare by kind, user-defined ones by identity.
        assert_eq!(range, MembershipProtocol::Range);
        assert_eq!(custom, custom.clone());
        assert_ne!(custom, MembershipProtocol::custom(FirstTakesAll));
        assert_ne!(range, MembershipProtocol::RoundRobin);
    }

    #[test]
    fn a_stranger_gets_nothing() {
        let p = parts(&[(0, 1)]);
        assert!(RangeProtocol
            .decide_partitions("t", &members(&["a"]), &p, "zz")
            .is_empty());
    }
}
