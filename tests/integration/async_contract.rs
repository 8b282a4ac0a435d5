//! The async and options contract: `Drop` never blocks (broker down, both engines), a client runs on the
//! caller's tokio runtime when given its handle, and raw librdkafka properties pass through the builders.

use std::time::{Duration, Instant};

use ferrokafka::{ClientOptions, ErrorKind, KafkaClient};
use ferrokafka_testkit::{unique_name, KafkaCluster, KafkaConfig};

use crate::common;

/// How long dropping any object may take with the broker gone.
const DROP_BOUND: Duration = Duration::from_millis(250);

fn timed_drop<T>(what: &str, value: T) {
    let started = Instant::now();
    drop(value);
    let took = started.elapsed();
    assert!(
        took < DROP_BOUND,
        "dropping {what} took {took:?} with the broker down"
    );
}

/// Every object kind of one engine, busy (a producer holding unsent messages, consumers running with
/// auto-commit, a group member), is dropped after the broker was killed; each drop returns at once.
fn drops_with_broker_down(rdkafka: bool) {
    let cluster = KafkaCluster::start(KafkaConfig::kafka4()).expect("private broker");
    let client = common::client(&cluster);
    let name = unique_name("drop-down");
    cluster.create_topic(&name, 2).expect("topic");
    let topic = client.topic(&name).expect("topic");
    let producer = topic
        .producer()
        .use_rdkafka(rdkafka)
        .linger_ms(60_000)
        .min_queued_messages(1_000)
        .build()
        .expect("producer");
    for i in 0..5 {
        producer.produce(format!("unsent {i}")).expect("queued");
    }
    assert!(
        producer.pending() > 0,
        "messages should wait for their linger"
    );
    let simple = topic
        .simple_consumer()
        .use_rdkafka(rdkafka)
        .consumer_group(unique_name("drop-down-s").as_str())
        .auto_commit_enable(true)
        .build()
        .expect("simple consumer");
    let balanced = topic
        .balanced_consumer(unique_name("drop-down-b").as_str())
        .use_rdkafka(rdkafka)
        .heartbeat_interval_ms(200)
        .session_timeout_ms(10_000)
        .build()
        .expect("balanced consumer");
    assert!(
        !balanced.partitions().is_empty(),
        "the member holds partitions"
    );
    let second_handle = producer.clone();

    cluster.kill_node(0).expect("kill the broker");
    std::thread::sleep(Duration::from_millis(200));
    timed_drop("a producer clone", second_handle);
    timed_drop("the producer (5 unsent messages)", producer);
    timed_drop("the simple consumer", simple);
    timed_drop("the balanced consumer", balanced);
    timed_drop("the topic", topic);
    timed_drop("the client", client);
}

#[test]
fn drop_never_blocks_pure() {
    drops_with_broker_down(false);
}

#[cfg(feature = "native")]
#[test]
fn drop_never_blocks_native() {
    drops_with_broker_down(true);
}

/// An async program hands ferrokafka its own runtime: no runtime of ferrokafka's is started, the client's
/// tasks run on the caller's runtime (its alive-task count rises while a producer runs), and producing and consuming work
/// through both the async and the blocking forms (the latter moving the worker aside).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_runs_on_the_callers_runtime() {
    let cluster = ferrokafka_testkit::shared_kafka4();
    let name = unique_name("own-rt");
    cluster.create_topic(&name, 1).expect("topic");
    let metrics = tokio::runtime::Handle::current().metrics();
    let before = metrics.num_alive_tasks();
    let options = common::options(cluster).runtime(tokio::runtime::Handle::current());
    let client = KafkaClient::connect(options).await.expect("client");
    assert!(
        !client.owns_runtime(),
        "a runtime was started although one was given"
    );
    let topic = client.topic_async(&name).await.expect("topic");
    let producer = topic
        .producer()
        .linger_ms(5)
        .build_async()
        .await
        .expect("producer");
    assert!(
        metrics.num_alive_tasks() > before,
        "the producer's sender task should run on the caller's runtime"
    );
    let mut deliveries = Vec::new();
    for i in 0..10 {
        deliveries.push(
            producer
                .produce_async(format!("v{i}"))
                .await
                .expect("produce"),
        );
    }
    for d in deliveries {
        d.await.expect("delivered");
    }
    // A blocking call from inside the caller's runtime works too.
    producer.produce("v10").expect("blocking produce");
    producer.stop_async().await.expect("stop");
    let consumer = topic
        .simple_consumer()
        .consumer_timeout_ms(10_000)
        .build_async()
        .await
        .expect("consumer");
    let mut values = Vec::new();
    while values.len() < 11 {
        let m = consumer
            .consume_async()
            .await
            .expect("consume")
            .expect("a message in time");
        values.push(m.value.expect("value"));
    }
    let expected: Vec<bytes::Bytes> = (0..11).map(|i| format!("v{i}").into()).collect();
    assert_eq!(values, expected);
    consumer.stop_async().await.expect("stop");
}

/// A current-thread runtime cannot host blocking calls (`block_in_place`), so it is refused up front.
#[tokio::test(flavor = "current_thread")]
async fn a_current_thread_runtime_is_refused() {
    let options = ClientOptions::new("127.0.0.1:9").runtime(tokio::runtime::Handle::current());
    match KafkaClient::connect(options).await {
        Err(e) if e.kind() == ErrorKind::Config => {
            assert_eq!(e.option(), Some("runtime"), "{e}");
            assert!(e.to_string().contains("multi-thread"), "{e}");
        }
        other => panic!("expected a Config error about the runtime, got {other:?}"),
    }
}

/// Raw librdkafka properties reach librdkafka: one that takes effect (a queue of one message), one that
/// librdkafka rejects (its own message is returned), and the pure engine refusing them by name.
#[test]
fn rdkafka_properties_pass_through() {
    let cluster = ferrokafka_testkit::shared_kafka4();
    let client = common::client(cluster);
    let name = unique_name("rdkprop");
    cluster.create_topic(&name, 1).expect("topic");
    let topic = client.topic(&name).expect("topic");

    let pure = topic
        .producer()
        .rdkafka_property("queue.buffering.max.kbytes", "1024")
        .build();
    match pure {
        Err(e) if e.kind() == ErrorKind::Config => {
            assert_eq!(
                e.option(),
                Some("rdkafka_property queue.buffering.max.kbytes"),
                "{e}"
            );
            assert!(e.to_string().contains("use_rdkafka(true)"), "{e}");
        }
        other => panic!("the pure engine must refuse raw properties, got {other:?}"),
    }
    let pure = topic
        .simple_consumer()
        .rdkafka_property("fetch.wait.max.ms", "5")
        .build();
    assert!(
        matches!(&pure, Err(e) if e.kind() == ErrorKind::Config),
        "{pure:?}"
    );

    if cfg!(feature = "native") {
        let bounded = topic
            .producer()
            .use_rdkafka(true)
            .linger_ms(5_000)
            .block_on_queue_full(false)
            .rdkafka_property("queue.buffering.max.messages", "1")
            .build()
            .expect("native producer");
        bounded.produce("first").expect("one message fits");
        let second = bounded.produce("second");
        assert!(
            matches!(&second, Err(e) if e.kind() == ErrorKind::ProducerQueueFull),
            "queue.buffering.max.messages=1 must make the second message fail: {second:?}"
        );
        bounded.stop().expect("stop");

        let bad = topic
            .producer()
            .use_rdkafka(true)
            .rdkafka_property("no.such.property", "1")
            .build()
            .expect_err("librdkafka rejects an unknown property");
        assert!(
            bad.to_string().contains("No such configuration property"),
            "{bad}"
        );
        let bad = topic
            .simple_consumer()
            .use_rdkafka(true)
            .rdkafka_property("fetch.wait.max.ms", "not a number")
            .build()
            .expect_err("librdkafka rejects a bad value");
        assert!(bad.to_string().contains("fetch.wait.max.ms"), "{bad}");
    }
}

common::engines! {
    /// `consume_within` takes a `Timeout` instead of `block` + `consumer_timeout_ms`: `Now` answers at once,
    /// `After` waits that long (past a shorter `consumer_timeout_ms`), `Never` until a message comes; the
    /// simple and the balanced consumer alike.
    fn consume_within_takes_a_timeout(cluster, client, rdkafka) {
        use ferrokafka::Timeout;
        let name = unique_name("within");
        cluster.create_topic(&name, 1).expect("topic");
        let topic = client.topic(&name).expect("topic");
        let simple = topic
            .simple_consumer()
            .use_rdkafka(rdkafka)
            .consumer_timeout_ms(50)
            .build()
            .expect("simple");
        let balanced = topic
            .balanced_consumer(unique_name("within-g").as_str())
            .use_rdkafka(rdkafka)
            .consumer_timeout_ms(50)
            .build()
            .expect("balanced");

        let started = Instant::now();
        assert!(simple.consume_within(Timeout::Now).expect("now").is_none());
        assert!(started.elapsed() < Duration::from_millis(500), "Now waited {:?}", started.elapsed());
        let started = Instant::now();
        assert!(simple.consume_within(Duration::from_millis(600)).expect("after").is_none());
        let waited = started.elapsed();
        assert!(
            waited >= Duration::from_millis(600) && waited < Duration::from_secs(3),
            "After(600 ms) waited {waited:?} (consumer_timeout_ms is 50)"
        );

        let sender = std::thread::spawn({
            let (client, name) = (client.clone(), name.clone());
            move || {
                std::thread::sleep(Duration::from_millis(300));
                common::produce(&client, &name, 0, &[b"late"]);
            }
        });
        let m = simple.consume_within(Timeout::Never).expect("never").expect("a message");
        assert_eq!(m.value.as_deref(), Some(&b"late"[..]));
        sender.join().expect("sender");
        let m = balanced.consume_within(Duration::from_secs(20)).expect("balanced").expect("a message");
        assert_eq!(m.value.as_deref(), Some(&b"late"[..]));
        simple.stop().expect("stop");
        balanced.stop().expect("stop");
    }
}

/// `delivery_report` takes a `Timeout`: `Now` does not wait, `After` waits for the report.
#[test]
fn delivery_report_takes_a_timeout() {
    use ferrokafka::Timeout;
    let cluster = ferrokafka_testkit::shared_kafka4();
    let client = common::client(cluster);
    let name = unique_name("report-timeout");
    cluster.create_topic(&name, 1).expect("topic");
    let topic = client.topic(&name).expect("topic");
    for rdkafka in [false, cfg!(feature = "native")] {
        let producer = topic
            .producer()
            .use_rdkafka(rdkafka)
            .delivery_reports(true)
            .linger_ms(300)
            .build()
            .expect("producer");
        producer.produce("reported").expect("produce");
        let started = Instant::now();
        assert!(
            producer
                .delivery_report(Timeout::Now)
                .expect("now")
                .is_none(),
            "lingering"
        );
        assert!(started.elapsed() < Duration::from_millis(200));
        let report = producer
            .delivery_report(Duration::from_secs(10))
            .expect("after");
        let report = report.expect("a report within 10 s");
        assert!(report.result.is_ok(), "{rdkafka}: {:?}", report.result);
        producer.stop().expect("stop");
    }
}
