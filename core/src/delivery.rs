//! Delivery reports, two ways: PyKafka's per-thread queue, and a per-message future for async users.
//!
//! The per-thread queues are bounded (PyKafka's are not, and its docs warn that unread reports grow memory
//! without limit). When a thread's queue is full the oldest report is dropped and counted in
//! [`DeliveryReports::dropped`]; the message itself was still delivered or failed as its future says.

use std::collections::{HashMap, VecDeque};
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Condvar, Mutex, MutexGuard};
use std::task::{Context, Poll};
use std::thread::ThreadId;
use std::time::{Duration, Instant};

use futures::channel::oneshot;

use crate::error::{Error, Result};
use crate::message::{Delivery, DeliveryReport};

/// Per-producing-thread report queues with a shared bound per thread.
#[derive(Debug)]
pub struct DeliveryReports {
    capacity: usize,
    queues: Mutex<HashMap<ThreadId, VecDeque<DeliveryReport>>>,
    ready: Condvar,
    dropped: AtomicU64,
}

impl DeliveryReports {
    /// Queues that keep at most `capacity` unread reports per thread (at least 1).
    pub fn new(capacity: usize) -> Self {
        DeliveryReports {
            capacity: capacity.max(1),
            queues: Mutex::new(HashMap::new()),
            ready: Condvar::new(),
            dropped: AtomicU64::new(0),
        }
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<ThreadId, VecDeque<DeliveryReport>>> {
        // A panic while holding this lock cannot leave the map inconsistent: recover it.
        self.queues.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// File a report for the thread that produced the message.
    pub fn push(&self, thread: ThreadId, report: DeliveryReport) {
        let mut queues = self.lock();
        let q = queues.entry(thread).or_default();
        if q.len() >= self.capacity {
            q.pop_front();
            let n = self.dropped.fetch_add(1, Ordering::Relaxed);
            if n == 0 {
                tracing::warn!(
                    capacity = self.capacity,
                    "delivery report queue full: dropping the oldest unread reports (read them with get_delivery_report)"
                );
            }
        }
        q.push_back(report);
        drop(queues);
        self.ready.notify_all();
    }

    /// The calling thread's next report. `block` waits up to `timeout` (`None` = forever); `Ok(None)` = none came.
    pub fn pop(&self, block: bool, timeout: Option<Duration>) -> Option<DeliveryReport> {
        let me = std::thread::current().id();
        let deadline = timeout.map(|t| Instant::now() + t);
        let mut queues = self.lock();
        loop {
            if let Some(r) = queues.get_mut(&me).and_then(VecDeque::pop_front) {
                return Some(r);
            }
            if !block {
                return None;
            }
            queues = match deadline {
                None => self.ready.wait(queues).unwrap_or_else(|e| e.into_inner()),
                Some(d) => {
                    let now = Instant::now();
                    if now >= d {
                        return None;
                    }
                    self.ready
                        .wait_timeout(queues, d - now)
                        .unwrap_or_else(|e| e.into_inner())
                        .0
                }
            };
        }
    }

    /// Unread reports of the calling thread.
    pub fn pending_for_current_thread(&self) -> usize {
        self.lock()
            .get(&std::thread::current().id())
            .map_or(0, VecDeque::len)
    }

    /// How many reports were dropped because a thread's queue was full.
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
#[derive(Debug)]
pub struct DeliveryFuture(oneshot::Receiver<Result<Delivery>>);

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
