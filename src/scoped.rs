//! PyKafka's `with topic.get_producer() as p:` in Rust: a guard that stops its producer when the scope ends,
//! waiting for the flush (bounded by `pending_timeout_ms`), so nothing queued is left to a background thread
//! that ends with the process.

use std::ops::Deref;

use ferrokafka_core::Result;

use crate::producer::Producer;

/// A [`Producer`] that is stopped, flushing, when this guard goes out of scope; made by
/// [`Producer::scoped`]. Its drop blocks for at most `pending_timeout_ms` (what is still unsent then is
/// reported failed and logged at WARN); [`ScopedProducer::stop`] does the same and returns the error. Meant
/// for blocking code: async code awaits [`Producer::stop_async`] instead.
///
/// ```no_run
/// # fn run(topic: &ferrokafka::Topic) -> ferrokafka::Result<()> {
/// {
///     let producer = topic.producer().build()?.scoped();
///     producer.produce("written before the scope ends")?;
/// } // flushed here
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct ScopedProducer {
    producer: Producer,
    /// Set by [`ScopedProducer::stop`], so the drop after it does nothing more.
    stopped: bool,
}

impl ScopedProducer {
    pub(crate) fn new(producer: Producer) -> Self {
        ScopedProducer {
            producer,
            stopped: false,
        }
    }

    /// Stop now, as the drop would, and say whether everything was delivered.
    pub fn stop(mut self) -> Result<()> {
        self.stopped = true;
        stop_off_runtime(&self.producer)
    }
}

impl Deref for ScopedProducer {
    type Target = Producer;
    fn deref(&self) -> &Producer {
        &self.producer
    }
}

impl Drop for ScopedProducer {
    fn drop(&mut self) {
        if self.stopped {
            return;
        }
        if let Err(e) = stop_off_runtime(&self.producer) {
            tracing::warn!(topic = %self.producer.topic(), error = %e.report(), "scoped producer's stop failed");
        }
    }
}

/// `stop()` on a thread of its own and joined, so a guard dropped on an async runtime's thread blocks it
/// without nesting runtimes.
fn stop_off_runtime(p: &Producer) -> Result<()> {
    std::thread::scope(|s| match s.spawn(|| p.stop()).join() {
        Ok(result) => result,
        Err(panic) => std::panic::resume_unwind(panic),
    })
}
