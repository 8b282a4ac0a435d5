//! Cross-checks of the pure engine's RecordBatch v2 codec against librdkafka, through
//! librdkafka's mock cluster (no broker needed):
//! - librdkafka produces with each codec; we read the stored batches with a raw Fetch and
//!   decode them with `ferrokafka_pure::records`;
//! - we encode batches with each codec and write them with a raw Produce; librdkafka's
//!   consumer (with `check.crcs`) reads them back.
//! - a librdkafka transaction is aborted; our decoder sees the ABORT control batch and
//!   `retain_committed` drops the aborted records.
//!
//! The mock cluster only stores MsgVersion 2, so v0/v1 are not cross-checked here.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use bytes::Bytes;
use ferrokafka_pure::compression::Compression;
use ferrokafka_pure::records::{
    decode_fetch_records, AbortedTransaction, BatchOptions, ControlType, DecodeOptions,
    FetchRecords, Header, RecordBatchBuilder, TimestampType,
};
use rdkafka::config::ClientConfig;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::message::{Header as RdHeader, Headers, Message, OwnedHeaders};
use rdkafka::mocking::MockCluster;
use rdkafka::producer::{BaseProducer, BaseRecord, Producer};
use rdkafka::{Offset, Timestamp, TopicPartitionList};

const N: usize = 200;
const TS0: i64 = 1_700_000_000_000;

fn payload(i: usize) -> Vec<u8> {
    format!("value-{i}-").repeat(1 + i % 20).into_bytes()
}

/// A minimal blocking Kafka client for the two raw requests we need.
struct Raw {
    s: TcpStream,
    corr: i32,
}

impl Raw {
    fn connect(bootstrap: &str) -> Raw {
        let addr = bootstrap.split(',').next().expect("a broker");
        let s = TcpStream::connect(addr).expect("connect to mock broker");
        s.set_read_timeout(Some(Duration::from_secs(10)))
            .expect("timeout");
        Raw { s, corr: 0 }
    }

    fn request(&mut self, api_key: i16, version: i16, body: &[u8]) -> Vec<u8> {
        self.corr += 1;
        let mut req = Vec::new();
        req.extend_from_slice(&api_key.to_be_bytes());
        req.extend_from_slice(&version.to_be_bytes());
        req.extend_from_slice(&self.corr.to_be_bytes());
        put_str(&mut req, "codec-cross");
        req.extend_from_slice(body);
        self.s
            .write_all(&(req.len() as i32).to_be_bytes())
            .expect("write");
        self.s.write_all(&req).expect("write");
        let mut len = [0u8; 4];
        self.s.read_exact(&mut len).expect("read size");
        let mut resp = vec![0u8; i32::from_be_bytes(len) as usize];
        self.s.read_exact(&mut resp).expect("read body");
        assert_eq!(
            i32::from_be_bytes([resp[0], resp[1], resp[2], resp[3]]),
            self.corr
        );
        resp.split_off(4)
    }

    /// Fetch v4 of partition 0: (error code, aborted transactions, records bytes).
    fn fetch(
        &mut self,
        topic: &str,
        offset: i64,
        isolation: i8,
    ) -> (i16, Vec<AbortedTransaction>, Bytes) {
        let mut b = Vec::new();
        b.extend_from_slice(&(-1i32).to_be_bytes()); // replica id
        b.extend_from_slice(&100i32.to_be_bytes()); // max wait
        b.extend_from_slice(&1i32.to_be_bytes()); // min bytes
        b.extend_from_slice(&(16i32 << 20).to_be_bytes()); // max bytes
        b.push(isolation as u8);
        b.extend_from_slice(&1i32.to_be_bytes());
        put_str(&mut b, topic);
        b.extend_from_slice(&1i32.to_be_bytes());
        b.extend_from_slice(&0i32.to_be_bytes());
        b.extend_from_slice(&offset.to_be_bytes());
        b.extend_from_slice(&(16i32 << 20).to_be_bytes());
        let r = self.request(1, 4, &b);
        let mut c = Cursor(&r, 0);
        c.i32(); // throttle
        assert_eq!(c.i32(), 1);
        c.string();
        assert_eq!(c.i32(), 1);
        c.i32(); // partition
        let err = c.i16();
        c.i64(); // high watermark
        c.i64(); // last stable offset
        let n = c.i32();
        let aborted = (0..n.max(0))
            .map(|_| AbortedTransaction {
                producer_id: c.i64(),
                first_offset: c.i64(),
            })
            .collect();
        let len = c.i32();
        let records = if len < 0 {
            Bytes::new()
        } else {
            Bytes::copy_from_slice(c.take(len as usize))
        };
        (err, aborted, records)
    }

    /// Produce v3 of one batch to partition 0: (error code, base offset).
    fn produce(&mut self, topic: &str, batch: &[u8]) -> (i16, i64) {
        let mut b = Vec::new();
        b.extend_from_slice(&(-1i16).to_be_bytes()); // transactional id
        b.extend_from_slice(&(-1i16).to_be_bytes()); // acks
        b.extend_from_slice(&5000i32.to_be_bytes());
        b.extend_from_slice(&1i32.to_be_bytes());
        put_str(&mut b, topic);
        b.extend_from_slice(&1i32.to_be_bytes());
        b.extend_from_slice(&0i32.to_be_bytes());
        b.extend_from_slice(&(batch.len() as i32).to_be_bytes());
        b.extend_from_slice(batch);
        let r = self.request(0, 3, &b);
        let mut c = Cursor(&r, 0);
        assert_eq!(c.i32(), 1);
        c.string();
        assert_eq!(c.i32(), 1);
        c.i32();
        let err = c.i16();
        (err, c.i64())
    }
}

fn put_str(b: &mut Vec<u8>, s: &str) {
    b.extend_from_slice(&(s.len() as i16).to_be_bytes());
    b.extend_from_slice(s.as_bytes());
}

struct Cursor<'a>(&'a [u8], usize);

impl Cursor<'_> {
    fn take(&mut self, n: usize) -> &[u8] {
        let s = &self.0[self.1..self.1 + n];
        self.1 += n;
        s
    }
    fn i16(&mut self) -> i16 {
        i16::from_be_bytes(self.take(2).try_into().expect("2 bytes"))
    }
    fn i32(&mut self) -> i32 {
        i32::from_be_bytes(self.take(4).try_into().expect("4 bytes"))
    }
    fn i64(&mut self) -> i64 {
        i64::from_be_bytes(self.take(8).try_into().expect("8 bytes"))
    }
    fn string(&mut self) -> String {
        let n = self.i16();
        String::from_utf8(self.take(n as usize).to_vec()).expect("utf8")
    }
}

/// Fetches from offset 0 until `want` data records arrived (or 20 s passed).
fn fetch_all(
    raw: &mut Raw,
    topic: &str,
    want: usize,
    isolation: i8,
) -> (FetchRecords, Vec<AbortedTransaction>, Vec<Bytes>) {
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut all = FetchRecords::default();
    let mut aborted = Vec::new();
    let mut raws = Vec::new();
    let mut offset = 0;
    while all.records.len() < want && Instant::now() < deadline {
        let (err, ab, bytes) = raw.fetch(topic, offset, isolation);
        assert_eq!(err, 0, "fetch error");
        aborted.extend(ab);
        if bytes.is_empty() {
            std::thread::sleep(Duration::from_millis(50));
            continue;
        }
        let f = decode_fetch_records(&bytes, &DecodeOptions::default());
        assert_eq!(f.error, None, "decode error");
        assert_eq!(f.needed_size, None);
        let base = all.records.len();
        offset = f.next_offset.expect("a complete batch");
        all.records.extend(f.records);
        all.batches.extend(f.batches.into_iter().map(|mut b| {
            b.records = b.records.start + base..b.records.end + base;
            b
        }));
        raws.push(bytes);
    }
    (all, aborted, raws)
}

fn codec_name(c: Compression) -> &'static str {
    c.name()
}

#[test]
fn librdkafka_batches_decode() {
    let cluster = MockCluster::new(1).expect("mock cluster");
    for codec in Compression::ALL {
        let topic = format!("rd-{}", codec_name(codec));
        cluster.create_topic(&topic, 1, 1).expect("topic");
        let producer: BaseProducer = ClientConfig::new()
            .set("bootstrap.servers", cluster.bootstrap_servers())
            .set("compression.type", codec_name(codec))
            .set("linger.ms", "50")
            .create()
            .expect("producer");
        for i in 0..N {
            let key = format!("k{i}");
            let value = payload(i);
            let mut rec = BaseRecord::to(&topic)
                .key(&key)
                .payload(&value)
                .timestamp(TS0 + i as i64);
            if i % 2 == 0 {
                let h = OwnedHeaders::new()
                    .insert(RdHeader {
                        key: "h",
                        value: Some(&format!("v{i}")),
                    })
                    .insert(RdHeader {
                        key: "null",
                        value: None::<&[u8]>,
                    });
                rec = rec.headers(h);
            }
            producer.send(rec).map_err(|(e, _)| e).expect("send");
            producer.poll(Duration::ZERO);
        }
        producer.flush(Duration::from_secs(20)).expect("flush");

        let mut raw = Raw::connect(&cluster.bootstrap_servers());
        let (f, _, raws) = fetch_all(&mut raw, &topic, N, 0);
        assert_eq!(f.records.len(), N, "{codec}");
        assert!(
            f.batches
                .iter()
                .all(|b| b.magic == 2 && b.compression == codec),
            "{codec}: {:?}",
            f.batches.first()
        );
        for (i, r) in f.records.iter().enumerate() {
            assert_eq!(r.offset, i as i64);
            assert_eq!(r.key.as_deref(), Some(format!("k{i}").as_bytes()));
            assert_eq!(r.value.as_deref(), Some(&payload(i)[..]));
            assert_eq!(
                (r.timestamp, r.timestamp_type),
                (TS0 + i as i64, TimestampType::CreateTime)
            );
            if i % 2 == 0 {
                assert_eq!(
                    r.headers,
                    vec![
                        Header {
                            key: "h".into(),
                            value: Some(Bytes::from(format!("v{i}")))
                        },
                        Header {
                            key: "null".into(),
                            value: None
                        },
                    ]
                );
            } else {
                assert!(r.headers.is_empty());
            }
        }
        // Optionally keep librdkafka's bytes as fuzz seeds.
        if let Ok(dir) = std::env::var("FERRO_WRITE_CORPUS") {
            std::fs::write(format!("{dir}/rdkafka_v2_{}", codec_name(codec)), &raws[0])
                .expect("write seed");
        }
    }
}

#[test]
fn our_batches_consumed_by_librdkafka() {
    let cluster = MockCluster::new(1).expect("mock cluster");
    for codec in Compression::ALL {
        let topic = format!("ours-{}", codec_name(codec));
        cluster.create_topic(&topic, 1, 1).expect("topic");
        let mut raw = Raw::connect(&cluster.bootstrap_servers());
        // Two batches, so offsets and the second batch's base are checked too.
        for half in 0..2 {
            let mut b = RecordBatchBuilder::new(BatchOptions {
                compression: codec,
                ..Default::default()
            });
            for i in half * N / 2..(half + 1) * N / 2 {
                let headers = if i % 3 == 0 {
                    vec![
                        Header {
                            key: "h".into(),
                            value: Some(Bytes::from(format!("v{i}"))),
                        },
                        Header {
                            key: "null".into(),
                            value: None,
                        },
                    ]
                } else {
                    vec![]
                };
                let key = (i % 5 != 0).then(|| format!("k{i}"));
                b.push(
                    TS0 + i as i64,
                    key.as_deref().map(str::as_bytes),
                    Some(&payload(i)),
                    &headers,
                )
                .expect("push");
            }
            let batch = b.finish().expect("finish");
            let (err, base) = raw.produce(&topic, &batch);
            assert_eq!((err, base), (0, (half * N / 2) as i64), "{codec}");
        }

        let consumer: BaseConsumer = ClientConfig::new()
            .set("bootstrap.servers", cluster.bootstrap_servers())
            .set("group.id", "codec-cross")
            .set("enable.auto.commit", "false")
            .set("check.crcs", "true")
            .create()
            .expect("consumer");
        let mut tpl = TopicPartitionList::new();
        tpl.add_partition_offset(&topic, 0, Offset::Beginning)
            .expect("tpl");
        consumer.assign(&tpl).expect("assign");
        let deadline = Instant::now() + Duration::from_secs(20);
        let mut got = 0;
        while got < N && Instant::now() < deadline {
            let Some(m) = consumer.poll(Duration::from_millis(200)) else {
                continue;
            };
            let m = m.unwrap_or_else(|e| panic!("{codec}: librdkafka rejected our batch: {e}"));
            let i = got;
            assert_eq!(m.offset(), i as i64);
            let key = (i % 5 != 0).then(|| format!("k{i}"));
            assert_eq!(m.key(), key.as_deref().map(str::as_bytes));
            assert_eq!(m.payload(), Some(&payload(i)[..]));
            assert_eq!(m.timestamp(), Timestamp::CreateTime(TS0 + i as i64));
            match m.headers() {
                None => assert!(i % 3 != 0, "{codec}: headers missing at {i}"),
                Some(h) => {
                    assert_eq!(h.count(), 2);
                    let a = h.get(0);
                    assert_eq!((a.key, a.value), ("h", Some(format!("v{i}").as_bytes())));
                    let b = h.get(1);
                    assert_eq!((b.key, b.value), ("null", None));
                }
            }
            got += 1;
        }
        assert_eq!(got, N, "{codec}");
    }
}

/// librdkafka's transactional batches carry the flags and producer fields we expose.
/// (The mock cluster writes no control markers nor aborted-transaction lists, so marker
/// filtering is covered by the unit tests and `tests/integration/consumer.rs`'s
/// `transactional_gaps_and_read_committed` against real brokers.)
#[test]
fn librdkafka_transactional_batches_decode() {
    let cluster = MockCluster::new(1).expect("mock cluster");
    let topic = "txn";
    cluster.create_topic(topic, 1, 1).expect("topic");
    let producer: BaseProducer = ClientConfig::new()
        .set("bootstrap.servers", cluster.bootstrap_servers())
        .set("transactional.id", "codec-cross-txn")
        .set("compression.type", "lz4")
        .create()
        .expect("producer");
    let t = Duration::from_secs(20);
    producer.init_transactions(t).expect("init");
    producer.begin_transaction().expect("begin");
    for i in 0..10 {
        let v = format!("txn-{i}");
        producer
            .send(BaseRecord::<(), _>::to(topic).payload(&v))
            .map_err(|(e, _)| e)
            .expect("send");
    }
    producer.flush(t).expect("flush");
    producer.commit_transaction(t).expect("commit");
    let mut raw = Raw::connect(&cluster.bootstrap_servers());
    let (f, _, _) = fetch_all(&mut raw, topic, 10, 1);
    assert_eq!(f.records.len(), 10);
    for b in &f.batches {
        assert!(b.is_transactional && !b.is_control);
        assert!(
            b.producer_id >= 0 && b.producer_epoch >= 0 && b.base_sequence >= 0,
            "{b:?}"
        );
    }
}

/// Our control batch (an ABORT marker between transactional batches) is recognised as
/// control by librdkafka: its record is never delivered and offsets line up around it.
#[test]
fn our_control_batch_skipped_by_librdkafka() {
    let cluster = MockCluster::new(1).expect("mock cluster");
    let topic = "ours-control";
    cluster.create_topic(topic, 1, 1).expect("topic");
    let mut raw = Raw::connect(&cluster.bootstrap_servers());
    let txn = BatchOptions {
        producer_id: 4242,
        producer_epoch: 0,
        base_sequence: 0,
        transactional: true,
        ..Default::default()
    };
    let mut b = RecordBatchBuilder::new(txn);
    b.push(TS0, None, Some(b"a"), &[]).expect("push");
    b.push(TS0, None, Some(b"b"), &[]).expect("push");
    assert_eq!(raw.produce(topic, &b.finish().expect("finish")), (0, 0));
    let mut c = RecordBatchBuilder::new(BatchOptions {
        control: true,
        base_sequence: -1,
        ..txn
    });
    c.push(
        TS0,
        Some(&ferrokafka_pure::records::ControlMarker::key_bytes(
            ControlType::Abort,
        )),
        Some(&ferrokafka_pure::records::ControlMarker::value_bytes(0)),
        &[],
    )
    .expect("push");
    assert_eq!(raw.produce(topic, &c.finish().expect("finish")), (0, 2));
    let mut d = RecordBatchBuilder::new(BatchOptions::default());
    d.push(TS0, None, Some(b"c"), &[]).expect("push");
    assert_eq!(raw.produce(topic, &d.finish().expect("finish")), (0, 3));

    // Our own decoder agrees on the layout.
    let (f, _, _) = fetch_all(&mut raw, topic, 3, 0);
    assert_eq!(
        f.batches.iter().map(|b| b.is_control).collect::<Vec<_>>(),
        [false, true, false]
    );
    assert_eq!(
        f.batches[1].control.map(|c| c.kind),
        Some(ControlType::Abort)
    );

    let consumer: BaseConsumer = ClientConfig::new()
        .set("bootstrap.servers", cluster.bootstrap_servers())
        .set("group.id", "codec-cross")
        .set("enable.auto.commit", "false")
        .set("check.crcs", "true")
        .create()
        .expect("consumer");
    let mut tpl = TopicPartitionList::new();
    tpl.add_partition_offset(topic, 0, Offset::Beginning)
        .expect("tpl");
    consumer.assign(&tpl).expect("assign");
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut got = Vec::new();
    while got.len() < 3 && Instant::now() < deadline {
        if let Some(m) = consumer.poll(Duration::from_millis(200)) {
            let m = m.expect("librdkafka accepted our batches");
            got.push((m.offset(), m.payload().map(<[u8]>::to_vec)));
        }
    }
    assert_eq!(
        got,
        [
            (0, Some(b"a".to_vec())),
            (1, Some(b"b".to_vec())),
            (3, Some(b"c".to_vec()))
        ]
    );
}
