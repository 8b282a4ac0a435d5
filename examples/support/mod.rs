//! What every example shares: the brokers to talk to, a fresh topic, and a check that fails the run.
//!
//! Not an example itself (cargo only runs `examples/*.rs` and `examples/*/main.rs`); each example pulls it in
//! with `mod support;`.

use std::error::Error;
use std::fmt::Display;

use ferrokafka::{KafkaClient, NewTopic};
use ferrokafka_testkit::{unique_name, KafkaCluster, KafkaConfig};

/// What an example's `main` returns: any error ends the run with a non-zero exit status.
pub type Outcome<T = ()> = Result<T, Box<dyn Error>>;

/// `KAFKA_BOOTSTRAP` when it is set; otherwise a local broker started with `config` through the testkit (the
/// first run downloads the jars from Maven Central). Keep the returned cluster alive until the end of `main`:
/// dropping it stops the local broker.
pub fn brokers(config: KafkaConfig) -> Outcome<(String, Option<KafkaCluster>)> {
    match std::env::var("KAFKA_BOOTSTRAP") {
        Ok(hosts) if !hosts.trim().is_empty() => {
            println!("using KAFKA_BOOTSTRAP={hosts}");
            Ok((hosts, None))
        }
        _ => {
            println!(
                "KAFKA_BOOTSTRAP not set: starting a local Apache Kafka {} broker...",
                config.version.release()
            );
            let cluster = KafkaCluster::start(config)?;
            Ok((cluster.bootstrap().to_string(), Some(cluster)))
        }
    }
}

/// Creates a topic named `prefix-<unique suffix>` with `partitions` partitions (replication 1) and returns
/// its name.
pub fn fresh_topic(client: &KafkaClient, prefix: &str, partitions: i32) -> Outcome<String> {
    let name = unique_name(prefix);
    client.create_topics(&[NewTopic::new(name.as_str(), partitions, 1)], 30_000)?;
    println!("created topic {name:?} with {partitions} partition(s)");
    Ok(name)
}

/// Prints `ok: what` when `ok`, else fails the run with `FAILED: what`.
pub fn check(ok: bool, what: impl Display) -> Outcome {
    if ok {
        println!("ok: {what}");
        Ok(())
    } else {
        Err(format!("FAILED: {what}").into())
    }
}
