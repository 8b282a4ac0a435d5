//! Downloads the broker jars into the testkit cache (CI runs this before the tests).
//!
//! `cargo run -p ferrokafka-testkit --example fetch_jars [-- --cds] [--tools]`
//! `--cds` also trains the brokers' class-data archives (one throwaway broker per version).

use ferrokafka_testkit::maven::{ensure_jars, Distribution};
use ferrokafka_testkit::KafkaVersion;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut dists = vec![
        Distribution::Kafka4,
        Distribution::Kafka39,
        Distribution::Kafka28,
        Distribution::Kafka11,
        Distribution::ZooKeeper,
    ];
    if args.iter().any(|a| a == "--tools") {
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
    if args.iter().any(|a| a == "--cds") {
        // Side by side: each version trains its own archive.
        let results: Vec<_> = [KafkaVersion::Kafka4, KafkaVersion::Kafka39]
            .into_iter()
            .map(|v| std::thread::spawn(move || (v, ferrokafka_testkit::cds::prepare(v))))
            .collect();
        for h in results {
            let (v, r) = h.join().map_err(|_| "training thread panicked")?;
            r?;
            println!("class-data archive for kafka-{} ready", v.release());
        }
    }
    Ok(())
}
