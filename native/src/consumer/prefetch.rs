//! PyKafka's `SimpleConsumer.fetch()` on librdkafka. librdkafka fetches by itself (its prefetch queue,
//! bounded by `queued_max_messages`) and cannot be asked for one round, so `fetch()` here waits, at most
//! `fetch_wait_max_ms` (the broker's long-poll bound, i.e. one round), until librdkafka's consumer queue is
//! non-empty, and reports its length plus what this consumer already took from it: librdkafka's ops, i.e. the messages prefetched plus what it queues with
//! them (errors, and fetches made stale by a seek, which `consume` drops), so an upper bound of what
//! `consume(false)` can take at once.

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

use ferrokafka_core::bridge::off_thread;
use ferrokafka_core::Result;

use super::{Inner, NativeSimpleConsumer};

/// How often the queue length is looked at while waiting.
const LOOK_EVERY: Duration = Duration::from_millis(5);

impl Inner {
    fn fetch_round(&self) -> Result<usize> {
        let deadline = Instant::now() + self.opts.fetch_wait_max;
        loop {
            if !self.running.load(Ordering::SeqCst) {
                return Err(self.stopped());
            }
            // What a consume already took out of librdkafka counts too (skipped while a consume holds it).
            let buffered = self.state.try_lock().map_or(0, |s| s.ready.len());
            let n = buffered + self.queue.len();
            if n > 0 || Instant::now() >= deadline {
                return Ok(n);
            }
            std::thread::sleep(LOOK_EVERY);
        }
    }
}

impl NativeSimpleConsumer {
    /// Waits up to `fetch_wait_max_ms` for librdkafka's prefetch queue to hold something; its length then
    /// (0 when the round brought nothing). `ConsumerStopped` when not running.
    pub fn fetch(&self) -> Result<usize> {
        self.inner.fetch_round()
    }

    /// [`fetch`](Self::fetch) on a thread of its own.
    pub async fn fetch_async(&self) -> Result<usize> {
        let inner = Arc::clone(&self.inner);
        off_thread("ferrokafka-fetch", move || inner.fetch_round()).await
    }
}
