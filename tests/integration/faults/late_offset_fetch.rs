//! A `fetch_offsets_async` future dropped before its OffsetFetch answer came must move no position when that
//! answer arrives later. With `reset_offset_on_fetch` (the default) the detached call used to rewind the
//! consumer to the committed offsets whenever the answer arrived: a balanced consumer then re-read a
//! partition from offset 0 mid-stream, and its `stop()` committed nothing yet returned `Ok` (issue #26, seen
//! under load in `cancel_safety::every_kind_drops_pending_futures`). The proxy holds OffsetFetch answers back,
//! so the old race is hit every time instead of one run in six under load.

use std::collections::BTreeMap;
use std::future::Future;
use std::time::{Duration, Instant};

use ferrokafka::{KafkaClient, Message, Result};
use ferrokafka_testkit::{unique_name, Fault, FaultProxy};

use super::support::proxied;
use crate::cancel_safety::committed;
use crate::common::{self, engines};

const MESSAGES: i64 = 30;
const OFFSET_FETCH: i16 = 9;
/// How long the proxy holds the OffsetFetch answer: the messages are produced and read well within it, and it
/// stays under the proxied clients' socket timeout (2 s), so the held request does not time out.
const HELD: Duration = Duration::from_millis(1_500);

/// Polls `fut` once and drops it if it is not ready; whether it was pending.
fn drop_pending<T>(fut: impl Future<Output = T>) -> bool {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async { tokio::time::timeout(Duration::ZERO, fut).await.is_err() })
}

/// The next `n` messages' values, each within 10 s.
fn read(consume: &impl Fn() -> Result<Option<Message>>, n: i64, kind: &str) -> Vec<String> {
    let mut values = Vec::new();
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while (values.len() as i64) < n {
        assert!(
            std::time::Instant::now() < deadline,
            "{kind}: only {values:?} in 10 s"
        );
        if let Some(m) = consume().unwrap_or_else(|e| panic!("{kind}: consume: {e}")) {
            values
                .push(String::from_utf8_lossy(m.value.as_deref().unwrap_or_default()).into_owned());
        }
    }
    values
}

/// One consumer's case: its pending `fetch_offsets_async` is dropped while the proxy holds the answer, the
/// topic's messages are produced and read, and once the answer was delivered nothing is read again and the
/// held offset is still the last message's.
fn dropped_fetch_moves_nothing(
    kind: &str,
    proxy: &FaultProxy,
    produce: impl FnOnce(),
    drop_fetch: impl FnOnce() -> bool,
    consume: impl Fn() -> Result<Option<Message>>,
    held: impl Fn() -> BTreeMap<i32, i64>,
) {
    proxy.inject(OFFSET_FETCH, Fault::Delay(HELD), Some(1));
    let started = Instant::now();
    assert!(
        drop_fetch(),
        "{kind}: the fetch is held by the proxy, so it is pending"
    );
    produce();
    let values: Vec<String> = (0..MESSAGES).map(|i| format!("m{i}")).collect();
    assert_eq!(read(&consume, MESSAGES, kind), values, "{kind}: first read");
    // The held answer arrives meanwhile; the dropped call must leave the position alone. (An answer
    // landing while the messages are read shows as a message read twice above.)
    std::thread::sleep((HELD + Duration::from_secs(1)).saturating_sub(started.elapsed()));
    assert_eq!(
        proxy.fired(),
        1,
        "{kind}: the proxy held one OffsetFetch answer"
    );
    proxy.clear();
    let again = consume().unwrap_or_else(|e| panic!("{kind}: consume after the answer: {e}"));
    assert!(
        again.is_none(),
        "{kind} read offset {:?} again after a dropped fetch_offsets",
        again.map(|m| m.offset)
    );
    assert_eq!(
        held().get(&0),
        Some(&(MESSAGES - 1)),
        "{kind}: held offset moved"
    );
}

/// `MESSAGES` values `m0`… into partition 0 of `topic`.
fn produce_values(client: &KafkaClient, topic: &str) {
    let values: Vec<String> = (0..MESSAGES).map(|i| format!("m{i}")).collect();
    let payloads: Vec<&[u8]> = values.iter().map(|v| v.as_bytes()).collect();
    common::produce(client, topic, 0, &payloads);
}

engines! {
    /// A simple consumer in a group drops a pending `fetch_offsets_async` (reset_offset_on_fetch is on).
    fn a_simple_consumers_dropped_fetch_offsets_moves_no_position(cluster, _checker, rdkafka) {
        let (name, proxy, client) = proxied(cluster, "late-offset-fetch-s");
        let simple = client
            .topic(&name)
            .expect("topic")
            .simple_consumer()
            .use_rdkafka(rdkafka)
            .consumer_group(unique_name("late-fetch-s").as_str())
            .consumer_timeout_ms(200)
            .build()
            .expect("simple consumer");
        dropped_fetch_moves_nothing(
            "simple",
            &proxy,
            || produce_values(&client, &name),
            || drop_pending(simple.fetch_offsets_async()),
            || simple.consume(true),
            || simple.held_offsets(),
        );
        simple.stop().expect("simple stop");
    }

    /// A balanced consumer (auto-commit off: only `stop()`'s final commit counts) drops a pending
    /// `fetch_offsets_async`; after it, `stop()` commits every message read.
    fn a_balanced_consumers_dropped_fetch_offsets_moves_no_position(cluster, checker, rdkafka) {
        let (name, proxy, client) = proxied(cluster, "late-offset-fetch-b");
        let group = unique_name("late-fetch-b");
        let balanced = client
            .topic(&name)
            .expect("topic")
            .balanced_consumer(group.as_str())
            .use_rdkafka(rdkafka)
            .auto_commit_enable(false)
            .consumer_timeout_ms(200)
            .heartbeat_interval_ms(200)
            .session_timeout_ms(10_000)
            .build()
            .expect("balanced consumer");
        dropped_fetch_moves_nothing(
            "balanced",
            &proxy,
            || produce_values(&client, &name),
            || drop_pending(balanced.fetch_offsets_async()),
            || balanced.consume(true),
            || balanced.held_offsets(),
        );
        balanced.stop().expect("balanced stop");
        assert_eq!(committed(checker, &name, &group), MESSAGES, "balanced consumer's final commit");
    }
}
