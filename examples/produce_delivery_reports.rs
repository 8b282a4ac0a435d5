//! PyKafka's delivery reports: `topic.get_producer(delivery_reports=True)`, then `get_delivery_report()`
//! for every message produced on this thread, each saying where the message landed or why it did not.
//!
//! Produces 100 keyed messages and one larger than `max_request_size`; expects 100 reports of delivery, one
//! of failure (the oversize message, never sent), and the topic's offsets to add up to 100.
//! `KAFKA_BOOTSTRAP=host:port` uses that cluster; otherwise a local broker is started (see `support`).

mod support;

use std::collections::BTreeMap;
use std::time::Duration;

use ferrokafka::{KafkaClient, OutgoingMessage};
use ferrokafka_testkit::KafkaConfig;
use support::{brokers, check, fresh_topic, Outcome};

const COUNT: usize = 100;
const MAX_REQUEST_SIZE: i64 = 10_000;

fn main() -> Outcome {
    let (hosts, _local_broker) = brokers(KafkaConfig::kafka4())?;
    let client = KafkaClient::new(&hosts)?;
    let topic = client.topic(&fresh_topic(&client, "reports", 3)?)?;

    // `topic.get_producer(delivery_reports=True, linger_ms=10, max_request_size=10000)`
    let producer = topic
        .producer()
        .delivery_reports(true)
        .linger_ms(10)
        .max_request_size(MAX_REQUEST_SIZE)
        .build()?;
    for i in 0..COUNT {
        let message =
            OutgoingMessage::new(format!("message {i}")).with_key(format!("user-{}", i % 7));
        producer.produce_with(message)?;
    }
    let oversize = vec![b'x'; 2 * MAX_REQUEST_SIZE as usize];
    producer.produce(oversize.clone())?;

    // `msg, exc = producer.get_delivery_report(block=True, timeout=30)` until every message is accounted for.
    let (mut delivered, mut failed) = (BTreeMap::<i32, usize>::new(), Vec::new());
    while delivered.values().sum::<usize>() + failed.len() < COUNT + 1 {
        let Some(report) = producer.get_delivery_report(true, Some(Duration::from_secs(30)))?
        else {
            break; // no report for 30 s: the checks below say what is missing
        };
        match report.result {
            Ok(delivery) => *delivered.entry(delivery.partition_id).or_default() += 1,
            Err(e) => {
                println!(
                    "report: not delivered ({} bytes): {e}",
                    report.message.value.as_ref().map_or(0, |v| v.len())
                );
                failed.push(report.message);
            }
        }
    }
    producer.stop()?;
    println!(
        "reports: delivered per partition {delivered:?}, {} failed",
        failed.len()
    );

    check(
        delivered.values().sum::<usize>() == COUNT,
        format!("{COUNT} messages reported delivered"),
    )?;
    check(
        failed.len() == 1 && failed[0].value.as_deref() == Some(&oversize[..]),
        "the one oversize message reported failed, not sent",
    )?;
    let landed: i64 = topic
        .latest_available_offsets()?
        .values()
        .map(|p| p.offsets.first().copied().unwrap_or(0))
        .sum();
    check(
        landed == COUNT as i64,
        format!("the partitions hold {landed} messages, as reported"),
    )
}
