//! `unblock_handle()` (PyKafka's `consume(block=True, unblock_event=...)`): a `consume(true)` blocked forever
//! (`consumer_timeout_ms = -1`) in another thread returns `Ok(None)` within a second of `unblock()`, and the
//! next `consume` blocks and delivers again; the same for `consume_async`. Simple and balanced consumers, both
//! engines.

use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use ferrokafka::{Message, Result, UnblockHandle};
use ferrokafka_testkit::{shared_kafka4, unique_name};

use crate::balanced_support::{engines as engine_list, member, settled};
use crate::common::{self, engines};

/// What a blocked call answered, and when.
type Answer = (Result<Option<Message>>, Instant);

/// Runs `consume` on a thread of its own; its answer arrives on the channel.
fn in_thread(
    consume: impl FnOnce() -> Result<Option<Message>> + Send + 'static,
) -> mpsc::Receiver<Answer> {
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        let answer = consume();
        let _ = tx.send((answer, Instant::now()));
    });
    rx
}

/// Checks that the call behind `rx` is still blocked, fires `handle`, and that it then returns `Ok(None)`
/// within a second.
fn unblocks(what: &str, handle: &UnblockHandle, rx: &mpsc::Receiver<Answer>) {
    assert!(
        rx.recv_timeout(Duration::from_millis(700)).is_err(),
        "{what}: consume(true) returned before unblock()"
    );
    let fired = Instant::now();
    handle.unblock();
    let (answer, at) = rx
        .recv_timeout(Duration::from_secs(5))
        .unwrap_or_else(|_| panic!("{what}: still blocked 5 s after unblock()"));
    assert!(matches!(answer, Ok(None)), "{what}: {answer:?}");
    let took = at.duration_since(fired);
    assert!(
        took < Duration::from_secs(1),
        "{what}: returned {took:?} after unblock()"
    );
}

/// After an unblock, a new blocked call waits again (a pulse, not a latch) and gets the next message.
fn blocks_then_delivers(what: &str, rx: &mpsc::Receiver<Answer>, produce: impl FnOnce()) {
    assert!(
        rx.recv_timeout(Duration::from_millis(700)).is_err(),
        "{what}: the call after unblock() did not block"
    );
    produce();
    let (answer, _) = rx
        .recv_timeout(Duration::from_secs(30))
        .unwrap_or_else(|_| panic!("{what}: no message 30 s after producing"));
    let m = answer
        .unwrap_or_else(|e| panic!("{what}: {e}"))
        .unwrap_or_else(|| panic!("{what}: None"));
    assert_eq!(m.value.as_deref(), Some(&b"after"[..]), "{what}");
}

engines! {
    /// A simple consumer: blocking and async calls, each unblocked, then a later call delivers.
    fn simple_consumer_unblocks(cluster, client, rdkafka) {
        let (topic, builder) = common::simple_on_new_topic(cluster, client, "unblock", rdkafka);
        let c = builder
            .consumer_timeout_ms(-1)
            .build()
            .expect("consumer");
        let handle = c.unblock_handle();
        let blocking = c.clone();
        unblocks("blocking", &handle, &in_thread(move || blocking.consume(true)));

        let rt = client.runtime_handle().clone();
        let in_task = c.clone();
        unblocks(
            "async",
            &handle,
            &in_thread(move || rt.block_on(async move { in_task.consume_async().await })),
        );

        let later = c.clone();
        blocks_then_delivers("later consume", &in_thread(move || later.consume(true)), || {
            common::produce(client, &topic, 0, &[b"after"])
        });
        c.stop().expect("stop");
    }
}

/// A balanced consumer of either engine: unblocked while it owns its partition and waits for data.
#[test]
fn balanced_consumer_unblocks() {
    let cluster = shared_kafka4();
    let client = common::client(cluster);
    for rdkafka in engine_list() {
        let topic = unique_name("unblock-bal");
        cluster.create_topic(&topic, 1).expect("create topic");
        let c = member(&client, &topic, &unique_name("g"), rdkafka)
            .consumer_timeout_ms(-1)
            .build()
            .expect("member joins");
        settled(&[&c], 1);
        let handle = c.unblock_handle();
        let what = format!("balanced rdkafka={rdkafka}");
        let blocking = c.clone();
        unblocks(&what, &handle, &in_thread(move || blocking.consume(true)));
        let later = c.clone();
        blocks_then_delivers(&what, &in_thread(move || later.consume(true)), || {
            common::produce(&client, &topic, 0, &[b"after"])
        });
        c.stop().expect("stop");
    }
}
