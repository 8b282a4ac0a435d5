//! Rough producer throughput, 100-byte messages, pure engine vs librdkafka (when built with `native`).
//!
//! `cargo run --release --example produce_bench [-- COUNT]` (default 1,000,000). Starts a Kafka 4.1.1 node
//! through the testkit unless `KAFKA_BOOTSTRAP` names one.

use std::time::{Duration, Instant};

use ferrokafka::{Error, KafkaClient};
use ferrokafka_testkit::{shared_kafka4, unique_name};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let count: usize = std::env::args()
        .nth(1)
        .map(|s| s.parse())
        .transpose()?
        .unwrap_or(1_000_000);
    let cluster = shared_kafka4();
    let client = KafkaClient::new(cluster.bootstrap())?;
    let value = vec![b'x'; 100];
    for rdkafka in [false, true] {
        let name = unique_name("bench");
        cluster.create_topic(&name, 6)?;
        let topic = client.topic(&name)?;
        let producer = match topic.producer().linger_ms(5).use_rdkafka(rdkafka).build() {
            Ok(p) => p,
            Err(Error::EngineUnavailable(why)) => {
                println!("librdkafka engine: skipped ({why})");
                continue;
            }
            Err(e) => return Err(e.into()),
        };
        let start = Instant::now();
        for _ in 0..count {
            // The future is dropped: this measures fire-and-forget throughput, as PyKafka's async producer.
            producer.produce(value.clone())?;
        }
        producer.flush(Duration::from_secs(300))?;
        let secs = start.elapsed().as_secs_f64();
        println!(
            "{:>10} engine: {count} x 100 B in {secs:.2} s = {:.0} msgs/s ({:.1} MB/s)",
            producer.engine_name(),
            count as f64 / secs,
            count as f64 * 100.0 / secs / 1e6
        );
    }
    Ok(())
}
