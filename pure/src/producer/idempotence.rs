//! The idempotent producer's identity (KIP-98): a producer id and epoch from InitProducerId, and a
//! generation that changes whenever the id is replaced, so every partition restarts its sequence at 0.
//!
//! The id is replaced when the broker no longer knows it (UNKNOWN_PRODUCER_ID), reports a sequence gap
//! (OUT_OF_ORDER_SEQUENCE_NUMBER), or when a batch whose outcome is unknown is given up: the broker's next
//! expected sequence for that partition is then unknown, and a fresh id is the only safe restart.

use std::sync::{Arc, Mutex};

use super::sender::Shared;

/// The identity batches are stamped with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ProducerIdentity {
    pub producer_id: i64,
    pub epoch: i16,
    /// Bumped on every new id: a partition queue whose generation differs starts again at sequence 0.
    pub generation: u64,
}

#[derive(Debug, Default)]
struct State {
    current: Option<ProducerIdentity>,
    fetching: bool,
    generation: u64,
}

/// The producer's identity, fetched lazily and replaced on demand.
#[derive(Debug, Default)]
pub(crate) struct Identities {
    state: Mutex<State>,
}

impl Identities {
    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The identity to stamp batches with, or `None` while one is being fetched.
    pub fn current(&self) -> Option<ProducerIdentity> {
        self.lock().current
    }

    /// Drop `producer_id` (if it is still the current one): the next batches wait for a new id.
    pub fn replace(&self, producer_id: i64) {
        let mut s = self.lock();
        if s.current.is_some_and(|c| c.producer_id == producer_id) {
            tracing::info!(
                producer_id,
                "idempotent producer: requesting a new producer id"
            );
            s.current = None;
        }
    }

    /// Start an InitProducerId in the background unless one is running; the dispatcher is woken when it ends
    /// (on failure it retries at its next pass, after `retry_backoff_ms`).
    pub fn fetch(shared: &Arc<Shared>, ids: &Identities) {
        {
            let mut s = ids.lock();
            if s.current.is_some() || s.fetching {
                return;
            }
            s.fetching = true;
        }
        let shared = Arc::clone(shared);
        tokio::spawn(async move {
            let answer = shared.transport.init_producer_id().await;
            if let Some(ids) = &shared.identities {
                let mut s = ids.lock();
                s.fetching = false;
                match answer {
                    Ok((producer_id, epoch)) => {
                        s.generation += 1;
                        s.current = Some(ProducerIdentity {
                            producer_id,
                            epoch,
                            generation: s.generation,
                        });
                    }
                    Err(e) => {
                        tracing::warn!(topic = %shared.topic, error = %e.report(), "InitProducerId failed; retrying")
                    }
                }
            }
            shared.wake.notify_one();
        });
    }
}

/// The sequence after a batch of `count` starting at `base` (sequences wrap from i32::MAX to 0).
pub(crate) fn next_sequence(base: i32, count: usize) -> i32 {
    let count = i64::try_from(count).unwrap_or(0);
    let next = (i64::from(base) + count) % (i64::from(i32::MAX) + 1);
    i32::try_from(next).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sequences_wrap_to_zero() {
        assert_eq!(next_sequence(0, 5), 5);
        assert_eq!(next_sequence(i32::MAX - 1, 1), i32::MAX);
        assert_eq!(next_sequence(i32::MAX, 1), 0);
        assert_eq!(next_sequence(i32::MAX - 1, 4), 2);
    }
}
