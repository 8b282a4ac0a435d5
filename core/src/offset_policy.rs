//! PyKafka's offset rules (§2.1), written once for both engines; each engine supplies only the I/O.
//!
//! - committed values are the *next* offset to consume; `ResetTarget::LastConsumed(n)` resumes at n + 1, and
//!   the integers -2 / -1 mean EARLIEST / LATEST (PyKafka's MAGIC_OFFSETS) — [`resolve`];
//! - a ListOffsets answer `o` means "last consumed o - 1"; no answer for a timestamp means the end of the
//!   log (PyKafka used -2 literally and fell through OFFSET_OUT_OF_RANGE) — [`listed`];
//! - `fetch_offsets` with `reset_offset_on_fetch` moves to committed - 1, or to `auto_offset_reset` where
//!   nothing is committed — [`positions_after_fetch`]; every reset commits when there is a group;
//! - offset requests are retried `offsets_commit_max_retries` times (at least once), sleeping
//!   i × `offsets_channel_backoff_ms` before attempt i — [`Backoff::offsets`].

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use crate::api::{CommittedOffset, ResetTarget};
use crate::options::{ConsumerOptions, OffsetType};

/// A retry policy: how many attempts, the wait before each (linear: attempt i waits i × step), and an
/// optional deadline past which no attempt starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    step: Duration,
    attempts: u32,
    deadline: Option<Instant>,
}

impl Backoff {
    /// `attempts` attempts (at least one), attempt i waiting i × `step` first.
    pub fn linear(step: Duration, attempts: u32) -> Self {
        Backoff {
            step,
            attempts: attempts.max(1),
            deadline: None,
        }
    }

    /// PyKafka's offset-request retries: `offsets_commit_max_retries` attempts (at least one), attempt i
    /// waiting i × `offsets_channel_backoff_ms`.
    pub fn offsets(opts: &ConsumerOptions) -> Self {
        let attempts = u32::try_from(opts.offsets_commit_max_retries.clamp(1, 1_000)).unwrap_or(1);
        let step =
            Duration::from_millis(u64::try_from(opts.offsets_channel_backoff_ms).unwrap_or(0));
        Backoff::linear(step, attempts)
    }

    /// No attempt starts (nor waits) past `deadline`.
    pub fn with_deadline(mut self, deadline: Instant) -> Self {
        self.deadline = Some(deadline);
        self
    }

    /// How many attempts at most.
    pub fn attempts(&self) -> u32 {
        self.attempts
    }

    /// The wait before attempt `attempt` (0-based; the first is immediate), or `None` when there is no such
    /// attempt: the count is used up, or the wait would end past the deadline.
    pub fn before(&self, attempt: u32) -> Option<Duration> {
        if attempt >= self.attempts {
            return None;
        }
        let wait = self.step.saturating_mul(attempt);
        match self.deadline {
            Some(d) if Instant::now() + wait > d => None,
            _ => Some(wait),
        }
    }
}

/// How a reset target resolves for one partition.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resolved {
    /// Known without asking: the last consumed offset (consumption resumes one after it).
    LastConsumed(i64),
    /// Ask ListOffsets with this timestamp (-2 earliest, -1 latest, or ms since the epoch).
    Query(i64),
}

/// PyKafka's reading of a reset target.
pub fn resolve(target: ResetTarget) -> Resolved {
    match target {
        ResetTarget::LastConsumed(n) => match OffsetType::from_i64(n) {
            Some(t) => Resolved::Query(t.as_i64()),
            None => Resolved::LastConsumed(n),
        },
        ResetTarget::Earliest => Resolved::Query(OffsetType::Earliest.as_i64()),
        ResetTarget::Latest => Resolved::Query(OffsetType::Latest.as_i64()),
        ResetTarget::Timestamp(ms) => Resolved::Query(ms),
    }
}

/// What a ListOffsets answer to `query` means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Listed {
    /// Resume after this last consumed offset.
    LastConsumed(i64),
    /// No message at or after the timestamp: ask for the latest offset instead.
    AskLatest,
    /// The broker gave no latest offset: an error for the caller to report.
    NoLatest,
}

/// The meaning of `answer` (the offset ListOffsets returned, if any) for `query`.
pub fn listed(query: i64, answer: Option<i64>) -> Listed {
    match answer {
        Some(o) => Listed::LastConsumed(o - 1),
        None if query == OffsetType::Latest.as_i64() => Listed::NoLatest,
        None => Listed::AskLatest,
    }
}

/// `auto_offset_reset` as a reset target.
pub fn auto_reset_target(t: OffsetType) -> ResetTarget {
    match t {
        OffsetType::Earliest => ResetTarget::Earliest,
        OffsetType::Latest => ResetTarget::Latest,
    }
}

/// Where `fetch_offsets` puts a partition under `reset_offset_on_fetch`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AfterFetch {
    /// Resume after this last consumed offset: committed C gives C - 1, taken literally (a commit of 0
    /// gives -1, which is *not* PyKafka's LATEST magic value: those apply to user reset targets only).
    LastConsumed(i64),
    /// Nothing committed: reset to this target (a reset, which commits when grouped).
    Reset(ResetTarget),
}

/// Where `fetch_offsets` moves each partition under `reset_offset_on_fetch`: committed C → last consumed
/// C - 1; nothing committed → `auto_offset_reset`.
pub fn positions_after_fetch(
    committed: &BTreeMap<i32, CommittedOffset>,
    auto_offset_reset: OffsetType,
) -> Vec<(i32, AfterFetch)> {
    committed
        .iter()
        .map(|(p, c)| {
            let position = if c.offset < 0 {
                AfterFetch::Reset(auto_reset_target(auto_offset_reset))
            } else {
                AfterFetch::LastConsumed(c.offset - 1)
            };
            (*p, position)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pykafka_backoff_is_linear_and_bounded() {
        let b = Backoff::linear(Duration::from_millis(100), 3);
        let waits: Vec<_> = (0..4).map(|i| b.before(i)).collect();
        assert_eq!(
            waits,
            vec![
                Some(Duration::ZERO),
                Some(Duration::from_millis(100)),
                Some(Duration::from_millis(200)),
                None
            ]
        );
        assert_eq!(Backoff::linear(Duration::ZERO, 0).attempts(), 1);
        let past = Backoff::linear(Duration::from_secs(10), 5).with_deadline(Instant::now());
        assert_eq!(
            past.before(1),
            None,
            "a wait past the deadline is no attempt"
        );
        let opts = ConsumerOptions {
            offsets_commit_max_retries: 0,
            ..ConsumerOptions::default()
        };
        assert_eq!(
            Backoff::offsets(&opts).attempts(),
            1,
            "0 retries still tries once"
        );
    }

    #[test]
    fn targets_resolve_as_pykafka_reads_them() {
        assert_eq!(
            resolve(ResetTarget::LastConsumed(7)),
            Resolved::LastConsumed(7)
        );
        assert_eq!(resolve(ResetTarget::LastConsumed(-2)), Resolved::Query(-2));
        assert_eq!(resolve(ResetTarget::LastConsumed(-1)), Resolved::Query(-1));
        assert_eq!(
            resolve(ResetTarget::Timestamp(1_000)),
            Resolved::Query(1_000)
        );
        assert_eq!(listed(-2, Some(5)), Listed::LastConsumed(4));
        assert_eq!(listed(1_000, None), Listed::AskLatest);
        assert_eq!(listed(-1, None), Listed::NoLatest);
    }

    #[test]
    fn fetch_moves_to_committed_or_resets() {
        let committed = BTreeMap::from([
            (0, CommittedOffset::new(10, None)),
            (1, CommittedOffset::new(-1, None)),
            (2, CommittedOffset::new(0, None)),
        ]);
        // A commit of 0 resumes at 0: its "last consumed" -1 is literal, not PyKafka's LATEST.
        assert_eq!(
            positions_after_fetch(&committed, OffsetType::Latest),
            vec![
                (0, AfterFetch::LastConsumed(9)),
                (1, AfterFetch::Reset(ResetTarget::Latest)),
                (2, AfterFetch::LastConsumed(-1)),
            ]
        );
    }
}
