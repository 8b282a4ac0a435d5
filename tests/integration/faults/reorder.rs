//! Two responses of one connection swapped by the proxy ([`Fault::Reorder`]), on Produce (2,000 messages
//! with no linger) and on Fetch: no panic, every message reported delivered is in the log and
//! consumed once, none reported failed is in the log, and no offset is delivered twice.

use std::time::Duration;

use ferrokafka::ErrorKind;
use ferrokafka_testkit::{shared_kafka4, Fault};

use super::proxy_faults::{check_reports, consume_all, Outcome};
use super::support::{log_counts, proxied, FETCH, PRODUCE};
use crate::balanced_support::engines;

const COUNT: usize = 2_000;
const BURST: usize = 100;

fn reordered(rdkafka: bool) {
    let cluster = shared_kafka4();
    let (topic, proxy, client) = proxied(cluster, "reorder");
    proxy.inject(PRODUCE, Fault::Reorder, Some(5));
    let producer = match client
        .topic(&topic)
        .expect("topic")
        .producer()
        .use_rdkafka(rdkafka)
        .linger_ms(0)
        .max_retries(3)
        .delivery_reports(true)
        .pending_timeout_ms(30_000)
        .build()
    {
        Ok(p) => p,
        Err(e) if e.kind() == ErrorKind::EngineUnavailable => return,
        Err(e) => panic!("build: {e}"),
    };
    // In bursts a few milliseconds apart: each burst is a request of its own, sent while an earlier one's response
    // is held, so a pipelining client really has two responses to swap (one tight loop could go out as one or two
    // requests, leaving nothing to swap with).
    for i in 0..COUNT {
        producer.produce(format!("m{i}")).expect("accepted");
        if i % BURST == BURST - 1 {
            std::thread::sleep(Duration::from_millis(5));
        }
    }
    producer.flush(Duration::from_secs(30)).expect("flush");
    let mut out = Outcome::default();
    while let Some(r) = producer
        .get_delivery_report(true, Some(Duration::from_millis(300)))
        .expect("reports on")
    {
        let v =
            String::from_utf8_lossy(r.message.value.as_deref().unwrap_or_default()).into_owned();
        match r.result {
            Ok(_) => out.delivered.insert(v),
            Err(e) => {
                eprintln!("reorder rdkafka={rdkafka}: {v}: {e}");
                out.failed.insert(v)
            }
        };
    }
    producer.stop().expect("producer stop");
    let (produce_swaps, produce_faults) = (proxy.swapped(), proxy.fired());
    proxy.inject(FETCH, Fault::Reorder, Some(5));
    let log = log_counts(cluster, &topic);
    let consumed = consume_all(&client, &topic, rdkafka, log.values().sum());
    eprintln!(
        "reorder rdkafka={rdkafka}: delivered {}, failed {}, in log {} ({} records), consumed {}, \
         swapped pairs {produce_swaps} on Produce, {} in all, faults fired {}",
        out.delivered.len(),
        out.failed.len(),
        log.len(),
        log.values().sum::<usize>(),
        consumed.len(),
        proxy.swapped(),
        proxy.fired()
    );
    assert_eq!(
        out.delivered.len() + out.failed.len(),
        COUNT,
        "one report per message"
    );
    assert!(produce_faults >= 1, "no Produce response was reordered");
    // librdkafka pipelines produce requests, so its responses really were swapped; the pure engine has one
    // request in flight per connection here, so its held responses went out alone, late.
    if rdkafka {
        assert!(produce_swaps >= 1, "no Produce responses were swapped");
    }
    assert!(
        proxy.fired() > produce_faults,
        "no Fetch response was reordered"
    );
    check_reports(&out, &log, &consumed, false);
}

#[test]
fn swapped_responses_give_no_panic_no_false_failure_and_no_double_delivery() {
    for rdkafka in engines() {
        reordered(rdkafka);
    }
}
