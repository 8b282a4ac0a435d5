//! Behaviour checks run against any [`Cluster`]: the same code proves the mock and the real broker.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use bytes::Bytes;
use ferrokafka_core::api::{ConsumerApi, ProducerApi, ResetTarget};
use ferrokafka_core::{
    ConsumerOptions, ErrorKind, Header, KafkaCode, Message, OffsetType, OutgoingMessage,
    ProducerOptions,
};

use super::{consumer, consumer_opts, fast_producer, producer, unique, Cluster};

/// Produce `n` keyed messages `"{tag}-{i}"` round-robin and wait for all deliveries.
fn produce_n(c: &Cluster, topic: &str, tag: &str, n: usize) {
    let p = producer(c, topic, fast_producer());
    let futures: Vec<_> = (0..n)
        .map(|i| {
            p.produce(OutgoingMessage::new(format!("{tag}-{i}")).with_key(format!("k{i}")))
                .expect("produce")
        })
        .collect();
    for f in futures {
        f.wait().expect("delivered");
    }
}

/// Consume until `n` messages or a `None`.
fn consume_n(k: &impl ConsumerApi, n: usize) -> Vec<Message> {
    let mut out = Vec::new();
    while out.len() < n {
        match k.consume(true).expect("consume") {
            Some(m) => out.push(m),
            None => break,
        }
    }
    out
}

fn values(ms: &[Message]) -> Vec<String> {
    ms.iter()
        .map(|m| String::from_utf8_lossy(m.value.as_deref().unwrap_or_default()).into_owned())
        .collect()
}

/// Produce N with keys, headers and timestamps → consume N with the same fields.
pub fn produce_then_consume_roundtrip(c: &Cluster) {
    let topic = c.topic("roundtrip", 2);
    let p = producer(c, &topic, fast_producer());
    let ts = 1_700_000_000_000i64;
    let n = 40;
    let mut futures = Vec::new();
    for i in 0..n {
        let mut m = OutgoingMessage::new(format!("v{i}"))
            .with_key(format!("k{i}"))
            .with_timestamp(ts + i as i64)
            .with_header("h", format!("x{i}"));
        m.headers.push(Header {
            key: "null".into(),
            value: None,
        });
        futures.push(p.produce(m).expect("produce"));
    }
    let deliveries: Vec<_> = futures
        .into_iter()
        .map(|f| f.wait().expect("delivered"))
        .collect();
    assert!(deliveries.iter().all(|d| d.offset >= 0));
    // Round-robin over [0, 1].
    assert_eq!(deliveries[0].partition_id, 0);
    assert_eq!(deliveries[1].partition_id, 1);
    p.stop().expect("stop");

    let k = consumer(c, &topic, consumer_opts());
    let got = consume_n(&k, n);
    assert_eq!(got.len(), n);
    let mut by_value: BTreeMap<String, &Message> = BTreeMap::new();
    for m in &got {
        by_value.insert(
            String::from_utf8_lossy(m.value.as_deref().unwrap_or_default()).into_owned(),
            m,
        );
    }
    for (i, d) in deliveries.iter().enumerate() {
        let m = by_value
            .get(&format!("v{i}"))
            .unwrap_or_else(|| panic!("v{i} missing"));
        assert_eq!(m.partition_key.as_deref(), Some(format!("k{i}").as_bytes()));
        assert_eq!(m.timestamp, Some(ts + i as i64));
        assert_eq!(m.headers[0], Header::new("h", format!("x{i}")));
        assert_eq!(
            m.headers[1],
            Header {
                key: "null".into(),
                value: None
            }
        );
        assert_eq!(m.partition_id, d.partition_id);
        assert_eq!(m.offset, d.offset);
    }
    // held_offsets: last consumed per partition.
    let held = k.held_offsets();
    assert_eq!(held.len(), 2);
    assert_eq!(held[&0], (n as i64 / 2) - 1);
    assert_eq!(k.consume(false).expect("consume"), None);
    assert!(matches!(
        p2_header_nul(c, &topic),
        Err(ref e) if e.kind() == ErrorKind::InvalidInput
    ));
}

fn p2_header_nul(
    c: &Cluster,
    topic: &str,
) -> ferrokafka_core::Result<ferrokafka_core::DeliveryFuture> {
    producer(c, topic, fast_producer()).produce(OutgoingMessage::new("v").with_header("a\0b", "x"))
}

/// Reports go to the producing thread only; disabled reports are an error.
pub fn delivery_reports_are_per_thread(c: &Cluster) {
    let topic = c.topic("reports", 1);
    let p = std::sync::Arc::new(producer(
        c,
        &topic,
        ProducerOptions {
            delivery_reports: true,
            ..fast_producer()
        },
    ));
    let handles: Vec<_> = (0..2)
        .map(|t| {
            let p = std::sync::Arc::clone(&p);
            std::thread::spawn(move || {
                for i in 0..5 {
                    p.produce(OutgoingMessage::new(format!("t{t}-{i}")))
                        .expect("produce");
                }
                let mut mine = Vec::new();
                while let Some(r) = p
                    .get_delivery_report(true, Some(Duration::from_secs(10)))
                    .expect("reports on")
                {
                    assert!(r.result.is_ok(), "{:?}", r.result);
                    mine.push(
                        String::from_utf8_lossy(r.message.value.as_deref().unwrap_or_default())
                            .into_owned(),
                    );
                    if mine.len() == 5 {
                        break;
                    }
                }
                mine
            })
        })
        .collect();
    for (t, h) in handles.into_iter().enumerate() {
        let mut mine = h.join().expect("thread");
        mine.sort();
        assert_eq!(
            mine,
            (0..5).map(|i| format!("t{t}-{i}")).collect::<Vec<_>>()
        );
    }
    assert!(
        p.get_delivery_report(false, None).expect("on").is_none(),
        "main thread produced nothing"
    );

    let quiet = producer(c, &topic, fast_producer());
    assert!(matches!(
        quiet.get_delivery_report(false, None),
        Err(ref e) if e.kind() == ErrorKind::DeliveryReportsDisabled
    ));
}

/// Sync produce returns after delivery; its report is not left on the queue.
pub fn sync_produce_waits_for_delivery(c: &Cluster) {
    let topic = c.topic("sync", 1);
    let p = producer(
        c,
        &topic,
        ProducerOptions {
            sync: true,
            linger_ms: 5_000,
            ..Default::default()
        },
    );
    let t = Instant::now();
    for i in 0..3 {
        let d = p
            .produce(OutgoingMessage::new(format!("s{i}")))
            .expect("sync produce")
            .wait()
            .expect("ok");
        assert_eq!(d.offset, i);
    }
    assert!(
        t.elapsed() < Duration::from_secs(4),
        "sync must not wait for linger_ms: {:?}",
        t.elapsed()
    );
    assert!(
        p.get_delivery_report(false, None)
            .expect("reports implied by sync")
            .is_none(),
        "no report expected"
    );
    // An explicit partition that does not exist fails the produce itself.
    let e = p
        .produce(OutgoingMessage::new("x").with_partition(7))
        .unwrap_err();
    assert_eq!(e.code(), Some(KafkaCode::UnknownTopicOrPartition), "{e}");
}

/// A full queue fails fast with `block_on_queue_full=false`, and blocks then succeeds with `true`.
pub fn queue_full(c: &Cluster) {
    let topic = c.topic("qfull", 1);
    let opts = ProducerOptions {
        max_queued_messages: 5,
        min_queued_messages: 1000,
        linger_ms: 60_000,
        block_on_queue_full: false,
        ..Default::default()
    };
    let p = producer(c, &topic, opts.clone());
    let futures: Vec<_> = (0..5)
        .map(|i| {
            p.produce(OutgoingMessage::new(format!("q{i}")))
                .expect("fits")
        })
        .collect();
    match p.produce(OutgoingMessage::new("overflow")) {
        Err(e) if e.kind() == ErrorKind::ProducerQueueFull => {
            assert_eq!(e.context().topic.as_deref(), Some(topic.as_str()));
            // librdkafka's out-queue length: the 5 messages plus any undelivered events.
            let queued = e.queued().unwrap_or(0);
            assert!(queued >= 5, "{queued}");
        }
        other => panic!("expected ProducerQueueFull, got {other:?}"),
    }
    // Generous: under a loaded machine librdkafka's first metadata for a fresh topic can take seconds.
    p.flush(Duration::from_secs(30))
        .expect("flush sends despite linger");
    for f in futures {
        f.wait().expect("delivered");
    }

    let blocking = producer(
        c,
        &topic,
        ProducerOptions {
            block_on_queue_full: true,
            linger_ms: 50,
            ..opts
        },
    );
    let futures: Vec<_> = (0..30)
        .map(|i| {
            blocking
                .produce(OutgoingMessage::new(format!("b{i}")))
                .expect("blocks, then fits")
        })
        .collect();
    for f in futures {
        f.wait().expect("delivered");
    }
}

/// Oversize messages are reported `MessageSizeTooLarge` and never sent.
pub fn oversize_message_is_reported(c: &Cluster) {
    let topic = c.topic("oversize", 1);
    let p = producer(
        c,
        &topic,
        ProducerOptions {
            delivery_reports: true,
            max_request_size: 1000,
            ..fast_producer()
        },
    );
    let f = p
        .produce(OutgoingMessage::new(vec![0u8; 5000]))
        .expect("queued for a report");
    assert!(
        matches!(f.wait().map_err(|e| e.size_and_max()), Err(Some((size, 1000))) if size > 5000)
    );
    let r = p
        .get_delivery_report(true, Some(Duration::from_secs(1)))
        .expect("on")
        .expect("a report");
    assert!(matches!(r.result, Err(ref e) if e.kind() == ErrorKind::MessageSizeTooLarge));
}

/// §2.1 item 1 / §9 item 2: no group and no reset → offset 0 whatever auto_offset_reset says.
pub fn no_group_starts_at_zero(c: &Cluster) {
    let topic = c.topic("nogroup", 1);
    produce_n(c, &topic, "m", 5);
    let k = consumer(
        c,
        &topic,
        ConsumerOptions {
            auto_offset_reset: OffsetType::Latest,
            ..consumer_opts()
        },
    );
    assert_eq!(k.held_offsets()[&0], -2);
    let got = consume_n(&k, 5);
    assert_eq!(got.first().map(|m| m.offset), Some(0));
    assert_eq!(got.len(), 5);
}

/// A group without commits starts at auto_offset_reset (EARLIEST → 0, LATEST → only new messages).
pub fn new_group_uses_auto_offset_reset(c: &Cluster) {
    let topic = c.topic("newgroup", 1);
    produce_n(c, &topic, "old", 3);
    let early = consumer(
        c,
        &topic,
        ConsumerOptions {
            consumer_group: Some(unique("g")),
            ..consumer_opts()
        },
    );
    assert_eq!(
        early.consume(true).expect("consume").map(|m| m.offset),
        Some(0)
    );

    let late = consumer(
        c,
        &topic,
        ConsumerOptions {
            consumer_group: Some(unique("g")),
            auto_offset_reset: OffsetType::Latest,
            consumer_timeout_ms: 500,
            ..consumer_opts()
        },
    );
    assert_eq!(
        late.held_offsets()[&0],
        2,
        "LATEST reset sets last consumed = latest - 1"
    );
    assert_eq!(late.consume(true).expect("consume"), None);
    produce_n(c, &topic, "new", 1);
    let m = late.consume(true).expect("consume");
    assert_eq!(m.map(|m| m.offset), Some(3));
}

/// Committed C → a new consumer starts at C; explicit commits are verbatim.
pub fn commit_then_resume(c: &Cluster) {
    let topic = c.topic("resume", 1);
    let group = unique("g");
    produce_n(c, &topic, "m", 10);
    let opts = ConsumerOptions {
        consumer_group: Some(group.clone()),
        ..consumer_opts()
    };
    let k = consumer(c, &topic, opts.clone());
    let got = consume_n(&k, 4);
    assert_eq!(got.last().map(|m| m.offset), Some(3));
    k.commit_offsets(None).expect("commit");
    let fetched = k.fetch_offsets().expect("fetch");
    assert_eq!(fetched[&0].offset, 4, "default commit = last consumed + 1");
    assert!(fetched[&0]
        .metadata
        .as_deref()
        .is_some_and(|m| m.starts_with("{\"consumer_id\": \"\", \"hostname\": ")));
    k.stop().expect("stop");
    assert!(matches!(
        k.consume(true),
        Err(ref e) if e.kind() == ErrorKind::ConsumerStopped
    ));
    // start() again: back to the committed offset (PyKafka re-reads offsets on start).
    k.start().expect("restart");
    assert_eq!(k.consume(true).expect("consume").map(|m| m.offset), Some(4));
    k.stop().expect("stop");

    let k2 = consumer(c, &topic, opts.clone());
    assert_eq!(k2.held_offsets()[&0], 3);
    assert_eq!(
        k2.consume(true).expect("consume").map(|m| m.offset),
        Some(4)
    );
    k2.commit_offsets(Some(&[(0, 7)])).expect("explicit commit");
    assert_eq!(k2.fetch_offsets().expect("fetch")[&0].offset, 7);
    drop(k2);

    let k3 = consumer(c, &topic, opts.clone());
    assert_eq!(
        k3.consume(true).expect("consume").map(|m| m.offset),
        Some(7)
    );
    drop(k3);

    // reset_offset_on_fetch=false: fetch_offsets reads but does not move (and start() then stays at 0).
    let k4 = consumer(
        c,
        &topic,
        ConsumerOptions {
            reset_offset_on_fetch: false,
            ..opts
        },
    );
    assert_eq!(k4.fetch_offsets().expect("fetch")[&0].offset, 7);
    assert_eq!(
        k4.consume(true).expect("consume").map(|m| m.offset),
        Some(0)
    );

    // No group: commit and fetch are refused.
    let lone = consumer(c, &topic, consumer_opts());
    assert!(matches!(
        lone.commit_offsets(None),
        Err(ref e) if e.kind() == ErrorKind::Config
    ));
}

/// reset_offset_on_start resets to auto_offset_reset and commits.
pub fn reset_on_start_commits(c: &Cluster) {
    let topic = c.topic("resetstart", 1);
    let group = unique("g");
    produce_n(c, &topic, "m", 6);
    let opts = ConsumerOptions {
        consumer_group: Some(group.clone()),
        ..consumer_opts()
    };
    let k = consumer(c, &topic, opts.clone());
    consume_n(&k, 2);
    k.commit_offsets(None).expect("commit");
    drop(k);
    let k = consumer(
        c,
        &topic,
        ConsumerOptions {
            reset_offset_on_start: true,
            auto_offset_reset: OffsetType::Latest,
            consumer_timeout_ms: 300,
            ..opts.clone()
        },
    );
    assert_eq!(
        k.fetch_offsets().expect("fetch")[&0].offset,
        6,
        "reset committed LATEST"
    );
    assert_eq!(k.consume(true).expect("consume"), None);
    let k = consumer(
        c,
        &topic,
        ConsumerOptions {
            reset_offset_on_start: true,
            ..opts
        },
    );
    assert_eq!(k.consume(true).expect("consume").map(|m| m.offset), Some(0));
    assert_eq!(
        k.fetch_offsets().expect("fetch")[&0].offset,
        0,
        "reset committed EARLIEST"
    );
}

/// reset_offsets: explicit (resume at n+1), EARLIEST, LATEST, timestamp.
pub fn reset_offsets_targets(c: &Cluster) {
    let topic = c.topic("reset", 1);
    let p = producer(c, &topic, fast_producer());
    for i in 0..10 {
        p.produce(OutgoingMessage::new(format!("m{i}")).with_timestamp(1_000_000 + i * 1000))
            .expect("produce")
            .wait()
            .expect("delivered");
    }
    let k = consumer(
        c,
        &topic,
        ConsumerOptions {
            consumer_timeout_ms: 500,
            ..consumer_opts()
        },
    );
    consume_n(&k, 10);
    k.reset_offsets(Some(&[(0, ResetTarget::LastConsumed(4))]))
        .expect("reset");
    assert_eq!(k.held_offsets()[&0], 4);
    assert_eq!(k.consume(true).expect("c").map(|m| m.offset), Some(5));
    k.reset_offsets(Some(&[(0, ResetTarget::Earliest)]))
        .expect("reset");
    assert_eq!(k.held_offsets()[&0], -2);
    assert_eq!(k.consume(true).expect("c").map(|m| m.offset), Some(0));
    k.reset_offsets(Some(&[(0, ResetTarget::Latest)]))
        .expect("reset");
    assert_eq!(k.held_offsets()[&0], 9);
    assert_eq!(k.consume(true).expect("c"), None);
    k.reset_offsets(Some(&[(0, ResetTarget::LastConsumed(-2))]))
        .expect("-2 = EARLIEST");
    assert_eq!(k.consume(true).expect("c").map(|m| m.offset), Some(0));
    if !c.is_mock() {
        // The mock cluster answers every timestamp lookup with "none" (a FIXME in rdkafka_mock_handlers.c).
        k.reset_offsets(Some(&[(0, ResetTarget::Timestamp(1_003_500))]))
            .expect("reset");
        assert_eq!(k.consume(true).expect("c").map(|m| m.offset), Some(4));
    }
    k.reset_offsets(Some(&[(0, ResetTarget::Timestamp(9_000_000_000_000))]))
        .expect("after the end");
    assert_eq!(k.consume(true).expect("c"), None);
    assert!(matches!(
        k.reset_offsets(Some(&[(5, ResetTarget::Earliest)])),
        Err(ref e) if e.kind() == ErrorKind::InvalidInput
    ));
    // None = all partitions to auto_offset_reset (EARLIEST).
    k.reset_offsets(None).expect("reset");
    assert_eq!(values(&consume_n(&k, 1)), vec!["m0"]);
}

/// consumer_timeout_ms: > 0 → None after it; block=false → at once; ≤ 0 → waits for a message; stop unblocks.
pub fn consumer_timeout_semantics(c: &Cluster) {
    let topic = c.topic("ctimeout", 1);
    let k = consumer(
        c,
        &topic,
        ConsumerOptions {
            consumer_timeout_ms: 400,
            ..consumer_opts()
        },
    );
    let t = Instant::now();
    assert_eq!(k.consume(true).expect("c"), None);
    let waited = t.elapsed();
    assert!(
        waited >= Duration::from_millis(390) && waited < Duration::from_secs(3),
        "{waited:?}"
    );
    let t = Instant::now();
    assert_eq!(k.consume(false).expect("c"), None);
    assert!(t.elapsed() < Duration::from_millis(200));

    for forever in [0, -1] {
        let topic = c.topic("cforever", 1);
        let k = std::sync::Arc::new(consumer(
            c,
            &topic,
            ConsumerOptions {
                consumer_timeout_ms: forever,
                ..consumer_opts()
            },
        ));
        let k2 = std::sync::Arc::clone(&k);
        let waiter = std::thread::spawn(move || k2.consume(true));
        std::thread::sleep(Duration::from_millis(1500));
        assert!(
            !waiter.is_finished(),
            "consumer_timeout_ms={forever} must block"
        );
        produce_n(c, &topic, &format!("late{forever}"), 1);
        let got = waiter.join().expect("thread").expect("consume");
        assert!(got.is_some());
        // stop() unblocks a waiting consume with ConsumerStopped.
        let k3 = std::sync::Arc::clone(&k);
        let waiter = std::thread::spawn(move || k3.consume(true));
        std::thread::sleep(Duration::from_millis(300));
        k.stop().expect("stop");
        assert!(matches!(
            waiter.join().expect("thread"),
            Err(ref e) if e.kind() == ErrorKind::ConsumerStopped
        ));
    }
}

/// Auto-commit commits on its interval and on stop.
pub fn auto_commit(c: &Cluster) {
    let topic = c.topic("autocommit", 1);
    let group = unique("g");
    produce_n(c, &topic, "m", 5);
    let opts = ConsumerOptions {
        consumer_group: Some(group),
        auto_commit_enable: true,
        auto_commit_interval_ms: 300,
        ..consumer_opts()
    };
    let k = consumer(c, &topic, opts.clone());
    consume_n(&k, 2);
    std::thread::sleep(Duration::from_millis(1200));
    assert_eq!(k.fetch_offsets().expect("fetch")[&0].offset, 2);
    consume_n(&k, 1);
    k.stop().expect("stop commits");
    let k = consumer(c, &topic, opts);
    assert_eq!(k.consume(true).expect("c").map(|m| m.offset), Some(3));
}

/// The async forms on a tokio runtime: produce_async, consume_async with timeout, sync produce_async.
pub fn async_produce_and_consume(c: &Cluster) {
    let topic = c.topic("async", 2);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("rt");
    let p = producer(c, &topic, fast_producer());
    let sp = producer(
        c,
        &topic,
        ProducerOptions {
            sync: true,
            ..Default::default()
        },
    );
    let k = consumer(
        c,
        &topic,
        ConsumerOptions {
            consumer_timeout_ms: 500,
            ..consumer_opts()
        },
    );
    rt.block_on(async {
        assert_eq!(k.consume_async().await.expect("c"), None);
        let mut fs = Vec::new();
        for i in 0..10 {
            fs.push(
                p.produce_async(OutgoingMessage::new(format!("a{i}")))
                    .await
                    .expect("produce"),
            );
        }
        for f in fs {
            f.await.expect("delivered");
        }
        let d = sp
            .produce_async(OutgoingMessage::new("sync"))
            .await
            .expect("sync")
            .await
            .expect("ok");
        assert!(d.offset >= 0);
        let mut n = 0;
        while let Some(m) = k.consume_async().await.expect("c") {
            assert!(m.value.is_some());
            n += 1;
        }
        assert_eq!(n, 11);
        // A dropped consume_async takes nothing off the queue.
        sp.produce_async(OutgoingMessage::new("kept"))
            .await
            .expect("sync");
        let early = tokio::time::timeout(Duration::from_millis(1), k.consume_async()).await;
        let m = match early {
            Ok(got) => got.expect("c").expect("returned when ready at once"),
            Err(_) => k
                .consume_async()
                .await
                .expect("c")
                .expect("the message is still there"),
        };
        assert_eq!(m.value, Some(Bytes::from("kept")));
    });
}

/// Stopped producers refuse; stop flushes what is queued.
pub fn producer_stop_flushes(c: &Cluster) {
    let topic = c.topic("pstop", 1);
    let p = producer(
        c,
        &topic,
        ProducerOptions {
            linger_ms: 60_000,
            min_queued_messages: 1000,
            // A loaded machine can take seconds to settle a new mock topic's leader: leave stop room for it.
            pending_timeout_ms: 30_000,
            ..Default::default()
        },
    );
    let f = p
        .produce(OutgoingMessage::new("lingering"))
        .expect("produce");
    let t = Instant::now();
    p.stop().expect("stop flushes");
    // Well below the 60 s linger: stop flushed instead of waiting for it.
    assert!(
        t.elapsed() < Duration::from_secs(30),
        "stop must not wait for linger: {:?}",
        t.elapsed()
    );
    assert!(f.wait().is_ok());
    assert!(matches!(
        p.produce(OutgoingMessage::new("late")),
        Err(ref e) if e.kind() == ErrorKind::ProducerStopped
    ));
    p.start().expect("start");
    let f = p
        .produce(OutgoingMessage::new("again"))
        .expect("produce after restart");
    p.flush(Duration::from_secs(10)).expect("flush");
    f.wait().expect("ok");
}

/// A topic that does not exist (and is not auto-created by a consumer) → UnknownTopicOrPartition.
pub fn unknown_topic_is_reported(c: &Cluster) {
    let mut client = c.client();
    client.socket_timeout_ms = 2_000;
    let e = ferrokafka_native::NativeSimpleConsumer::new(
        &client,
        &unique("missing"),
        consumer_opts(),
        &[],
    )
    .unwrap_err();
    assert_eq!(e.code(), Some(KafkaCode::UnknownTopicOrPartition), "{e:?}");
}

/// Keys land where ferrokafka's partitioner says (PyKafka's hashing and Java's murmur2), not where
/// librdkafka's own partitioner would put them: the two engines place keys identically.
pub fn partitioner_places_keys(c: &Cluster) {
    use ferrokafka_core::partitioner::{HashingPartitioner, Murmur2Partitioner};
    use ferrokafka_core::Partitioner;
    let topic = c.topic("placement", 5);
    let ids = [0, 1, 2, 3, 4];
    let partitioners: Vec<std::sync::Arc<dyn Partitioner>> = vec![
        std::sync::Arc::new(HashingPartitioner::new()),
        std::sync::Arc::new(Murmur2Partitioner::new()),
    ];
    for part in partitioners {
        let p = ferrokafka_native::NativeProducer::new(
            &c.client(),
            &topic,
            fast_producer(),
            Some(std::sync::Arc::clone(&part)),
            &[],
        )
        .expect("producer");
        assert_eq!(p.partition_ids(), ids);
        for i in 0..30 {
            let key = format!("key-{i}");
            let want = part
                .partition(&ids, Some(key.as_bytes()))
                .expect("partition");
            let d = p
                .produce(OutgoingMessage::new("v").with_key(key))
                .expect("produce")
                .wait()
                .expect("delivered");
            assert_eq!(d.partition_id, want, "{part:?} key-{i}");
        }
        // A partitioner error (hashing needs a key) is the produce call's error, as in PyKafka.
        if format!("{part:?}").contains("Hashing") {
            assert!(p.produce(OutgoingMessage::new("no key")).is_err());
        }
    }
}

/// §2.1 item 6: OffsetOutOfRange → reset to auto_offset_reset (librdkafka does it; the commit follows with
/// the next commit rather than at once — README lists the difference).
pub fn out_of_range_resets(c: &Cluster) {
    let topic = c.topic("oor", 1);
    produce_n(c, &topic, "m", 5);
    let k = consumer(c, &topic, consumer_opts());
    // Resume at 101: past the end of the log.
    k.reset_offsets(Some(&[(0, ResetTarget::LastConsumed(100))]))
        .expect("reset");
    let m = k
        .consume(true)
        .expect("consume")
        .expect("a message after the reset");
    assert_eq!(m.offset, 0, "auto_offset_reset = EARLIEST");
    let late = consumer(
        c,
        &topic,
        ConsumerOptions {
            auto_offset_reset: OffsetType::Latest,
            consumer_timeout_ms: 1_000,
            ..consumer_opts()
        },
    );
    late.reset_offsets(Some(&[(0, ResetTarget::LastConsumed(100))]))
        .expect("reset");
    assert_eq!(late.consume(true).expect("consume"), None);
    produce_n(c, &topic, "n", 1);
    let m = late
        .consume(true)
        .expect("consume")
        .expect("the new message");
    assert_eq!(m.offset, 5, "auto_offset_reset = LATEST");
}

/// The default placement (no partitioner): keyless messages go to librdkafka's sticky partitioner, detached ones
/// cost no future and none is lost; a detached oversize message is the caller's error (nobody else would hear).
pub fn default_placement_is_sticky_and_detached_loses_nothing(c: &Cluster) {
    let topic = c.topic("sticky", 3);
    let p = ferrokafka_native::NativeProducer::new(&c.client(), &topic, fast_producer(), None, &[])
        .expect("producer");
    let n = 3000usize;
    for i in 0..n {
        p.produce_detached(OutgoingMessage::new(format!("d-{i}")))
            .expect("queued");
    }
    let last = p
        .produce(OutgoingMessage::new("last"))
        .expect("queued")
        .wait()
        .expect("delivered");
    assert!((0..3).contains(&last.partition_id), "{last:?}");
    p.flush(Duration::from_secs(30)).expect("flushed");
    let big = ProducerOptions {
        max_request_size: 1000,
        ..fast_producer()
    };
    let small = ferrokafka_native::NativeProducer::new(&c.client(), &topic, big, None, &[])
        .expect("producer");
    let refused = small.produce_detached(OutgoingMessage::new(vec![0u8; 5000]));
    assert!(
        matches!(&refused, Err(e) if e.kind() == ferrokafka_core::ErrorKind::MessageSizeTooLarge
            && e.size_and_max().map(|(_, max)| max) == Some(1000)),
        "{refused:?}"
    );
    let k = consumer(c, &topic, consumer_opts());
    let mut placed: BTreeMap<Bytes, i32> = BTreeMap::new();
    while let Some(m) = k.consume(true).expect("consume") {
        placed.insert(m.value.clone().unwrap_or_default(), m.partition_id);
    }
    assert_eq!(placed.len(), n + 1, "every message, once");
    // Sticky batches: consecutive messages mostly share a partition (round-robin: never).
    let at = |i: usize| placed.get(&Bytes::from(format!("d-{i}"))).copied();
    let together = (1..n).filter(|&i| at(i) == at(i - 1)).count();
    assert!(
        together > n / 2,
        "only {together} of {n} neighbours together"
    );
}
