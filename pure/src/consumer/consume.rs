//! `consume()`: PyKafka's round-robin, one message per call, with its blocking and timeout rules.
//!
//! - stopped → `ConsumerStopped`; a pending fetcher error is returned before any message (PyKafka re-raises
//!   worker exceptions in `consume`);
//! - `block = false` → a message or `None` at once;
//! - `block = true`, `consumer_timeout_ms > 0` → `None` after that long without a message;
//! - `block = true`, `consumer_timeout_ms` -1 or 0 → wait until a message, an error or `stop()`.

use std::sync::Arc;
use std::time::{Duration, Instant};

use ferrokafka_core::{Error, Message, Result};

use super::backend::ConsumerBackend;
use super::shared::{Shared, State};

impl<B: ConsumerBackend> Shared<B> {
    /// One step of `consume`: `Some(result)` when the call can return now.
    fn take(&self, st: &mut State) -> Option<Result<Option<Message>>> {
        if !st.running {
            return Some(Err(Error::consumer_stopped(self.topic.clone())));
        }
        if let Some(e) = st.errors.pop_front() {
            return Some(Err(e));
        }
        let queued_max = self.queued_max();
        loop {
            // The first ready partition at or after `rr_next`, else the first one (the cycle wraps).
            let pid = *st
                .ready
                .range(st.rr_next..)
                .next()
                .or_else(|| st.ready.iter().next())?;
            let Some(p) = st.partitions.get_mut(&pid) else {
                st.ready.remove(&pid);
                continue;
            };
            let Some(m) = p.pop() else {
                st.ready.remove(&pid);
                continue;
            };
            let left = p.queue.len();
            if left == 0 {
                st.ready.remove(&pid);
            }
            st.rr_next = pid.saturating_add(1);
            // A fetcher may be waiting for this partition to drop below the bound.
            if left + 1 == queued_max || left == 0 {
                self.space_notify.notify_waiters();
            }
            return Some(Ok(Some(m)));
        }
    }

    /// Blocking `consume`, for plain threads.
    pub fn consume_blocking(&self, block: bool) -> Result<Option<Message>> {
        let mut st = self.lock();
        if let Some(r) = self.take(&mut st) {
            return r;
        }
        if !block {
            return Ok(None);
        }
        let deadline = self.opts.consumer_timeout.map(|t| Instant::now() + t);
        loop {
            st = match deadline {
                Some(d) => {
                    let now = Instant::now();
                    if now >= d {
                        return Ok(None);
                    }
                    self.data_cv
                        .wait_timeout(st, d - now)
                        .map(|(g, _)| g)
                        .unwrap_or_else(|e| e.into_inner().0)
                }
                // Wake once a second anyway, as PyKafka's 1 s polling does, so nothing can hang forever.
                None => self
                    .data_cv
                    .wait_timeout(st, Duration::from_secs(1))
                    .map(|(g, _)| g)
                    .unwrap_or_else(|e| e.into_inner().0),
            };
            if let Some(r) = self.take(&mut st) {
                return r;
            }
        }
    }

    /// Async `consume(block=True)`: never blocks a tokio worker.
    pub async fn consume_async(self: &Arc<Self>) -> Result<Option<Message>> {
        let deadline = self
            .opts
            .consumer_timeout
            .map(|t| tokio::time::Instant::now() + t);
        loop {
            let notified = self.data_notify.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            if let Some(r) = self.take(&mut self.lock()) {
                return r;
            }
            match deadline {
                Some(d) => {
                    if tokio::time::timeout_at(d, notified).await.is_err() {
                        return Ok(None);
                    }
                }
                None => notified.await,
            }
        }
    }
}
