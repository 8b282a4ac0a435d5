//! The consumer's rules against an in-memory fake cluster (no broker needed).

use std::collections::{BTreeMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::{Bytes, BytesMut};
use ferrokafka_core::{
    BrokerRef, ConsumerApi, ConsumerOptions, Error, ErrorKind, KafkaCode, OffsetType, ResetTarget,
    Result,
};

use super::backend::*;
use super::PureSimpleConsumer;
use crate::records::{BatchOptions, RecordBatchBuilder};

#[derive(Default)]
struct Log {
    /// (offset, value)
    records: Vec<(i64, Vec<u8>)>,
    log_start: i64,
}

impl Log {
    fn hw(&self) -> i64 {
        self.records.last().map_or(self.log_start, |r| r.0 + 1)
    }
}

#[derive(Default)]
struct Inner {
    logs: BTreeMap<i32, Log>,
    leaders: BTreeMap<i32, Option<i32>>,
    committed: BTreeMap<i32, i64>,
    fetch_errors: VecDeque<(i32, KafkaCode)>,
    commits: Vec<(i32, i64, String)>,
    leader_refreshes: usize,
    fail_fetches: usize,
    /// Answer a fetch with nothing in it only after its `max_wait_ms`, as a broker does (else after 5 ms).
    long_poll: bool,
    /// Time each answer spends on the wire (holding the connection).
    wire_time: Duration,
    /// One broker connection: requests are answered one at a time, in order.
    connection: Arc<tokio::sync::Mutex<()>>,
    /// Requests sent and not yet answered, and the most seen at once.
    in_flight: usize,
    max_in_flight: usize,
    /// Per partition, fetches sent and not yet answered; a second one at once is recorded in `overlaps`.
    partition_in_flight: BTreeMap<i32, usize>,
    overlaps: usize,
}

#[derive(Clone, Default)]
struct Fake(Arc<Mutex<Inner>>);

impl Fake {
    fn with_partitions(n: i32, per_partition: i64) -> Fake {
        let f = Fake::default();
        {
            let mut i = f.0.lock().unwrap();
            for p in 0..n {
                let mut log = Log::default();
                for o in 0..per_partition {
                    log.records.push((o, format!("p{p}-{o}").into_bytes()));
                }
                i.logs.insert(p, log);
                i.leaders.insert(p, Some(1));
            }
        }
        f
    }
    fn inner(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.0.lock().unwrap()
    }
}

fn encode(records: &[(i64, Vec<u8>)], max_bytes: usize) -> Bytes {
    let mut out = BytesMut::new();
    for (offset, value) in records {
        let mut b = RecordBatchBuilder::new(BatchOptions {
            base_offset: *offset,
            ..Default::default()
        });
        b.push(1_700_000_000_000, None, Some(value), &[]).unwrap();
        let bytes = b.finish().unwrap();
        if out.len() + bytes.len() > max_bytes {
            // A partial entry at the end, as brokers send.
            let room = max_bytes - out.len();
            out.extend_from_slice(&bytes[..room]);
            break;
        }
        out.extend_from_slice(&bytes);
    }
    out.freeze()
}

impl Fake {
    /// Records a request as sent; returns the connection it queues on.
    fn sent(&self, params: &FetchParams) -> Arc<tokio::sync::Mutex<()>> {
        let mut i = self.inner();
        i.in_flight += 1;
        i.max_in_flight = i.max_in_flight.max(i.in_flight);
        for pf in &params.partitions {
            let n = i.partition_in_flight.entry(pf.partition).or_default();
            *n += 1;
            if *n > 1 {
                i.overlaps += 1;
            }
        }
        Arc::clone(&i.connection)
    }

    fn answered(&self, params: &FetchParams) {
        let mut i = self.inner();
        i.in_flight -= 1;
        for pf in &params.partitions {
            if let Some(n) = i.partition_in_flight.get_mut(&pf.partition) {
                *n -= 1;
            }
        }
    }

    /// The broker's answer to one request, in its turn on the connection.
    async fn answer(&self, broker: i32, params: &FetchParams) -> Result<Vec<FetchedPartition>> {
        let out = {
            let mut i = self.inner();
            if i.fail_fetches > 0 {
                i.fail_fetches -= 1;
                return Err(Error::socket_disconnected(BrokerRef::id(broker), "fake"));
            }
            let mut out = Vec::new();
            for pf in &params.partitions {
                if let Some(pos) = i.fetch_errors.iter().position(|(p, _)| *p == pf.partition) {
                    let (_, code) = i.fetch_errors.remove(pos).unwrap();
                    out.push(FetchedPartition {
                        partition: pf.partition,
                        error: Some(code),
                        ..Default::default()
                    });
                    continue;
                }
                if i.leaders.get(&pf.partition).copied().flatten() != Some(broker) {
                    out.push(FetchedPartition {
                        partition: pf.partition,
                        error: Some(KafkaCode::NotLeaderForPartition),
                        ..Default::default()
                    });
                    continue;
                }
                let log = &i.logs[&pf.partition];
                if pf.offset < log.log_start || pf.offset > log.hw() {
                    out.push(FetchedPartition {
                        partition: pf.partition,
                        error: Some(KafkaCode::OffsetOutOfRange),
                        ..Default::default()
                    });
                    continue;
                }
                let recs: Vec<_> = log
                    .records
                    .iter()
                    .filter(|r| r.0 >= pf.offset)
                    .take(50)
                    .cloned()
                    .collect();
                out.push(FetchedPartition {
                    partition: pf.partition,
                    error: None,
                    high_watermark: log.hw(),
                    aborted_transactions: Vec::new(),
                    records: encode(&recs, pf.max_bytes as usize),
                });
            }
            out
        };
        if out.iter().all(|p| p.records.is_empty()) {
            let wait = if self.inner().long_poll {
                Duration::from_millis(params.max_wait_ms as u64)
            } else {
                Duration::from_millis(5)
            };
            tokio::time::sleep(wait).await;
        }
        Ok(out)
    }
}

impl ConsumerBackend for Fake {
    async fn partition_leaders(
        &self,
        _topic: &str,
        refresh: bool,
    ) -> Result<BTreeMap<i32, Option<i32>>> {
        let mut i = self.inner();
        if refresh {
            i.leader_refreshes += 1;
        }
        Ok(i.leaders.clone())
    }

    async fn fetch(&self, broker: i32, params: FetchParams) -> Result<Vec<FetchedPartition>> {
        let connection = self.sent(&params);
        let answer = {
            let _turn = connection.lock().await;
            let wire_time = self.inner().wire_time;
            tokio::time::sleep(wire_time).await;
            self.answer(broker, &params).await
        };
        self.answered(&params);
        answer
    }
    async fn list_offsets(
        &self,
        _topic: &str,
        queries: Vec<(i32, i64)>,
        _isolation_level: i8,
    ) -> Result<Vec<ListedOffset>> {
        let i = self.inner();
        Ok(queries
            .into_iter()
            .map(|(p, ts)| {
                let log = &i.logs[&p];
                let offset = match ts {
                    -1 => Some(log.hw()),
                    -2 => Some(log.log_start),
                    _ => None,
                };
                ListedOffset {
                    partition: p,
                    error: None,
                    offset,
                }
            })
            .collect())
    }

    async fn commit_offsets(
        &self,
        _member: &GroupMember,
        _topic: &str,
        entries: Vec<CommitEntry>,
    ) -> Result<Vec<(i32, Option<KafkaCode>)>> {
        let mut i = self.inner();
        Ok(entries
            .into_iter()
            .map(|e| {
                i.committed.insert(e.partition, e.offset);
                i.commits.push((e.partition, e.offset, e.metadata));
                (e.partition, None)
            })
            .collect())
    }

    async fn fetch_committed(
        &self,
        _group: &str,
        _topic: &str,
        partitions: Vec<i32>,
    ) -> Result<Vec<FetchedCommit>> {
        let i = self.inner();
        Ok(partitions
            .into_iter()
            .map(|p| FetchedCommit {
                partition: p,
                error: None,
                offset: i.committed.get(&p).copied().unwrap_or(-1),
                metadata: None,
            })
            .collect())
    }

    async fn refresh_coordinator(&self, _group: &str) -> Result<()> {
        Ok(())
    }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

fn opts() -> ConsumerOptions {
    ConsumerOptions {
        consumer_timeout_ms: 500,
        offsets_channel_backoff_ms: 10,
        fetch_error_backoff_ms: 10,
        ..Default::default()
    }
}

fn grouped() -> ConsumerOptions {
    ConsumerOptions {
        consumer_group: Some("g".into()),
        ..opts()
    }
}

fn consumer(
    rt: &tokio::runtime::Runtime,
    fake: &Fake,
    o: ConsumerOptions,
) -> PureSimpleConsumer<Fake> {
    PureSimpleConsumer::new("t", o, fake.clone(), rt.handle().clone()).unwrap()
}

fn offsets(c: &PureSimpleConsumer<Fake>, n: usize) -> Vec<(i32, i64)> {
    (0..n)
        .map(|_| {
            let m = c
                .consume(true)
                .unwrap()
                .expect("a message before the timeout");
            (m.partition_id, m.offset)
        })
        .collect()
}

#[test]
fn no_group_starts_at_zero_even_with_latest() {
    let rt = runtime();
    let fake = Fake::with_partitions(1, 10);
    let c = consumer(
        &rt,
        &fake,
        ConsumerOptions {
            auto_offset_reset: OffsetType::Latest,
            ..opts()
        },
    );
    assert_eq!(offsets(&c, 1), vec![(0, 0)]);
}

#[test]
fn no_group_out_of_range_resets_to_auto_offset_reset() {
    let rt = runtime();
    let fake = Fake::with_partitions(1, 10);
    fake.inner().logs.get_mut(&0).unwrap().log_start = 4;
    fake.inner()
        .logs
        .get_mut(&0)
        .unwrap()
        .records
        .retain(|r| r.0 >= 4);
    let c = consumer(&rt, &fake, opts());
    assert_eq!(offsets(&c, 1), vec![(0, 4)]);
}

#[test]
fn new_group_starts_at_auto_offset_reset_whatever_reset_on_start() {
    for reset_on_start in [false, true] {
        for (reset, first) in [(OffsetType::Earliest, Some(0)), (OffsetType::Latest, None)] {
            let rt = runtime();
            let fake = Fake::with_partitions(1, 10);
            let c = consumer(
                &rt,
                &fake,
                ConsumerOptions {
                    auto_offset_reset: reset,
                    reset_offset_on_start: reset_on_start,
                    ..grouped()
                },
            );
            let got = c.consume(true).unwrap().map(|m| m.offset);
            assert_eq!(got, first, "{reset:?} reset_on_start={reset_on_start}");
            // The reset was committed.
            assert_eq!(
                fake.inner().committed.get(&0),
                Some(&if first.is_some() { 0 } else { 10 })
            );
        }
    }
}

#[test]
fn existing_group_resumes_at_committed_unless_reset_on_start() {
    let rt = runtime();
    let fake = Fake::with_partitions(1, 10);
    fake.inner().committed.insert(0, 5);
    let c = consumer(&rt, &fake, grouped());
    assert_eq!(offsets(&c, 1), vec![(0, 5)]);
    assert_eq!(c.held_offsets()[&0], 5);
    c.stop().unwrap();

    let c = consumer(
        &rt,
        &fake,
        ConsumerOptions {
            reset_offset_on_start: true,
            ..grouped()
        },
    );
    assert_eq!(offsets(&c, 1), vec![(0, 0)]);
    let c = consumer(
        &rt,
        &fake,
        ConsumerOptions {
            reset_offset_on_start: true,
            auto_offset_reset: OffsetType::Latest,
            ..grouped()
        },
    );
    assert_eq!(c.consume(true).unwrap(), None);
    assert_eq!(fake.inner().committed[&0], 10);
}

#[test]
fn commit_is_last_consumed_plus_one_and_explicit_is_verbatim() {
    let rt = runtime();
    let fake = Fake::with_partitions(1, 10);
    let c = consumer(&rt, &fake, grouped());
    offsets(&c, 3);
    c.commit_offsets(None).unwrap();
    assert_eq!(fake.inner().committed[&0], 3);
    let meta = fake.inner().commits.last().unwrap().2.clone();
    assert!(
        meta.starts_with("{\"consumer_id\": \"\", \"hostname\": "),
        "{meta}"
    );
    c.commit_offsets(Some(&[(0, 7)])).unwrap();
    assert_eq!(fake.inner().committed[&0], 7);
    let c2 = consumer(&rt, &fake, grouped());
    assert_eq!(offsets(&c2, 1), vec![(0, 7)]);
    let committed = c2.fetch_offsets().unwrap();
    assert_eq!(committed[&0].offset, 7);
}

#[test]
fn reset_offsets_int_earliest_latest() {
    let rt = runtime();
    let fake = Fake::with_partitions(1, 10);
    let c = consumer(&rt, &fake, opts());
    offsets(&c, 2);
    c.reset_offsets(Some(&[(0, ResetTarget::LastConsumed(5))]))
        .unwrap();
    assert_eq!(c.held_offsets()[&0], 5);
    assert_eq!(offsets(&c, 1), vec![(0, 6)]);
    c.reset_offsets(Some(&[(0, ResetTarget::Earliest)]))
        .unwrap();
    assert_eq!(offsets(&c, 1), vec![(0, 0)]);
    c.reset_offsets(Some(&[(0, ResetTarget::LastConsumed(-1))]))
        .unwrap();
    assert_eq!(c.consume(true).unwrap(), None);
    assert_eq!(c.held_offsets()[&0], 9);
    assert!(c
        .reset_offsets(Some(&[(7, ResetTarget::Earliest)]))
        .is_err());
}

#[test]
fn round_robin_one_message_per_call() {
    let rt = runtime();
    let fake = Fake::with_partitions(3, 5);
    let c = consumer(&rt, &fake, opts());
    std::thread::sleep(Duration::from_millis(200));
    let got = offsets(&c, 6);
    assert_eq!(got, vec![(0, 0), (1, 0), (2, 0), (0, 1), (1, 1), (2, 1)]);
}

#[test]
fn timeouts_and_non_blocking() {
    let rt = runtime();
    let fake = Fake::with_partitions(1, 0);
    let c = consumer(&rt, &fake, opts());
    let t = Instant::now();
    assert_eq!(c.consume(false).unwrap(), None);
    assert!(t.elapsed() < Duration::from_millis(100));
    assert_eq!(c.consume(true).unwrap(), None);
    assert!(t.elapsed() >= Duration::from_millis(500));
    let got = rt.block_on(c.consume_async()).unwrap();
    assert_eq!(got, None);
    c.stop().unwrap();
    assert!(matches!(
        c.consume(true),
        Err(ref e) if e.kind() == ErrorKind::ConsumerStopped
    ));
}

/// `consumer_timeout_ms: -1` is decoded once to "block forever": `consume(true)` outwaits a quiet spell and
/// returns the message that finally arrives (a misread -1 would return `None` at once).
#[test]
fn consumer_timeout_minus_one_blocks_until_a_message_arrives() {
    let rt = runtime();
    let fake = Fake::with_partitions(1, 0);
    let c = consumer(
        &rt,
        &fake,
        ConsumerOptions {
            consumer_timeout_ms: -1,
            ..opts()
        },
    );
    let writer = fake.clone();
    let late = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(700));
        let mut inner = writer.inner();
        let log = inner.logs.get_mut(&0).expect("partition 0");
        log.records.push((0, b"late".to_vec()));
    });
    let t = Instant::now();
    let m = c.consume(true).unwrap().expect("blocks until the message");
    assert!(
        t.elapsed() >= Duration::from_millis(700),
        "{:?}",
        t.elapsed()
    );
    assert_eq!((m.offset, m.value.as_deref()), (0, Some(&b"late"[..])));
    late.join().unwrap();
    c.stop().unwrap();
}

#[test]
fn gaps_do_not_stall_and_errors_do_not_kill_the_fetcher() {
    let rt = runtime();
    let fake = Fake::with_partitions(1, 0);
    {
        let mut i = fake.inner();
        let log = i.logs.get_mut(&0).unwrap();
        for o in [0, 1, 5, 9, 10] {
            log.records.push((o, vec![1]));
        }
        i.fetch_errors.push_back((0, KafkaCode::Unrecognized(999)));
        i.fetch_errors.push_back((0, KafkaCode::RequestTimedOut));
        i.fetch_errors
            .push_back((0, KafkaCode::NotLeaderForPartition));
        i.fail_fetches = 1;
    }
    let c = consumer(&rt, &fake, opts());
    let mut got = Vec::new();
    let mut errors = 0;
    while got.len() < 5 {
        match c.consume(true) {
            Ok(Some(m)) => got.push(m.offset),
            Ok(None) => panic!("stalled after {got:?}"),
            Err(e) => {
                assert_eq!(e.code(), Some(KafkaCode::Unrecognized(999)));
                errors += 1;
            }
        }
    }
    assert_eq!(got, vec![0, 1, 5, 9, 10]);
    assert_eq!(errors, 1);
    assert!(fake.inner().leader_refreshes >= 1);
}

#[test]
fn leader_move_loses_nothing() {
    let rt = runtime();
    let fake = Fake::with_partitions(2, 200);
    // A leaderless partition is looked up again every 500 ms: wait longer than that for a message.
    let c = consumer(
        &rt,
        &fake,
        ConsumerOptions {
            consumer_timeout_ms: 3000,
            ..opts()
        },
    );
    let mut seen = BTreeMap::<i32, Vec<i64>>::new();
    for n in 0..400 {
        if n == 100 {
            fake.inner().leaders.insert(0, Some(2));
        }
        if n == 150 {
            fake.inner().leaders.insert(1, None);
        }
        if n == 200 {
            fake.inner().leaders.insert(1, Some(3));
        }
        let m = c.consume(true).unwrap().expect("message");
        seen.entry(m.partition_id).or_default().push(m.offset);
    }
    for p in 0..2 {
        assert_eq!(seen[&p], (0..200).collect::<Vec<_>>());
    }
}

#[test]
fn oversized_message_is_consumed_after_growing() {
    let rt = runtime();
    let fake = Fake::with_partitions(1, 0);
    {
        let mut i = fake.inner();
        let log = i.logs.get_mut(&0).unwrap();
        log.records.push((0, vec![7; 10]));
        log.records.push((1, vec![7; 5000]));
        log.records.push((2, vec![7; 10]));
    }
    let c = consumer(
        &rt,
        &fake,
        ConsumerOptions {
            fetch_message_max_bytes: 1000,
            ..opts()
        },
    );
    let got: Vec<usize> = (0..3)
        .map(|_| c.consume(true).unwrap().unwrap().value.unwrap().len())
        .collect();
    assert_eq!(got, vec![10, 5000, 10]);
}

#[test]
fn auto_commit_on_stop() {
    let rt = runtime();
    let fake = Fake::with_partitions(1, 10);
    let c = consumer(
        &rt,
        &fake,
        ConsumerOptions {
            auto_commit_enable: true,
            ..grouped()
        },
    );
    offsets(&c, 4);
    c.stop().unwrap();
    assert_eq!(fake.inner().committed[&0], 4);
}

/// A partition with nothing new rides along in a request with data instead of a request of its own that the
/// broker holds for `fetch_wait_max_ms`, which would stall every response queued behind it on the connection.
#[test]
fn caught_up_partitions_do_not_hold_back_partitions_with_data() {
    let rt = runtime();
    let fake = Fake::with_partitions(4, 0);
    {
        let mut i = fake.inner();
        i.long_poll = true;
        let log = i.logs.get_mut(&0).unwrap();
        for o in 0..500 {
            log.records.push((o, vec![1]));
        }
    }
    let c = consumer(
        &rt,
        &fake,
        ConsumerOptions {
            fetch_wait_max_ms: 1000,
            queued_max_messages: 20,
            consumer_timeout_ms: 5000,
            ..opts()
        },
    );
    let t = Instant::now();
    // A consumer slower than the fetcher, so partition 0 is above the bound whenever the fetcher plans.
    let got: Vec<(i32, i64)> = (0..500)
        .map(|_| {
            std::thread::sleep(Duration::from_micros(200));
            offsets(&c, 1)[0]
        })
        .collect();
    // 500 records come 50 per fetch: held rounds would take a second each.
    assert!(t.elapsed() < Duration::from_secs(3), "{:?}", t.elapsed());
    assert_eq!(got, (0..500).map(|o| (0, o)).collect::<Vec<_>>());
    c.stop().unwrap();
}

/// Several requests are out at once on a broker's connection, never two for one partition, and the
/// prefetch stays bounded by `queued_max_messages` plus one fetch per partition.
#[test]
fn fetches_overlap_across_partitions_one_per_partition() {
    let rt = runtime();
    let fake = Fake::with_partitions(4, 2000);
    fake.inner().wire_time = Duration::from_millis(3);
    let c = consumer(
        &rt,
        &fake,
        ConsumerOptions {
            queued_max_messages: 10,
            ..opts()
        },
    );
    let mut seen = BTreeMap::<i32, Vec<i64>>::new();
    for n in 0..8000 {
        if n < 1000 {
            // A consumer slower than the wire: partitions drain below the bound one after another.
            std::thread::sleep(Duration::from_micros(200));
        }
        let m = c.consume(true).unwrap().expect("message");
        seen.entry(m.partition_id).or_default().push(m.offset);
        let buffered = c
            .shared_for_tests()
            .lock()
            .partitions
            .values()
            .map(|p| p.queue.len())
            .max();
        assert!(buffered.unwrap_or(0) < 10 + 50, "{buffered:?}");
    }
    for p in 0..4 {
        assert_eq!(seen[&p], (0..2000).collect::<Vec<_>>());
    }
    let i = fake.inner();
    assert_eq!(i.overlaps, 0, "two fetches of one partition at once");
    assert!(i.max_in_flight > 1, "never more than one request out");
}
