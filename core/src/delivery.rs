//! Delivery reports, two ways: PyKafka's per-thread queue, and a per-message future for async users.
//!
//! The per-thread queues are bounded (PyKafka's are not, and its docs warn that unread reports grow memory
//! without limit). When a thread's queue is full the oldest report is dropped and counted in
//! [`DeliveryReports::dropped`]; the message itself was still delivered or failed as its future says.

use std::cell::RefCell;
use std::collections::{HashMap, HashSet, VecDeque};
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, Weak};
use std::task::{Context, Poll};
use std::thread::ThreadId;
use std::time::{Duration, Instant};

use futures::channel::oneshot;

use crate::error::{Error, Result};
use crate::message::{Delivery, DeliveryReport};

/// How many exited threads are remembered, so that their late reports are dropped instead of kept forever.
const EXITED_REMEMBERED: usize = 4096;

/// One thread's unread reports, and its own wake-up (only this thread ever waits on it).
#[derive(Debug, Default)]
struct ThreadQueue {
    reports: VecDeque<DeliveryReport>,
    /// Set while the thread waits in `pop`.
    waiting: Option<Arc<Condvar>>,
}

#[derive(Debug, Default)]
struct Queues {
    by_thread: HashMap<ThreadId, ThreadQueue>,
    /// Threads that registered and have exited (oldest first, bounded): nobody can read their reports.
    exited: VecDeque<ThreadId>,
    exited_set: HashSet<ThreadId>,
}

/// Per-producing-thread report queues with a shared bound per thread.
///
/// A thread's entry exists only while it holds unread reports (or waits for one), so memory follows the
/// unread reports, not every thread that ever produced. A report wakes only the thread it is for.
#[derive(Debug)]
pub struct DeliveryReports {
    capacity: usize,
    queues: Mutex<Queues>,
    dropped: AtomicU64,
}

thread_local! {
    /// The report queues this thread produced into, cleaned of its entry when the thread exits.
    static TRACKED: RefCell<ExitCleanup> = RefCell::new(ExitCleanup::default());
}

/// Removes the exiting thread's entries from every `DeliveryReports` it registered with.
#[derive(Default)]
struct ExitCleanup(Vec<Weak<DeliveryReports>>);

impl Drop for ExitCleanup {
    fn drop(&mut self) {
        let me = std::thread::current().id();
        for reports in self.0.drain(..).filter_map(|w| w.upgrade()) {
            reports.thread_exited(me);
        }
    }
}

impl DeliveryReports {
    /// Queues that keep at most `capacity` unread reports per thread (at least 1).
    pub fn new(capacity: usize) -> Self {
        DeliveryReports {
            capacity: capacity.max(1),
            queues: Mutex::new(Queues::default()),
            dropped: AtomicU64::new(0),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Queues> {
        // A panic while holding this lock cannot leave the map inconsistent: recover it.
        self.queues.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Called on a producing thread (once is enough; later calls are cheap): when the thread exits, its unread
    /// reports are freed and its late ones dropped, as nobody can read them any more.
    pub fn track_current_thread(self: &Arc<Self>) {
        let _ = TRACKED.try_with(|t| {
            let mut t = t.borrow_mut();
            let me = Arc::as_ptr(self);
            if !t.0.iter().any(|w| w.as_ptr() == me) {
                t.0.retain(|w| w.strong_count() > 0);
                t.0.push(Arc::downgrade(self));
            }
        });
    }

    fn thread_exited(&self, thread: ThreadId) {
        let mut q = self.lock();
        q.by_thread.remove(&thread);
        if q.exited_set.insert(thread) {
            q.exited.push_back(thread);
            if q.exited.len() > EXITED_REMEMBERED {
                if let Some(old) = q.exited.pop_front() {
                    q.exited_set.remove(&old);
                }
            }
        }
    }

    /// File a report for the thread that produced the message.
    pub fn push(&self, thread: ThreadId, report: DeliveryReport) {
        let mut queues = self.lock();
        if queues.exited_set.contains(&thread) {
            // Its thread is gone: the future (if any) still says what happened.
            self.dropped.fetch_add(1, Ordering::Relaxed);
            return;
        }
        let q = queues.by_thread.entry(thread).or_default();
        if q.reports.len() >= self.capacity {
            q.reports.pop_front();
            let n = self.dropped.fetch_add(1, Ordering::Relaxed);
            if n == 0 {
                tracing::warn!(
                    capacity = self.capacity,
                    "delivery report queue full: dropping the oldest unread reports (read them with get_delivery_report)"
                );
            }
        }
        q.reports.push_back(report);
        let waiter = q.waiting.clone();
        drop(queues);
        if let Some(w) = waiter {
            w.notify_one();
        }
    }

    /// The calling thread's next report. `block` waits up to `timeout` (`None` = forever); `Ok(None)` = none came.
    pub fn pop(&self, block: bool, timeout: Option<Duration>) -> Option<DeliveryReport> {
        let me = std::thread::current().id();
        let deadline = timeout.map(|t| Instant::now() + t);
        let mut queues = self.lock();
        let mut wake: Option<Arc<Condvar>> = None;
        let found = loop {
            if let Some(r) = queues
                .by_thread
                .get_mut(&me)
                .and_then(|q| q.reports.pop_front())
            {
                break Some(r);
            }
            if !block {
                break None;
            }
            let now = Instant::now();
            if deadline.is_some_and(|d| now >= d) {
                break None;
            }
            let cv = wake.get_or_insert_with(|| Arc::new(Condvar::new())).clone();
            queues.by_thread.entry(me).or_default().waiting = Some(Arc::clone(&cv));
            queues = match deadline {
                None => cv.wait(queues).unwrap_or_else(|e| e.into_inner()),
                Some(d) => {
                    cv.wait_timeout(queues, d - now)
                        .unwrap_or_else(|e| e.into_inner())
                        .0
                }
            };
        };
        // Drained (and no longer waiting): the entry goes.
        if let Some(q) = queues.by_thread.get_mut(&me) {
            q.waiting = None;
            if q.reports.is_empty() {
                queues.by_thread.remove(&me);
            }
        }
        found
    }

    /// Unread reports of the calling thread.
    pub fn pending_for_current_thread(&self) -> usize {
        self.lock()
            .by_thread
            .get(&std::thread::current().id())
            .map_or(0, |q| q.reports.len())
    }

    /// Threads holding unread reports (or waiting for one).
    pub fn threads_with_reports(&self) -> usize {
        self.lock().by_thread.len()
    }

    /// How many reports were dropped because a thread's queue was full or its thread had exited.
    pub fn dropped(&self) -> u64 {
        self.dropped.load(Ordering::Relaxed)
    }
}

/// The sending half of a [`DeliveryFuture`], completed by the engine exactly once.
#[derive(Debug)]
pub struct DeliverySender(oneshot::Sender<Result<Delivery>>);

impl DeliverySender {
    /// Complete the future. A dropped future (the caller did not care) is fine.
    pub fn send(self, result: Result<Delivery>) {
        let _ = self.0.send(result);
    }
}

/// Resolves to where one message landed, or why it did not. Await it, or `wait()` from a plain thread.
pub struct DeliveryFuture(oneshot::Receiver<Result<Delivery>>);

/// The channel inside says nothing a user can act on (its `complete` flag read as "delivered").
impl std::fmt::Debug for DeliveryFuture {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DeliveryFuture").finish_non_exhaustive()
    }
}

impl DeliveryFuture {
    /// A linked sender/future pair.
    pub fn channel() -> (DeliverySender, DeliveryFuture) {
        let (tx, rx) = oneshot::channel();
        (DeliverySender(tx), DeliveryFuture(rx))
    }

    /// Block the calling thread until delivered or failed. Do not call from inside an async task.
    pub fn wait(self) -> Result<Delivery> {
        futures::executor::block_on(self)
    }
}

impl Future for DeliveryFuture {
    type Output = Result<Delivery>;
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        Pin::new(&mut self.0).poll(cx).map(|r| {
            r.unwrap_or_else(|_| {
                Err(Error::background_task_failed(
                    "delivery report",
                    "the producer was dropped before reporting this message's delivery",
                ))
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::message::OutgoingMessage;

    #[test]
    fn a_delivery_future_debugs_without_its_channel() {
        let (tx, fut) = DeliveryFuture::channel();
        tx.send(Err(Error::producer_stopped("t")));
        assert_eq!(format!("{fut:?}"), "DeliveryFuture { .. }");
    }

    fn report(offset: i64) -> DeliveryReport {
        DeliveryReport {
            message: OutgoingMessage::new("v"),
            result: Ok(Delivery {
                partition_id: 0,
                offset,
                timestamp: None,
            }),
        }
    }

    #[test]
    fn reports_are_per_thread_and_bounded() {
        let reports = std::sync::Arc::new(DeliveryReports::new(3));
        let me = std::thread::current().id();
        for i in 0..5 {
            reports.push(me, report(i));
        }
        assert_eq!(reports.dropped(), 2);
        assert_eq!(reports.pending_for_current_thread(), 3);
        let other = std::sync::Arc::clone(&reports);
        let seen_elsewhere = std::thread::spawn(move || other.pop(false, None))
            .join()
            .unwrap();
        assert!(
            seen_elsewhere.is_none(),
            "another thread must not see this thread's reports"
        );
        let offsets: Vec<i64> = std::iter::from_fn(|| reports.pop(false, None))
            .map(|r| r.result.unwrap().offset)
            .collect();
        assert_eq!(offsets, vec![2, 3, 4]);
        let t = Instant::now();
        assert!(reports.pop(true, Some(Duration::from_millis(50))).is_none());
        assert!(t.elapsed() >= Duration::from_millis(50));
    }

    #[test]
    fn drained_and_exited_threads_leave_no_entry() {
        let reports = std::sync::Arc::new(DeliveryReports::new(10));
        let me = std::thread::current().id();
        reports.push(me, report(1));
        assert_eq!(reports.threads_with_reports(), 1);
        assert!(reports.pop(false, None).is_some());
        assert_eq!(reports.threads_with_reports(), 0, "drained: entry removed");
        let r = std::sync::Arc::clone(&reports);
        let gone = std::thread::spawn(move || {
            r.track_current_thread();
            let id = std::thread::current().id();
            r.push(id, report(2));
            id
        })
        .join()
        .unwrap();
        assert_eq!(reports.threads_with_reports(), 0, "exited: entry removed");
        reports.push(gone, report(3));
        assert_eq!(
            reports.threads_with_reports(),
            0,
            "late report for a gone thread"
        );
        assert_eq!(reports.dropped(), 1);
    }

    #[test]
    fn a_report_wakes_the_thread_it_is_for() {
        let reports = std::sync::Arc::new(DeliveryReports::new(10));
        let (r1, r2) = (
            std::sync::Arc::clone(&reports),
            std::sync::Arc::clone(&reports),
        );
        let waiter = std::thread::spawn(move || {
            let id = std::thread::current().id();
            (id, r1.pop(true, Some(Duration::from_secs(10))))
        });
        let other = std::thread::spawn(move || r2.pop(true, Some(Duration::from_millis(300))));
        // Wait until the first thread is registered as waiting, then file its report.
        let t = Instant::now();
        while reports.threads_with_reports() < 2 && t.elapsed() < Duration::from_secs(5) {
            std::thread::sleep(Duration::from_millis(5));
        }
        let id = waiter.thread().id();
        reports.push(id, report(9));
        let (got_id, got) = waiter.join().unwrap();
        assert_eq!(got_id, id);
        assert_eq!(got.unwrap().result.unwrap().offset, 9);
        assert!(
            other.join().unwrap().is_none(),
            "the other thread got nothing"
        );
    }

    #[test]
    fn future_resolves_or_says_the_producer_is_gone() {
        let (tx, fut) = DeliveryFuture::channel();
        tx.send(Ok(Delivery {
            partition_id: 1,
            offset: 7,
            timestamp: None,
        }));
        assert_eq!(fut.wait().unwrap().offset, 7);
        let (tx, fut) = DeliveryFuture::channel();
        drop(tx);
        assert!(fut.wait().is_err());
    }
}
