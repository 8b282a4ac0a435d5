//! rust-rdkafka, through `ferrokafka_native::rdkafka` (the same librdkafka build as the native engine), with
//! the settings that make it fastest here: linger as asked, 1 MiB batches of up to 100,000 messages, a
//! million-message queue; consumers with `fetch.queue.backoff.ms=10` and librdkafka's other defaults.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use ferrokafka_native::rdkafka;
use futures::StreamExt;
use rdkafka::config::ClientConfig;
use rdkafka::consumer::{BaseConsumer, Consumer, StreamConsumer};
use rdkafka::error::{KafkaError, RDKafkaErrorCode};
use rdkafka::message::{DeliveryResult, Message};
use rdkafka::producer::{
    BaseProducer, BaseRecord, FutureProducer, FutureRecord, Producer, ProducerContext,
};
use rdkafka::topic_partition_list::{Offset, TopicPartitionList};
use rdkafka::ClientContext;

use crate::args::Cli;
use crate::{pace, payload, Outcome, RunResult};

fn producer_config(cli: &Cli) -> ClientConfig {
    let mut c = ClientConfig::new();
    c.set("bootstrap.servers", &cli.bootstrap)
        .set("acks", cli.acks.to_string())
        .set("linger.ms", cli.linger_ms.to_string())
        .set(
            "batch.size",
            cli.max_request_size.min(1_048_576).to_string(),
        )
        .set("batch.num.messages", "100000")
        .set("queue.buffering.max.messages", "1000000")
        .set(
            "message.max.bytes",
            cli.max_request_size.max(1000).to_string(),
        );
    c
}

fn consumer_config(cli: &Cli) -> ClientConfig {
    let mut c = ClientConfig::new();
    c.set("bootstrap.servers", &cli.bootstrap)
        .set("group.id", format!("peer-{}", std::process::id()))
        .set("enable.auto.commit", "false")
        .set("enable.partition.eof", "false")
        .set("fetch.queue.backoff.ms", "10");
    if let Some(on) = cli.check_crcs {
        c.set("check.crcs", on.to_string());
    }
    c
}

/// Counts failures and, in paced runs, times every delivery (the opaque is the enqueue time in ns).
struct Ctx {
    start: Instant,
    failed: AtomicU64,
    latencies: Option<Mutex<Vec<f64>>>,
}

impl ClientContext for Ctx {}

impl ProducerContext for Ctx {
    type DeliveryOpaque = usize;
    fn delivery(&self, result: &DeliveryResult<'_>, sent_ns: usize) {
        if result.is_err() {
            self.failed.fetch_add(1, Ordering::Relaxed);
        }
        if let Some(l) = &self.latencies {
            let now = self.start.elapsed().as_nanos() as f64;
            let mut l = l.lock().unwrap_or_else(|e| e.into_inner());
            l.push((now - sent_ns as f64) / 1e6);
        }
    }
}

pub fn base_produce(cli: &Cli) -> RunResult {
    let ctx = Ctx {
        start: Instant::now(),
        failed: AtomicU64::new(0),
        latencies: cli.rate.map(|_| Mutex::new(Vec::new())),
    };
    let producer: Arc<BaseProducer<Ctx>> = Arc::new(
        producer_config(cli)
            .create_with_context(ctx)
            .map_err(|e| format!("BaseProducer: {e}"))?,
    );
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let poller = {
        let (p, stop) = (Arc::clone(&producer), Arc::clone(&stop));
        std::thread::spawn(move || {
            while !stop.load(Ordering::Relaxed) {
                p.poll(Duration::from_millis(100));
            }
        })
    };
    let value = payload(cli.size as usize);
    let start = Instant::now();
    for i in 0..cli.messages {
        pace(cli.rate, start, i);
        let sent = producer.context().start.elapsed().as_nanos() as usize;
        let mut record = BaseRecord::with_opaque_to(&cli.topic, sent).payload(&value[..]);
        loop {
            match producer.send::<[u8], [u8]>(record) {
                Ok(()) => break,
                Err((KafkaError::MessageProduction(RDKafkaErrorCode::QueueFull), r)) => {
                    record = r;
                    std::thread::sleep(Duration::from_millis(1));
                }
                Err((e, _)) => return Err(format!("send: {e}")),
            }
        }
    }
    producer
        .flush(Duration::from_secs(600))
        .map_err(|e| format!("flush: {e}"))?;
    let seconds = start.elapsed().as_secs_f64();
    stop.store(true, Ordering::Relaxed);
    let _ = poller.join();
    let ctx = producer.context();
    let failed = ctx.failed.load(Ordering::Relaxed);
    if failed > 0 {
        return Err(format!("{failed} deliveries failed"));
    }
    let latencies_ms = ctx
        .latencies
        .as_ref()
        .map(|l| std::mem::take(&mut *l.lock().unwrap_or_else(|e| e.into_inner())))
        .unwrap_or_default();
    Ok(Outcome {
        seconds,
        latencies_ms,
        ..Outcome::default()
    })
}

pub fn future_produce(cli: &Cli) -> RunResult {
    let runtime = runtime()?;
    runtime.block_on(async {
        let producer: FutureProducer = producer_config(cli)
            .create()
            .map_err(|e| format!("FutureProducer: {e}"))?;
        let value = payload(cli.size as usize);
        let start = Instant::now();
        // Every future is awaited; a window keeps memory bounded as an application would.
        let mut window = futures::stream::FuturesUnordered::new();
        let mut latencies_ms = Vec::new();
        for i in 0..cli.messages {
            pace(cli.rate, start, i);
            let sent = Instant::now();
            let record = FutureRecord::<(), [u8]>::to(&cli.topic).payload(&value[..]);
            let delivery = producer.send(record, Duration::from_secs(600));
            window.push(async move { (delivery.await, sent) });
            if window.len() >= 100_000 || cli.rate.is_some() {
                while window.len() > if cli.rate.is_some() { 10_000 } else { 50_000 } {
                    note(window.next().await, &mut latencies_ms, cli.rate.is_some())?;
                }
            }
        }
        while let Some(done) = window.next().await {
            note(Some(done), &mut latencies_ms, cli.rate.is_some())?;
        }
        Ok(Outcome {
            seconds: start.elapsed().as_secs_f64(),
            latencies_ms,
            ..Outcome::default()
        })
    })
}

type FutureDelivery = (
    Result<
        rdkafka::producer::future_producer::Delivery,
        (KafkaError, rdkafka::message::OwnedMessage),
    >,
    Instant,
);

fn note(done: Option<FutureDelivery>, latencies: &mut Vec<f64>, timed: bool) -> Result<(), String> {
    let Some((result, sent)) = done else {
        return Ok(());
    };
    result.map_err(|(e, _)| format!("delivery: {e}"))?;
    if timed {
        latencies.push(sent.elapsed().as_secs_f64() * 1e3);
    }
    Ok(())
}

fn assignment(cli: &Cli) -> Result<TopicPartitionList, String> {
    let mut tpl = TopicPartitionList::new();
    for p in 0..cli.partitions {
        tpl.add_partition_offset(&cli.topic, p, Offset::Beginning)
            .map_err(|e| format!("assign: {e}"))?;
    }
    Ok(tpl)
}

pub fn base_consume(cli: &Cli) -> RunResult {
    let consumer: BaseConsumer = consumer_config(cli)
        .create()
        .map_err(|e| format!("BaseConsumer: {e}"))?;
    consumer
        .assign(&assignment(cli)?)
        .map_err(|e| format!("assign: {e}"))?;
    let mut count = 0u64;
    let mut start = None;
    let mut idle = Instant::now();
    while count < cli.messages {
        match consumer.poll(Duration::from_millis(100)) {
            Some(Ok(m)) => {
                start.get_or_insert_with(Instant::now);
                std::hint::black_box(m.payload().map(<[u8]>::len));
                count += 1;
                idle = Instant::now();
            }
            Some(Err(e)) => return Err(format!("poll: {e}")),
            None if idle.elapsed() > Duration::from_secs(10) => {
                return Err(format!("ran dry after {count} messages"))
            }
            None => {}
        }
    }
    Ok(Outcome {
        seconds: start.map_or(0.0, |s| s.elapsed().as_secs_f64()),
        ..Outcome::default()
    })
}

pub fn stream_consume(cli: &Cli) -> RunResult {
    runtime()?.block_on(async {
        let consumer: StreamConsumer = consumer_config(cli)
            .create()
            .map_err(|e| format!("StreamConsumer: {e}"))?;
        consumer
            .assign(&assignment(cli)?)
            .map_err(|e| format!("assign: {e}"))?;
        let mut stream = consumer.stream();
        let mut count = 0u64;
        let mut start = None;
        while count < cli.messages {
            match tokio::time::timeout(Duration::from_secs(10), stream.next()).await {
                Ok(Some(Ok(m))) => {
                    start.get_or_insert_with(Instant::now);
                    std::hint::black_box(m.payload().map(<[u8]>::len));
                    count += 1;
                }
                Ok(Some(Err(e))) => return Err(format!("stream: {e}")),
                Ok(None) | Err(_) => return Err(format!("ran dry after {count} messages")),
            }
        }
        Ok(Outcome {
            seconds: start.map_or(0.0, |s| s.elapsed().as_secs_f64()),
            ..Outcome::default()
        })
    })
}

/// A tokio runtime as a user of the async APIs would have: multi-threaded, all cores.
pub fn runtime() -> Result<tokio::runtime::Runtime, String> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("tokio runtime: {e}"))
}
