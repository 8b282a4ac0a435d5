//! PyKafka's `HashingPartitioner`: SHA-1 of the key as a 160-bit integer, modulo the partition count.

use std::fmt;
use std::sync::Arc;

use sha1::{Digest, Sha1};

use super::{key_required, no_partitions, nth_sorted, Partitioner};
use crate::error::Result;

/// The integer a hash function gives for a key: the Rust form of the Python `int` a PyKafka `hash_func`
/// returns. Python ints are unbounded and signed, and PyKafka takes `abs(hash) % n`, so both a signed
/// machine integer and an arbitrarily long unsigned big-endian integer (a digest) are accepted, and the
/// modulo is exact for both: no bignum crate, no truncation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KeyHash {
    /// A signed integer hash, e.g. a port of a Python hash returning small ints, or a Java `hashCode`.
    Int(i128),
    /// A non-negative integer of any length, as big-endian bytes: Python's `int.from_bytes(b, "big")`, which is
    /// `int(h.hexdigest(), 16)` for a digest `h`. This is what PyKafka's default `sha1` hash gives.
    BigEndian(Vec<u8>),
}

impl KeyHash {
    /// `abs(hash + add) % n`, exactly as Python computes it on unbounded ints. `n` must be non-zero.
    ///
    /// PyKafka's `HashingPartitioner` uses `add = 0`; `GroupHashingPartitioner` adds `randrange(group_size)`
    /// *before* taking the absolute value, so a negative hash moves towards zero and may cross it.
    pub(crate) fn abs_plus_mod(&self, add: u64, n: u64) -> u64 {
        let n = u128::from(n);
        let add = u128::from(add);
        let reduced = match self {
            KeyHash::Int(h) if *h < 0 => {
                let magnitude = h.unsigned_abs();
                // hash + add = add - |hash|: its absolute value is whichever difference is non-negative.
                if magnitude >= add {
                    (magnitude - add) % n
                } else {
                    (add - magnitude) % n
                }
            }
            KeyHash::Int(h) => (h.unsigned_abs() % n + add % n) % n,
            KeyHash::BigEndian(bytes) => (big_endian_mod(bytes, n) + add % n) % n,
        };
        // reduced < n, and n came from a u64.
        reduced as u64
    }
}

/// A big-endian unsigned integer modulo `n` (`n > 0`), folded a byte at a time: `acc = (acc * 256 + b) % n`.
/// `acc < n <= 2^64`, so `acc * 256 + 255` fits in a u128.
fn big_endian_mod(bytes: &[u8], n: u128) -> u128 {
    bytes
        .iter()
        .fold(0u128, |acc, &b| (acc * 256 + u128::from(b)) % n)
}

macro_rules! key_hash_from_int {
    ($($t:ty),*) => {$(
        impl From<$t> for KeyHash {
            fn from(h: $t) -> Self {
                KeyHash::Int(i128::from(h))
            }
        }
    )*};
}
key_hash_from_int!(i8, i16, i32, i64, i128, u8, u16, u32, u64);

impl From<u128> for KeyHash {
    fn from(h: u128) -> Self {
        KeyHash::BigEndian(h.to_be_bytes().to_vec())
    }
}

/// A PyKafka `hash_func`: key bytes to an integer. Shared (`Arc`) so partitioners stay cheap to clone and
/// `Send + Sync` so one producer can use it from any thread. Must be deterministic across processes (PyKafka's
/// doc warns against Python's randomised `hash()` for the same reason).
pub type HashFn = Arc<dyn Fn(&[u8]) -> KeyHash + Send + Sync>;

/// PyKafka's default `hash_func`: `lambda k: int(sha1(k).hexdigest(), 16)`, the SHA-1 digest read as a
/// big-endian 160-bit unsigned integer.
pub fn sha1_hash(key: &[u8]) -> KeyHash {
    KeyHash::BigEndian(Sha1::digest(key).to_vec())
}

/// PyKafka's `HashingPartitioner(hash_func=None)`: `sorted(partitions)[abs(hash_func(key)) % len(partitions)]`.
///
/// The default hash is SHA-1 ([`sha1_hash`]), so a key lands on the same partition as with PyKafka's
/// `HashingPartitioner()` / module-level `hashing_partitioner`. Ids are sorted first ("sorting is VERY
/// important" in PyKafka), so metadata order does not matter. A `None` key is an
/// [`ErrorKind::InvalidInput`](crate::ErrorKind::InvalidInput), PyKafka's `ValueError`. As PyKafka's doc warns, a key
/// moves when the partition count changes.
///
/// This is *not* the Java client's placement; use [`Murmur2Partitioner`](super::Murmur2Partitioner) to share keyed
/// topics with Java or librdkafka producers.
#[derive(Clone, Default)]
pub struct HashingPartitioner {
    /// `None`: SHA-1, computed without allocating.
    hash_fn: Option<HashFn>,
}

impl HashingPartitioner {
    /// With PyKafka's default SHA-1 hash.
    pub fn new() -> Self {
        Self::default()
    }

    /// With a custom hash (PyKafka's `hash_func`), e.g. `|k| KeyHash::from(my_hash(k))`.
    pub fn with_hash_fn(hash_fn: impl Fn(&[u8]) -> KeyHash + Send + Sync + 'static) -> Self {
        HashingPartitioner {
            hash_fn: Some(Arc::new(hash_fn)),
        }
    }
}

impl fmt::Debug for HashingPartitioner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let hash = if self.hash_fn.is_some() {
            "custom"
        } else {
            "sha1"
        };
        f.debug_struct("HashingPartitioner")
            .field("hash_fn", &hash)
            .finish()
    }
}

impl Partitioner for HashingPartitioner {
    fn partition(&self, partitions: &[i32], key: Option<&[u8]>) -> Result<i32> {
        let key = key.ok_or_else(|| key_required("HashingPartitioner"))?;
        if partitions.is_empty() {
            return Err(no_partitions());
        }
        let n = partitions.len() as u64;
        let index = match &self.hash_fn {
            None => big_endian_mod(&Sha1::digest(key), u128::from(n)) as u64,
            Some(hash_fn) => hash_fn(key).abs_plus_mod(0, n),
        };
        // index < n = partitions.len().
        Ok(nth_sorted(partitions, index as usize))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn big_endian_mod_matches_u128_arithmetic() {
        for v in [
            0u128,
            1,
            255,
            256,
            0xdead_beef,
            u128::MAX,
            u128::MAX - 12345,
        ] {
            for n in [1u128, 2, 3, 7, 12, 100, 65537, u128::from(u64::MAX)] {
                assert_eq!(big_endian_mod(&v.to_be_bytes(), n), v % n, "{v} % {n}");
            }
        }
    }

    #[test]
    fn sha1_of_known_key() {
        // int(sha1(b"abc").hexdigest(), 16) % 100 == 17 (a9993e364706816aba3e25717850c26c9cd0d89d).
        assert_eq!(sha1_hash(b"abc").abs_plus_mod(0, 100), 17);
        let p = HashingPartitioner::new();
        assert_eq!(
            p.partition(&(0..100).collect::<Vec<_>>(), Some(b"abc"))
                .unwrap(),
            17
        );
    }

    #[test]
    fn abs_plus_mod_follows_python() {
        // Python: abs(h + a) % n
        let cases: [(i128, u64, u64, u64); 8] = [
            (-7, 0, 5, 2),
            (-7, 3, 5, 4),
            (-2, 5, 7, 3),
            (-2, 2, 7, 0),
            (10, 3, 4, 1),
            (i128::MIN, 0, 10, 8), // 2**127 % 10 == 8
            (i128::MAX, 1, 10, 8), // 2**127 % 10 == 8
            (0, 0, 1, 0),
        ];
        for (h, a, n, want) in cases {
            assert_eq!(
                KeyHash::Int(h).abs_plus_mod(a, n),
                want,
                "abs({h} + {a}) % {n}"
            );
        }
        assert_eq!(KeyHash::from(u128::MAX).abs_plus_mod(1, 10), 6); // 2**128 % 10
    }

    #[test]
    fn sorts_and_requires_a_key() {
        let p = HashingPartitioner::with_hash_fn(|k| KeyHash::from(k.len() as i64 - 2));
        // abs(len - 2) % 3 indexes sorted ids [10, 20, 30].
        assert_eq!(p.partition(&[30, 10, 20], Some(b"")).unwrap(), 30);
        assert_eq!(p.partition(&[30, 10, 20], Some(b"x")).unwrap(), 20);
        assert_eq!(p.partition(&[30, 10, 20], Some(b"xy")).unwrap(), 10);
        assert!(matches!(
            p.partition(&[0], None),
            Err(ref e) if e.kind() == crate::ErrorKind::InvalidInput
        ));
        assert!(matches!(
            p.partition(&[], Some(b"k")),
            Err(ref e) if e.kind() == crate::ErrorKind::InvalidInput
        ));
    }
}
