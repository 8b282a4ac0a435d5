//! `SimpleConsumer::fetch()` (PyKafka's `fetch()`): after it returns, what was produced before the call is
//! in the consumer's buffer, so `consume(false)` takes it without waiting. The pure engine waits for a
//! whole round (every message); librdkafka for its prefetch queue to hold something (its length counts
//! librdkafka's ops, which may include stale fetches `consume` drops, so only `>= 1` is promised). An empty
//! round ends within `fetch_wait_max_ms`; a consumer that is not running says so.

use std::time::{Duration, Instant};

use crate::common::{self, engines};
use ferrokafka::ErrorKind;

engines! {
    fn fetch_fills_the_buffer(cluster, client, rdkafka) {
        let (topic, builder) = common::simple_on_new_topic(cluster, client, "fetch-round", rdkafka);
        let c = builder
            .fetch_wait_max_ms(1_000)
            .build()
            .expect("consumer");
        assert_eq!(c.consume(false).expect("consume"), None, "the topic starts empty");
        let started = Instant::now();
        let empty = c.fetch().expect("fetch of an empty topic");
        let took = started.elapsed();
        assert!(took < Duration::from_secs(5), "an empty round took {took:?} (fetch_wait_max_ms is 1 s)");
        if !rdkafka {
            assert_eq!(empty, 0, "nothing was produced");
        }
        let values: [&[u8]; 5] = [b"m0", b"m1", b"m2", b"m3", b"m4"];
        common::produce(client, &topic, 0, &values);
        // A fresh topic's first fetch may meet an error (its partition not served yet): the partition is then
        // leaderless or backing off, and a round skips it as documented. Rounds are repeated until it is back.
        let buffered = if rdkafka {
            c.fetch().expect("fetch")
        } else {
            common::eventually(Duration::from_secs(15), || {
                let n = c.fetch().expect("fetch");
                (n > 0).then_some(n)
            })
            .unwrap_or(0)
        };
        if rdkafka {
            assert!(buffered >= 1, "librdkafka's queue is empty after fetch()");
            let first = c
                .consume_within(Duration::from_secs(5))
                .expect("consume")
                .expect("the first message");
            assert_eq!(first.value.as_deref(), Some(values[0]));
        } else {
            assert_eq!(buffered, values.len(), "one round buffers everything produced before it");
            for (i, want) in values.iter().enumerate() {
                let m = c.consume(false).expect("consume").unwrap_or_else(|| panic!("message {i} not buffered"));
                assert_eq!(m.value.as_deref(), Some(*want));
            }
            assert_eq!(c.consume(false).expect("consume"), None);
        }
        c.stop().expect("stop");
    }

    fn fetch_on_a_stopped_consumer_says_so(cluster, client, rdkafka) {
        let (_, builder) = common::simple_on_new_topic(cluster, client, "fetch-stopped", rdkafka);
        let c = builder
            .auto_start(false)
            .build()
            .expect("consumer");
        let e = c.fetch().expect_err("fetch before start");
        assert_eq!(e.kind(), ErrorKind::ConsumerStopped, "{e}");
    }
}
