//! Async produce with futures: every `produce_async` returns a `DeliveryFuture` that resolves to the
//! partition and offset the message got (PyKafka has no async API; this replaces its delivery reports in
//! async code).
//!
//! Produces 200 messages from a tokio task, awaits all the futures together, and checks that every message
//! got its own offset and that the offsets match what the broker holds.
//! `KAFKA_BOOTSTRAP=host:port` uses that cluster; otherwise a local broker is started (see `support`).

mod support;

use std::collections::BTreeSet;
use std::time::Duration;

use ferrokafka::{ClientOptions, KafkaClient};
use ferrokafka_testkit::KafkaConfig;
use support::{brokers, check, fresh_topic, Outcome};

const COUNT: usize = 200;

fn main() -> Outcome {
    let (hosts, _local_broker) = brokers(KafkaConfig::kafka4())?;
    let name = fresh_topic(&KafkaClient::new(&hosts)?, "futures", 4)?;
    tokio::runtime::Runtime::new()?.block_on(produce_all(&hosts, &name))
}

async fn produce_all(hosts: &str, name: &str) -> Outcome {
    let client = KafkaClient::connect(ClientOptions::new(hosts)).await?;
    let topic = client.topic_async(name).await?;
    let producer = topic.producer().linger_ms(5).build()?;

    // Queue everything first (each call waits only for queue space), then await the deliveries.
    let mut pending = Vec::with_capacity(COUNT);
    for i in 0..COUNT {
        pending.push(producer.produce_async(format!("async message {i}")).await?);
    }
    let results = futures::future::join_all(pending).await;
    let mut landed = BTreeSet::new();
    for result in results {
        let delivery = result?;
        landed.insert((delivery.partition_id, delivery.offset));
    }
    producer.flush_async(Duration::from_secs(10)).await?;
    producer.stop_async().await?;

    let partitions: BTreeSet<i32> = landed.iter().map(|(p, _)| *p).collect();
    println!("{} deliveries over partitions {partitions:?}", landed.len());
    check(
        landed.len() == COUNT,
        format!("{COUNT} futures resolved, each to its own (partition, offset)"),
    )?;
    let latest = topic.latest_available_offsets_async().await?;
    let held: i64 = latest
        .values()
        .map(|p| p.offsets.first().copied().unwrap_or(0))
        .sum();
    let max_offsets_match = latest.iter().all(|(pid, p)| {
        let next = p.offsets.first().copied().unwrap_or(0);
        landed
            .iter()
            .filter(|(lp, _)| lp == pid)
            .map(|(_, o)| o + 1)
            .max()
            .unwrap_or(0)
            == next
    });
    check(
        held == COUNT as i64 && max_offsets_match,
        "the broker's latest offsets are exactly the last delivered offset + 1 of each partition",
    )
}
