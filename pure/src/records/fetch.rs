//! The consumer's entry point: a FetchResponse partition's `records` bytes, any mix of
//! magic 0/1/2 entries, into a flat list of records plus per-batch metadata.

use std::collections::HashSet;
use std::ops::Range;

use bytes::Bytes;

use super::batch_v2::decode_batch_at;
use super::message_set::decode_entry_at;
use super::{ControlMarker, DecodeOptions, Record, TimestampType, LOG_OVERHEAD, MAGIC_OFFSET};
use crate::compression::Compression;
use crate::protocol::ProtocolError;

/// Metadata of one log entry (a v2 batch, or a v0/v1 message or compressed wrapper).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BatchInfo {
    pub magic: i8,
    pub base_offset: i64,
    /// Resume at `last_offset + 1`, even when the batch yielded no records (compacted or control).
    pub last_offset: i64,
    pub compression: Compression,
    pub timestamp_type: TimestampType,
    /// -1 for v0/v1 and non-idempotent v2 batches.
    pub producer_id: i64,
    pub producer_epoch: i16,
    pub base_sequence: i32,
    pub partition_leader_epoch: i32,
    pub is_transactional: bool,
    /// A control batch: its records are not in [`FetchRecords::records`]; see `control`.
    pub is_control: bool,
    /// The transaction marker of a control batch (from its first record's key).
    pub control: Option<ControlMarker>,
    /// This entry's records in [`FetchRecords::records`].
    pub records: Range<usize>,
    /// Byte position of the entry in the fetch buffer.
    pub position: usize,
}

/// An entry of a FetchResponse's `aborted_transactions` (read-committed fetches).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AbortedTransaction {
    pub producer_id: i64,
    pub first_offset: i64,
}

/// What one fetch's records decoded to.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FetchRecords {
    /// Data records in log order (control records excluded). Some may precede the fetch
    /// offset (a compressed batch is returned whole): the consumer skips those.
    pub records: Vec<Record>,
    pub batches: Vec<BatchInfo>,
    /// Bytes of complete entries decoded; what follows was a partial entry or an error.
    pub consumed: usize,
    /// Where the next fetch starts: last complete entry's `last_offset + 1`.
    pub next_offset: Option<i64>,
    /// No entry was complete and the first one needs this many bytes: the consumer should
    /// grow its fetch size to at least this.
    pub needed_size: Option<usize>,
    /// Decoding stopped at a corrupt entry at byte `consumed`. Records before it are good;
    /// the consumer delivers them and then reports this.
    pub error: Option<ProtocolError>,
}

/// Decodes a partition's fetched `records` bytes. Never fails as a whole and never panics:
/// a partial entry at the end is normal and dropped (see `needed_size`), a corrupt entry
/// stops decoding with `error` set.
pub fn decode_fetch_records(buf: &Bytes, opts: &DecodeOptions) -> FetchRecords {
    let mut res = FetchRecords::default();
    let mut budget = opts.max_decompressed;
    let mut pos = 0;
    while let Some(head) = buf.get(pos..pos + LOG_OVERHEAD) {
        let size = i32::from_be_bytes([head[8], head[9], head[10], head[11]]);
        let Ok(size) = usize::try_from(size) else {
            res.error = Some(ProtocolError::Invalid {
                what: "entry size",
                offset: pos + 8,
                reason: format!("negative: {size}"),
            });
            break;
        };
        let total = LOG_OVERHEAD + size;
        if total > buf.len() - pos {
            if res.batches.is_empty() {
                res.needed_size = Some(total);
            }
            break;
        }
        let Some(&magic) = buf.get(pos + MAGIC_OFFSET).filter(|_| total > MAGIC_OFFSET) else {
            res.error = Some(ProtocolError::Invalid {
                what: "entry size",
                offset: pos + 8,
                reason: format!("{size} leaves no room for the magic byte"),
            });
            break;
        };
        let first = res.records.len();
        let r = match magic {
            0 | 1 => {
                decode_entry_at(buf, pos, opts, &mut budget, &mut res.records).map(|(e, n)| {
                    let base_offset = res.records.get(first).map_or(e.offset, |r| r.offset);
                    let info = BatchInfo {
                        magic: e.magic,
                        base_offset,
                        last_offset: e.offset,
                        compression: e.compression,
                        timestamp_type: e.timestamp_type,
                        producer_id: -1,
                        producer_epoch: -1,
                        base_sequence: -1,
                        partition_leader_epoch: -1,
                        is_transactional: false,
                        is_control: false,
                        control: None,
                        records: first..res.records.len(),
                        position: pos,
                    };
                    (info, n)
                })
            }
            2 => decode_v2(buf, pos, opts, &mut budget, &mut res.records, first),
            m => Err(ProtocolError::Unsupported {
                what: "record magic",
                value: m as i64,
            }),
        };
        match r {
            Ok((info, n)) => {
                res.next_offset = Some(info.last_offset.wrapping_add(1));
                res.batches.push(info);
                pos += n;
            }
            Err(e) => {
                res.records.truncate(first);
                res.error = Some(e);
                break;
            }
        }
    }
    res.consumed = pos;
    res
}

fn decode_v2(
    buf: &Bytes,
    pos: usize,
    opts: &DecodeOptions,
    budget: &mut usize,
    records: &mut Vec<Record>,
    first: usize,
) -> Result<(BatchInfo, usize), ProtocolError> {
    let (h, n) = decode_batch_at(buf, pos, opts, budget, records)?;
    let control = if h.is_control() {
        let marker = records
            .get(first)
            .and_then(|r| ControlMarker::parse(r.key.as_deref()?, r.value.as_deref()).ok());
        records.truncate(first);
        marker
    } else {
        None
    };
    let info = BatchInfo {
        magic: 2,
        base_offset: h.base_offset,
        last_offset: h.last_offset(),
        compression: h.compression().unwrap_or_default(),
        timestamp_type: h.timestamp_type(),
        producer_id: h.producer_id,
        producer_epoch: h.producer_epoch,
        base_sequence: h.base_sequence,
        partition_leader_epoch: h.partition_leader_epoch,
        is_transactional: h.is_transactional(),
        is_control: h.is_control(),
        control,
        records: first..records.len(),
        position: pos,
    };
    Ok((info, n))
}

impl FetchRecords {
    /// Drops the records of aborted transactions (a read-committed consumer), given the
    /// fetch response's `aborted_transactions`. The Java consumer's rule: a producer is
    /// aborted from its `first_offset` until its ABORT control batch.
    pub fn retain_committed(&mut self, aborted: &[AbortedTransaction]) {
        let mut pending: Vec<AbortedTransaction> = aborted.to_vec();
        pending.sort_by_key(|a| std::cmp::Reverse(a.first_offset));
        let mut active: HashSet<i64> = HashSet::new();
        let mut keep = vec![true; self.batches.len()];
        for (i, b) in self.batches.iter().enumerate() {
            if b.magic < 2 || !(b.is_transactional || b.is_control) {
                continue;
            }
            while pending
                .last()
                .is_some_and(|a| a.first_offset <= b.last_offset)
            {
                if let Some(a) = pending.pop() {
                    active.insert(a.producer_id);
                }
            }
            if b.is_control {
                if b.control
                    .is_some_and(|c| c.kind == super::ControlType::Abort)
                {
                    active.remove(&b.producer_id);
                }
            } else if active.contains(&b.producer_id) {
                keep[i] = false;
            }
        }
        if keep.iter().all(|&k| k) {
            return;
        }
        let old = std::mem::take(&mut self.records);
        let mut old = old.into_iter();
        let mut taken = 0;
        for (b, k) in self.batches.iter_mut().zip(keep) {
            // Skip over records between batches (none) and this batch's own.
            let start = self.records.len();
            let n = b.records.end - b.records.start;
            debug_assert_eq!(taken, b.records.start);
            if k {
                self.records.extend(old.by_ref().take(n));
            } else {
                old.by_ref().take(n).for_each(drop);
            }
            taken += n;
            b.records = start..self.records.len();
        }
    }
}
