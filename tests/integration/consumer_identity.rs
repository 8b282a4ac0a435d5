//! PyKafka's settable `consumer_id` / `generation_id` on a SimpleConsumer: after build, the next commit
//! carries the new identity, so in a real group a stale generation or an unknown member id is refused and the
//! group's own accepted.

use ferrokafka::{ErrorKind, KafkaCode};
use ferrokafka_testkit::{shared_kafka4, unique_name};

use crate::balanced_support::{engines, filled_topic, member};

#[test]
fn commits_carry_the_identity_set_after_build() {
    let cluster = shared_kafka4();
    let client = crate::common::client(cluster);
    let topic = filled_topic(cluster, &client, 1, 3);
    let group = unique_name("identity");
    // A real member of the group: its id and generation are what the coordinator accepts.
    let owner = member(&client, &topic, &group, false)
        .build()
        .expect("member joins");
    let (id, generation) = (owner.member_id(), owner.generation_id());
    assert!(generation >= 0 && !id.is_empty());
    for rdkafka in engines() {
        // Built as the live member (its start-up reset commits, which a group with members checks); not
        // started on librdkafka, whose standalone commits the group would refuse.
        let c = client
            .topic(&topic)
            .expect("topic")
            .simple_consumer()
            .use_rdkafka(rdkafka)
            .consumer_group(group.clone())
            .consumer_id(id.clone())
            .generation_id(generation)
            .auto_start(!rdkafka)
            .offsets_commit_max_retries(0)
            .consumer_timeout_ms(1_000)
            .build()
            .expect("consumer");
        if rdkafka {
            let e = c.set_generation_id(generation).expect_err("librdkafka");
            assert_eq!(e.kind(), ErrorKind::Config, "{e}");
            let e = c.set_consumer_id(id.clone()).expect_err("librdkafka");
            assert_eq!(e.kind(), ErrorKind::Config, "{e}");
            continue;
        }
        c.commit_offsets(Some(&[(0, 1)]))
            .expect("the identity given at build is accepted");
        c.set_generation_id(generation + 1)
            .expect("set generation_id");
        let stale = c
            .commit_offsets(Some(&[(0, 2)]))
            .expect_err("a generation the group is not at");
        assert_eq!(stale.code(), Some(KafkaCode::IllegalGeneration), "{stale}");
        c.set_generation_id(generation).expect("set generation_id");
        c.set_consumer_id("not-a-member").expect("set consumer_id");
        let stranger = c
            .commit_offsets(Some(&[(0, 2)]))
            .expect_err("a member id the group does not know");
        assert_eq!(
            stranger.code(),
            Some(KafkaCode::UnknownMemberId),
            "{stranger}"
        );
        c.set_consumer_id(id.clone()).expect("set consumer_id");
        c.commit_offsets(Some(&[(0, 2)]))
            .expect("the group's generation and member id are accepted");
        assert_eq!(c.fetch_offsets().expect("fetch")[&0].offset, 2);
        c.stop().expect("stop");
    }
    owner.stop().expect("stop member");
}
