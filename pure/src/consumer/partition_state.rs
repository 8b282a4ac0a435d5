//! One partition's position and prefetch buffer (PyKafka's `OwnedPartition`).
//!
//! Positions follow PyKafka exactly: `last_offset_consumed` (L, starts at -1) and `next_offset` (N, starts
//! at 0, so a consumer with no group and no reset reads from offset 0); `set_offset(x)` sets L = x, N = x + 1.
//! An `epoch` is bumped by every reset so a fetch that was in flight during the reset is discarded.

use std::collections::VecDeque;
use std::time::Instant;

use ferrokafka_core::{Error, ErrorContext, Message};

/// The largest per-partition fetch size the consumer grows to for an oversized message (64 MiB).
pub const MAX_FETCH_SIZE_CAP: i32 = 64 * 1024 * 1024;

/// What one fetch of this partition decoded to (records already filtered for read_committed).
#[derive(Debug, Default)]
pub struct DecodedFetch {
    pub messages: Vec<Message>,
    /// Where the next fetch starts: the last complete entry's last offset + 1 (past control batches and
    /// compacted-away tails). `None` when no entry was complete.
    pub next_offset: Option<i64>,
    /// No entry was complete and the first one needs this many bytes.
    pub needed_size: Option<usize>,
    /// A corrupt entry stopped decoding after `messages`.
    pub error: Option<String>,
    /// The partition's high watermark.
    pub high_watermark: i64,
}

/// What applying a fetch asks of the fetcher.
#[derive(Debug)]
pub enum Applied {
    /// Messages (maybe none) were queued.
    Ok { queued: usize },
    /// The next message is larger than the fetch size, which grew; refetch at once.
    Grew { to: i32 },
    /// Report this and back off.
    Failed(Error),
}

/// State of one consumed partition.
#[derive(Debug)]
pub struct PartitionState {
    pub id: i32,
    /// L: offset of the last message returned by `consume()`; -1 = none.
    pub last_offset_consumed: i64,
    /// N: the offset the next fetch asks for.
    pub next_offset: i64,
    /// Prefetched messages, bounded by `queued_max_messages` (a fetch may overshoot once, as in PyKafka).
    pub queue: VecDeque<Message>,
    /// Current per-partition fetch size; starts at `fetch_message_max_bytes`, grows for oversized messages.
    pub fetch_size: i32,
    /// Bumped on every reset / offset change; stale fetch results are dropped.
    pub epoch: u64,
    /// Leader broker id; `None` while unknown.
    pub leader: Option<i32>,
    /// Not fetched before this instant (error backoff).
    pub backoff_until: Option<Instant>,
    /// A reset to `auto_offset_reset` is running for this partition (OffsetOutOfRange).
    pub resetting: bool,
    /// Consecutive fetches that returned nothing although the high watermark is ahead: the next message
    /// may be bigger than `fetch_size` and the broker sent nothing for it.
    pub empty_behind: u32,
    /// The epoch of this partition's fetch in flight: at most one at a time, so the prefetch stays bounded
    /// by `queued_max_messages` plus one fetch however many requests a broker's fetcher has out.
    pub in_flight: Option<u64>,
    /// The high watermark the last fetch reported (-1 before one): a fetch below it is answered at once.
    pub high_watermark: i64,
}

impl PartitionState {
    pub fn new(id: i32, fetch_size: i32) -> Self {
        PartitionState {
            id,
            last_offset_consumed: -1,
            next_offset: 0,
            queue: VecDeque::new(),
            fetch_size,
            epoch: 0,
            leader: None,
            backoff_until: None,
            resetting: false,
            empty_behind: 0,
            in_flight: None,
            high_watermark: -1,
        }
    }

    /// PyKafka's `set_offset(last)`: the next fetch is at `last + 1`. Flushes the buffer.
    pub fn set_offset(&mut self, last_offset_consumed: i64) {
        self.last_offset_consumed = last_offset_consumed;
        self.next_offset = last_offset_consumed.saturating_add(1);
        self.flush();
    }

    /// Drops buffered messages and invalidates fetches in flight.
    pub fn flush(&mut self) {
        self.queue.clear();
        self.epoch += 1;
        self.empty_behind = 0;
        self.backoff_until = None;
        // A fetch of the old epoch is dropped when it lands; a new one may start now.
        self.in_flight = None;
    }

    /// PyKafka's `held_offsets` value: L, with -1 reported as -2.
    pub fn held_offset(&self) -> i64 {
        if self.last_offset_consumed == -1 {
            -2
        } else {
            self.last_offset_consumed
        }
    }

    /// Whether the fetcher may include this partition now.
    pub fn fetchable(&self, queued_max: usize, now: Instant) -> bool {
        !self.resetting
            && self.queue.len() < queued_max
            && !matches!(self.backoff_until, Some(t) if t > now)
    }

    /// Whether the fetcher may put this partition in a new request: fetchable and none in flight.
    pub fn plannable(&self, queued_max: usize, now: Instant) -> bool {
        self.in_flight.is_none() && self.fetchable(queued_max, now)
    }

    /// Whether the broker held data past our next offset at the last fetch (so it answers a fetch at once).
    pub fn behind(&self) -> bool {
        self.high_watermark > self.next_offset
    }

    /// The fetch of `epoch` came back (whatever its outcome): the partition may be fetched again.
    pub fn land(&mut self, epoch: u64) {
        if self.in_flight == Some(epoch) {
            self.in_flight = None;
        }
    }

    /// Pops the next buffered message and records it as consumed.
    pub fn pop(&mut self) -> Option<Message> {
        let m = self.queue.pop_front()?;
        self.last_offset_consumed = m.offset;
        Some(m)
    }

    /// Queues a fetch's messages. Every message at or after N is accepted and N moves past it: gaps are normal
    /// (compaction, transaction markers, aborted records), so unlike PyKafka a non-compacted topic never
    /// stalls on one. Messages before N (a compressed batch is returned whole) are skipped.
    pub fn apply(&mut self, topic: &str, fetched: DecodedFetch, cap: i32) -> Applied {
        self.high_watermark = fetched.high_watermark;
        let mut queued = 0;
        for m in fetched.messages {
            if m.offset >= self.next_offset {
                self.next_offset = m.offset + 1;
                self.queue.push_back(m);
                queued += 1;
            }
        }
        if let Some(n) = fetched.next_offset {
            self.next_offset = self.next_offset.max(n);
        }
        if let Some(reason) = fetched.error {
            return Applied::Failed(Error::message_set_decode_failure(
                ErrorContext::partition(topic, self.id),
                self.next_offset,
                reason,
            ));
        }
        if fetched.next_offset.is_some() || queued > 0 {
            self.empty_behind = 0;
            return Applied::Ok { queued };
        }
        let needed = match fetched.needed_size {
            Some(n) => Some(n),
            // Nothing at all came back although the log is ahead of us: after two such rounds assume an
            // oversized message the broker would not send a part of.
            None if fetched.high_watermark > self.next_offset => {
                self.empty_behind += 1;
                (self.empty_behind >= 2).then(|| (self.fetch_size as usize).saturating_mul(2))
            }
            None => None,
        };
        let Some(needed) = needed else {
            return Applied::Ok { queued: 0 };
        };
        if self.fetch_size >= cap {
            return Applied::Failed(Error::message_set_decode_failure(ErrorContext::partition(topic, self.id), self.next_offset, format!(
                    "the message at this offset needs {needed} bytes, more than the largest fetch size \
                     ({cap} bytes); raise fetch_message_max_bytes or the broker's message.max.bytes"
                )));
        }
        let grown = (needed.max(self.fetch_size as usize * 2)).min(cap as usize);
        self.fetch_size = i32::try_from(grown).unwrap_or(cap);
        self.empty_behind = 0;
        Applied::Grew {
            to: self.fetch_size,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ferrokafka_core::ErrorKind;

    fn msg(offset: i64) -> Message {
        Message {
            partition_id: 0,
            offset,
            partition_key: None,
            value: None,
            timestamp: None,
            headers: Vec::new(),
        }
    }

    fn fetch(offsets: &[i64], next: Option<i64>) -> DecodedFetch {
        DecodedFetch {
            messages: offsets.iter().map(|o| msg(*o)).collect(),
            next_offset: next,
            high_watermark: 100,
            ..Default::default()
        }
    }

    #[test]
    fn starts_at_zero_and_set_offset_is_last_consumed() {
        let mut p = PartitionState::new(0, 1024);
        assert_eq!((p.last_offset_consumed, p.next_offset), (-1, 0));
        assert_eq!(p.held_offset(), -2);
        p.set_offset(4);
        assert_eq!((p.last_offset_consumed, p.next_offset), (4, 5));
        assert_eq!(p.held_offset(), 4);
    }

    #[test]
    fn gaps_are_accepted_and_old_records_skipped() {
        let mut p = PartitionState::new(0, 1024);
        p.set_offset(2);
        assert!(matches!(
            p.apply("t", fetch(&[1, 2, 3, 7, 9], Some(12)), MAX_FETCH_SIZE_CAP),
            Applied::Ok { queued: 3 }
        ));
        assert_eq!(p.next_offset, 12);
        assert_eq!(p.pop().map(|m| m.offset), Some(3));
        assert_eq!(p.last_offset_consumed, 3);
    }

    #[test]
    fn oversized_message_grows_then_fails_at_the_cap() {
        let mut p = PartitionState::new(0, 1000);
        let big = DecodedFetch {
            needed_size: Some(5000),
            high_watermark: 10,
            ..Default::default()
        };
        assert!(matches!(
            p.apply("t", big, 4096),
            Applied::Grew { to: 4096 }
        ));
        let big = DecodedFetch {
            needed_size: Some(5000),
            high_watermark: 10,
            ..Default::default()
        };
        match p.apply("t", big, 4096) {
            Applied::Failed(e) if e.kind() == ErrorKind::MessageSetDecodeFailure => {
                assert_eq!(e.offset(), Some(0));
                assert!(e.reason().contains("5000"));
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn empty_but_behind_grows_after_two_rounds() {
        let mut p = PartitionState::new(0, 1000);
        let empty = || DecodedFetch {
            high_watermark: 10,
            ..Default::default()
        };
        assert!(matches!(
            p.apply("t", empty(), 1 << 20),
            Applied::Ok { queued: 0 }
        ));
        assert!(matches!(
            p.apply("t", empty(), 1 << 20),
            Applied::Grew { to: 2000 }
        ));
        // Caught up: empty is normal.
        p.next_offset = 10;
        assert!(matches!(
            p.apply("t", empty(), 1 << 20),
            Applied::Ok { queued: 0 }
        ));
        assert!(matches!(
            p.apply("t", empty(), 1 << 20),
            Applied::Ok { queued: 0 }
        ));
    }

    #[test]
    fn decode_error_delivers_good_records_first() {
        let mut p = PartitionState::new(0, 1000);
        let mut f = fetch(&[0, 1], Some(2));
        f.error = Some("crc".into());
        assert!(matches!(
            p.apply("t", f, 1 << 20),
            Applied::Failed(ref e) if e.kind() == ErrorKind::MessageSetDecodeFailure && e.offset() == Some(2)
        ));
        assert_eq!(p.queue.len(), 2);
    }
}
