//! Both engines through a [`FaultProxy`] in front of a real Kafka 4 broker: whatever the proxy does to one
//! response, no panic, every call ends within its bound with a value or a typed error, the consumer gets no
//! message twice, and no message reported failed is in the log.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use ferrokafka::{ErrorKind, KafkaClient, OffsetType};
use ferrokafka_testkit::{shared_kafka4, Fault};

use super::support::{log_counts, proxied, soak, timed, FETCH, PRODUCE, SOCKET_TIMEOUT_MS};
use crate::balanced_support::engines;

/// A sync produce's bound through the proxy: a timed-out attempt plus a retry on a fresh connection, with
/// room for metadata refreshes and the retry backoff.
const PRODUCE_BOUND: Duration = Duration::from_millis(4 * SOCKET_TIMEOUT_MS as u64 + 2_000);

/// What one scenario saw.
#[derive(Default)]
pub(super) struct Outcome {
    pub delivered: BTreeSet<String>,
    pub failed: BTreeSet<String>,
}

/// Produce `count` messages with a sync producer through the proxy, each within [`PRODUCE_BOUND`].
fn produce_all(client: &KafkaClient, topic: &str, rdkafka: bool, count: usize) -> Option<Outcome> {
    let producer = match client
        .topic(topic)
        .expect("topic")
        .sync_producer()
        .use_rdkafka(rdkafka)
        .max_retries(3)
        .retry_backoff_ms(100)
        .build()
    {
        Ok(p) => p,
        Err(why) if why.kind() == ErrorKind::EngineUnavailable => {
            eprintln!("skipped: {why}");
            return None;
        }
        Err(e) => panic!("build: {e}"),
    };
    let mut out = Outcome {
        delivered: BTreeSet::new(),
        failed: BTreeSet::new(),
    };
    for i in 0..count {
        let value = format!("m{i}");
        let (result, took) = timed(|| producer.produce(value.clone()).and_then(|f| f.wait()));
        assert!(
            took < PRODUCE_BOUND,
            "produce {value} took {took:?}: {result:?}"
        );
        match result {
            Ok(_) => out.delivered.insert(value),
            Err(e) => {
                eprintln!("produce {value}: {e}");
                out.failed.insert(value)
            }
        };
    }
    let (stopped, took) = timed(|| producer.stop());
    stopped.expect("producer stop");
    assert!(took < PRODUCE_BOUND, "producer stop took {took:?}");
    Some(out)
}

/// Read the topic through the proxied client until all `in_log` records came or `consumer_timeout_ms` passed
/// with nothing new; every offset at most once.
pub(super) fn consume_all(
    client: &KafkaClient,
    topic: &str,
    rdkafka: bool,
    in_log: usize,
) -> BTreeSet<String> {
    let consumer = client
        .topic(topic)
        .expect("topic")
        .simple_consumer()
        .use_rdkafka(rdkafka)
        .auto_offset_reset(OffsetType::Earliest)
        .consumer_timeout_ms(3 * SOCKET_TIMEOUT_MS)
        .fetch_wait_max_ms(100)
        .build()
        .expect("consumer");
    let mut offsets = BTreeSet::new();
    let mut values = BTreeSet::new();
    loop {
        let (next, took) = timed(|| consumer.consume(true));
        assert!(took < PRODUCE_BOUND, "consume took {took:?}");
        match next {
            Ok(Some(m)) => {
                assert!(
                    offsets.insert(m.offset),
                    "offset {} delivered twice",
                    m.offset
                );
                values.insert(
                    String::from_utf8_lossy(m.value.as_deref().unwrap_or_default()).into_owned(),
                );
                if offsets.len() == in_log {
                    // Everything came: anything more now would be a second delivery.
                    let extra = consumer.consume(false).ok().flatten();
                    assert!(extra.is_none(), "delivered past the log: {extra:?}");
                    break;
                }
            }
            Ok(None) => break,
            Err(e) => eprintln!("consume: {e} (retrying)"),
        }
    }
    let (stopped, took) = timed(|| consumer.stop());
    stopped.expect("consumer stop");
    assert!(took < PRODUCE_BOUND, "consumer stop took {took:?}");
    values
}

/// Everything reported delivered is in the log and was consumed; unless a fault may forge broker error codes,
/// nothing reported failed is in the log.
pub(super) fn check_reports(
    out: &Outcome,
    log: &BTreeMap<String, usize>,
    consumed: &BTreeSet<String>,
    forged_content: bool,
) {
    for v in &out.delivered {
        assert!(
            log.contains_key(v),
            "{v} reported delivered but not in the log"
        );
        assert!(
            consumed.contains(v),
            "{v} reported delivered but not consumed"
        );
    }
    if !forged_content {
        for v in &out.failed {
            assert!(
                !log.contains_key(v),
                "{v} reported failed but is in the log {log:?}"
            );
        }
    }
}

/// Apply `fault` to the first response to `api` (Produce faults before producing, Fetch faults before
/// consuming), then check the three promises.
fn scenario(api: i16, fault: Fault, rdkafka: bool, forged_content: bool) {
    let cluster = shared_kafka4();
    let (topic, proxy, client) = proxied(cluster, "fault");
    let count = if soak() { 2_000 } else { 8 };
    if api == PRODUCE {
        proxy.inject(api, fault, Some(1));
    }
    let Some(out) = produce_all(&client, &topic, rdkafka, count) else {
        return;
    };
    if api != PRODUCE {
        proxy.inject(api, fault, Some(1));
    }
    let log = log_counts(cluster, &topic);
    let consumed = consume_all(&client, &topic, rdkafka, log.values().sum());
    assert!(proxy.fired() >= 1, "{fault:?} on api {api} never applied");
    check_reports(&out, &log, &consumed, forged_content);
    // After one fault the connection is replaced: the later messages all go through.
    assert!(
        out.delivered.contains(&format!("m{}", count - 1)),
        "{fault:?}: the last message failed too: {:?}",
        out.failed
    );
}

fn every_engine(api: i16, fault: Fault, forged_content: bool) {
    for rdkafka in engines() {
        eprintln!("--- {fault:?} on api {api}, rdkafka={rdkafka}");
        scenario(api, fault, rdkafka, forged_content);
    }
}

/// Finding 1 of issue 14: one truncated Produce response (right length, fewer bytes, socket open) used to
/// leave the connection stuck, so every later produce timed out, was retried into the same dead connection,
/// reported failed, and was in the log anyway.
#[test]
fn a_truncated_produce_response_does_not_stick_the_connection() {
    every_engine(PRODUCE, Fault::Truncate { keep: 4 }, false);
}

/// The consumer half of finding 1: a truncated Fetch response used to starve the consumer silently.
#[test]
fn a_truncated_fetch_response_does_not_starve_the_consumer() {
    every_engine(FETCH, Fault::Truncate { keep: 4 }, false);
}

#[test]
fn a_black_holed_or_delayed_response_times_out_and_is_retried() {
    every_engine(PRODUCE, Fault::BlackHole, false);
    every_engine(
        FETCH,
        Fault::Delay(Duration::from_millis(3 * SOCKET_TIMEOUT_MS as u64)),
        false,
    );
}

#[test]
fn a_close_mid_frame_is_retried_on_a_new_connection() {
    every_engine(PRODUCE, Fault::CloseMidFrame, false);
    every_engine(FETCH, Fault::CloseMidFrame, false);
}

#[test]
fn duplicated_or_misnumbered_responses_are_not_delivered_twice() {
    every_engine(FETCH, Fault::Duplicate, false);
    every_engine(PRODUCE, Fault::Duplicate, false);
    every_engine(FETCH, Fault::ChangeCorrelationId, false);
    every_engine(PRODUCE, Fault::ChangeCorrelationId, false);
}

/// Flipped bytes may forge a broker error code, so a failure report is allowed here; a panic or hang is not.
#[test]
fn flipped_bytes_give_a_typed_error_or_a_value_in_time() {
    every_engine(PRODUCE, Fault::FlipBytes, true);
    every_engine(FETCH, Fault::FlipBytes, true);
}

/// The proxy really sits in the path: a client bootstrapped through it keeps using it after Metadata.
#[test]
fn the_proxy_rewrites_the_advertised_address() {
    let (_topic, proxy, client) = proxied(shared_kafka4(), "fault-addr");
    let brokers = client.brokers();
    assert!(
        !brokers.is_empty()
            && brokers.values().all(|b| b
                .info()
                .is_ok_and(|i| format!("{}:{}", i.host, i.port) == proxy.addr())),
        "brokers {brokers:?} bypass the proxy at {}",
        proxy.addr()
    );
}
