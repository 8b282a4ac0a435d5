//! Fetched bytes → the consumer's messages: every record format and codec (through `crate::records`), aborted
//! transactions dropped under read_committed, control batches never delivered.
//!
//! Runs outside the state lock: decompression is the expensive part of consuming.

use ferrokafka_core::{Header, Message};

use super::backend::FetchedPartition;
use super::partition_state::DecodedFetch;
use crate::records::{decode_fetch_records, AbortedTransaction, DecodeOptions, TimestampType};

/// Decodes one partition of a Fetch response fetched with per-partition size `fetch_size`.
pub fn decode_partition(
    fetched: &FetchedPartition,
    read_committed: bool,
    fetch_size: i32,
) -> DecodedFetch {
    let opts = DecodeOptions::for_fetch_size(usize::try_from(fetch_size).unwrap_or(0));
    let mut r = decode_fetch_records(&fetched.records, &opts);
    if read_committed && !fetched.aborted_transactions.is_empty() {
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
