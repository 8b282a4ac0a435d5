//! `ferrokafka-perf await-one`: the request-path case of issue #29. One message at a time, each delivery
//! awaited before the next, with a producer of **default options** on each engine: the latency a service pays
//! for `producer.produce(..)?.await`. PyKafka's default linger (5000 ms) made it 5 s; ferrokafka's is 5 ms.

use std::time::Instant;

use ferrokafka::KafkaClient;
use ferrokafka_testkit::{unique_name, KafkaCluster, KafkaConfig};

use crate::cli::{AwaitOneArgs, Engine};
use crate::error::Error;
use crate::report::quantile;
use crate::stats::median;

/// One engine's awaited-delivery latencies, in ms, sorted.
struct Latencies {
    engine: Engine,
    sorted_ms: Vec<f64>,
}

pub fn run(args: &AwaitOneArgs) -> Result<(), Error> {
    // Our own broker unless one is named; kept alive until every engine is measured.
    let (_broker, bootstrap) = match &args.bootstrap {
        Some(b) => (None, b.clone()),
        None => {
            let kafka = KafkaCluster::start(KafkaConfig::kafka4())
                .map_err(|e| Error::Harness(format!("testkit: {e}")))?;
            let b = kafka.bootstrap().to_string();
            (Some(kafka), b)
        }
    };
    let client = KafkaClient::new(&bootstrap)?;
    let name = unique_name("await-one");
    client.create_topics(&[ferrokafka::NewTopic::new(&name, 1, 1)], 60_000)?;
    let topic = client.topic(&name)?;
    crate::run::wait_for_leaders(&topic)?;
    let mut all = Vec::new();
    for &engine in &args.engines {
        all.push(measure(&topic, engine, args.messages)?);
    }
    print(&all, args.messages);
    Ok(())
}

/// `messages` deliveries, each produced and awaited alone, after one untimed warm-up (the connection).
fn measure(topic: &ferrokafka::Topic, engine: Engine, messages: u64) -> Result<Latencies, Error> {
    // Default options: the point is what a user gets without tuning anything.
    let producer = topic
        .producer()
        .use_rdkafka(engine == Engine::Native)
        .build()?;
    // `wait()` is the blocking form of `.await` on the `DeliveryFuture` (it polls the same future).
    producer.produce("warm-up")?.wait()?;
    let mut ms = Vec::new();
    for i in 0..messages {
        let started = Instant::now();
        producer.produce(format!("m{i}"))?.wait()?;
        ms.push(started.elapsed().as_secs_f64() * 1e3);
    }
    producer.stop()?;
    ms.sort_by(f64::total_cmp);
    Ok(Latencies {
        engine,
        sorted_ms: ms,
    })
}

fn print(all: &[Latencies], messages: u64) {
    let linger = ferrokafka::ProducerOptions::default().linger_ms;
    println!(
        "**produce + await one message, default options (linger_ms {linger}), {messages} in a row, 1 partition**\n"
    );
    println!("| engine | median ms | p90 ms | max ms |\n|---|---:|---:|---:|");
    for l in all {
        let at = |q| quantile(&l.sorted_ms, q).map_or("–".into(), |v| format!("{v:.1}"));
        let med = median(l.sorted_ms.clone()).map_or("–".into(), |v| format!("{v:.1}"));
        let name = match l.engine {
            Engine::Pure => "pure",
            Engine::Native => "native (librdkafka)",
        };
        println!("| {name} | {med} | {} | {} |", at(0.9), at(1.0));
    }
}
