//! Per-partition FIFO queues, drained per leader broker into Produce requests.
//!
//! Ordering rule: a partition has at most one batch in flight, and a failed batch goes back to the *front* of
//! its queue. So a retry is always sent before anything newer for that partition (PyKafka re-queues at the
//! back and reorders). Different partitions of one broker share requests, up to `max_request_size` bytes, and a
//! broker may have a few requests in flight at once.
//!
//! Readiness follows PyKafka's per-broker rule: a broker's messages go out once it holds
//! `min_queued_messages`, or a full request's worth of bytes, or someone called `flush()` / `stop()`. Linger is
//! per partition: when it expires for one partition, only the partitions whose oldest message has also waited
//! `linger_ms` go out, so a young batch is not cut short. Backpressure per broker counts bytes in flight, and
//! while a broker has a request in flight only a full request joins it: lingered batches wait for the
//! response and grow meanwhile (at 1000 partitions this is what keeps batches large).

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::time::{Duration, Instant};

use ferrokafka_core::Error;

use super::batch::BatchIdentity;
use super::idempotence::{next_sequence, ProducerIdentity};
use super::pending::Pending;
use super::transport::TopicLayout;

/// Bytes a broker may have in flight, in requests of `max_request_size` (each partition still has at most one
/// batch in flight). The broker works on one request per connection at a time; the spare requests cover the
/// time this side takes to settle a response and encode the next request when its threads share busy cores
/// with the broker (two left the broker idle between requests in measurements on 2 shared cores). What does
/// not fit waits in the queues and makes the next batches bigger.
pub(crate) const MAX_IN_FLIGHT_REQUESTS_WORTH: usize = 4;

/// At most this many messages' room is reserved for a partition's next batch.
const MAX_RESERVED_MESSAGES: usize = 16 * 1024;

/// Emptied batch vectors kept for the next batches. Why: a batch's vector of a few thousand messages is a
/// multi-MiB allocation, which the allocator serves with a fresh `mmap` every time (same-sized blocks never cross
/// glibc's adaptive mmap threshold), so every batch page-faulted its memory in again: a tenth of the producer's
/// CPU at 100-byte messages. At most this many are kept (each at most `MAX_RESERVED_MESSAGES` messages' room).
const SPARE_BATCH_VECS: usize = 4;

/// One partition's queue.
#[derive(Debug, Default)]
pub(crate) struct PartitionQueue {
    pub messages: VecDeque<Pending>,
    pub bytes: usize,
    /// A batch of this partition is being sent: nothing else goes out until it is settled.
    pub in_flight: bool,
    /// Backoff after a failure: not drained before this instant.
    pub retry_at: Option<Instant>,
    /// After MESSAGE_TOO_LARGE for a batch of n > 1, batches are capped at n/2 until one succeeds.
    pub split_limit: Option<usize>,
    /// Why the partition's last attempt failed (or why it has no leader): the source of a delivery timeout.
    /// Cleared by a delivery.
    pub last_error: Option<Error>,
    /// Idempotence: the sequenced batch in flight, or at the front of the queue waiting to be resent as is.
    pub sequenced: Option<SequencedBatch>,
    /// Idempotence: the sequence of the next new batch, valid for `generation`.
    pub next_sequence: i32,
    pub generation: u64,
}

/// A batch that has been given sequence numbers: resends must carry exactly these messages and this identity.
#[derive(Debug, Clone, Copy)]
pub(crate) struct SequencedBatch {
    pub identity: BatchIdentity,
    pub count: usize,
}

impl PartitionQueue {
    fn sendable(&self, now: Instant) -> bool {
        !self.messages.is_empty() && !self.in_flight && self.retry_at.map_or(true, |t| t <= now)
    }
}

/// Batching limits from the options.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Limits {
    pub min_queued: usize,
    pub linger: Duration,
    pub max_request_size: usize,
}

/// A batch taken from one partition.
#[derive(Debug)]
pub(crate) struct PartitionBatch {
    pub partition: i32,
    pub messages: Vec<Pending>,
    /// Set for an idempotent producer.
    pub identity: Option<BatchIdentity>,
}

/// What one broker's request will carry.
#[derive(Debug)]
pub(crate) struct DrainedRequest {
    pub broker: i32,
    pub batches: Vec<PartitionBatch>,
    /// Sum of the messages' size hints: what the request holds in the broker's in-flight budget.
    pub bytes: usize,
}

/// The result of one drain pass.
#[derive(Debug, Default)]
pub(crate) struct Drain {
    pub requests: Vec<DrainedRequest>,
    /// Sendable partitions with no leader in the layout.
    pub leaderless: Vec<i32>,
    /// When the next pass may find something new to send (linger or backoff expiry).
    pub next_wake: Option<Instant>,
}

/// Messages whose delivery timeout passed, taken by [`Accumulator::expire`].
#[derive(Debug, Default)]
pub(crate) struct Expired {
    pub partitions: Vec<ExpiredPartition>,
    /// When the next queued message expires.
    pub next_deadline: Option<Instant>,
}

/// One partition's expired messages, oldest first.
#[derive(Debug)]
pub(crate) struct ExpiredPartition {
    pub partition: i32,
    /// Set when they include the sequenced batch that was waiting to be resent.
    pub identity: Option<BatchIdentity>,
    /// Why the partition's last attempt failed, if it had one.
    pub last_error: Option<Error>,
    pub messages: Vec<Pending>,
}

/// All partitions' queues, plus in-flight counts per broker.
#[derive(Debug, Default)]
pub(crate) struct Accumulator {
    pub partitions: BTreeMap<i32, PartitionQueue>,
    /// Messages queued (not in flight).
    pub queued: usize,
    /// Bytes in flight per broker.
    pub broker_in_flight: HashMap<i32, usize>,
    /// While > 0, linger and min_queued are ignored: everything queued is sendable now.
    pub flushing: usize,
    /// Set by `stop()`: failed batches are not re-queued any more.
    pub closed: bool,
    /// Emptied batch vectors, reused as the next queues (see [`SPARE_BATCH_VECS`]).
    spare_vecs: Vec<Vec<Pending>>,
}

/// Per-broker totals of sendable messages, to decide readiness.
#[derive(Default)]
struct BrokerStats {
    count: usize,
    bytes: usize,
    oldest: Option<Instant>,
    partitions: Vec<i32>,
}

impl Accumulator {
    /// Append a new message at the back of its partition's queue; returns the bytes that partition now holds.
    pub fn push(&mut self, p: Pending) -> usize {
        let q = self.partitions.entry(p.partition).or_default();
        q.bytes += p.size;
        q.messages.push_back(p);
        self.queued += 1;
        q.bytes
    }

    /// Put a failed batch back at the *front* of its partition, in its original order, and set the backoff.
    pub fn requeue_front(
        &mut self,
        partition: i32,
        batch: Vec<Pending>,
        retry_at: Option<Instant>,
    ) {
        let q = self.partitions.entry(partition).or_default();
        for p in batch.into_iter().rev() {
            q.bytes += p.size;
            q.messages.push_front(p);
            self.queued += 1;
        }
        q.retry_at = retry_at;
    }

    /// Keep an emptied batch vector's memory for a later queue.
    pub fn recycle(&mut self, mut emptied: Vec<Pending>) {
        emptied.clear();
        if self.spare_vecs.len() < SPARE_BATCH_VECS
            && emptied.capacity() > 0
            && emptied.capacity() <= MAX_RESERVED_MESSAGES
        {
            self.spare_vecs.push(emptied);
        }
    }

    /// Mark a sent request as settled (success or failure), freeing its partitions and its in-flight bytes.
    pub fn settle(&mut self, broker: i32, bytes: usize, partitions: impl IntoIterator<Item = i32>) {
        for p in partitions {
            if let Some(q) = self.partitions.get_mut(&p) {
                q.in_flight = false;
            }
        }
        if let Some(n) = self.broker_in_flight.get_mut(&broker) {
            *n = n.saturating_sub(bytes);
        }
    }

    /// Take every queued message of `partition` (to fail them).
    pub fn take_partition(&mut self, partition: i32) -> Vec<Pending> {
        match self.partitions.get_mut(&partition) {
            Some(q) => {
                q.bytes = 0;
                self.queued -= q.messages.len();
                if !q.in_flight {
                    // A sequenced batch given up: the broker never took it (or the producer id is replaced).
                    if let Some(s) = q.sequenced.take() {
                        q.next_sequence = s.identity.base_sequence;
                    }
                }
                q.messages.drain(..).collect()
            }
            None => Vec::new(),
        }
    }

    /// Take every queued message (at stop).
    pub fn take_all(&mut self) -> Vec<Pending> {
        let ids: Vec<i32> = self.partitions.keys().copied().collect();
        ids.into_iter()
            .flat_map(|p| self.take_partition(p))
            .collect()
    }

    /// KIP-91: take the queued messages whose delivery timeout has passed (`timeout` after `produce()`),
    /// oldest first; a sequenced batch waiting to be resent goes whole once its oldest message expired (it
    /// must be resent exactly as it was, or not at all). Messages in flight are left to their request.
    pub fn expire(&mut self, now: Instant, timeout: Duration) -> Expired {
        let mut out = Expired::default();
        for (&partition, q) in &mut self.partitions {
            let Some(oldest) = q.messages.front().map(|p| p.enqueued) else {
                continue;
            };
            if oldest + timeout > now {
                out.next_deadline = min_instant(out.next_deadline, oldest + timeout);
                continue;
            }
            let mut identity = None;
            let mut n = 0;
            if let (Some(s), false) = (q.sequenced, q.in_flight) {
                // The batch will not be resent as it was: its sequence numbers go to the next batch (a new
                // producer id follows if it may be in the log, see the caller).
                identity = Some(s.identity);
                q.sequenced = None;
                q.next_sequence = s.identity.base_sequence;
                n = s.count.min(q.messages.len());
            }
            n += q
                .messages
                .iter()
                .skip(n)
                .take_while(|p| p.enqueued + timeout <= now)
                .count();
            let messages: Vec<Pending> = q.messages.drain(..n).collect();
            q.bytes -= messages.iter().map(|p| p.size).sum::<usize>();
            self.queued -= messages.len();
            if let Some(next) = q.messages.front() {
                out.next_deadline = min_instant(out.next_deadline, next.enqueued + timeout);
            }
            out.partitions.push(ExpiredPartition {
                partition,
                identity,
                last_error: q.last_error.clone(),
                messages,
            });
        }
        out
    }

    /// Take the queued message whose sync slot is `slot`, if it can be withdrawn: never sent in a way that
    /// may have written it, and not part of a sequenced batch waiting to be resent.
    pub fn withdraw(
        &mut self,
        partition: i32,
        is_it: impl Fn(&Pending) -> bool,
    ) -> Option<Pending> {
        let q = self.partitions.get_mut(&partition)?;
        let locked = match (&q.sequenced, q.in_flight) {
            (Some(s), false) => s.count,
            _ => 0,
        };
        let index = q.messages.iter().position(is_it)?;
        if index < locked || q.messages[index].in_doubt {
            return None;
        }
        let p = q.messages.remove(index)?;
        q.bytes -= p.size;
        self.queued -= 1;
        Some(p)
    }

    /// Build the requests that are ready now, marking their partitions in flight. `identity` is the
    /// idempotent producer's (batches get sequence numbers), `None` without idempotence.
    pub fn drain(
        &mut self,
        now: Instant,
        layout: &TopicLayout,
        limits: &Limits,
        identity: Option<ProducerIdentity>,
    ) -> Drain {
        let mut out = Drain::default();
        let mut brokers: BTreeMap<i32, BrokerStats> = BTreeMap::new();
        for (&id, q) in &self.partitions {
            if q.messages.is_empty() {
                continue;
            }
            if !q.in_flight {
                if let Some(t) = q.retry_at.filter(|t| *t > now) {
                    out.next_wake = min_instant(out.next_wake, t);
                    continue;
                }
            }
            if !q.sendable(now) {
                continue;
            }
            let Some(leader) = layout.leader(id) else {
                out.leaderless.push(id);
                continue;
            };
            let s = brokers.entry(leader).or_default();
            s.count += q.messages.len();
            s.bytes += q.bytes;
            let first = q.messages.front().map(|p| p.enqueued);
            s.oldest = match (s.oldest, first) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            };
            s.partitions.push(id);
        }
        for (broker, mut stats) in brokers {
            let full = self.flushing > 0
                || stats.count >= limits.min_queued
                || stats.bytes >= limits.max_request_size;
            let lingered = stats.oldest.is_some_and(|t| now >= t + limits.linger);
            if !full && !lingered {
                if let Some(t) = stats.oldest {
                    out.next_wake = min_instant(out.next_wake, t + limits.linger);
                }
                continue;
            }
            if !full && self.broker_in_flight.get(&broker).is_some_and(|b| *b > 0) {
                // Lingered, but the broker is still busy with a request (it handles one per connection at a
                // time): the batches keep growing until its response wakes the dispatcher. Only a full request
                // goes out beside one in flight, so batches grow with the load, not with the partition count.
                continue;
            }
            if !full {
                // Only the partitions whose own linger is over: another partition's expiry does not cut a
                // younger batch short.
                let young = |p: &i32| {
                    self.partitions
                        .get(p)
                        .and_then(|q| q.messages.front())
                        .map(|m| m.enqueued + limits.linger)
                        .filter(|due| *due > now)
                };
                for due in stats.partitions.iter().filter_map(young) {
                    out.next_wake = min_instant(out.next_wake, due);
                }
                stats.partitions.retain(|p| young(p).is_none());
            }
            // Oldest partitions first, so a busy partition cannot starve the others of request space.
            stats.partitions.sort_by_key(|p| {
                self.partitions
                    .get(p)
                    .and_then(|q| q.messages.front())
                    .map(|m| m.enqueued)
            });
            let mut remaining = stats.partitions;
            let budget = limits
                .max_request_size
                .saturating_mul(MAX_IN_FLIGHT_REQUESTS_WORTH);
            while !remaining.is_empty()
                && self.broker_in_flight.get(&broker).copied().unwrap_or(0) < budget
            {
                let (request, rest) =
                    self.take_request(broker, remaining, limits.max_request_size, identity);
                remaining = rest;
                if request.batches.is_empty() {
                    break;
                }
                *self.broker_in_flight.entry(broker).or_default() += request.bytes;
                out.requests.push(request);
            }
        }
        out
    }

    /// Fill one request for `broker` from `partitions` (in order) up to `max_bytes`; returns the partitions
    /// that did not fit.
    fn take_request(
        &mut self,
        broker: i32,
        partitions: Vec<i32>,
        max_bytes: usize,
        identity: Option<ProducerIdentity>,
    ) -> (DrainedRequest, Vec<i32>) {
        let mut request = DrainedRequest {
            broker,
            batches: Vec::new(),
            bytes: 0,
        };
        let mut used = 0usize;
        let mut rest = Vec::new();
        for id in partitions {
            let Some(q) = self.partitions.get_mut(&id) else {
                continue;
            };
            // A sequenced batch is resent whole (its size fitted a request before), or not at all.
            let resend = q.sequenced.map(|s| s.count);
            let limit = resend.or(q.split_limit).unwrap_or(usize::MAX);
            // How many front messages go: counted first, then moved in one block (no per-message copy
            // under the lock).
            let mut n = 0;
            let mut taken = 0;
            for m in &q.messages {
                // Always take at least one message per request: oversize messages never get this far.
                let fits =
                    used + taken + m.size <= max_bytes || (used == 0 && n == 0) || resend.is_some();
                if !fits || n >= limit {
                    break;
                }
                taken += m.size;
                n += 1;
            }
            used += taken;
            q.bytes -= taken;
            let messages: Vec<Pending> = if n == 0 {
                Vec::new()
            } else if n == q.messages.len() {
                // The next batch is likely as big: room for it up front, so pushes do not regrow the queue.
                let room = fresh_queue(&mut self.spare_vecs, n);
                Vec::from(std::mem::replace(&mut q.messages, room))
            } else {
                // Part of the queue: the front moves into a recycled vector and the queue keeps its memory
                // (splitting the tail off instead would give the queue a fresh, small buffer to regrow).
                let mut front = spare_vec(&mut self.spare_vecs, n);
                front.extend(q.messages.drain(..n));
                front
            };
            if messages.is_empty() {
                rest.push(id);
                continue;
            }
            if resend.is_some() && used > max_bytes && !request.batches.is_empty() {
                // Not room for the whole resend in this request: put it back for the next one.
                for p in messages.into_iter().rev() {
                    used -= p.size;
                    q.bytes += p.size;
                    q.messages.push_front(p);
                }
                rest.push(id);
                continue;
            }
            self.queued -= messages.len();
            q.in_flight = true;
            q.retry_at = None;
            let identity = match (q.sequenced, identity) {
                (Some(s), _) => Some(s.identity),
                (None, Some(producer)) => {
                    if q.generation != producer.generation {
                        q.generation = producer.generation;
                        q.next_sequence = 0;
                    }
                    let batch = BatchIdentity {
                        producer_id: producer.producer_id,
                        producer_epoch: producer.epoch,
                        base_sequence: q.next_sequence,
                    };
                    q.next_sequence = next_sequence(q.next_sequence, messages.len());
                    q.sequenced = Some(SequencedBatch {
                        identity: batch,
                        count: messages.len(),
                    });
                    Some(batch)
                }
                (None, None) => None,
            };
            request.batches.push(PartitionBatch {
                partition: id,
                messages,
                identity,
            });
        }
        request.bytes = used;
        (request, rest)
    }
}

fn min_instant(a: Option<Instant>, b: Instant) -> Option<Instant> {
    Some(a.map_or(b, |a| a.min(b)))
}

/// An empty vector with room for about `n` messages, recycled when there is one.
fn spare_vec(spare_vecs: &mut Vec<Vec<Pending>>, n: usize) -> Vec<Pending> {
    let n = n.min(MAX_RESERVED_MESSAGES);
    match spare_vecs.pop() {
        Some(mut v) => {
            v.reserve(n);
            v
        }
        None => Vec::with_capacity(n),
    }
}

/// An empty queue with room for about `n` messages (a recycled vector's memory when there is one).
fn fresh_queue(spare_vecs: &mut Vec<Vec<Pending>>, n: usize) -> VecDeque<Pending> {
    VecDeque::from(spare_vec(spare_vecs, n))
}

#[cfg(test)]
mod tests {
    use super::*;
    use ferrokafka_core::OutgoingMessage;

    fn pending(partition: i32, n: u8, enqueued: Instant) -> Pending {
        let message = OutgoingMessage::new(vec![n; 10]).with_partition(partition);
        Pending {
            size: message.encoded_size_hint(),
            message,
            partition,
            attempts: 0,
            thread: std::thread::current().id(),
            future: None,
            sync: None,
            enqueued,
            in_doubt: false,
        }
    }

    fn layout(leaders: &[(i32, i32)]) -> TopicLayout {
        TopicLayout {
            partitions: leaders.iter().map(|(p, _)| *p).collect(),
            leaders: leaders.iter().copied().collect(),
        }
    }

    fn limits(min_queued: usize, linger_ms: u64, max: usize) -> Limits {
        Limits {
            min_queued,
            linger: Duration::from_millis(linger_ms),
            max_request_size: max,
        }
    }

    fn values(b: &PartitionBatch) -> Vec<u8> {
        b.messages
            .iter()
            .map(|p| p.message.value.as_ref().map_or(0, |v| v[0]))
            .collect()
    }

    #[test]
    fn waits_for_linger_or_min_queued() {
        let t0 = Instant::now();
        let mut acc = Accumulator::default();
        let l = layout(&[(0, 1), (1, 2)]);
        acc.push(pending(0, 1, t0));
        let d = acc.drain(t0, &l, &limits(3, 100, 1 << 20), None);
        assert!(d.requests.is_empty());
        assert_eq!(d.next_wake, Some(t0 + Duration::from_millis(100)));
        acc.push(pending(0, 2, t0));
        acc.push(pending(0, 3, t0));
        let d = acc.drain(t0, &l, &limits(3, 100, 1 << 20), None);
        assert_eq!(d.requests.len(), 1);
        assert_eq!(values(&d.requests[0].batches[0]), vec![1, 2, 3]);
        acc.push(pending(1, 4, t0));
        let d = acc.drain(
            t0 + Duration::from_millis(100),
            &l,
            &limits(3, 100, 1 << 20),
            None,
        );
        assert_eq!(d.requests[0].broker, 2);
        assert_eq!(acc.queued, 0);
    }

    #[test]
    fn one_partitions_linger_does_not_cut_anothers_batch_short() {
        let t0 = Instant::now();
        let mut acc = Accumulator::default();
        let l = layout(&[(0, 1), (1, 1)]);
        let lim = limits(1000, 100, 1 << 20);
        acc.push(pending(0, 1, t0));
        let t1 = t0 + Duration::from_millis(60);
        acc.push(pending(1, 2, t1));
        let d = acc.drain(t0 + Duration::from_millis(100), &l, &lim, None);
        assert_eq!(d.requests.len(), 1);
        assert_eq!(d.requests[0].batches.len(), 1, "only partition 0 lingered");
        assert_eq!(d.requests[0].batches[0].partition, 0);
        assert_eq!(d.next_wake, Some(t1 + Duration::from_millis(100)));
        acc.settle(1, d.requests[0].bytes, [0]);
        let d = acc.drain(t1 + Duration::from_millis(100), &l, &lim, None);
        assert_eq!(d.requests[0].batches[0].partition, 1);
    }

    #[test]
    fn one_batch_in_flight_per_partition_and_retries_go_first() {
        let t0 = Instant::now();
        let mut acc = Accumulator::default();
        let l = layout(&[(0, 1)]);
        let lim = limits(1, 0, 1 << 20);
        acc.push(pending(0, 1, t0));
        acc.push(pending(0, 2, t0));
        let mut d = acc.drain(t0, &l, &lim, None);
        let batch = d.requests.pop().unwrap().batches.pop().unwrap();
        acc.push(pending(0, 3, t0));
        assert!(
            acc.drain(t0, &l, &lim, None).requests.is_empty(),
            "partition is in flight"
        );
        // The batch failed: back to the front, with backoff.
        acc.settle(1, 0, [0]);
        let later = t0 + Duration::from_millis(100);
        acc.requeue_front(0, batch.messages, Some(later));
        let d = acc.drain(t0, &l, &lim, None);
        assert!(d.requests.is_empty());
        assert_eq!(d.next_wake, Some(later));
        let d = acc.drain(later, &l, &lim, None);
        assert_eq!(values(&d.requests[0].batches[0]), vec![1, 2, 3]);
    }

    #[test]
    fn requests_respect_max_request_size_and_in_flight_cap() {
        let t0 = Instant::now();
        let mut acc = Accumulator::default();
        let l = layout(&[(0, 1), (1, 1), (2, 1), (3, 1), (4, 1), (5, 1), (6, 1)]);
        for p in 0..7 {
            acc.push(pending(p, p as u8, t0));
            acc.push(pending(p, p as u8, t0));
        }
        let one = pending(0, 0, t0).size;
        // Room for exactly two messages per request: one partition's batch each, and
        // MAX_IN_FLIGHT_REQUESTS_WORTH requests' worth of bytes in flight.
        let d = acc.drain(t0, &l, &limits(1, 0, 2 * one), None);
        assert_eq!(d.requests.len(), MAX_IN_FLIGHT_REQUESTS_WORTH);
        assert!(d
            .requests
            .iter()
            .all(|r| r.batches.len() == 1 && r.batches[0].messages.len() == 2));
        assert_eq!(acc.queued, 14 - 2 * MAX_IN_FLIGHT_REQUESTS_WORTH);
    }

    #[test]
    fn lingered_batches_wait_for_a_busy_broker_and_grow() {
        let t0 = Instant::now();
        let mut acc = Accumulator::default();
        let l = layout(&[(0, 1), (1, 1)]);
        let lim = limits(1000, 5, 1 << 20);
        acc.push(pending(0, 1, t0));
        let later = t0 + Duration::from_millis(5);
        let d = acc.drain(later, &l, &lim, None);
        assert_eq!(
            d.requests.len(),
            1,
            "an idle broker gets the lingered batch"
        );
        let bytes = d.requests[0].bytes;
        for n in 2..=4 {
            acc.push(pending(1, n, t0));
        }
        let d = acc.drain(later, &l, &lim, None);
        assert!(
            d.requests.is_empty(),
            "partition 1 lingered, but broker 1 is busy"
        );
        acc.push(pending(1, 5, later));
        acc.settle(1, bytes, [0]);
        let d = acc.drain(later, &l, &lim, None);
        assert_eq!(d.requests.len(), 1);
        assert_eq!(
            values(&d.requests[0].batches[0]),
            vec![2, 3, 4, 5],
            "one batch with everything that waited"
        );
    }

    #[test]
    fn a_full_request_goes_beside_one_in_flight() {
        let t0 = Instant::now();
        let mut acc = Accumulator::default();
        let l = layout(&[(0, 1), (1, 1)]);
        let one = pending(0, 0, t0).size;
        let lim = limits(1000, 5, 3 * one);
        acc.push(pending(0, 1, t0));
        let later = t0 + Duration::from_millis(5);
        assert_eq!(acc.drain(later, &l, &lim, None).requests.len(), 1);
        for n in 2..=4 {
            acc.push(pending(1, n, later));
        }
        let d = acc.drain(later, &l, &lim, None);
        assert_eq!(
            d.requests.len(),
            1,
            "a request's worth is ready: it goes now"
        );
        assert_eq!(values(&d.requests[0].batches[0]), vec![2, 3, 4]);
    }

    #[test]
    fn expired_messages_are_taken_oldest_first_and_in_flight_ones_stay() {
        let t0 = Instant::now();
        let timeout = Duration::from_millis(100);
        let mut acc = Accumulator::default();
        let l = layout(&[(0, 1), (1, 1)]);
        acc.push(pending(0, 1, t0));
        acc.push(pending(0, 2, t0 + Duration::from_millis(50)));
        acc.push(pending(1, 3, t0));
        let d = acc.drain(t0, &l, &limits(1, 0, 1 << 20), None);
        let in_flight: usize = d.requests.iter().map(|r| r.batches.len()).sum();
        assert_eq!(in_flight, 2, "both partitions have a batch in flight");
        acc.push(pending(1, 4, t0 + Duration::from_millis(10)));
        let e = acc.expire(t0 + Duration::from_millis(99), timeout);
        assert!(e.partitions.is_empty());
        assert_eq!(e.next_deadline, Some(t0 + Duration::from_millis(110)));
        let e = acc.expire(t0 + Duration::from_millis(120), timeout);
        assert_eq!(e.partitions.len(), 1);
        assert_eq!(e.partitions[0].partition, 1);
        assert_eq!(e.partitions[0].messages.len(), 1, "only the queued message");
        assert_eq!(acc.queued, 0);
    }

    #[test]
    fn a_sequenced_batch_expires_whole() {
        let t0 = Instant::now();
        let mut acc = Accumulator::default();
        let l = layout(&[(0, 1)]);
        let producer = ProducerIdentity {
            producer_id: 7,
            epoch: 0,
            generation: 1,
        };
        acc.push(pending(0, 1, t0));
        acc.push(pending(0, 2, t0 + Duration::from_millis(90)));
        let mut d = acc.drain(t0, &l, &limits(1, 0, 1 << 20), Some(producer));
        let batch = d.requests.pop().unwrap().batches.pop().unwrap();
        acc.settle(1, 0, [0]);
        acc.requeue_front(0, batch.messages, None);
        acc.push(pending(0, 3, t0 + Duration::from_millis(95)));
        let e = acc.expire(t0 + Duration::from_millis(100), Duration::from_millis(100));
        let p = &e.partitions[0];
        assert_eq!(
            p.messages.len(),
            2,
            "the batch of two, not the younger third"
        );
        assert_eq!(p.identity.map(|i| i.base_sequence), Some(0));
        assert_eq!(
            acc.partitions[&0].next_sequence, 0,
            "its sequences are reused"
        );
        assert_eq!(acc.queued, 1);
    }

    #[test]
    fn leaderless_partitions_are_reported() {
        let t0 = Instant::now();
        let mut acc = Accumulator::default();
        acc.push(pending(0, 1, t0));
        let d = acc.drain(t0, &layout(&[(0, -1)]), &limits(1, 0, 1 << 20), None);
        assert_eq!(d.leaderless, vec![0]);
        assert!(d.requests.is_empty());
    }
}
