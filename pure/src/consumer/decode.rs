//! Fetched bytes → the consumer's messages: every record format and codec (through `crate::records`), aborted
//! transactions dropped under read_committed, control batches never delivered.
//!
//! Runs outside the state lock: decompression is the expensive part of consuming.

use ferrokafka_core::options::ConsumerOptions;
use ferrokafka_core::{Header, Message};

use super::backend::FetchedPartition;
use super::partition_state::DecodedFetch;
use crate::records::{decode_fetch_records, AbortedTransaction, DecodeOptions, TimestampType};

/// Decodes one partition of a Fetch response fetched with per-partition size `fetch_size`, as `opts` asks
/// (`read_committed`, `check_crcs`).
pub fn decode_partition(
    fetched: &FetchedPartition,
    opts: &ConsumerOptions,
    fetch_size: i32,
) -> DecodedFetch {
    let mut r = decode_fetch_records(&fetched.records, &decode_options(opts, fetch_size));
    if opts.read_committed && !fetched.aborted_transactions.is_empty() {
        let aborted: Vec<AbortedTransaction> = fetched
            .aborted_transactions
            .iter()
            .map(|a| AbortedTransaction {
                producer_id: a.producer_id,
                first_offset: a.first_offset,
            })
            .collect();
        r.retain_committed(&aborted);
    }
    let partition_id = fetched.partition;
    let messages = r
        .records
        .into_iter()
        .map(|rec| Message {
            partition_id,
            offset: rec.offset,
            partition_key: rec.key,
            value: rec.value,
            timestamp: (rec.timestamp_type != TimestampType::NotAvailable && rec.timestamp >= 0)
                .then_some(rec.timestamp),
            headers: rec
                .headers
                .into_iter()
                .map(|h| Header {
                    key: h.key,
                    value: h.value,
                })
                .collect(),
        })
        .collect();
    DecodedFetch {
        messages,
        next_offset: r.next_offset,
        needed_size: r.needed_size,
        error: r.error.map(|e| e.to_string()),
        high_watermark: fetched.high_watermark,
    }
}

/// The record decoder's limits for a fetch of `fetch_size` bytes, with the CRC check `check_crcs` asks for.
fn decode_options(opts: &ConsumerOptions, fetch_size: i32) -> DecodeOptions {
    DecodeOptions {
        verify_crc: opts.check_crcs,
        ..DecodeOptions::for_fetch_size(usize::try_from(fetch_size).unwrap_or(0))
    }
}

#[cfg(test)]
mod tests {
    use bytes::{Bytes, BytesMut};

    use super::*;
    use crate::records::{BatchOptions, RecordBatchBuilder};

    /// Two v2 batches (offsets 0 and 1, values `good` and `corrupt-me`), the second with one value byte
    /// flipped after its CRC was computed.
    fn fetched_with_a_corrupt_second_batch() -> FetchedPartition {
        let mut out = BytesMut::new();
        for (offset, value) in [(0, &b"good"[..]), (1, &b"corrupt-me"[..])] {
            let mut b = RecordBatchBuilder::new(BatchOptions {
                base_offset: offset,
                ..Default::default()
            });
            b.push(1_700_000_000_000, None, Some(value), &[])
                .expect("record");
            out.extend_from_slice(&b.finish().expect("batch"));
        }
        let at = out
            .windows(10)
            .position(|w| w == b"corrupt-me")
            .expect("value in the batch");
        out[at] ^= 0x20;
        FetchedPartition {
            high_watermark: 2,
            records: out.freeze(),
            ..Default::default()
        }
    }

    fn decode(check_crcs: bool) -> DecodedFetch {
        let opts = ConsumerOptions {
            check_crcs,
            ..Default::default()
        };
        decode_partition(&fetched_with_a_corrupt_second_batch(), &opts, 1 << 20)
    }

    #[test]
    fn check_crcs_stops_at_the_corrupt_batch_after_the_good_one() {
        let d = decode(true);
        let offsets: Vec<i64> = d.messages.iter().map(|m| m.offset).collect();
        assert_eq!(offsets, vec![0]);
        assert_eq!(d.next_offset, Some(1));
        let reason = d.error.expect("a CRC error");
        assert!(reason.contains("crc32c"), "{reason}");
    }

    #[test]
    fn without_check_crcs_the_corrupt_value_is_delivered() {
        let d = decode(false);
        assert_eq!(d.error, None);
        let values: Vec<Option<Bytes>> = d.messages.into_iter().map(|m| m.value).collect();
        assert_eq!(
            values,
            vec![
                Some(Bytes::from_static(b"good")),
                Some(Bytes::from_static(b"Corrupt-me"))
            ]
        );
    }
}
