//! A producer dropped at the end of `main` with messages still queued (issue #29, trap 1), in a child process
//! that exits right after, as a program returning from `main` does: a plain drop (blocking or async) says at
//! WARN, on stderr when no tracing subscriber is set, how many messages it leaves to the background flush; a
//! scoped producer (`Producer::scoped`, PyKafka's `with` block) has them all in the log before the exit.
//!
//! The child is this test binary run again on the ignored test `drop_at_exit::child`, told what to do by
//! environment variables.

use std::collections::BTreeSet;
use std::process::Command;

use ferrokafka::{KafkaClient, OffsetType};
use ferrokafka_testkit::{shared_kafka4, unique_name};

const MESSAGES: usize = 25;
const CHILD: &str = "FERROKAFKA_DROP_CHILD";

/// How the child leaves its producer.
#[derive(Clone, Copy, Debug)]
enum Exit {
    /// `drop(producer)` in blocking code, then exit.
    Drop,
    /// `drop(producer)` inside a tokio runtime after `produce_async`, then exit.
    DropAsync,
    /// `let p = ….scoped()` goes out of scope, then exit.
    Scoped,
}

/// Runs the child on `topic` and returns its stderr.
fn run_child(bootstrap: &str, topic: &str, exit: Exit, rdkafka: bool) -> String {
    let exe = std::env::current_exe().expect("the test binary's path");
    let out = Command::new(exe)
        .args(["--exact", "drop_at_exit::child", "--ignored", "--nocapture"])
        .env(CHILD, format!("{exit:?},{rdkafka},{bootstrap},{topic}"))
        .output()
        .expect("child runs");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(
        out.status.success(),
        "child failed: {:?}\n{stderr}",
        out.status
    );
    stderr
}

/// Every value in the topic's one partition.
fn logged(client: &KafkaClient, topic: &str) -> BTreeSet<String> {
    let consumer = client
        .topic(topic)
        .expect("topic")
        .simple_consumer()
        .auto_offset_reset(OffsetType::Earliest)
        .consumer_timeout_ms(3_000)
        .build()
        .expect("reader");
    let values = consumer
        .iter()
        .map(|m| {
            let m = m.expect("consume");
            String::from_utf8_lossy(m.value.as_deref().unwrap_or_default()).into_owned()
        })
        .collect();
    consumer.stop().expect("reader stops");
    values
}

fn case(exit: Exit, rdkafka: bool) {
    let cluster = shared_kafka4();
    let client = crate::common::client(cluster);
    let topic = unique_name("drop-exit");
    cluster.create_topic(&topic, 1).expect("create topic");
    let stderr = run_child(cluster.bootstrap(), &topic, exit, rdkafka);
    let values = logged(&client, &topic);
    let warned = stderr
        .lines()
        .find(|l| l.contains("dropped with") && l.contains(&topic));
    let all: BTreeSet<String> = (0..MESSAGES).map(|i| format!("m{i}")).collect();
    match exit {
        Exit::Scoped => {
            assert_eq!(
                values, all,
                "a scoped producer delivers all before the exit"
            );
            assert!(warned.is_none(), "nothing left to warn about: {stderr}");
        }
        Exit::Drop | Exit::DropAsync => {
            // The background flush races the exit: some or all may be in the log, but the linger held every
            // one at the drop, so the warning must count them all.
            assert!(values.is_subset(&all), "unexpected values: {values:?}");
            let line = warned.unwrap_or_else(|| panic!("no drop warning on stderr:\n{stderr}"));
            assert!(
                line.contains(&format!("{MESSAGES} messages not yet delivered")),
                "the warning counts them: {line}"
            );
        }
    }
}

/// The child's side: produce with a linger far longer than the run, leave the producer as told, exit.
#[test]
#[ignore = "the child process of drop_at_exit's tests, which run it"]
fn child() {
    let Ok(spec) = std::env::var(CHILD) else {
        panic!("run by drop_at_exit's tests with {CHILD} set");
    };
    let parts: Vec<&str> = spec.splitn(4, ',').collect();
    let [exit, rdkafka, bootstrap, topic] = parts[..] else {
        panic!("bad {CHILD}: {spec}");
    };
    let rdkafka = rdkafka == "true";
    let client = KafkaClient::new(bootstrap).expect("child's client");
    let topic = client.topic(topic).expect("child's topic");
    let builder = topic
        .producer()
        .linger_ms(60_000)
        .pending_timeout_ms(20_000)
        .use_rdkafka(rdkafka);
    match exit {
        "Scoped" => {
            let producer = builder.build().expect("producer").scoped();
            for i in 0..MESSAGES {
                producer.produce(format!("m{i}")).expect("produce");
            }
        }
        "Drop" => {
            let producer = builder.build().expect("producer");
            for i in 0..MESSAGES {
                producer.produce(format!("m{i}")).expect("produce");
            }
            drop(producer);
        }
        "DropAsync" => {
            let rt = tokio::runtime::Runtime::new().expect("runtime");
            rt.block_on(async {
                let producer = builder.build_async().await.expect("producer");
                for i in 0..MESSAGES {
                    producer
                        .produce_async(format!("m{i}"))
                        .await
                        .expect("produce");
                }
                drop(producer);
            });
        }
        other => panic!("unknown exit {other}"),
    }
    // Returning from `main` ends the process at once, background threads and all.
    std::process::exit(0);
}

macro_rules! cells {
    ($($name:ident: $exit:expr;)*) => {$(
        mod $name {
            use super::*;
            #[test]
            fn pure() {
                case($exit, false);
            }
            #[cfg(feature = "native")]
            #[test]
            fn native() {
                case($exit, true);
            }
        }
    )*};
}

cells! {
    plain_drop_warns_with_the_count: Exit::Drop;
    async_drop_warns_with_the_count: Exit::DropAsync;
    scoped_producer_delivers_before_exit: Exit::Scoped;
}
