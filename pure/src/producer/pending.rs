//! A message between `produce()` and its delivery report, and how it is completed.
//!
//! Every accepted message ends in exactly one [`Completion::complete`] call: delivered, or failed with a reason.
//! That call files the per-thread report, resolves the per-message future, wakes a `sync` producer, and gives
//! the message's queue slot back. That is the "nothing vanishes silently" rule in one place.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::thread::ThreadId;
use std::time::{Duration, Instant};

use ferrokafka_core::{
    Delivery, DeliveryReport, DeliveryReports, DeliverySender, OutgoingMessage, Result,
};
use tokio::sync::{Notify, Semaphore};

/// A slot a `sync` producer blocks on (plain threads cannot await the future with a timeout).
#[derive(Debug, Default)]
pub(crate) struct SyncSlot {
    result: Mutex<Option<Result<Delivery>>>,
    ready: Condvar,
}

impl SyncSlot {
    fn set(&self, result: Result<Delivery>) {
        *self.result.lock().unwrap_or_else(|e| e.into_inner()) = Some(result);
        self.ready.notify_all();
    }

    /// The delivery, or `None` after `timeout` (`None` = forever).
    pub(crate) fn wait(&self, timeout: Option<Duration>) -> Option<Result<Delivery>> {
        let deadline = timeout.map(|t| Instant::now() + t);
        let mut guard = self.result.lock().unwrap_or_else(|e| e.into_inner());
        loop {
            if let Some(r) = guard.take() {
                return Some(r);
            }
            guard = match deadline {
                None => self.ready.wait(guard).unwrap_or_else(|e| e.into_inner()),
                Some(d) => {
                    let now = Instant::now();
                    if now >= d {
                        return None;
                    }
                    self.ready
                        .wait_timeout(guard, d - now)
                        .unwrap_or_else(|e| e.into_inner())
                        .0
                }
            };
        }
    }
}

/// One queued or in-flight message.
#[derive(Debug)]
pub(crate) struct Pending {
    /// The message, its partition and timestamp filled in.
    pub message: OutgoingMessage,
    pub partition: i32,
    /// `encoded_size_hint`, computed once.
    pub size: usize,
    /// Send attempts that failed so far.
    pub attempts: u32,
    /// The producing thread: its report queue gets the report.
    pub thread: ThreadId,
    pub future: Option<DeliverySender>,
    pub sync: Option<Arc<SyncSlot>>,
    pub enqueued: Instant,
    /// A request carrying it was sent and its outcome never learned (timeout, lost connection): it may be in
    /// the log, so a later failure is reported as an unknown outcome, never as a plain failure.
    pub in_doubt: bool,
}

/// Completes messages and keeps the producer's accounting (queue slots, outstanding count, idle wake-ups).
#[derive(Debug)]
pub(crate) struct Completion {
    pub reports: Option<DeliveryReports>,
    /// One permit per free queue slot (`max_queued_messages`).
    pub slots: Semaphore,
    /// Messages accepted and not yet completed.
    pub outstanding: AtomicUsize,
    idle_lock: Mutex<()>,
    idle: Condvar,
    pub idle_async: Notify,
}

impl Completion {
    pub fn new(reports: Option<DeliveryReports>, max_queued: usize) -> Self {
        Completion {
            reports,
            slots: Semaphore::new(max_queued.max(1)),
            outstanding: AtomicUsize::new(0),
            idle_lock: Mutex::new(()),
            idle: Condvar::new(),
            idle_async: Notify::new(),
        }
    }

    /// Count a message in (its queue slot is already taken).
    pub fn accept(&self) {
        self.outstanding.fetch_add(1, Ordering::AcqRel);
    }

    /// Deliver `p`'s outcome everywhere it is awaited, and free its slot.
    pub fn complete(&self, p: Pending, result: Result<Delivery>) {
        self.notify(p, result);
        self.release(1);
    }

    /// [`Completion::complete`] for a whole batch: the slots go back together (one semaphore update and one
    /// counter update per batch, not per message).
    pub fn complete_all(&self, outcomes: impl IntoIterator<Item = (Pending, Result<Delivery>)>) {
        let mut n = 0;
        for (p, result) in outcomes {
            self.notify(p, result);
            n += 1;
        }
        self.release(n);
    }

    /// File `p`'s report, resolve its future and wake its `sync` producer. A failure nobody will hear of
    /// (detached, no reports) is logged.
    fn notify(&self, p: Pending, result: Result<Delivery>) {
        if p.future.is_none() && p.sync.is_none() && self.reports.is_none() {
            if let Err(e) = &result {
                tracing::warn!(partition = p.partition, error = %e.report(), "message not delivered (produced detached, no delivery reports)");
            }
            return;
        }
        if let Some(slot) = &p.sync {
            slot.set(result.clone());
        }
        if let Some(tx) = p.future {
            tx.send(result.clone());
        }
        if let Some(reports) = &self.reports {
            reports.push(
                p.thread,
                DeliveryReport {
                    message: p.message,
                    result,
                },
            );
        }
    }

    /// Undo `accept` for a message refused after all (the producer stopped): no report, slot freed.
    pub fn reject(&self) {
        self.release(1);
    }

    /// Give back the slots of `n` messages just completed (or rejected).
    fn release(&self, n: usize) {
        if n == 0 {
            return;
        }
        self.slots.add_permits(n);
        if self.outstanding.fetch_sub(n, Ordering::AcqRel) == n {
            let _guard = self.idle_lock.lock().unwrap_or_else(|e| e.into_inner());
            self.idle.notify_all();
            self.idle_async.notify_waiters();
        }
    }

    pub fn outstanding(&self) -> usize {
        self.outstanding.load(Ordering::Acquire)
    }

    /// Block until nothing is outstanding; false on timeout.
    pub fn wait_idle(&self, timeout: Option<Duration>) -> bool {
        let deadline = timeout.map(|t| Instant::now() + t);
        let mut guard = self.idle_lock.lock().unwrap_or_else(|e| e.into_inner());
        loop {
            if self.outstanding() == 0 {
                return true;
            }
            // Re-check at least every 100 ms: a completion racing the lock cannot be missed for long.
            let slice = Duration::from_millis(100);
            let wait = match deadline {
                None => slice,
                Some(d) => {
                    let now = Instant::now();
                    if now >= d {
                        return false;
                    }
                    (d - now).min(slice)
                }
            };
            guard = self
                .idle
                .wait_timeout(guard, wait)
                .unwrap_or_else(|e| e.into_inner())
                .0;
        }
    }

    /// Await until nothing is outstanding (the caller bounds it with a timeout).
    pub async fn idle(&self) {
        loop {
            let notified = self.idle_async.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            if self.outstanding() == 0 {
                return;
            }
            notified.await;
        }
    }
}
