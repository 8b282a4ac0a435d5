//! Every public blocking call ends within a bound derived from the options when its only broker is dead,
//! SIGSTOPped or black-holed (issue 14, finding 4: 92 s commits and 101 s stops on default options).

use std::time::Duration;

use ferrokafka::{ClientOptions, ErrorKind, KafkaClient, OffsetType};
use ferrokafka_testkit::{shared_kafka4, unique_name, KafkaCluster, KafkaConfig, Mode};

use super::support::{new_topic, proxy_for, signal, timed};
use crate::balanced_support::{engines, member};

/// `socket_timeout_ms` and `offsets_channel_socket_timeout_ms` of these clients.
const T: i64 = 2_000;
/// `offsets_commit_max_retries` (attempts) and `offsets_channel_backoff_ms` of the consumers.
const ATTEMPTS: i64 = 3;
const BACKOFF: i64 = 500;
/// Scheduling slack on a shared 2-core machine.
const SLACK_MS: i64 = 1_500;

fn ms(v: i64) -> Duration {
    Duration::from_millis(v as u64)
}

/// README's bounds, for these options (one broker, one bootstrap host).
struct Bounds;

impl Bounds {
    /// Each host tried (known broker, then bootstrap host): connect, ApiVersions, Metadata, each ≤ T.
    fn update_cluster() -> Duration {
        ms(2 * 3 * T + SLACK_MS)
    }
    fn client_new() -> Duration {
        ms(3 * T + SLACK_MS)
    }
    /// Pure: attempts × (coordinator lookup T + connect T + ApiVersions T + request T) + the linear
    /// backoffs. Native: attempts × To (each librdkafka call waited for at most To) + the backoffs.
    fn offsets_call(rdkafka: bool) -> Duration {
        let per_attempt = if rdkafka { T } else { 4 * T };
        ms(ATTEMPTS * per_attempt + BACKOFF * ATTEMPTS * (ATTEMPTS - 1) / 2 + SLACK_MS)
    }
    /// Its final commit, then LeaveGroup (lookup T + request T).
    fn balanced_stop(rdkafka: bool) -> Duration {
        Self::offsets_call(rdkafka) + ms(2 * T)
    }
    /// Nothing queued: no wait on the broker.
    fn producer_stop() -> Duration {
        ms(T)
    }
}

fn options(addr: &str) -> ClientOptions {
    let mut o = ClientOptions::new(addr);
    o.socket_timeout_ms = T;
    o.offsets_channel_socket_timeout_ms = T;
    o
}

fn check(what: &str, mode: &str, rdkafka: bool, took: Duration, bound: Duration, outcome: String) {
    eprintln!("{mode} rdkafka={rdkafka} {what}: {took:?} (bound {bound:?}): {outcome}");
    assert!(
        took <= bound,
        "{mode} rdkafka={rdkafka}: {what} took {took:?} > {bound:?}: {outcome}"
    );
}

/// Set up every object on `cluster` through `addr`, call `gone` (the only broker stops answering), and time
/// every blocking call against its bound.
fn one_broker_gone(
    cluster: &KafkaCluster,
    addr: &str,
    mode: &str,
    rdkafka: bool,
    gone: impl FnOnce(),
) {
    let topic = new_topic(cluster, "bound");
    let client = KafkaClient::with_options(options(addr)).expect("client");
    let t = client.topic(&topic).expect("topic");
    let producer = match t.sync_producer().use_rdkafka(rdkafka).build() {
        Ok(p) => p,
        Err(e) if e.kind() == ErrorKind::EngineUnavailable => return,
        Err(e) => panic!("{e}"),
    };
    producer.produce("before").expect("produce");
    let consumer = t
        .simple_consumer()
        .use_rdkafka(rdkafka)
        .consumer_group(unique_name("bound-g"))
        .auto_offset_reset(OffsetType::Earliest)
        .consumer_timeout_ms(3_000)
        .offsets_commit_max_retries(ATTEMPTS)
        .offsets_channel_backoff_ms(BACKOFF)
        .build()
        .expect("consumer");
    assert!(consumer.consume(true).expect("consume").is_some());
    let balanced = member(&client, &topic, &unique_name("bound-b"), rdkafka)
        .offsets_commit_max_retries(ATTEMPTS)
        .offsets_channel_backoff_ms(BACKOFF)
        .build()
        .expect("balanced");
    let _ = balanced.consume(true);
    gone();
    let offsets_bound = Bounds::offsets_call(rdkafka);
    let (r, took) = timed(|| consumer.commit_offsets(Some(&[(0, 1)])));
    assert!(r.is_err(), "a commit to a gone broker cannot succeed");
    check(
        "commit_offsets",
        mode,
        rdkafka,
        took,
        offsets_bound,
        format!("{r:?}"),
    );
    let (r, took) = timed(|| consumer.fetch_offsets());
    assert!(r.is_err(), "a fetch from a gone broker cannot succeed");
    check(
        "fetch_offsets",
        mode,
        rdkafka,
        took,
        offsets_bound,
        format!("{r:?}"),
    );
    let (r, took) = timed(|| balanced.commit_offsets(None));
    check(
        "BalancedConsumer::commit_offsets",
        mode,
        rdkafka,
        took,
        offsets_bound,
        format!("{r:?}"),
    );
    let (r, took) = timed(|| balanced.fetch_offsets());
    check(
        "BalancedConsumer::fetch_offsets",
        mode,
        rdkafka,
        took,
        offsets_bound,
        format!("{r:?}"),
    );
    let (r, took) = timed(|| client.update_cluster());
    check(
        "update_cluster",
        mode,
        rdkafka,
        took,
        Bounds::update_cluster(),
        format!("{r:?}"),
    );
    let (r, took) = timed(|| consumer.stop());
    check(
        "SimpleConsumer::stop",
        mode,
        rdkafka,
        took,
        offsets_bound,
        format!("{r:?}"),
    );
    let (r, took) = timed(|| balanced.stop());
    check(
        "BalancedConsumer::stop",
        mode,
        rdkafka,
        took,
        Bounds::balanced_stop(rdkafka),
        format!("{r:?}"),
    );
    let (r, took) = timed(|| producer.stop());
    check(
        "Producer::stop",
        mode,
        rdkafka,
        took,
        Bounds::producer_stop(),
        format!("{r:?}"),
    );
    let (r, took) = timed(|| KafkaClient::with_options(options(addr)).map(drop));
    assert!(r.is_err(), "a client cannot start on a gone broker");
    check(
        "KafkaClient::new",
        mode,
        rdkafka,
        took,
        Bounds::client_new(),
        format!("{r:?}"),
    );
}

fn through_proxy(mode: Mode) {
    let cluster = shared_kafka4();
    for rdkafka in engines() {
        let proxy = proxy_for(cluster);
        one_broker_gone(cluster, proxy.addr(), &format!("{mode:?}"), rdkafka, || {
            proxy.set_mode(mode)
        });
    }
}

#[test]
fn every_call_is_bounded_with_the_broker_dead() {
    through_proxy(Mode::Dead);
}

#[test]
fn every_call_is_bounded_with_the_broker_black_holed() {
    through_proxy(Mode::BlackHole);
}

/// A private broker frozen with SIGSTOP (its sockets stay open, nothing answers), thawed after each engine.
#[test]
fn every_call_is_bounded_with_the_broker_sigstopped() {
    let cluster = KafkaCluster::start(KafkaConfig::kafka4()).expect("private broker");
    let pid = cluster.node_pid(0).expect("node").expect("running");
    for rdkafka in engines() {
        one_broker_gone(&cluster, cluster.bootstrap(), "SIGSTOP", rdkafka, || {
            signal(pid, "-STOP")
        });
        signal(pid, "-CONT");
        cluster.wait_ready().expect("broker back after SIGCONT");
    }
}
