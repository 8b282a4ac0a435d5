//! PyKafka's `SimpleConsumer.fetch()`: "one fetch round for the held partitions, filling the internal
//! queues". The per-broker fetchers already fetch continuously, so a round here is observed, not sent:
//! every fetch request gets a ticket when it is planned, and `fetch()` waits until each partition that can be
//! fetched (leader known, buffer below `queued_max_messages`, not backing off or resetting) has had a
//! request planned after the call come back. Its messages are then in the buffer.

use std::time::Duration;

use ferrokafka_core::{Error, Result};

use super::backend::ConsumerBackend;
use super::shared::Shared;

impl<B: ConsumerBackend> Shared<B> {
    /// Records that the request with `ticket` for `partitions` came back, and wakes `fetch()` calls.
    pub(super) fn round_finished(&self, partitions: &[i32], ticket: u64) {
        let mut st = self.lock();
        for pid in partitions {
            st.round_done.insert(*pid, ticket);
        }
        drop(st);
        self.round_notify.notify_waiters();
    }

    /// Waits (at most `limit`) for one fetch round after this call; returns the messages buffered then.
    /// `ConsumerStopped` when not running (no fetcher would answer), `Timeout` past `limit`.
    pub async fn fetch_round(&self, limit: Duration) -> Result<usize> {
        let since = {
            let mut st = self.lock();
            st.round_waiters += 1;
            st.next_round
        };
        // Counted out however this call ends (a dropped future included).
        let _waiting = RoundWaiter(self);
        // A fetcher holding back a long poll sends it now.
        self.space_notify.notify_waiters();
        self.wait_for_round(since, limit).await
    }

    async fn wait_for_round(&self, since: u64, limit: Duration) -> Result<usize> {
        let deadline = tokio::time::Instant::now() + limit;
        loop {
            let finished = self.round_notify.notified();
            tokio::pin!(finished);
            finished.as_mut().enable();
            {
                let st = self.lock();
                if !st.running {
                    return Err(Error::consumer_stopped(self.topic.clone()));
                }
                let now = std::time::Instant::now();
                let queued_max = self.queued_max();
                let waiting = st.partitions.values().any(|p| {
                    p.leader.is_some()
                        && p.fetchable(queued_max, now)
                        && st.round_done.get(&p.id).map_or(true, |done| *done < since)
                });
                if !waiting {
                    return Ok(st.partitions.values().map(|p| p.queue.len()).sum());
                }
            }
            if tokio::time::timeout_at(deadline, finished).await.is_err() {
                return Err(Error::timeout(
                    format!("a fetch round of {}", self.topic),
                    limit,
                ));
            }
        }
    }
}

/// One `fetch()` call counted in `round_waiters` while it lives.
struct RoundWaiter<'a, B: ConsumerBackend>(&'a Shared<B>);

impl<B: ConsumerBackend> Drop for RoundWaiter<'_, B> {
    fn drop(&mut self) {
        let mut st = self.0.lock();
        st.round_waiters = st.round_waiters.saturating_sub(1);
    }
}
