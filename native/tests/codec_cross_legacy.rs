//! Cross-checks of MessageSet v0/v1 against librdkafka. librdkafka's mock cluster stores only
//! v2, so this test runs a tiny fake broker (Metadata v0, Produce v0-v2, Fetch v0-v2) and
//! pins librdkafka to old protocol versions (`api.version.request=false`,
//! `broker.version.fallback` 0.9.0 → magic 0, 0.10.0 → magic 1):
//! - librdkafka produces with each codec; we decode what it sent (including magic-0 LZ4
//!   with the pre-0.10 header checksum);
//! - the fake broker serves our encoded message sets to librdkafka's consumer (which checks
//!   CRCs, and for magic 0 expects old Kafka's LZ4 header checksum).

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use ferrokafka_pure::compression::{lz4_framing_of, Compression, Lz4Framing};
use ferrokafka_pure::records::{
    decode_fetch_records, DecodeOptions, MessageSetBuilder, TimestampType,
};
use rdkafka::config::ClientConfig;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::message::Message;
use rdkafka::producer::{BaseProducer, BaseRecord, Producer};
use rdkafka::{Offset, Timestamp, TopicPartitionList};

const TOPIC: &str = "legacy";
const N: usize = 100;
const TS0: i64 = 1_600_000_000_000;
const CODECS: [Compression; 4] = [
    Compression::None,
    Compression::Gzip,
    Compression::Snappy,
    Compression::Lz4,
];

fn payload(i: usize) -> Vec<u8> {
    format!("legacy-{i}-").repeat(1 + i % 15).into_bytes()
}

#[derive(Default)]
struct State {
    /// Message sets received in Produce requests.
    produced: Vec<Bytes>,
    /// What Fetch at offset 0 returns.
    serve: Bytes,
}

struct FakeBroker {
    port: u16,
    state: Arc<Mutex<State>>,
}

impl FakeBroker {
    fn start() -> FakeBroker {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let state = Arc::new(Mutex::new(State::default()));
        let st = state.clone();
        std::thread::spawn(move || {
            for conn in listener.incoming() {
                let Ok(conn) = conn else { return };
                let st = st.clone();
                std::thread::spawn(move || serve(conn, port, st));
            }
        });
        FakeBroker { port, state }
    }

    fn bootstrap(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }
}

struct Cur<'a>(&'a [u8], usize);

impl Cur<'_> {
    fn take(&mut self, n: usize) -> &[u8] {
        let s = &self.0[self.1..self.1 + n];
        self.1 += n;
        s
    }
    fn i16(&mut self) -> i16 {
        i16::from_be_bytes(self.take(2).try_into().expect("2"))
    }
    fn i32(&mut self) -> i32 {
        i32::from_be_bytes(self.take(4).try_into().expect("4"))
    }
    fn i64(&mut self) -> i64 {
        i64::from_be_bytes(self.take(8).try_into().expect("8"))
    }
    fn string(&mut self) -> String {
        let n = self.i16();
        if n < 0 {
            return String::new();
        }
        String::from_utf8(self.take(n as usize).to_vec()).expect("utf8")
    }
}

fn put_str(b: &mut Vec<u8>, s: &str) {
    b.extend_from_slice(&(s.len() as i16).to_be_bytes());
    b.extend_from_slice(s.as_bytes());
}

fn serve(mut conn: TcpStream, port: u16, st: Arc<Mutex<State>>) {
    loop {
        let mut len = [0u8; 4];
        if conn.read_exact(&mut len).is_err() {
            return;
        }
        let mut req = vec![0u8; i32::from_be_bytes(len) as usize];
        if conn.read_exact(&mut req).is_err() {
            return;
        }
        let mut c = Cur(&req, 0);
        let api_key = c.i16();
        let version = c.i16();
        let corr = c.i32();
        c.string(); // client id
        let mut resp = corr.to_be_bytes().to_vec();
        match api_key {
            // Metadata v0: one broker, the topic with one partition led by it.
            3 => {
                resp.extend_from_slice(&1i32.to_be_bytes());
                resp.extend_from_slice(&0i32.to_be_bytes());
                put_str(&mut resp, "127.0.0.1");
                resp.extend_from_slice(&(port as i32).to_be_bytes());
                resp.extend_from_slice(&1i32.to_be_bytes());
                resp.extend_from_slice(&0i16.to_be_bytes());
                put_str(&mut resp, TOPIC);
                resp.extend_from_slice(&1i32.to_be_bytes());
                resp.extend_from_slice(&0i16.to_be_bytes());
                resp.extend_from_slice(&0i32.to_be_bytes()); // partition
                resp.extend_from_slice(&0i32.to_be_bytes()); // leader
                resp.extend_from_slice(&1i32.to_be_bytes());
                resp.extend_from_slice(&0i32.to_be_bytes()); // replicas
                resp.extend_from_slice(&1i32.to_be_bytes());
                resp.extend_from_slice(&0i32.to_be_bytes()); // isr
            }
            // Produce v0-v2.
            0 => {
                c.i16(); // acks
                c.i32(); // timeout
                assert_eq!(c.i32(), 1);
                let topic = c.string();
                assert_eq!(c.i32(), 1);
                let partition = c.i32();
                let n = c.i32();
                let set = Bytes::copy_from_slice(c.take(n as usize));
                let base = {
                    let mut s = st.lock().expect("lock");
                    s.produced.push(set);
                    s.produced.len() as i64 * 1000
                };
                resp.extend_from_slice(&1i32.to_be_bytes());
                put_str(&mut resp, &topic);
                resp.extend_from_slice(&1i32.to_be_bytes());
                resp.extend_from_slice(&partition.to_be_bytes());
                resp.extend_from_slice(&0i16.to_be_bytes());
                resp.extend_from_slice(&base.to_be_bytes());
                if version >= 2 {
                    resp.extend_from_slice(&(-1i64).to_be_bytes());
                }
                if version >= 1 {
                    resp.extend_from_slice(&0i32.to_be_bytes());
                }
            }
            // Fetch v0-v2: everything at offset 0, nothing after.
            1 => {
                c.i32(); // replica
                let max_wait = c.i32();
                c.i32(); // min bytes
                assert_eq!(c.i32(), 1);
                let topic = c.string();
                assert_eq!(c.i32(), 1);
                let partition = c.i32();
                let offset = c.i64();
                let serve = st.lock().expect("lock").serve.clone();
                let data = if offset == 0 {
                    serve.clone()
                } else {
                    Bytes::new()
                };
                if data.is_empty() {
                    std::thread::sleep(Duration::from_millis(max_wait.clamp(0, 100) as u64));
                }
                if version >= 1 {
                    resp.extend_from_slice(&0i32.to_be_bytes());
                }
                resp.extend_from_slice(&1i32.to_be_bytes());
                put_str(&mut resp, &topic);
                resp.extend_from_slice(&1i32.to_be_bytes());
                resp.extend_from_slice(&partition.to_be_bytes());
                resp.extend_from_slice(&0i16.to_be_bytes());
                resp.extend_from_slice(&(N as i64).to_be_bytes()); // high watermark
                resp.extend_from_slice(&(data.len() as i32).to_be_bytes());
                resp.extend_from_slice(&data);
            }
            // ApiVersions, which librdkafka sends for fallbacks >= 0.10 anyway: old versions
            // only. A v1+ request gets UNSUPPORTED_VERSION in v0 form, so it retries with v0.
            18 => {
                let (err, apis): (i16, &[(i16, i16, i16)]) = if version > 0 {
                    (35, &[(18, 0, 0)])
                } else {
                    (
                        0,
                        &[(0, 0, 2), (1, 0, 2), (3, 0, 0), (10, 0, 0), (18, 0, 0)],
                    )
                };
                resp.extend_from_slice(&err.to_be_bytes());
                resp.extend_from_slice(&(apis.len() as i32).to_be_bytes());
                for (k, lo, hi) in apis {
                    resp.extend_from_slice(&k.to_be_bytes());
                    resp.extend_from_slice(&lo.to_be_bytes());
                    resp.extend_from_slice(&hi.to_be_bytes());
                }
            }
            // GroupCoordinator v0 (librdkafka asks when group.id is set): this broker.
            10 => {
                resp.extend_from_slice(&0i16.to_be_bytes());
                resp.extend_from_slice(&0i32.to_be_bytes());
                put_str(&mut resp, "127.0.0.1");
                resp.extend_from_slice(&(port as i32).to_be_bytes());
            }
            other => {
                eprintln!("fake broker: unexpected api key {other} v{version}; closing");
                return;
            }
        }
        let mut out = (resp.len() as i32).to_be_bytes().to_vec();
        out.extend_from_slice(&resp);
        if conn.write_all(&out).is_err() {
            return;
        }
    }
}

fn fallback(magic: i8) -> &'static str {
    if magic == 0 {
        "0.9.0"
    } else {
        "0.10.0"
    }
}

/// The value of the first (wrapper) message of a v0/v1 message set.
fn wrapper_value(set: &[u8]) -> &[u8] {
    let magic = set[16];
    let key_at = 18 + if magic == 1 { 8 } else { 0 };
    assert_eq!(
        &set[key_at..key_at + 4],
        &(-1i32).to_be_bytes(),
        "null wrapper key"
    );
    let len = i32::from_be_bytes(set[key_at + 4..key_at + 8].try_into().expect("4")) as usize;
    &set[key_at + 8..key_at + 8 + len]
}

#[test]
fn librdkafka_message_sets_decode() {
    for magic in [0i8, 1] {
        for codec in CODECS {
            let broker = FakeBroker::start();
            let producer: BaseProducer = ClientConfig::new()
                .set("bootstrap.servers", broker.bootstrap())
                .set("api.version.request", "false")
                .set("broker.version.fallback", fallback(magic))
                .set("compression.type", codec.name())
                .set("linger.ms", "50")
                .create()
                .expect("producer");
            for i in 0..N {
                let key = format!("k{i}");
                let value = payload(i);
                let rec = BaseRecord::to(TOPIC)
                    .key(&key)
                    .payload(&value)
                    .timestamp(TS0 + i as i64);
                producer.send(rec).map_err(|(e, _)| e).expect("send");
                producer.poll(Duration::ZERO);
            }
            producer.flush(Duration::from_secs(20)).expect("flush");
            let sets = std::mem::take(&mut broker.state.lock().expect("lock").produced);
            assert!(!sets.is_empty());
            let mut records = Vec::new();
            for set in &sets {
                if codec == Compression::Lz4 {
                    // librdkafka writes magic-0 LZ4 with old Kafka's header checksum.
                    let want = if magic == 0 {
                        Lz4Framing::OldKafka
                    } else {
                        Lz4Framing::Standard
                    };
                    assert_eq!(
                        lz4_framing_of(wrapper_value(set)),
                        Some(want),
                        "magic {magic}"
                    );
                }
                let f = decode_fetch_records(set, &DecodeOptions::default());
                assert_eq!(f.error, None, "magic {magic} {codec}");
                assert_eq!(f.consumed, set.len());
                assert!(
                    f.batches
                        .iter()
                        .all(|b| b.magic == magic && b.compression == codec),
                    "magic {magic} {codec}: {:?}",
                    f.batches
                );
                records.extend(f.records);
            }
            assert_eq!(records.len(), N, "magic {magic} {codec}");
            // Optionally keep librdkafka's bytes as fuzz seeds.
            if let Ok(dir) = std::env::var("FERRO_WRITE_CORPUS") {
                std::fs::write(format!("{dir}/rdkafka_v{magic}_{}", codec.name()), &sets[0])
                    .expect("write seed");
            }
            for (i, r) in records.iter().enumerate() {
                assert_eq!(r.key.as_deref(), Some(format!("k{i}").as_bytes()));
                assert_eq!(r.value.as_deref(), Some(&payload(i)[..]));
                if magic == 1 {
                    assert_eq!(
                        (r.timestamp, r.timestamp_type),
                        (TS0 + i as i64, TimestampType::CreateTime)
                    );
                } else {
                    assert_eq!(r.timestamp_type, TimestampType::NotAvailable);
                }
            }
        }
    }
}

#[test]
fn our_message_sets_consumed_by_librdkafka() {
    for magic in [0i8, 1] {
        for codec in CODECS {
            let broker = FakeBroker::start();
            // Two entries: the first N/2 messages compressed (or not) together, then the rest.
            let mut serve = Vec::new();
            for half in 0..2 {
                let mut b = MessageSetBuilder::new(magic, codec)
                    .expect("builder")
                    .base_offset((half * N / 2) as i64);
                for i in half * N / 2..(half + 1) * N / 2 {
                    let key = (i % 4 != 0).then(|| format!("k{i}"));
                    b.push(
                        TS0 + i as i64,
                        key.as_deref().map(str::as_bytes),
                        Some(&payload(i)),
                    )
                    .expect("push");
                }
                serve.extend_from_slice(&b.finish().expect("finish"));
            }
            broker.state.lock().expect("lock").serve = Bytes::from(serve);
            let consumer: BaseConsumer = ClientConfig::new()
                .set("bootstrap.servers", broker.bootstrap())
                .set("api.version.request", "false")
                .set("broker.version.fallback", fallback(magic))
                .set("group.id", "legacy")
                .set("enable.auto.commit", "false")
                .set("check.crcs", "true")
                .create()
                .expect("consumer");
            let mut tpl = TopicPartitionList::new();
            tpl.add_partition_offset(TOPIC, 0, Offset::Offset(0))
                .expect("tpl");
            consumer.assign(&tpl).expect("assign");
            let deadline = Instant::now() + Duration::from_secs(20);
            let mut got = 0;
            while got < N && Instant::now() < deadline {
                let Some(m) = consumer.poll(Duration::from_millis(200)) else {
                    continue;
                };
                let m = m.unwrap_or_else(|e| {
                    panic!("magic {magic} {codec}: librdkafka rejected our set: {e}")
                });
                let i = got;
                assert_eq!(m.offset(), i as i64, "magic {magic} {codec}");
                let key = (i % 4 != 0).then(|| format!("k{i}"));
                assert_eq!(m.key(), key.as_deref().map(str::as_bytes));
                assert_eq!(m.payload(), Some(&payload(i)[..]));
                if magic == 1 {
                    assert_eq!(m.timestamp(), Timestamp::CreateTime(TS0 + i as i64));
                }
                got += 1;
            }
            assert_eq!(got, N, "magic {magic} {codec}");
        }
    }
}
