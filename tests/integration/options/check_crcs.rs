//! `check_crcs` against a real broker, on both engines: the recording proxy inverts one byte of a record value
//! in every Fetch answer, so the batch holding it fails its CRC. With the check on (the default) the consumer
//! raises `MessageSetDecodeFailure` naming topic, partition and offset and never delivers the corrupt value;
//! with it off the corrupt value is delivered, which proves the check is really off.

use ferrokafka::{Error, ErrorKind, Message, ResetTarget, SimpleConsumer, Topic};
use ferrokafka_testkit::unique_name;

use super::support::{engines, new_topic, proxied_client};
use super::wire_log::WireLog;

/// 16 bytes found nowhere else in a Fetch answer; the proxy inverts the first of them.
const MARKER: &[u8] = b"#crc-check-mark#";

/// The three values, at offsets 0, 1 and 2, each in a batch of its own; the middle one holds the marker.
fn values() -> [Vec<u8>; 3] {
    [
        b"before".to_vec(),
        [&b"value with "[..], MARKER].concat(),
        b"after".to_vec(),
    ]
}

/// The middle value as it arrives after the proxy's corruption.
fn corrupted() -> Vec<u8> {
    let mut v = values()[1].clone();
    let first = v.len() - MARKER.len();
    v[first] ^= 0xff;
    v
}

/// A fresh one-partition topic holding [`values`] (produced through the proxy, which only touches Fetch
/// answers), reached through a proxy that corrupts the marker in every Fetch answer from now on.
fn corrupting_topic(prefix: &str) -> (WireLog, Topic) {
    let (wire, client) = proxied_client(None);
    let topic = new_topic(&client, prefix, 1);
    let producer = topic.sync_producer().build().expect("producer");
    for v in values() {
        producer.produce(v).expect("delivered");
    }
    producer.stop().expect("stop");
    wire.corrupt_fetched(Some(MARKER));
    (wire, topic)
}

/// Consumes until `consumer_timeout_ms` passes without a message, or until `max_errors` errors came.
fn read(
    mut consume: impl FnMut() -> Result<Option<Message>, Error>,
    max_errors: usize,
) -> (Vec<Message>, Vec<Error>) {
    let (mut messages, mut errors) = (Vec::new(), Vec::new());
    loop {
        match consume() {
            Ok(Some(m)) => messages.push(m),
            Ok(None) => break,
            Err(e) => {
                errors.push(e);
                if errors.len() >= max_errors {
                    break;
                }
            }
        }
    }
    (messages, errors)
}

fn offsets(messages: &[Message]) -> Vec<i64> {
    messages.iter().map(|m| m.offset).collect()
}

/// Each error is the CRC failure of the batch at offset 1 of partition 0 of `topic`.
fn assert_crc_failures(errors: &[Error], topic: &str, rd: bool) {
    assert!(!errors.is_empty(), "rdkafka={rd}: no error was raised");
    for e in errors {
        assert_eq!(
            e.kind(),
            ErrorKind::MessageSetDecodeFailure,
            "rdkafka={rd}: {e}"
        );
        assert_eq!(
            e.context().topic.as_deref(),
            Some(topic),
            "rdkafka={rd}: {e}"
        );
        assert_eq!(e.context().partition, Some(0), "rdkafka={rd}: {e}");
        assert_eq!(e.offset(), Some(1), "rdkafka={rd}: {e}");
        assert!(
            e.reason().to_lowercase().contains("crc"),
            "rdkafka={rd}: {e}"
        );
    }
}

/// A simple consumer of `topic` on the engine `rd` asks for, retrying a failed partition after 100 ms.
fn simple_consumer(topic: &Topic, rd: bool, check_crcs: bool) -> SimpleConsumer {
    topic
        .simple_consumer()
        .use_rdkafka(rd)
        .check_crcs(check_crcs)
        .fetch_error_backoff_ms(100)
        .consumer_timeout_ms(3_000)
        .build()
        .expect("consumer")
}

#[test]
fn check_crcs_on_raises_the_corrupt_batch_and_never_delivers_it() {
    for rd in engines() {
        let (_wire, topic) = corrupting_topic("opt-crc-on");
        let consumer = simple_consumer(&topic, rd, true);
        let (messages, errors) = read(|| consumer.consume(true), 3);
        assert_crc_failures(&errors, topic.name(), rd);
        // Both engines stay at the corrupt batch, raising it again (pure: after each fetch backoff,
        // librdkafka: on each refetch), and deliver nothing past it until the application moves on.
        assert_eq!(offsets(&messages), vec![0], "rdkafka={rd}");
        assert_eq!(errors.len(), 3, "rdkafka={rd}: the error is raised again");
        consumer
            .reset_offsets(Some(&[(0, ResetTarget::LastConsumed(1))]))
            .expect("move past the corrupt batch");
        // Errors raised before the move may still be queued: skip a bounded number of them.
        let next = (0..10_000)
            .map(|_| consumer.consume(true))
            .find(|r| !matches!(r, Err(e) if e.kind() == ErrorKind::MessageSetDecodeFailure))
            .expect("a message or another outcome after the move")
            .expect("after the move");
        assert_eq!(next.map(|m| m.offset), Some(2), "rdkafka={rd}");
        consumer.stop().expect("stop");
    }
}

#[test]
fn check_crcs_off_delivers_the_corrupt_value() {
    for rd in engines() {
        let (_wire, topic) = corrupting_topic("opt-crc-off");
        let consumer = simple_consumer(&topic, rd, false);
        let (messages, errors) = read(|| consumer.consume(true), 1);
        consumer.stop().expect("stop");
        assert!(errors.is_empty(), "rdkafka={rd}: {errors:?}");
        let [before, _, after] = values();
        assert_eq!(
            value_bytes(&messages),
            vec![before, corrupted(), after],
            "rdkafka={rd}"
        );
    }
}

fn value_bytes(messages: &[Message]) -> Vec<Vec<u8>> {
    messages
        .iter()
        .map(|m| m.value.as_deref().unwrap_or_default().to_vec())
        .collect()
}

/// A balanced consumer hands `check_crcs` to its internal consumer: on, the corrupt batch is raised; off, it is
/// delivered.
#[test]
fn balanced_consumers_pass_check_crcs_on_to_their_internal_consumer() {
    for rd in engines() {
        let (_wire, topic) = corrupting_topic("opt-crc-balanced");
        for check_crcs in [true, false] {
            let member = topic
                .balanced_consumer(unique_name("opt-crc-balanced"))
                .use_rdkafka(rd)
                .check_crcs(check_crcs)
                .consumer_timeout_ms(3_000)
                .build()
                .expect("member");
            // Pure raises a pending error before buffered messages: read past the first error.
            let (messages, errors) = read(|| member.consume(true), 3);
            member.stop().expect("stop");
            if check_crcs {
                assert_crc_failures(&errors, topic.name(), rd);
                assert_eq!(offsets(&messages), vec![0], "rdkafka={rd}");
            } else {
                assert!(errors.is_empty(), "rdkafka={rd}: {errors:?}");
                assert_eq!(value_bytes(&messages)[1], corrupted(), "rdkafka={rd}");
            }
        }
    }
}
