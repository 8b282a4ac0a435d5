//! Round trips, truncation, transactions and totality of the record decoders.

use bytes::{Bytes, BytesMut};
use proptest::prelude::*;

use super::*;
use crate::protocol::ProtocolError;

const V2_CODECS: [Compression; 5] = Compression::ALL;
const V01_CODECS: [Compression; 4] = [
    Compression::None,
    Compression::Gzip,
    Compression::Snappy,
    Compression::Lz4,
];

#[derive(Debug, Clone)]
struct In {
    ts: i64,
    key: Option<Vec<u8>>,
    value: Option<Vec<u8>>,
    headers: Vec<Header>,
}

fn v2(inputs: &[In], opts: BatchOptions) -> Bytes {
    let mut b = RecordBatchBuilder::new(opts);
    for r in inputs {
        b.push(r.ts, r.key.as_deref(), r.value.as_deref(), &r.headers)
            .unwrap();
    }
    b.finish().unwrap()
}

fn msgset(inputs: &[In], magic: i8, codec: Compression, base: i64) -> Bytes {
    let mut b = MessageSetBuilder::new(magic, codec)
        .unwrap()
        .base_offset(base);
    for r in inputs {
        b.push(r.ts, r.key.as_deref(), r.value.as_deref()).unwrap();
    }
    b.finish().unwrap()
}

fn simple(n: usize) -> Vec<In> {
    (0..n)
        .map(|i| In {
            ts: 1_700_000_000_000 + i as i64,
            key: if i % 3 == 0 {
                None
            } else {
                Some(format!("k{i}").into_bytes())
            },
            value: Some(vec![i as u8; i % 50]),
            headers: if i % 2 == 0 {
                vec![]
            } else {
                vec![
                    Header {
                        key: "h".into(),
                        value: Some(Bytes::from_static(b"v")),
                    },
                    Header {
                        key: "n".into(),
                        value: None,
                    },
                ]
            },
        })
        .collect()
}

fn check(inputs: &[In], out: &[Record], base: i64, magic: i8) {
    assert_eq!(out.len(), inputs.len());
    for (i, (a, r)) in inputs.iter().zip(out).enumerate() {
        assert_eq!(r.offset, base + i as i64);
        assert_eq!(r.key.as_deref(), a.key.as_deref());
        assert_eq!(r.value.as_deref(), a.value.as_deref());
        match magic {
            0 => {
                assert_eq!(r.timestamp, -1);
                assert_eq!(r.timestamp_type, TimestampType::NotAvailable);
            }
            _ => {
                assert_eq!(r.timestamp, a.ts);
                assert_eq!(r.timestamp_type, TimestampType::CreateTime);
            }
        }
        if magic == 2 {
            assert_eq!(r.headers, a.headers);
        } else {
            assert!(r.headers.is_empty());
        }
    }
}

#[test]
fn v2_roundtrip_every_codec() {
    let inputs = simple(100);
    for codec in V2_CODECS {
        let opts = BatchOptions {
            base_offset: 1000,
            compression: codec,
            ..Default::default()
        };
        let bytes = v2(&inputs, opts);
        let (batch, n) = decode_batch(&bytes, &DecodeOptions::default()).unwrap();
        assert_eq!(n, bytes.len());
        assert_eq!(batch.header.compression(), Some(codec));
        assert_eq!(batch.header.record_count, 100);
        assert_eq!(batch.header.last_offset(), 1099);
        assert_eq!(batch.header.max_timestamp, inputs[99].ts);
        check(&inputs, &batch.records, 1000, 2);
        let f = decode_fetch_records(&bytes, &DecodeOptions::default());
        assert_eq!(f.error, None);
        assert_eq!(f.next_offset, Some(1100));
        check(&inputs, &f.records, 1000, 2);
    }
}

#[test]
fn v01_roundtrip_every_codec() {
    let inputs = simple(50);
    for magic in [0, 1] {
        for codec in V01_CODECS {
            let bytes = msgset(&inputs, magic, codec, 500);
            let f = decode_fetch_records(&bytes, &DecodeOptions::default());
            assert_eq!(f.error, None, "magic {magic} {codec}");
            check(&inputs, &f.records, 500, magic);
            assert_eq!(f.next_offset, Some(550));
            assert_eq!(f.consumed, bytes.len());
            if codec != Compression::None {
                assert_eq!(f.batches.len(), 1);
                assert_eq!(f.batches[0].base_offset, 500);
                assert_eq!(f.batches[0].last_offset, 549);
                assert_eq!(f.batches[0].compression, codec);
            }
        }
    }
}

#[test]
fn zstd_refused_in_message_sets() {
    assert!(MessageSetBuilder::new(1, Compression::Zstd).is_err());
    assert!(MessageSetBuilder::new(2, Compression::None).is_err());
}

#[test]
fn uncompressed_values_are_zero_copy() {
    let inputs = simple(10);
    let bytes = v2(&inputs, BatchOptions::default());
    let f = decode_fetch_records(&bytes, &DecodeOptions::default());
    let range = bytes.as_ptr() as usize..bytes.as_ptr() as usize + bytes.len();
    for r in &f.records {
        if let Some(v) = r.value.as_ref().filter(|v| !v.is_empty()) {
            assert!(range.contains(&(v.as_ptr() as usize)));
        }
    }
    let ms = msgset(&inputs, 1, Compression::None, 0);
    let f = decode_fetch_records(&ms, &DecodeOptions::default());
    let range = ms.as_ptr() as usize..ms.as_ptr() as usize + ms.len();
    let v = f.records[5].value.as_ref().unwrap();
    assert!(range.contains(&(v.as_ptr() as usize)));
}

#[test]
fn mixed_formats_in_one_fetch() {
    let inputs = simple(5);
    let mut buf = BytesMut::new();
    buf.extend_from_slice(&msgset(&inputs, 0, Compression::None, 0));
    buf.extend_from_slice(&msgset(&inputs, 1, Compression::Gzip, 5));
    buf.extend_from_slice(&v2(
        &inputs,
        BatchOptions {
            base_offset: 10,
            compression: Compression::Lz4,
            ..Default::default()
        },
    ));
    buf.extend_from_slice(&msgset(&inputs, 0, Compression::Lz4, 15));
    let f = decode_fetch_records(&buf.freeze(), &DecodeOptions::default());
    assert_eq!(f.error, None);
    assert_eq!(f.records.len(), 20);
    assert!(f
        .records
        .iter()
        .enumerate()
        .all(|(i, r)| r.offset == i as i64));
    assert_eq!(
        f.batches.iter().map(|b| b.magic).collect::<Vec<_>>(),
        [0, 0, 0, 0, 0, 1, 2, 0]
    );
    assert_eq!(f.next_offset, Some(20));
}

#[test]
fn truncated_tail_is_dropped_and_first_entry_reports_needed_size() {
    let a = v2(&simple(10), BatchOptions::default());
    let b = v2(
        &simple(10),
        BatchOptions {
            base_offset: 10,
            ..Default::default()
        },
    );
    let mut buf = BytesMut::new();
    buf.extend_from_slice(&a);
    buf.extend_from_slice(&b);
    let full = buf.freeze();
    for cut in 0..full.len() {
        let f = decode_fetch_records(&full.slice(..cut), &DecodeOptions::default());
        assert_eq!(f.error, None, "cut {cut}");
        if cut < a.len() {
            assert!(f.records.is_empty());
            assert_eq!(
                f.needed_size,
                if cut >= LOG_OVERHEAD {
                    Some(a.len())
                } else {
                    None
                }
            );
        } else {
            assert_eq!(f.records.len(), 10);
            assert_eq!(f.needed_size, None);
            assert_eq!(f.consumed, a.len());
            assert_eq!(f.next_offset, Some(10));
        }
    }
    // Same for message sets.
    let m = msgset(&simple(3), 1, Compression::None, 0);
    let f = decode_fetch_records(&m.slice(..m.len() - 1), &DecodeOptions::default());
    assert_eq!(f.records.len(), 2);
    assert_eq!(f.error, None);
}

#[test]
fn corrupt_entry_keeps_earlier_records() {
    let a = v2(&simple(4), BatchOptions::default());
    let mut b = v2(
        &simple(4),
        BatchOptions {
            base_offset: 4,
            ..Default::default()
        },
    )
    .to_vec();
    b[34] ^= 0xff; // a base-timestamp byte
    let mut buf = a.to_vec();
    buf.extend_from_slice(&b);
    let f = decode_fetch_records(&Bytes::from(buf.clone()), &DecodeOptions::default());
    assert_eq!(f.records.len(), 4);
    assert_eq!(f.consumed, a.len());
    assert!(
        matches!(f.error, Some(ProtocolError::Checksum { .. })),
        "{:?}",
        f.error
    );
    // Without CRC checks the changed timestamp goes unnoticed.
    let f = decode_fetch_records(
        &Bytes::from(buf),
        &DecodeOptions {
            verify_crc: false,
            ..Default::default()
        },
    );
    assert_eq!(f.records.len(), 8);
}

#[test]
fn message_crc_is_checked() {
    let mut m = msgset(&simple(1), 1, Compression::None, 0).to_vec();
    let last = m.len() - 1;
    m[last] ^= 1;
    let f = decode_fetch_records(&Bytes::from(m), &DecodeOptions::default());
    assert!(matches!(f.error, Some(ProtocolError::Checksum { .. })));
}

#[test]
fn log_append_time_and_flags() {
    let inputs = simple(3);
    let opts = BatchOptions {
        timestamp_type: TimestampType::LogAppendTime,
        producer_id: 77,
        producer_epoch: 3,
        base_sequence: 12,
        transactional: true,
        partition_leader_epoch: 9,
        ..Default::default()
    };
    let bytes = v2(&inputs, opts);
    let f = decode_fetch_records(&bytes, &DecodeOptions::default());
    let b = &f.batches[0];
    assert!(b.is_transactional && !b.is_control);
    assert_eq!(
        (
            b.producer_id,
            b.producer_epoch,
            b.base_sequence,
            b.partition_leader_epoch
        ),
        (77, 3, 12, 9)
    );
    assert!(f
        .records
        .iter()
        .all(|r| r.timestamp == inputs[2].ts && r.timestamp_type == TimestampType::LogAppendTime));
}

/// A v1 wrapper with LogAppendTime, as a broker writes it: inner timestamps come from the wrapper.
#[test]
fn v1_wrapper_log_append_time() {
    let mut m = msgset(&simple(3), 1, Compression::Gzip, 0).to_vec();
    m[17] |= 0x08; // attributes
    m[18..26].copy_from_slice(&42i64.to_be_bytes());
    let crc = crc32fast::hash(&m[16..]);
    m[12..16].copy_from_slice(&crc.to_be_bytes());
    let f = decode_fetch_records(&Bytes::from(m), &DecodeOptions::default());
    assert_eq!(f.error, None);
    assert!(f
        .records
        .iter()
        .all(|r| r.timestamp == 42 && r.timestamp_type == TimestampType::LogAppendTime));
}

/// Magic-1 inner offsets are relative to the wrapper's (last) offset, even with gaps.
#[test]
fn v1_relative_offsets_with_gaps() {
    // Build an inner set with relative offsets 0, 2, 5 by hand, then wrap it.
    let mut inner = BytesMut::new();
    for (rel, v) in [(0i64, b"a"), (2, b"b"), (5, b"c")] {
        let mut one = MessageSetBuilder::new(1, Compression::None)
            .unwrap()
            .base_offset(rel);
        one.push(1, None, Some(v)).unwrap();
        inner.extend_from_slice(&one.finish().unwrap());
    }
    let mut comp = BytesMut::new();
    crate::compression::compress(Compression::Snappy, &inner, &mut comp).unwrap();
    let mut w = Vec::new();
    w.extend_from_slice(&105i64.to_be_bytes());
    let size = 4 + 1 + 1 + 8 + 4 + 4 + comp.len();
    w.extend_from_slice(&(size as i32).to_be_bytes());
    w.extend_from_slice(&[0; 4]);
    w.extend_from_slice(&[1, 2]);
    w.extend_from_slice(&7i64.to_be_bytes());
    w.extend_from_slice(&(-1i32).to_be_bytes());
    w.extend_from_slice(&(comp.len() as i32).to_be_bytes());
    w.extend_from_slice(&comp);
    let crc = crc32fast::hash(&w[16..]);
    w[12..16].copy_from_slice(&crc.to_be_bytes());
    let f = decode_fetch_records(&Bytes::from(w), &DecodeOptions::default());
    assert_eq!(f.error, None);
    assert_eq!(
        f.records.iter().map(|r| r.offset).collect::<Vec<_>>(),
        [100, 102, 105]
    );
    assert_eq!(f.batches[0].last_offset, 105);
}

fn control_batch(base: i64, pid: i64, kind: ControlType) -> Bytes {
    let opts = BatchOptions {
        base_offset: base,
        producer_id: pid,
        transactional: true,
        control: true,
        ..Default::default()
    };
    let mut b = RecordBatchBuilder::new(opts);
    b.push(
        5,
        Some(&ControlMarker::key_bytes(kind)),
        Some(&ControlMarker::value_bytes(1)),
        &[],
    )
    .unwrap();
    b.finish().unwrap()
}

#[test]
fn control_batches_and_aborted_transactions() {
    let one = |base, pid| {
        v2(
            &simple(2),
            BatchOptions {
                base_offset: base,
                producer_id: pid,
                transactional: true,
                ..Default::default()
            },
        )
    };
    let mut buf = BytesMut::new();
    buf.extend_from_slice(&one(0, 1)); // 0,1 pid 1 (aborted)
    buf.extend_from_slice(&one(2, 2)); // 2,3 pid 2 (committed)
    buf.extend_from_slice(&control_batch(4, 1, ControlType::Abort));
    buf.extend_from_slice(&control_batch(5, 2, ControlType::Commit));
    buf.extend_from_slice(&one(6, 1)); // 6,7 pid 1, new transaction, not aborted
    let mut f = decode_fetch_records(&buf.freeze(), &DecodeOptions::default());
    assert_eq!(f.error, None);
    assert_eq!(f.records.len(), 6);
    assert!(f.batches[2].is_control);
    assert_eq!(
        f.batches[2].control.map(|c| c.kind),
        Some(ControlType::Abort)
    );
    assert_eq!(
        f.batches[3].control.map(|c| (c.kind, c.coordinator_epoch)),
        Some((ControlType::Commit, Some(1)))
    );
    assert_eq!(f.batches[2].records, 4..4);
    assert_eq!(f.next_offset, Some(8));
    f.retain_committed(&[AbortedTransaction {
        producer_id: 1,
        first_offset: 0,
    }]);
    assert_eq!(
        f.records.iter().map(|r| r.offset).collect::<Vec<_>>(),
        [2, 3, 6, 7]
    );
    assert_eq!(f.batches[0].records, 0..0);
    assert_eq!(f.batches[1].records, 0..2);
    assert_eq!(f.batches[4].records, 2..4);
}

#[test]
fn decompression_bomb_is_typed() {
    let big = vec![In {
        ts: 0,
        key: None,
        value: Some(vec![0; 4 << 20]),
        headers: vec![],
    }];
    for codec in [
        Compression::Gzip,
        Compression::Snappy,
        Compression::Lz4,
        Compression::Zstd,
    ] {
        let bytes = v2(
            &big,
            BatchOptions {
                compression: codec,
                ..Default::default()
            },
        );
        let f = decode_fetch_records(&bytes, &DecodeOptions::for_fetch_size(1024));
        assert!(
            matches!(f.error, Some(ProtocolError::Compression { .. })),
            "{codec}: {:?}",
            f.error
        );
    }
}

#[test]
fn bad_magic_and_sizes_are_typed() {
    let mut b = v2(&simple(1), BatchOptions::default()).to_vec();
    b[16] = 3;
    assert!(matches!(
        decode_fetch_records(&Bytes::from(b), &DecodeOptions::default()).error,
        Some(ProtocolError::Unsupported { .. })
    ));
    let mut neg = vec![0u8; 20];
    neg[8..12].copy_from_slice(&(-5i32).to_be_bytes());
    assert!(matches!(
        decode_fetch_records(&Bytes::from(neg), &DecodeOptions::default()).error,
        Some(ProtocolError::Invalid { .. })
    ));
    let mut small = vec![0u8; 14];
    small[8..12].copy_from_slice(&2i32.to_be_bytes());
    assert!(
        decode_fetch_records(&Bytes::from(small), &DecodeOptions::default())
            .error
            .is_some()
    );
    // A huge record count in a tiny batch must not allocate by it.
    let mut b = v2(&simple(1), BatchOptions::default()).to_vec();
    b[57..61].copy_from_slice(&i32::MAX.to_be_bytes());
    let e = decode_fetch_records(
        &Bytes::from(b),
        &DecodeOptions {
            verify_crc: false,
            ..Default::default()
        },
    )
    .error;
    assert!(matches!(e, Some(ProtocolError::Truncated { .. })), "{e:?}");
}

#[test]
fn empty_builders() {
    assert!(RecordBatchBuilder::new(BatchOptions::default())
        .finish()
        .is_err());
    assert!(MessageSetBuilder::new(1, Compression::Gzip)
        .unwrap()
        .finish()
        .is_err());
    assert!(MessageSetBuilder::new(1, Compression::None)
        .unwrap()
        .finish()
        .unwrap()
        .is_empty());
}

/// Real encodings of every format and codec, for the fuzzer's seed corpus.
fn corpus() -> Vec<(String, Bytes)> {
    use crate::compression::SnappyFraming;
    let inputs = simple(6);
    let mut out = Vec::new();
    for codec in V2_CODECS {
        out.push((
            format!("v2_{codec}"),
            v2(
                &inputs,
                BatchOptions {
                    base_offset: 10,
                    compression: codec,
                    ..Default::default()
                },
            ),
        ));
    }
    for magic in [0i8, 1] {
        for codec in V01_CODECS {
            out.push((
                format!("v{magic}_{codec}"),
                msgset(&inputs, magic, codec, 20),
            ));
        }
    }
    let mut x = MessageSetBuilder::new(1, Compression::Snappy)
        .unwrap()
        .snappy_framing(SnappyFraming::Xerial);
    x.push(1, Some(b"k"), Some(b"xerial")).unwrap();
    out.push(("v1_snappy_xerial".into(), x.finish().unwrap()));
    let txn = BatchOptions {
        producer_id: 5,
        producer_epoch: 1,
        base_sequence: 0,
        transactional: true,
        timestamp_type: TimestampType::LogAppendTime,
        ..Default::default()
    };
    out.push(("v2_transactional".into(), v2(&inputs, txn)));
    out.push((
        "v2_control_abort".into(),
        control_batch(6, 5, ControlType::Abort),
    ));
    let mut mixed = BytesMut::new();
    for (_, b) in &out {
        mixed.extend_from_slice(b);
    }
    let mixed = mixed.freeze();
    out.push(("mixed_truncated".into(), mixed.slice(..mixed.len() - 7)));
    out.push(("mixed".into(), mixed));
    out
}

/// Regenerates `pure/fuzz/corpus/decode_records/` (run with `--ignored` after format changes).
#[test]
#[ignore]
fn write_fuzz_corpus() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus/decode_records");
    std::fs::create_dir_all(&dir).unwrap();
    for (name, bytes) in corpus() {
        std::fs::write(dir.join(name), &bytes).unwrap();
    }
}

/// Every checked-in seed decodes without panicking, and the generator still yields those seeds.
#[test]
fn fuzz_corpus_runs() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus/decode_records");
    let mut n = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let data = std::fs::read(entry.unwrap().path()).unwrap();
        fuzzing::fuzz_decode_records(&data);
        n += 1;
    }
    assert!(n >= corpus().len(), "{n} seeds in {}", dir.display());
    for (name, bytes) in corpus() {
        fuzzing::fuzz_decode_records(&bytes);
        let f = decode_fetch_records(&bytes, &DecodeOptions::default());
        assert_eq!(f.error, None, "{name}");
        assert!(!f.batches.is_empty(), "{name}");
    }
}

fn arb_in() -> impl Strategy<Value = In> {
    let bytes = || proptest::option::of(proptest::collection::vec(any::<u8>(), 0..64));
    let header = (
        "[a-zé]{0,8}",
        proptest::option::of(proptest::collection::vec(any::<u8>(), 0..16)),
    )
        .prop_map(|(key, v)| Header {
            key,
            value: v.map(Bytes::from),
        });
    (
        any::<i64>(),
        bytes(),
        bytes(),
        proptest::collection::vec(header, 0..4),
    )
        .prop_map(|(ts, key, value, headers)| In {
            ts,
            key,
            value,
            headers,
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn prop_v2_roundtrip(inputs in proptest::collection::vec(arb_in(), 1..20), codec in 0usize..5, base in 0i64..1 << 40) {
        let bytes = v2(&inputs, BatchOptions { base_offset: base, compression: V2_CODECS[codec], ..Default::default() });
        let f = decode_fetch_records(&bytes, &DecodeOptions::default());
        prop_assert_eq!(&f.error, &None);
        check(&inputs, &f.records, base, 2);
    }

    #[test]
    fn prop_v01_roundtrip(inputs in proptest::collection::vec(arb_in(), 1..20), codec in 0usize..4, magic in 0i8..2, base in 0i64..1 << 40) {
        let bytes = msgset(&inputs, magic, V01_CODECS[codec], base);
        let f = decode_fetch_records(&bytes, &DecodeOptions::default());
        prop_assert_eq!(&f.error, &None);
        check(&inputs, &f.records, base, magic);
    }

    #[test]
    fn prop_random_bytes_never_panic(data in proptest::collection::vec(any::<u8>(), 0..512)) {
        fuzzing::fuzz_decode_records(&data);
    }

    /// Valid encodings with one byte changed or cut short: never a panic.
    #[test]
    fn prop_mutated_encodings_never_panic(inputs in proptest::collection::vec(arb_in(), 1..5), fmt in 0usize..14, at: prop::sample::Index, byte: u8, cut: prop::sample::Index) {
        let bytes = if fmt < 5 {
            v2(&inputs, BatchOptions { compression: V2_CODECS[fmt], ..Default::default() })
        } else {
            let i = fmt - 5;
            msgset(&inputs, (i / 4) as i8 % 2, V01_CODECS[i % 4], 0)
        };
        let mut m = bytes.to_vec();
        let i = at.index(m.len());
        m[i] = byte;
        fuzzing::fuzz_decode_records(&m);
        m.truncate(cut.index(m.len() + 1));
        fuzzing::fuzz_decode_records(&m);
    }
}

/// Poor man's fuzzing without cargo-fuzz: random byte flips, inserts and cuts of every seed.
/// `FERRO_MUTATIONS` per seed (default 2000); run with `--ignored --release` for long runs.
#[test]
#[ignore]
fn fuzz_corpus_mutations() {
    let n: usize = std::env::var("FERRO_MUTATIONS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2000);
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus/decode_records");
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut rnd = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    for entry in std::fs::read_dir(&dir).unwrap() {
        let seed = std::fs::read(entry.unwrap().path()).unwrap();
        for _ in 0..n {
            let mut m = seed.clone();
            for _ in 0..1 + rnd() % 4 {
                if m.is_empty() {
                    break;
                }
                let i = (rnd() as usize) % m.len();
                match rnd() % 4 {
                    0 => m[i] = rnd() as u8,
                    1 => m[i] ^= 1 << (rnd() % 8),
                    2 => m.insert(i, rnd() as u8),
                    _ => m.truncate(i),
                }
            }
            fuzzing::fuzz_decode_records(&m);
        }
    }
}
