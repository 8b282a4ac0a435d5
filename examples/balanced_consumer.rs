//! Two members of a Kafka-managed group sharing a topic (PyKafka's
//! `topic.get_balanced_consumer(consumer_group=..., managed=True)`).
//!
//! Produces 40 messages over 4 partitions, starts two members, waits until the group gave each of them
//! two partitions, then reads from both at once: every message must be read exactly once, by its partition's
//! owner. `KAFKA_BOOTSTRAP=host:port` uses that cluster; otherwise a local broker is started (see `support`).

mod support;

use std::collections::BTreeSet;
use std::thread;
use std::time::{Duration, Instant};

use ferrokafka::{BalancedConsumer, KafkaClient, Result};
use ferrokafka_testkit::{unique_name, KafkaConfig};
use support::{brokers, check, fresh_topic, Outcome};

const PARTITIONS: i32 = 4;
const PRODUCED: usize = 40;

fn main() -> Outcome {
    let (hosts, _local_broker) = brokers(KafkaConfig::kafka4())?;
    let client = KafkaClient::new(&hosts)?;
    let topic = client.topic(&fresh_topic(&client, "balanced", PARTITIONS)?)?;
    let group = unique_name("example-balanced");

    let producer = topic.producer().linger_ms(5).build()?;
    let mut pending = Vec::new();
    for i in 0..PRODUCED {
        pending.push(producer.produce(format!("message {i}"))?);
    }
    for delivery in pending {
        delivery.wait()?;
    }
    producer.stop()?;

    let member = || {
        topic
            .balanced_consumer(group.as_str())
            .heartbeat_interval_ms(500)
            .consumer_timeout_ms(4_000)
            .build()
    };
    let (a, b) = (member()?, member()?);
    // The first member learns of the second at its next heartbeat and rejoins.
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline
        && (a.partitions().len() + b.partitions().len() != PARTITIONS as usize
            || a.partitions().is_empty()
            || b.partitions().is_empty())
    {
        thread::sleep(Duration::from_millis(100));
    }
    let (pa, pb) = (a.partitions(), b.partitions());
    println!(
        "member a ({}) holds {pa:?}, member b ({}) holds {pb:?}",
        a.member_id(),
        b.member_id()
    );
    let shares: BTreeSet<i32> = pa.iter().chain(&pb).copied().collect();
    check(
        pa.len() == 2 && pb.len() == 2 && shares.len() == PARTITIONS as usize,
        "the range assignor gave each member two of the four partitions",
    )?;

    let read = |c: BalancedConsumer| {
        thread::spawn(move || -> Result<Vec<(i32, i64)>> {
            let mut seen = Vec::new();
            for message in c.iter() {
                let message = message?;
                seen.push((message.partition_id, message.offset));
            }
            c.stop()?;
            Ok(seen)
        })
    };
    let (ta, tb) = (read(a), read(b));
    let seen_a = ta.join().map_err(|_| "member a's thread panicked")??;
    let seen_b = tb.join().map_err(|_| "member b's thread panicked")??;
    println!(
        "member a read {} messages, member b read {}",
        seen_a.len(),
        seen_b.len()
    );

    let distinct: BTreeSet<(i32, i64)> = seen_a.iter().chain(&seen_b).copied().collect();
    check(
        seen_a.len() + seen_b.len() == PRODUCED && distinct.len() == PRODUCED,
        format!("{PRODUCED} messages read, each exactly once"),
    )?;
    check(
        seen_a.iter().all(|(p, _)| pa.contains(p)) && seen_b.iter().all(|(p, _)| pb.contains(p)),
        "each message was read by the member owning its partition",
    )
}
