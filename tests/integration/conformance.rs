//! Cross-engine conformance: the same input gives the same error kind and the same messages on both engines
//! and both brokers. Every case runs in every engine × broker cell (`engines!`), named by its cell.

use ferrokafka::{ErrorKind, KafkaClient, Message, ResetTarget, SimpleConsumerBuilder};
use ferrokafka_testkit::{unique_name, KafkaCluster};

use crate::common::{self, engines};

fn topic_with(cluster: &KafkaCluster, prefix: &str) -> String {
    let name = unique_name(prefix);
    cluster.create_topic(&name, 1).expect("create topic");
    name
}

fn consumer(client: &KafkaClient, topic: &str, rdkafka: bool) -> SimpleConsumerBuilder {
    client
        .topic(topic)
        .expect("topic")
        .simple_consumer()
        .use_rdkafka(rdkafka)
        .consumer_timeout_ms(10_000)
        .offsets_channel_backoff_ms(100)
        .fetch_error_backoff_ms(100)
}

fn next(c: &ferrokafka::SimpleConsumer, what: &str) -> Message {
    match c.consume(true) {
        Ok(Some(m)) => m,
        Ok(None) => panic!("{what}: no message within consumer_timeout_ms"),
        Err(e) => panic!("{what}: {e}"),
    }
}

engines! {
    /// A header key that is not UTF-8 (another client wrote it): delivered lossily on both engines, and the
    /// partition goes on.
    fn bad_header_keys(cluster, client, rdkafka) {
        let topic = topic_with(cluster, "conf-hdr");
        let bad: &[u8] = b"\xff\xfek";
        let headers: [&[(&[u8], &[u8])]; 2] = [&[(bad, b"v1")], &[]];
        let batch = common::record_batch_with_headers(&[b"first", b"second"], &headers);
        common::produce_batch(client, &topic, 0, batch);
        let c = consumer(client, &topic, rdkafka).build().expect("consumer");
        let first = next(&c, "first message");
        assert_eq!(first.value.as_deref(), Some(&b"first"[..]));
        assert_eq!(first.headers.len(), 1);
        assert_eq!(first.headers[0].key, "\u{fffd}\u{fffd}k");
        assert_eq!(first.headers[0].value.as_deref(), Some(&b"v1"[..]));
        let second = next(&c, "the message after it (the partition is not stuck)");
        assert_eq!(second.value.as_deref(), Some(&b"second"[..]));
        assert!(second.headers.is_empty());
        c.stop().expect("stop");
    }

    /// Offsets need a group: commit and fetch fail with `Config` naming `consumer_group` on both engines.
    fn no_group(cluster, client, rdkafka) {
        let topic = topic_with(cluster, "conf-nogroup");
        common::produce(client, &topic, 0, &[b"a"]);
        let c = consumer(client, &topic, rdkafka).build().expect("consumer");
        assert_eq!(next(&c, "a").offset, 0);
        for (what, result) in [
            ("commit_offsets(None)", c.commit_offsets(None)),
            ("commit_offsets(explicit)", c.commit_offsets(Some(&[(0, 1)]))),
            ("fetch_offsets", c.fetch_offsets().map(|_| ())),
        ] {
            match result {
                Err(e) if e.kind() == ErrorKind::Config => {
                    assert_eq!(e.option(), Some("consumer_group"), "{what}")
                }
                other => panic!("{what}: expected Config(consumer_group), got {other:?}"),
            }
        }
        c.stop().expect("stop");
    }

    /// A position past the end of the log: both engines fall back to `auto_offset_reset` (earliest) and
    /// deliver the same messages.
    fn out_of_range_offsets(cluster, client, rdkafka) {
        let topic = topic_with(cluster, "conf-oor");
        common::produce(client, &topic, 0, &[b"m0", b"m1", b"m2"]);
        let c = consumer(client, &topic, rdkafka).build().expect("consumer");
        assert_eq!(next(&c, "m0").offset, 0);
        c.reset_offsets(Some(&[(0, ResetTarget::LastConsumed(1_000))]))
            .expect("reset past the end");
        let values: Vec<Vec<u8>> = (0..3)
            .map(|i| next(&c, &format!("message {i} after the reset")).value.unwrap_or_default().to_vec())
            .collect();
        assert_eq!(values, vec![b"m0".to_vec(), b"m1".to_vec(), b"m2".to_vec()]);
        c.stop().expect("stop");
    }

    /// A group whose committed offset is 0 (nothing read yet): a consumer started later resumes at offset 0
    /// on both engines. (Its "last consumed" -1 once read as PyKafka's LATEST and skipped the partition.)
    fn a_commit_of_zero_resumes_at_the_start(cluster, client, rdkafka) {
        let topic = topic_with(cluster, "conf-zero");
        let group = unique_name("conf-zero-group");
        let grouped = || {
            consumer(client, &topic, rdkafka)
                .consumer_group(group.as_str())
                .auto_commit_enable(false)
                .build()
                .expect("consumer")
        };
        let first = grouped();
        first.commit_offsets(Some(&[(0, 0)])).expect("commit 0");
        assert_eq!(first.fetch_offsets().expect("fetch")[&0].offset, 0);
        first.stop().expect("stop");
        common::produce(client, &topic, 0, &[b"z0", b"z1"]);
        let later = grouped();
        let m = next(&later, "the first message after a commit of 0");
        assert_eq!((m.offset, m.value.as_deref()), (0, Some(&b"z0"[..])));
        later.stop().expect("stop");
    }

    /// A message over `max_request_size`: `MessageSizeTooLarge` with the same sizes on both engines, and the
    /// producer goes on; a message over the consumer's `fetch_message_max_bytes` is still delivered.
    fn oversized_messages(cluster, client, rdkafka) {
        let topic = topic_with(cluster, "conf-big");
        let t = client.topic(&topic).expect("topic");
        let producer = t
            .producer()
            .use_rdkafka(rdkafka)
            .sync(true)
            .linger_ms(0)
            .max_request_size(10_000)
            .build()
            .expect("producer");
        match producer.produce(vec![7u8; 20_000]) {
            Err(e) if e.kind() == ErrorKind::MessageSizeTooLarge => {
                let (size, max) = e.size_and_max().unwrap_or_default();
                assert_eq!(max, 10_000);
                assert!(size >= 20_000, "size {size}");
            }
            Err(e) => panic!("expected MessageSizeTooLarge, got {e}"),
            Ok(_) => panic!("a 20 kB message went through a 10 kB max_request_size"),
        }
        producer.produce(vec![1u8; 5_000]).expect("a message under the limit");
        producer.stop().expect("stop producer");
        let c = consumer(client, &topic, rdkafka)
            .fetch_message_max_bytes(1_024)
            .build()
            .expect("consumer");
        let m = next(&c, "a message larger than fetch_message_max_bytes");
        assert_eq!(m.value.map(|v| v.len()), Some(5_000));
        c.stop().expect("stop");
    }
}

engines! {
    /// The topic deleted under a running consumer: both engines hand out what they had fetched, then
    /// `Ok(None)` after `consumer_timeout_ms` — no error, no panic, no hang.
    fn deleted_topic(cluster, client, rdkafka) {
        let topic = topic_with(cluster, "conf-del");
        common::produce(client, &topic, 0, &[b"m0", b"m1"]);
        let c = consumer(client, &topic, rdkafka)
            .consumer_timeout_ms(3_000)
            .build()
            .expect("consumer");
        assert_eq!(next(&c, "m0").offset, 0);
        client
            .delete_topics(&[topic.as_str()], 10_000)
            .expect("delete the topic");
        // m0 and m1 came in one batch: m1 is already fetched.
        let m1 = next(&c, "m1, fetched before the deletion");
        assert_eq!((m1.offset, m1.value.as_deref()), (1, Some(&b"m1"[..])));
        let started = std::time::Instant::now();
        match c.consume(true) {
            Ok(None) => {}
            other => panic!("after the deletion: expected Ok(None), got {other:?}"),
        }
        assert!(
            started.elapsed() < std::time::Duration::from_secs(15),
            "consume blocked {:?} past consumer_timeout_ms",
            started.elapsed()
        );
        c.stop().expect("stop");
    }
}
