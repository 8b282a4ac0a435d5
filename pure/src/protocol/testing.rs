//! Test-only value generation and the generic round-trip / totality checks every generated message runs.
//!
//! Values come from a seeded [`Gen`] (a small xorshift RNG) driven by proptest seeds, rather than composed
//! proptest strategies: one generated `Arbitrary` impl per struct keeps the generated code plain and cheap to
//! compile. A failing case prints its seed and version, which reproduces it exactly.

use bytes::{Bytes, BytesMut};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};

use super::primitives::{Decoder, Uuid};
use super::traits::Message;

/// Builds a value that is valid at `version`: fields the version lacks keep their defaults, nulls only where the
/// version allows them, unknown tagged fields only in flexible versions.
pub(crate) trait Arbitrary: Sized {
    fn arbitrary(g: &mut Gen, version: i16) -> Self;
}

/// A small deterministic RNG with Kafka-flavoured value helpers.
pub(crate) struct Gen {
    state: u64,
    depth: u32,
}

// `u16`, `u32` and `f64` serve spec types no currently generated message uses; kept so new specs just work.
#[allow(dead_code)]
impl Gen {
    pub(crate) fn new(seed: u64) -> Self {
        Gen {
            state: seed ^ 0x9e37_79b9_7f4a_7c15,
            depth: 0,
        }
    }

    fn next(&mut self) -> u64 {
        // xorshift64*
        let mut x = self.state.max(1);
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.state = x;
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// Mostly small numbers and edge values, sometimes anything.
    fn int(&mut self) -> i64 {
        match self.next() % 8 {
            0 => 0,
            1 => -1,
            2 => i64::MIN,
            3 => i64::MAX,
            4 | 5 => (self.next() % 200) as i64 - 100,
            _ => self.next() as i64,
        }
    }

    pub(crate) fn bool(&mut self) -> bool {
        self.next() & 1 == 1
    }
    pub(crate) fn i8(&mut self) -> i8 {
        self.int() as i8
    }
    pub(crate) fn i16(&mut self) -> i16 {
        self.int() as i16
    }
    pub(crate) fn i32(&mut self) -> i32 {
        self.int() as i32
    }
    pub(crate) fn i64(&mut self) -> i64 {
        self.int()
    }
    pub(crate) fn u16(&mut self) -> u16 {
        self.int() as u16
    }
    pub(crate) fn u32(&mut self) -> u32 {
        self.int() as u32
    }
    pub(crate) fn f64(&mut self) -> f64 {
        // Finite values only: NaN != NaN would fail the equality check, not the codec.
        (self.int() as f64) / 7.0
    }
    pub(crate) fn uuid(&mut self) -> Uuid {
        if self.bool() {
            return Uuid::ZERO;
        }
        let mut b = [0u8; 16];
        b[..8].copy_from_slice(&self.next().to_be_bytes());
        b[8..].copy_from_slice(&self.next().to_be_bytes());
        Uuid(b)
    }
    pub(crate) fn string(&mut self) -> String {
        const ALPHABET: &[&str] = &["a", "b", "z", "-", "_", ".", "0", "é", "✓", "🦀"];
        let n = (self.next() % 12) as usize;
        (0..n)
            .map(|_| ALPHABET[(self.next() % ALPHABET.len() as u64) as usize])
            .collect()
    }
    pub(crate) fn bytes(&mut self) -> Bytes {
        let n = (self.next() % 20) as usize;
        (0..n)
            .map(|_| self.next() as u8)
            .collect::<Vec<u8>>()
            .into()
    }
    /// `None` sometimes when `nullable`, else `Some(f(g))`.
    pub(crate) fn opt<T>(&mut self, nullable: bool, f: impl FnOnce(&mut Gen) -> T) -> Option<T> {
        if nullable && self.next() % 4 == 0 {
            None
        } else {
            Some(f(self))
        }
    }
    /// 0-3 elements; shorter when nested, so values stay small.
    pub(crate) fn vec<T>(&mut self, mut f: impl FnMut(&mut Gen) -> T) -> Vec<T> {
        let max = if self.depth >= 2 { 2 } else { 4 };
        let n = (self.next() % max) as usize;
        self.depth += 1;
        let v = (0..n).map(|_| f(self)).collect();
        self.depth -= 1;
        v
    }
    /// A few raw tagged fields with tags no spec uses (>= 100), ascending as a decoder returns them.
    pub(crate) fn unknown_tags(&mut self) -> Vec<(u32, Bytes)> {
        let mut tags = Vec::new();
        let mut tag = 100 + (self.next() % 5) as u32;
        for _ in 0..(self.next() % 3) {
            let data = self.bytes();
            tags.push((tag, data));
            tag += 1 + (self.next() % 1000) as u32;
        }
        tags
    }
}

fn runner(cases: u32) -> TestRunner {
    TestRunner::new(Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    })
}

/// For every version: arbitrary value -> encode -> decode -> equal, whole input consumed, re-encode identical.
pub(crate) fn roundtrip_all_versions<M: Message + Arbitrary + std::fmt::Debug + PartialEq>() {
    for version in M::VERSIONS.iter() {
        runner(48)
            .run(&any::<u64>(), |seed| {
                let value = M::arbitrary(&mut Gen::new(seed), version);
                let mut buf = BytesMut::new();
                value.encode(&mut buf, version).map_err(|e| {
                    TestCaseError::fail(format!("{} v{version} encode: {e}", M::NAME))
                })?;
                let bytes = buf.freeze();
                let mut d = Decoder::new(bytes.clone());
                let back = M::decode(&mut d, version).map_err(|e| {
                    TestCaseError::fail(format!(
                        "{} v{version} decode: {e}\n{value:?}\n{bytes:?}",
                        M::NAME
                    ))
                })?;
                prop_assert_eq!(&back, &value, "{} v{}", M::NAME, version);
                prop_assert!(
                    d.is_empty(),
                    "{} v{}: {} bytes left",
                    M::NAME,
                    version,
                    d.remaining()
                );
                let mut again = BytesMut::new();
                back.encode(&mut again, version)
                    .map_err(|e| TestCaseError::fail(e.to_string()))?;
                prop_assert_eq!(&again[..], &bytes[..]);
                Ok(())
            })
            .unwrap_or_else(|e| panic!("{} v{version}: {e}", M::NAME));
    }
}

/// For every version: random bytes, and valid encodings with bytes flipped or cut, decode without panicking.
pub(crate) fn garbage_all_versions<M: Message + Arbitrary>() {
    for version in M::VERSIONS.iter() {
        runner(32)
            .run(&proptest::collection::vec(any::<u8>(), 0..96), |data| {
                let _ = M::decode(&mut Decoder::new(Bytes::from(data)), version);
                Ok(())
            })
            .unwrap_or_else(|e| panic!("{} v{version}: {e}", M::NAME));
        runner(32)
            .run(
                &(any::<u64>(), any::<u64>(), any::<u8>()),
                |(seed, pos, byte)| {
                    let value = M::arbitrary(&mut Gen::new(seed), version);
                    let mut buf = BytesMut::new();
                    if value.encode(&mut buf, version).is_err() || buf.is_empty() {
                        return Ok(());
                    }
                    let pos = (pos % buf.len() as u64) as usize;
                    let mut flipped = buf.clone();
                    flipped[pos] = byte;
                    let _ = M::decode(&mut Decoder::new(flipped.freeze()), version);
                    buf.truncate(pos);
                    let _ = M::decode(&mut Decoder::new(buf.freeze()), version);
                    Ok(())
                },
            )
            .unwrap_or_else(|e| panic!("{} v{version}: {e}", M::NAME));
    }
}
