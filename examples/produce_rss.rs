//! Memory stays bounded with delivery reports on and never read: prints RSS while producing small messages.
//!
//! `cargo run --release --example produce_rss [-- COUNT]` (default 1,000,000; Linux, reads /proc/self/status).

use std::time::Duration;

use ferrokafka::KafkaClient;
use ferrokafka_testkit::{shared_kafka4, unique_name};

fn rss_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<f64>().ok())
        })
        .map_or(0.0, |kb| kb / 1024.0)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let count: usize = std::env::args()
        .nth(1)
        .map(|s| s.parse())
        .transpose()?
        .unwrap_or(1_000_000);
    let cluster = shared_kafka4();
    let client = KafkaClient::new(cluster.bootstrap())?;
    let name = unique_name("rss");
    cluster.create_topic(&name, 3)?;
    let topic = client.topic(&name)?;
    let producer = topic
        .producer()
        .delivery_reports(true)
        .linger_ms(5)
        .build()?;
    println!("start: RSS {:.1} MB", rss_mb());
    for i in 1..=count {
        producer.produce(format!("message {i:>12}"))?;
        if i % (count / 10).max(1) == 0 {
            println!(
                "{i:>9} produced, {:>9} reports dropped unread: RSS {:.1} MB",
                producer.dropped_reports(),
                rss_mb()
            );
        }
    }
    producer.flush(Duration::from_secs(120))?;
    println!(
        "flushed: {} reports dropped (kept: the newest {} per thread), RSS {:.1} MB",
        producer.dropped_reports(),
        100_000,
        rss_mb()
    );
    Ok(())
}
