//! Downloads the broker jars into the testkit cache (CI runs this before the tests).
//!
//! `cargo run -p ferrokafka-testkit --example fetch_jars [-- --tools]`

use ferrokafka_testkit::maven::{ensure_jars, Distribution};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut dists = vec![
        Distribution::Kafka4,
        Distribution::Kafka39,
        Distribution::ZooKeeper,
    ];
    if std::env::args().any(|a| a == "--tools") {
        dists.push(Distribution::KafkaTools);
    }
    for d in dists {
        let start = std::time::Instant::now();
        let dir = ensure_jars(d)?;
        println!(
            "{:<20} {} ({:.1}s)",
            d.name(),
            dir.display(),
            start.elapsed().as_secs_f64()
        );
    }
    Ok(())
}
