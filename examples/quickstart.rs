//! PyKafka's README, in ferrokafka: produce four messages synchronously, then consume them back.
//!
//! With `KAFKA_BOOTSTRAP=host:port` it uses that cluster; otherwise it starts a local Apache Kafka 4.x broker
//! through the testkit (the first run downloads the jars from Maven Central) and stops it at the end.
//! `--engine native` runs the same program on the librdkafka engine.

use std::error::Error;

use ferrokafka::KafkaClient;
use ferrokafka_testkit::{unique_name, KafkaCluster, KafkaConfig};
use tracing_subscriber::EnvFilter;

fn main() -> Result<(), Box<dyn Error>> {
    // What the client rides through (a broker down, a leader moving) is only logged, as `tracing` events:
    // without a subscriber nothing is printed. `RUST_LOG=ferrokafka_pure=debug` shows more.
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("warn")),
        )
        .init();

    let use_rdkafka = std::env::args()
        .skip_while(|a| a != "--engine")
        .nth(1)
        .as_deref()
        == Some("native");

    // Keep the local broker (if any) alive until the end of main.
    let (hosts, _local_broker) = match std::env::var("KAFKA_BOOTSTRAP") {
        Ok(hosts) => (hosts, None),
        Err(_) => {
            println!("KAFKA_BOOTSTRAP not set: starting a local Apache Kafka 4.x broker...");
            let cluster = KafkaCluster::start(KafkaConfig::kafka4())?;
            (cluster.bootstrap().to_string(), Some(cluster))
        }
    };
    println!("connecting to {hosts}");

    let client = KafkaClient::new(&hosts)?;
    let topic = client.topic(&unique_name("quickstart"))?;
    println!(
        "topic {:?} with partitions {:?}",
        topic.name(),
        topic.partitions().keys().collect::<Vec<_>>()
    );

    // `with topic.get_sync_producer() as producer: producer.produce('test message ' + str(i ** 2))`
    let producer = topic.sync_producer().use_rdkafka(use_rdkafka).build()?;
    println!("producing with the {} engine", producer.engine_name());
    for i in 0..4 {
        producer.produce(format!("test message {}", i * i))?;
    }
    producer.stop()?;

    // `for message in topic.get_simple_consumer(): print message.offset, message.value`
    let consumer = topic
        .simple_consumer()
        .consumer_timeout_ms(5_000)
        .use_rdkafka(use_rdkafka)
        .build()?;
    let mut seen = 0;
    for message in consumer.iter() {
        let message = message?;
        let value = message
            .value
            .as_deref()
            .map(String::from_utf8_lossy)
            .unwrap_or_default();
        println!("{} {}", message.offset, value);
        seen += 1;
    }
    // Through an outage `consume` only returns None: a service reports its readiness from `health()`.
    if let Some(e) = consumer.health().last_error() {
        return Err(format!("the consumer cannot reach the brokers: {e}").into());
    }
    consumer.stop()?;
    if seen != 4 {
        return Err(format!("expected 4 messages back, got {seen}").into());
    }
    println!("ok: 4 messages produced and consumed");
    Ok(())
}
