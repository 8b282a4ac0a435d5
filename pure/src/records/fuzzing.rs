//! Entry points for the cargo-fuzz crate (`pure/fuzz/`). Not a stable API.

use bytes::Bytes;

use super::{decode_batch, decode_fetch_records, decode_message_set_entry, DecodeOptions};
use crate::compression::{decompress, Compression};

/// Runs arbitrary bytes through every record decoder and checks the results' invariants.
/// Panics only if an invariant breaks (which is what the fuzzer looks for).
pub fn fuzz_decode_records(data: &[u8]) {
    let buf = Bytes::copy_from_slice(data);
    // A small cap keeps the fuzzer fast and exercises the bomb path.
    for verify_crc in [true, false] {
        let opts = DecodeOptions {
            max_decompressed: 1 << 20,
            verify_crc,
        };
        let res = decode_fetch_records(&buf, &opts);
        assert!(res.consumed <= data.len());
        let mut next = 0;
        for b in &res.batches {
            assert_eq!(b.records.start, next);
            assert!(b.records.end <= res.records.len());
            next = b.records.end;
        }
        assert_eq!(next, res.records.len());
        let _ = decode_batch(&buf, &opts);
        let _ = decode_message_set_entry(&buf, &opts);
    }
    if let Some((&first, rest)) = data.split_first() {
        if let Some(codec) = Compression::from_attributes(first as i16) {
            let _ = decompress(codec, Bytes::copy_from_slice(rest), 1 << 20);
        }
    }
}
