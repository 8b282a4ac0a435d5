//! A user-defined membership protocol (PyKafka's `GroupMembershipProtocol` with its own `decide_partitions`)
//! in a real group of ferrokafka members: the leader runs it, and every member reads exactly the partitions
//! it decided. Membership is ferrokafka's on both engines, so it runs with librdkafka reading too.

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use ferrokafka::{GroupMembershipProtocol, MembershipProtocol, PartitionLeader};
use ferrokafka_testkit::{shared_kafka4, unique_name};

use crate::balanced_support::{engines, filled_topic, member};
use crate::common::eventually;

/// Deals partitions by id in reverse member order (the last member by bytes gets partition 0): neither
/// range's nor roundrobin's answer, so a member reading it proves the custom function decided.
#[derive(Debug, Default)]
struct ReverseDeal {
    calls: AtomicUsize,
}

impl GroupMembershipProtocol for ReverseDeal {
    fn name(&self) -> &str {
        "ferrokafka-test-reverse-deal"
    }

    fn decide_partitions(
        &self,
        _topic: &str,
        participants: &[String],
        partitions: &[PartitionLeader],
        consumer_id: &str,
    ) -> BTreeSet<i32> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        let mut members: Vec<&String> = participants.iter().collect();
        members.sort();
        let Some(idx) = members.iter().position(|m| *m == consumer_id) else {
            return BTreeSet::new();
        };
        let n = members.len() as i32;
        partitions
            .iter()
            .map(|p| p.id)
            .filter(|id| n - 1 - id % n == idx as i32)
            .collect()
    }
}

#[test]
fn members_read_exactly_what_a_user_defined_protocol_decides() {
    let cluster = shared_kafka4();
    let client = crate::common::client(cluster);
    for rdkafka in engines() {
        let topic = filled_topic(cluster, &client, 6, 3);
        let group = unique_name("custom-protocol");
        let reverse = Arc::new(ReverseDeal::default());
        let shared: Arc<dyn GroupMembershipProtocol> = reverse.clone();
        let build = || {
            member(&client, &topic, &group, rdkafka)
                .membership_protocol(MembershipProtocol::Custom(Arc::clone(&shared)))
                .build()
                .expect("member joins with the custom protocol")
        };
        let members = [build(), build(), build()];
        let ids: Vec<String> = members.iter().map(|m| m.member_id()).collect();
        let partitions: Vec<PartitionLeader> = client
            .topic(&topic)
            .expect("topic")
            .partitions()
            .values()
            .map(|p| PartitionLeader {
                id: p.id,
                leader: p.leader,
            })
            .collect();
        let decided: Vec<BTreeSet<i32>> = ids
            .iter()
            .map(|id| ReverseDeal::default().decide_partitions(&topic, &ids, &partitions, id))
            .collect();
        assert!(decided.iter().all(|d| d.len() == 2), "{decided:?}");
        let held = || -> Vec<BTreeSet<i32>> {
            members
                .iter()
                .map(|m| m.partitions().into_iter().collect())
                .collect()
        };
        let sets = eventually(Duration::from_secs(30), || {
            let now = held();
            (now == decided).then_some(now)
        })
        .unwrap_or_else(|| {
            panic!(
                "rdkafka={rdkafka}: members hold {:?}, the protocol decided {decided:?}",
                held()
            )
        });
        assert!(
            reverse.calls.load(Ordering::SeqCst) >= 3,
            "the leader called the custom function once per member"
        );
        // What each member reads follows the assignment too.
        for (m, held) in members.iter().zip(&sets) {
            let mut read = BTreeSet::new();
            while let Some(msg) = m.consume(true).expect("consume") {
                read.insert(msg.partition_id);
                if read.len() == held.len() {
                    break;
                }
            }
            assert_eq!(read, *held, "rdkafka={rdkafka}");
        }
        // Each member leaving makes the group rebalance under the next one's `stop`: its final commit waits out
        // that rebalance and carries the generation it made, so every stop succeeds.
        for m in &members {
            m.stop().expect("stop");
        }
    }
}
