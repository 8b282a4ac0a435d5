//! The state every consumer task shares: partitions, the error queue, and the wake-ups between the
//! consuming thread(s), the per-broker fetchers, the leader supervisor and the auto-committer.
//!
//! One `std::sync::Mutex` guards all partitions: critical sections are short (push a fetch's messages, pop
//! one message), and one lock keeps round-robin, resets and error reporting trivially consistent.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::sync::{Condvar, Mutex, MutexGuard};

use ferrokafka_core::{Error, ResolvedConsumer};
use tokio::runtime::Handle;
use tokio::sync::Notify;

use super::backend::{ConsumerBackend, GroupMember};
use super::partition_state::PartitionState;

pub(crate) use ferrokafka_core::commit_metadata::commit_metadata;

/// At most this many errors wait for `consume()`; older duplicates are dropped first.
const MAX_PENDING_ERRORS: usize = 64;

/// Mutable consumer state, behind `Shared::state`.
#[derive(Debug)]
pub(crate) struct State {
    pub partitions: BTreeMap<i32, PartitionState>,
    /// Partition ids in round-robin order (sorted).
    pub order: Vec<i32>,
    /// The partition id where the next `consume()` starts looking (PyKafka's `itertools.cycle` over `order`).
    pub rr_next: i32,
    /// Partitions that may have buffered messages: every one that has is here (a fetch that queues adds it);
    /// one found empty is dropped by `consume()`. Round-robin walks this set, not all partitions, so a
    /// message costs the same with 6 partitions or 1000 mostly empty ones.
    pub ready: BTreeSet<i32>,
    pub running: bool,
    /// Bumped by every start/stop; a task whose generation is old exits.
    pub run_gen: u64,
    /// Fetcher / reset / decode errors for the next `consume()` (PyKafka re-raises worker exceptions there).
    pub errors: VecDeque<Error>,
    /// Broker ids that have a fetcher task running.
    pub fetchers: BTreeSet<i32>,
    /// The ticket the next fetch request gets (`fetch()` waits for requests planned after it was called).
    pub next_round: u64,
    /// Per partition, the ticket of the last fetch request that completed (any outcome).
    pub round_done: BTreeMap<i32, u64>,
    /// `fetch()` calls waiting for a round: a fetcher then sends a request that may long-poll even while
    /// another partition's data waits on the broker.
    pub round_waiters: usize,
}

impl State {
    pub fn alive(&self, gen: u64) -> bool {
        self.running && self.run_gen == gen
    }
}

/// Everything the consumer's tasks share through an `Arc`.
pub(crate) struct Shared<B> {
    pub topic: String,
    pub opts: ResolvedConsumer,
    pub backend: B,
    pub handle: Handle,
    pub state: Mutex<State>,
    /// Wakes blocking `consume()` calls (paired with `state`).
    pub data_cv: Condvar,
    /// Wakes async `consume_async()` calls.
    pub data_notify: Notify,
    /// Wakes fetchers waiting for queue space or for a reset to finish.
    pub space_notify: Notify,
    /// Asks the supervisor to refresh leaders (a permit is stored if it is busy).
    pub refresh_notify: Notify,
    /// Wakes `fetch()` calls when a fetch request completes.
    pub round_notify: Notify,
    /// Group identity for offset requests; `None` without a consumer group. Its member id and generation
    /// change with `set_member_identity` (PyKafka's settable `consumer_id` / `generation_id`).
    pub member: Option<Mutex<GroupMember>>,
    /// The largest a partition's fetch size may grow to.
    pub fetch_cap: i32,
    /// Failed fetch and leader requests since the last fetch answer (`health()`).
    pub health: ferrokafka_core::HealthTracker,
}

impl<B: ConsumerBackend> Shared<B> {
    /// Last consumed offset per partition, -2 where nothing was consumed.
    pub fn held_offsets(&self) -> BTreeMap<i32, i64> {
        self.lock()
            .partitions
            .values()
            .map(|p| (p.id, p.held_offset()))
            .collect()
    }

    /// Locks the state. A panic elsewhere while holding the lock does not make the consumer unusable.
    pub fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Wakes everyone waiting for messages (new data, an error, or a stop).
    pub fn wake_consumers(&self) {
        self.data_cv.notify_all();
        self.data_notify.notify_waiters();
    }

    /// Queues an error for the next `consume()`. An identical pending error is not queued twice.
    pub fn report(&self, st: &mut State, error: Error) {
        tracing::warn!(topic = %self.topic, error = %error.report(), "consumer error");
        let text = error.to_string();
        if st
            .errors
            .iter()
            .any(|e| e.kind() == error.kind() && e.to_string() == text)
        {
            return;
        }
        if st.errors.len() >= MAX_PENDING_ERRORS {
            st.errors.pop_front();
        }
        st.errors.push_back(error);
        self.wake_consumers();
    }

    pub fn queued_max(&self) -> usize {
        self.opts.queued_max_messages
    }

    pub fn isolation_level(&self) -> i8 {
        i8::from(self.opts.read_committed)
    }
}
