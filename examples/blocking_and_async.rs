//! The same job in the blocking API and the async one, side by side: connect, produce 20 messages, read
//! them back. Every blocking call has an `_async` twin (and builders a `build_async`), which never blocks a
//! tokio worker; consumers also stream. Both runs must read back exactly what they produced.
//! `KAFKA_BOOTSTRAP=host:port` uses that cluster; otherwise a local broker is started (see `support`).

mod support;

use std::time::Duration;

use futures::StreamExt;

use ferrokafka::{ClientOptions, KafkaClient};
use ferrokafka_testkit::KafkaConfig;
use support::{brokers, check, fresh_topic, Outcome};

const COUNT: usize = 20;

fn values(prefix: &str) -> Vec<String> {
    (0..COUNT).map(|i| format!("{prefix} {i}")).collect()
}

/// Plain threads: every call blocks until done.
fn blocking(hosts: &str, name: &str) -> Outcome<Vec<String>> {
    let client = KafkaClient::new(hosts)?;
    let topic = client.topic(name)?;
    {
        // Stopped (flushed) when the scope ends, as PyKafka's `with topic.get_producer() as p:`.
        let producer = topic.producer().linger_ms(5).build()?.scoped();
        for value in values("blocking") {
            producer.produce(value)?;
        }
    }

    let consumer = topic.simple_consumer().consumer_timeout_ms(2_000).build()?;
    let mut read = Vec::new();
    for message in consumer.iter() {
        read.extend(
            message?
                .value
                .map(|v| String::from_utf8_lossy(&v).into_owned()),
        );
    }
    consumer.stop()?;
    Ok(read)
}

/// Inside a tokio runtime: the `_async` forms and a message stream.
async fn asynchronous(hosts: &str, name: &str) -> Outcome<Vec<String>> {
    let client = KafkaClient::connect(ClientOptions::new(hosts)).await?;
    let topic = client.topic_async(name).await?;
    let producer = topic.producer().linger_ms(5).build()?;
    for value in values("async") {
        producer.produce_async(value).await?;
    }
    producer.flush_async(Duration::from_secs(10)).await?;
    producer.stop_async().await?;

    let consumer = topic
        .simple_consumer()
        .consumer_timeout_ms(2_000)
        .build_async()
        .await?;
    let mut messages = std::pin::pin!(consumer.stream());
    let mut read = Vec::new();
    while let Some(message) = messages.next().await {
        read.extend(
            message?
                .value
                .map(|v| String::from_utf8_lossy(&v).into_owned()),
        );
    }
    consumer.stop_async().await?;
    Ok(read)
}

fn main() -> Outcome {
    let (hosts, _local_broker) = brokers(KafkaConfig::kafka4())?;
    let setup = KafkaClient::new(&hosts)?;
    // One partition each, so the read-back order is the produce order.
    let (blocking_topic, async_topic) = (
        fresh_topic(&setup, "blocking", 1)?,
        fresh_topic(&setup, "async", 1)?,
    );

    let read = blocking(&hosts, &blocking_topic)?;
    println!(
        "blocking: read {} messages, last {:?}",
        read.len(),
        read.last()
    );
    check(
        read == values("blocking"),
        format!("blocking API: {COUNT} produced, the same {COUNT} read back in order"),
    )?;

    let read = tokio::runtime::Runtime::new()?.block_on(asynchronous(&hosts, &async_topic))?;
    println!(
        "async: read {} messages, last {:?}",
        read.len(),
        read.last()
    );
    check(
        read == values("async"),
        format!("async API: {COUNT} produced, the same {COUNT} read back in order"),
    )
}
