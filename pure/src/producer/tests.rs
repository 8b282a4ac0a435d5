//! The producer against a scripted in-memory cluster: batching, ordering across retries, failures, stop.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::{BufMut, Bytes, BytesMut};
use ferrokafka_core::{
    BrokerRef, Compression, Error, ErrorKind, KafkaCode, OutgoingMessage, Partitioner, ProducerApi,
    ProducerOptions, Result,
};

use super::*;

/// Values joined as `len:u32 | bytes`; enough for the fake broker to append them to its log.
#[derive(Debug)]
struct FakeEncoder;

impl RecordEncoder for FakeEncoder {
    fn encode(
        &self,
        _: RecordFormat,
        _: Compression,
        identity: Option<BatchIdentity>,
        messages: &[&OutgoingMessage],
    ) -> Result<Bytes> {
        let mut out = BytesMut::new();
        if let Some(id) = identity {
            out.put_slice(IDENTITY_MARK);
            out.put_i64(id.producer_id);
            out.put_i32(id.base_sequence);
        }
        for m in messages {
            let v = m.value.clone().unwrap_or_default();
            out.put_u32(v.len() as u32);
            out.put_slice(&v);
        }
        Ok(out.freeze())
    }
}

/// Starts the fake encoding of an idempotent batch: then producer id (i64) and base sequence (i32).
const IDENTITY_MARK: &[u8] = b"IDEM";

/// The (producer id, base sequence) of a fake-encoded batch, and the rest.
fn split_identity(b: &[u8]) -> (Option<(i64, i32)>, &[u8]) {
    match b.strip_prefix(IDENTITY_MARK) {
        Some(rest) if rest.len() >= 12 => {
            let pid = i64::from_be_bytes(rest[..8].try_into().unwrap());
            let seq = i32::from_be_bytes(rest[8..12].try_into().unwrap());
            (Some((pid, seq)), &rest[12..])
        }
        _ => (None, b),
    }
}

fn decode(mut b: &[u8]) -> Vec<Bytes> {
    let mut out = Vec::new();
    while b.len() >= 4 {
        let n = u32::from_be_bytes([b[0], b[1], b[2], b[3]]) as usize;
        out.push(Bytes::copy_from_slice(&b[4..4 + n]));
        b = &b[4 + n..];
    }
    out
}

/// A scripted cluster: partition logs, leaders, and errors to return for the next calls.
#[derive(Debug, Default)]
struct Fake {
    layout: Mutex<TopicLayout>,
    logs: Mutex<HashMap<i32, Vec<Bytes>>>,
    /// Error codes to answer for a partition, one per call, before accepting.
    script: Mutex<HashMap<i32, VecDeque<i16>>>,
    /// Batches with more messages than this are refused with MESSAGE_TOO_LARGE.
    max_batch: Mutex<Option<usize>>,
    /// Connection failures to return for the next calls.
    disconnects: AtomicUsize,
    /// Calls to write to the log and then answer with a timeout (the answer is lost).
    lost_answers: AtomicUsize,
    /// Never answer a produce (a broker that stopped responding).
    stalled: AtomicBool,
    calls: AtomicUsize,
    refreshes: AtomicUsize,
    /// Move leaders here on the next refresh.
    next_layout: Mutex<Option<TopicLayout>>,
    /// Idempotence, as a broker keeps it: per partition the last (producer id, base sequence) written.
    last_batch: Mutex<HashMap<i32, (i64, i32)>>,
    /// Base sequences seen, per partition, in order.
    sequences: Mutex<HashMap<i32, Vec<i32>>>,
}

impl Fake {
    fn new(partitions: &[(i32, i32)]) -> Arc<Fake> {
        let f = Fake::default();
        *f.layout.lock().unwrap() = TopicLayout {
            partitions: partitions.iter().map(|p| p.0).collect(),
            leaders: partitions.iter().copied().collect(),
        };
        Arc::new(f)
    }

    fn log(&self, p: i32) -> Vec<Bytes> {
        self.logs
            .lock()
            .unwrap()
            .get(&p)
            .cloned()
            .unwrap_or_default()
    }
}

impl ProduceTransport for Fake {
    fn layout(&self, _: &str) -> Result<TopicLayout> {
        Ok(self.layout.lock().unwrap().clone())
    }

    fn refresh_metadata<'a>(&'a self, _: &'a str) -> BoxFuture<'a, Result<()>> {
        Box::pin(async move {
            self.refreshes.fetch_add(1, Ordering::SeqCst);
            if let Some(l) = self.next_layout.lock().unwrap().take() {
                *self.layout.lock().unwrap() = l;
            }
            Ok(())
        })
    }

    fn produce_version(&self, _: i32) -> BoxFuture<'_, Result<i16>> {
        Box::pin(async { Ok(9) })
    }

    fn init_producer_id(&self) -> BoxFuture<'_, Result<(i64, i16)>> {
        Box::pin(async { Ok((7, 0)) })
    }

    fn produce(
        &self,
        broker: i32,
        _: i16,
        call: ProduceCall,
    ) -> BoxFuture<'_, Result<Vec<PartitionOutcome>>> {
        Box::pin(async move {
            self.calls.fetch_add(1, Ordering::SeqCst);
            if self.stalled.load(Ordering::SeqCst) {
                std::future::pending::<()>().await;
            }
            if self
                .disconnects
                .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
                .is_ok()
            {
                return Err(Error::socket_disconnected(
                    BrokerRef::id(broker),
                    "scripted",
                ));
            }
            let lose_answer = self
                .lost_answers
                .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
                .is_ok();
            let mut out = Vec::new();
            for (p, records) in call.partitions {
                let (identity, records) = split_identity(&records);
                let values = decode(records);
                if let Some((pid, seq)) = identity {
                    self.sequences
                        .lock()
                        .unwrap()
                        .entry(p)
                        .or_default()
                        .push(seq);
                    let mut last = self.last_batch.lock().unwrap();
                    if last.get(&p) == Some(&(pid, seq)) {
                        // A resend of the last batch: the broker acknowledges it without writing it again.
                        out.push(PartitionOutcome {
                            partition: p,
                            error_code: 0,
                            base_offset: -1,
                            log_append_time_ms: -1,
                            error_message: None,
                        });
                        continue;
                    }
                    last.insert(p, (pid, seq));
                }
                let scripted = self
                    .script
                    .lock()
                    .unwrap()
                    .get_mut(&p)
                    .and_then(VecDeque::pop_front);
                let too_big = self
                    .max_batch
                    .lock()
                    .unwrap()
                    .is_some_and(|m| values.len() > m);
                let leader_ok = self.layout.lock().unwrap().leader(p) == Some(broker);
                let code = scripted
                    .or(too_big.then_some(10))
                    .or((!leader_ok).then_some(6))
                    .unwrap_or(0);
                let mut logs = self.logs.lock().unwrap();
                let log = logs.entry(p).or_default();
                let base = log.len() as i64;
                if code == 0 {
                    log.extend(values);
                }
                out.push(PartitionOutcome {
                    partition: p,
                    error_code: code,
                    base_offset: if code == 0 { base } else { -1 },
                    log_append_time_ms: -1,
                    error_message: None,
                });
            }
            if call.acks == 0 {
                out.clear();
            }
            if lose_answer {
                return Err(Error::timeout(
                    "scripted lost answer",
                    Duration::from_millis(1),
                ));
            }
            Ok(out)
        })
    }
}

/// Round-robin from index 0 (tests only; the facade supplies PyKafka's partitioners).
#[derive(Debug, Default)]
struct RoundRobin(AtomicUsize);

impl Partitioner for RoundRobin {
    fn partition(&self, partitions: &[i32], _: Option<&[u8]>) -> Result<i32> {
        let i = self.0.fetch_add(1, Ordering::Relaxed) % partitions.len();
        Ok(partitions[i])
    }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

fn fast() -> ProducerOptions {
    ProducerOptions {
        linger_ms: 5,
        min_queued_messages: 1000,
        retry_backoff_ms: 5,
        pending_timeout_ms: 5000,
        ..Default::default()
    }
}

/// `fast()` with no linger and `max_retries` retries.
fn eager(max_retries: i64) -> ProducerOptions {
    ProducerOptions {
        max_retries,
        linger_ms: 0,
        ..fast()
    }
}

fn producer(
    rt: &tokio::runtime::Runtime,
    fake: &Arc<Fake>,
    options: ProducerOptions,
) -> PureProducer {
    PureProducer::new(ProducerParts {
        topic: "t".into(),
        options,
        transport: Arc::clone(fake) as Arc<dyn ProduceTransport>,
        encoder: Arc::new(FakeEncoder),
        partitioner: Arc::new(RoundRobin::default()),
        runtime: rt.handle().clone(),
    })
    .unwrap()
}

fn msg(i: usize) -> OutgoingMessage {
    OutgoingMessage::new(format!("m{i}"))
}

#[test]
fn delivers_with_offsets_reports_and_futures() {
    let rt = runtime();
    let fake = Fake::new(&[(0, 1), (1, 2)]);
    let p = producer(
        &rt,
        &fake,
        ProducerOptions {
            delivery_reports: true,
            ..fast()
        },
    );
    let futures: Vec<_> = (0..10).map(|i| p.produce(msg(i)).unwrap()).collect();
    p.flush(Duration::from_secs(5)).unwrap();
    for (i, f) in futures.into_iter().enumerate() {
        let d = f.wait().unwrap();
        assert_eq!(d.partition_id, (i % 2) as i32);
        assert_eq!(d.offset, (i / 2) as i64);
        assert!(d.timestamp.is_some());
    }
    let mut n = 0;
    while let Some(r) = p.get_delivery_report(false, None).unwrap() {
        assert!(r.result.is_ok());
        n += 1;
    }
    assert_eq!(n, 10);
    // Reports belong to the producing thread.
    std::thread::scope(|s| {
        s.spawn(|| {
            p.produce(msg(99)).unwrap();
            p.flush(Duration::from_secs(5)).unwrap();
            assert!(p
                .get_delivery_report(true, Some(Duration::from_secs(1)))
                .unwrap()
                .is_some());
        });
    });
    assert!(p.get_delivery_report(false, None).unwrap().is_none());
    assert_eq!(fake.log(0).len() + fake.log(1).len(), 11);
}

#[test]
fn linger_and_min_queued_batch_messages() {
    let rt = runtime();
    let fake = Fake::new(&[(0, 1)]);
    let p = producer(
        &rt,
        &fake,
        ProducerOptions {
            linger_ms: 60_000,
            min_queued_messages: 50,
            ..fast()
        },
    );
    for i in 0..49 {
        p.produce(msg(i)).unwrap();
    }
    std::thread::sleep(Duration::from_millis(100));
    assert_eq!(
        fake.calls.load(Ordering::SeqCst),
        0,
        "below min_queued and linger: nothing sent"
    );
    p.produce(msg(49)).unwrap();
    p.flush(Duration::from_secs(5)).unwrap();
    assert_eq!(
        fake.calls.load(Ordering::SeqCst),
        1,
        "one request for the 50"
    );
    assert_eq!(fake.log(0).len(), 50);
}

#[test]
fn retries_keep_partition_order_and_refresh_when_the_leader_moves() {
    let rt = runtime();
    let fake = Fake::new(&[(0, 1)]);
    // The leader moves to broker 2: broker 1 answers NOT_LEADER until metadata is refreshed.
    *fake.next_layout.lock().unwrap() = Some(TopicLayout {
        partitions: vec![0],
        leaders: [(0, 2)].into_iter().collect(),
    });
    fake.layout.lock().unwrap().leaders.insert(0, 1);
    fake.script
        .lock()
        .unwrap()
        .insert(0, VecDeque::from(vec![6, 6]));
    let p = producer(
        &rt,
        &fake,
        ProducerOptions {
            linger_ms: 0,
            min_queued_messages: 1,
            ..fast()
        },
    );
    let futures: Vec<_> = (0..200).map(|i| p.produce(msg(i)).unwrap()).collect();
    p.flush(Duration::from_secs(5)).unwrap();
    for f in futures {
        f.wait().unwrap();
    }
    let expected: Vec<Bytes> = (0..200).map(|i| Bytes::from(format!("m{i}"))).collect();
    assert_eq!(fake.log(0), expected, "order kept across retries");
    assert!(fake.refreshes.load(Ordering::SeqCst) >= 1);
}

#[test]
fn gives_up_after_max_retries_with_the_cause() {
    let rt = runtime();
    let fake = Fake::new(&[(0, 1)]);
    fake.script
        .lock()
        .unwrap()
        .insert(0, VecDeque::from(vec![19; 10]));
    let p = producer(&rt, &fake, eager(2));
    let f = p.produce(msg(0)).unwrap();
    let e = f.wait().unwrap_err();
    assert_eq!(e.kind(), ErrorKind::ProduceFailure, "{e}");
    assert_eq!(e.attempts(), Some(3));
    assert_eq!(
        e.cause().and_then(Error::code),
        Some(KafkaCode::NotEnoughReplicas)
    );
    assert_eq!(fake.calls.load(Ordering::SeqCst), 3);
    // The future resolves just before the slot is released: flush waits for that release.
    p.flush(Duration::from_secs(5)).unwrap();
    assert_eq!(p.pending(), 0);
}

/// KIP-91 with the default `max_retries`: a retriable error is retried, with a growing backoff, until
/// `delivery_timeout_ms`, then reported as a timeout whose source is the last attempt's error.
#[test]
fn retries_go_on_until_the_delivery_timeout_with_a_growing_backoff() {
    let rt = runtime();
    let fake = Fake::new(&[(0, 1)]);
    fake.script
        .lock()
        .unwrap()
        .insert(0, VecDeque::from(vec![19; 1000]));
    let options = ProducerOptions {
        delivery_timeout_ms: 1200,
        ack_timeout_ms: 100,
        retry_backoff_ms: 20,
        retry_backoff_max_ms: 200,
        linger_ms: 0,
        ..fast()
    };
    let p = producer(&rt, &fake, options);
    let started = std::time::Instant::now();
    let e = p.produce(msg(0)).unwrap().wait().unwrap_err();
    let waited = started.elapsed();
    assert_eq!(e.kind(), ErrorKind::Timeout, "{e}");
    assert_eq!(
        e.cause().and_then(Error::code),
        Some(KafkaCode::NotEnoughReplicas)
    );
    assert!(
        waited >= Duration::from_millis(1200) && waited < Duration::from_secs(5),
        "{waited:?}"
    );
    // A fixed 20 ms gap would make ~60 attempts; doubling to the 200 ms cap makes about 10.
    let calls = fake.calls.load(Ordering::SeqCst);
    assert!((5..=20).contains(&calls), "{calls} attempts");
    assert_eq!(e.attempts(), Some(calls as u32));
}

#[test]
fn connection_loss_is_retried() {
    let rt = runtime();
    let fake = Fake::new(&[(0, 1)]);
    fake.disconnects.store(2, Ordering::SeqCst);
    let p = producer(
        &rt,
        &fake,
        ProducerOptions {
            linger_ms: 0,
            ..fast()
        },
    );
    assert_eq!(p.produce(msg(0)).unwrap().wait().unwrap().offset, 0);
    assert!(fake.refreshes.load(Ordering::SeqCst) >= 1);
}

#[test]
fn oversize_message_is_reported_without_sending() {
    let rt = runtime();
    let fake = Fake::new(&[(0, 1)]);
    let p = producer(
        &rt,
        &fake,
        ProducerOptions {
            max_request_size: 1000,
            delivery_reports: true,
            linger_ms: 0,
            ..fast()
        },
    );
    let f = p.produce(OutgoingMessage::new(vec![0u8; 2000])).unwrap();
    assert!(
        matches!(f.wait().map_err(|e| e.size_and_max()), Err(Some((size, 1000))) if size > 2000)
    );
    let r = p.get_delivery_report(false, None).unwrap().unwrap();
    assert!(r.result.is_err());
    p.flush(Duration::from_secs(1)).unwrap();
    assert_eq!(fake.calls.load(Ordering::SeqCst), 0);
}

#[test]
fn broker_size_limit_splits_batches_then_fails_single_messages() {
    let rt = runtime();
    let fake = Fake::new(&[(0, 1)]);
    *fake.max_batch.lock().unwrap() = Some(3);
    let p = producer(
        &rt,
        &fake,
        ProducerOptions {
            linger_ms: 50,
            ..fast()
        },
    );
    let futures: Vec<_> = (0..20).map(|i| p.produce(msg(i)).unwrap()).collect();
    p.flush(Duration::from_secs(5)).unwrap();
    for f in futures {
        f.wait().unwrap();
    }
    assert_eq!(fake.log(0).len(), 20);
    *fake.max_batch.lock().unwrap() = Some(0);
    let e = p.produce(msg(0)).unwrap().wait().unwrap_err();
    assert_eq!(e.code(), Some(KafkaCode::MessageSizeTooLarge));
}

#[test]
fn acks_zero_reports_offset_minus_one() {
    let rt = runtime();
    let fake = Fake::new(&[(0, 1)]);
    let p = producer(
        &rt,
        &fake,
        ProducerOptions {
            required_acks: 0,
            linger_ms: 0,
            ..fast()
        },
    );
    assert_eq!(p.produce(msg(0)).unwrap().wait().unwrap().offset, -1);
}

#[test]
fn queue_full_fails_or_blocks() {
    let rt = runtime();
    let fake = Fake::new(&[(0, -1)]);
    let opts = ProducerOptions {
        max_queued_messages: 3,
        block_on_queue_full: false,
        max_retries: 1000,
        ..fast()
    };
    let p = producer(&rt, &fake, opts);
    for i in 0..3 {
        p.produce(msg(i)).unwrap();
    }
    assert!(matches!(
        p.produce(msg(3)),
        Err(ref e) if e.kind() == ErrorKind::ProducerQueueFull && e.queued() == Some(3)
    ));
    // A leader appears: the queue drains and a blocked producer proceeds.
    fake.layout.lock().unwrap().leaders.insert(0, 1);
    p.flush(Duration::from_secs(5)).unwrap();
    p.produce(msg(4)).unwrap();
}

#[test]
fn stop_reports_what_it_could_not_send() {
    let rt = runtime();
    let fake = Fake::new(&[(0, -1)]);
    let p = producer(
        &rt,
        &fake,
        ProducerOptions {
            pending_timeout_ms: 100,
            max_retries: 1000,
            delivery_reports: true,
            ..fast()
        },
    );
    let futures: Vec<_> = (0..5).map(|i| p.produce(msg(i)).unwrap()).collect();
    p.stop().unwrap();
    for f in futures {
        assert!(matches!(f.wait(), Err(ref e) if e.kind() == ErrorKind::ProduceFailure));
    }
    let mut failed = 0;
    while let Some(r) = p.get_delivery_report(false, None).unwrap() {
        assert!(r.result.is_err());
        failed += 1;
    }
    assert_eq!(failed, 5);
    assert!(matches!(
        p.produce(msg(9)),
        Err(ref e) if e.kind() == ErrorKind::ProducerStopped
    ));
    p.start().unwrap();
    fake.layout.lock().unwrap().leaders.insert(0, 1);
    assert!(p.produce(msg(10)).unwrap().wait().is_ok());
}

/// A produce blocked on a full queue while the queue's messages are in flight to a broker that never answers:
/// `stop()` wakes it with `ProducerStopped` instead of leaving it blocked until the requests time out.
#[test]
fn stop_wakes_a_produce_blocked_on_a_full_queue() {
    let rt = runtime();
    let fake = Fake::new(&[(0, 1)]);
    fake.stalled.store(true, Ordering::SeqCst);
    let p = Arc::new(producer(
        &rt,
        &fake,
        ProducerOptions {
            max_queued_messages: 2,
            block_on_queue_full: true,
            pending_timeout_ms: 100,
            ack_timeout_ms: 60_000,
            ..eager(0)
        },
    ));
    p.produce(msg(0)).unwrap();
    p.produce(msg(1)).unwrap();
    let blocked = {
        let p = Arc::clone(&p);
        std::thread::spawn(move || p.produce(msg(2)).map(|_| ()))
    };
    std::thread::sleep(Duration::from_millis(200));
    assert!(!blocked.is_finished(), "the third produce waits for a slot");
    let started = std::time::Instant::now();
    p.stop().unwrap();
    let result = blocked.join().unwrap();
    assert!(
        matches!(&result, Err(e) if e.kind() == ErrorKind::ProducerStopped),
        "{result:?}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
}

/// A producer without retries or linger whose only partition has no leader.
fn leaderless(rt: &tokio::runtime::Runtime, delivery_timeout_ms: i64) -> (Arc<Fake>, PureProducer) {
    let fake = Fake::new(&[(0, -1)]);
    let options = ProducerOptions {
        delivery_timeout_ms,
        ack_timeout_ms: 100,
        ..eager(0)
    };
    let p = producer(rt, &fake, options);
    (fake, p)
}

/// KIP-91: a message waiting for a leader counts against `delivery_timeout_ms`, not the retry budget.
#[test]
fn leaderless_partition_fails_after_the_delivery_timeout_not_retries() {
    let rt = runtime();
    let (_fake, p) = leaderless(&rt, 300);
    let started = std::time::Instant::now();
    let e = p.produce(msg(0)).unwrap().wait().unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Timeout, "{e}");
    assert_eq!(e.after(), Some(Duration::from_millis(300)));
    assert_eq!(
        e.cause().and_then(Error::code),
        Some(KafkaCode::LeaderNotAvailable)
    );
    assert_eq!(e.context().partition, Some(0));
    let waited = started.elapsed();
    assert!(
        waited >= Duration::from_millis(300) && waited < Duration::from_secs(3),
        "{waited:?}"
    );
}

/// A leaderless partition's message waits past `pending_timeout_ms` (which bounds only sync waits and
/// stop) and is written when a leader appears within its delivery timeout.
#[test]
fn a_leaderless_partition_waits_for_a_leader_within_the_delivery_timeout() {
    let rt = runtime();
    let (fake, p) = leaderless(&rt, 120_000);
    let delivery = p.produce(msg(0)).unwrap();
    std::thread::sleep(Duration::from_millis(400));
    assert_eq!(p.pending(), 1, "the message was given up on");
    fake.layout.lock().unwrap().leaders.insert(0, 1);
    assert_eq!(delivery.wait().unwrap().offset, 0);
    assert_eq!(fake.log(0).len(), 1);
}

#[test]
fn not_leader_waits_without_spending_retries() {
    let rt = runtime();
    let fake = Fake::new(&[(0, 1)]);
    fake.script
        .lock()
        .unwrap()
        .insert(0, VecDeque::from(vec![6, 6, 6, 3, 5]));
    let p = producer(&rt, &fake, eager(0));
    assert_eq!(p.produce(msg(0)).unwrap().wait().unwrap().offset, 0);
    assert_eq!(fake.calls.load(Ordering::SeqCst), 6);
}

#[test]
fn a_lost_answer_is_an_unknown_outcome_never_a_plain_failure() {
    let rt = runtime();
    let fake = Fake::new(&[(0, 1)]);
    fake.lost_answers.store(1, Ordering::SeqCst);
    let p = producer(&rt, &fake, eager(0));
    let e = p.produce(msg(0)).unwrap().wait().unwrap_err();
    assert!(e.is_outcome_unknown(), "{e}");
    assert_eq!(fake.log(0).len(), 1, "it was written");
    // With retries, a lost answer is resent (without idempotence the log then holds it twice), and a
    // later definite failure is still reported as unknown: the first attempt may be in the log.
    let p = producer(&rt, &fake, eager(1));
    fake.lost_answers.store(1, Ordering::SeqCst);
    fake.script
        .lock()
        .unwrap()
        .insert(0, VecDeque::from(vec![0, 29]));
    let e = p.produce(msg(1)).unwrap().wait().unwrap_err();
    assert!(e.is_outcome_unknown(), "{e}");
    assert_eq!(e.code(), Some(KafkaCode::TopicAuthorizationFailed));
}

#[test]
fn sync_produce_returns_the_delivery_or_error() {
    let rt = runtime();
    let fake = Fake::new(&[(0, 1)]);
    let p = producer(
        &rt,
        &fake,
        ProducerOptions {
            sync: true,
            max_retries: 0,
            ..fast()
        },
    );
    let d = p.produce(msg(0)).unwrap();
    assert_eq!(d.wait().unwrap().offset, 0);
    fake.script
        .lock()
        .unwrap()
        .insert(0, VecDeque::from(vec![29]));
    let e = p.produce(msg(1)).unwrap_err();
    assert_eq!(e.code(), Some(KafkaCode::TopicAuthorizationFailed));
    assert!(matches!(
        p.get_delivery_report(false, None),
        Err(ref e) if e.kind() == ErrorKind::DeliveryReportsDisabled
    ));
}

#[test]
fn unread_reports_stay_bounded() {
    let rt = runtime();
    let fake = Fake::new(&[(0, 1)]);
    let p = producer(
        &rt,
        &fake,
        ProducerOptions {
            delivery_reports: true,
            max_queued_messages: 100,
            ..fast()
        },
    );
    for i in 0..3000 {
        p.produce(msg(i)).unwrap();
    }
    p.flush(Duration::from_secs(5)).unwrap();
    assert_eq!(
        p.dropped_reports(),
        2000,
        "capacity is max(max_queued_messages, 1000)"
    );
}

#[test]
fn async_produce_waits_for_slots_without_blocking_the_runtime() {
    let rt = runtime();
    let fake = Fake::new(&[(0, 1), (1, 1)]);
    let p = Arc::new(producer(
        &rt,
        &fake,
        ProducerOptions {
            max_queued_messages: 10,
            linger_ms: 1,
            ..fast()
        },
    ));
    let p2 = Arc::clone(&p);
    let offsets = rt.block_on(async move {
        let mut futures = Vec::new();
        for i in 0..500 {
            futures.push(p2.produce_async(msg(i)).await.unwrap());
        }
        let mut n = 0;
        for f in futures {
            f.await.unwrap();
            n += 1;
        }
        p2.flush_async(Duration::from_secs(5)).await.unwrap();
        n
    });
    assert_eq!(offsets, 500);
    assert_eq!(fake.log(0).len() + fake.log(1).len(), 500);
}

#[test]
fn idempotent_resend_after_a_lost_answer_is_not_written_twice() {
    let rt = runtime();
    let fake = Fake::new(&[(0, 1)]);
    let p = producer(
        &rt,
        &fake,
        ProducerOptions {
            enable_idempotence: true,
            required_acks: -1,
            max_retries: 3,
            linger_ms: 0,
            ..fast()
        },
    );
    fake.lost_answers.store(1, Ordering::SeqCst);
    p.produce(msg(0)).unwrap().wait().unwrap();
    p.produce(msg(1)).unwrap().wait().unwrap();
    p.produce(msg(2)).unwrap().wait().unwrap();
    assert_eq!(
        fake.log(0),
        vec![Bytes::from("m0"), Bytes::from("m1"), Bytes::from("m2")],
        "the resend was recognised"
    );
    // Sent, resent with the same sequence, then the next batches continue the sequence.
    assert_eq!(fake.sequences.lock().unwrap()[&0], vec![0, 0, 1, 2]);
}

/// Records what a sticky partitioner is asked and told.
#[derive(Debug, Default)]
struct RecordingSticky {
    inner: ferrokafka_core::partitioner::StickyPartitioner,
    chosen: Mutex<Vec<i32>>,
    moved_on: Mutex<Vec<i32>>,
}

impl Partitioner for RecordingSticky {
    fn partition(&self, partitions: &[i32], key: Option<&[u8]>) -> Result<i32> {
        let p = self.inner.partition(partitions, key)?;
        self.chosen.lock().unwrap().push(p);
        Ok(p)
    }
    fn on_batch_sent(&self, partition: i32) {
        self.moved_on.lock().unwrap().push(partition);
        self.inner.on_batch_sent(partition);
    }
}

/// While nothing can be sent (no leaders yet), a sticky partitioner still moves on once its partition holds a
/// full request: one partition does not collect the whole backlog (which would then drain one request per
/// round trip, a partition having one batch in flight at a time).
#[test]
fn sticky_partitioner_moves_on_when_a_partition_holds_a_full_request() {
    let rt = runtime();
    let fake = Fake::new(&(0..100).map(|p| (p, -1)).collect::<Vec<_>>());
    let one = OutgoingMessage::new("m00").encoded_size_hint();
    let sticky = Arc::new(RecordingSticky::default());
    let p = PureProducer::new(ProducerParts {
        topic: "t".into(),
        options: ProducerOptions {
            linger_ms: 60_000,
            max_request_size: 3 * one as i64,
            pending_timeout_ms: 2_000,
            ..fast()
        },
        transport: Arc::clone(&fake) as Arc<dyn ProduceTransport>,
        encoder: Arc::new(FakeEncoder),
        partitioner: Arc::clone(&sticky) as Arc<dyn Partitioner>,
        runtime: rt.handle().clone(),
    })
    .unwrap();
    for i in 0..12 {
        p.produce_detached(OutgoingMessage::new(format!("m{i:02}")))
            .unwrap();
    }
    let chosen = sticky.chosen.lock().unwrap().clone();
    let moved_on = sticky.moved_on.lock().unwrap().clone();
    let count = |id: i32| chosen.iter().filter(|c| **c == id).count();
    assert!(
        moved_on.len() >= 3,
        "chosen {chosen:?}, moved on {moved_on:?}"
    );
    assert!(
        moved_on.iter().all(|id| count(*id) >= 3),
        "moved on from a partition without a full request: chosen {chosen:?}, moved on {moved_on:?}"
    );
    let most = chosen.iter().map(|id| count(*id)).max().unwrap_or(0);
    assert!(
        most <= 5,
        "one partition collected {most} of 12: {chosen:?}"
    );
    assert_eq!(
        fake.calls.load(Ordering::SeqCst),
        0,
        "nothing could be sent"
    );
    drop(p);
}
