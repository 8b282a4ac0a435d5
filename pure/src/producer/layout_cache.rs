//! The topic's layout, shared by every `produce()` and dispatcher pass for a short while instead of being
//! rebuilt from the cluster's metadata each time (at 1000 partitions that rebuild cost more than the message).
//!
//! Each producing thread keeps its own copy as well, so `produce()` takes no lock and touches no shared
//! reference count per message: one atomic load (the generation, bumped by [`LayoutCache::invalidate`]) and
//! a clock comparison.

use std::cell::RefCell;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use ferrokafka_core::Result;

use super::transport::{ProduceTransport, TopicLayout};

/// How long a copy is used before the cluster's metadata is read again. A refresh the producer asks for
/// (a leader moved) drops the copy at once.
const FRESH_FOR: Duration = Duration::from_millis(50);

/// Gives every cache its own id, so a thread's copy is never used for another producer's topic.
static NEXT_CACHE_ID: AtomicU64 = AtomicU64::new(1);

/// A thread's copy of one cache's layout.
struct ThreadCopy {
    cache: u64,
    generation: u64,
    at: Instant,
    layout: Arc<TopicLayout>,
}

thread_local! {
    static THREAD_COPY: RefCell<Option<ThreadCopy>> = const { RefCell::new(None) };
}

#[derive(Debug)]
pub(crate) struct LayoutCache {
    id: u64,
    /// Bumped by every invalidation: thread copies of an older generation are stale.
    generation: AtomicU64,
    slot: Mutex<Option<(Instant, Arc<TopicLayout>)>>,
}

impl Default for LayoutCache {
    fn default() -> Self {
        LayoutCache {
            id: NEXT_CACHE_ID.fetch_add(1, Ordering::Relaxed),
            generation: AtomicU64::new(0),
            slot: Mutex::new(None),
        }
    }
}

impl LayoutCache {
    /// The layout, read from `transport` when the copy is older than [`FRESH_FOR`] or dropped.
    pub fn get(&self, transport: &dyn ProduceTransport, topic: &str) -> Result<Arc<TopicLayout>> {
        self.shared_at(Instant::now(), transport, topic)
            .map(|(_, layout)| layout)
    }

    /// Run `f` on the layout as of `now` (the caller's clock reading), from this thread's copy when it is
    /// fresh: the per-message path.
    pub fn with_at<R>(
        &self,
        now: Instant,
        transport: &dyn ProduceTransport,
        topic: &str,
        f: impl FnOnce(&TopicLayout) -> R,
    ) -> Result<R> {
        let generation = self.generation.load(Ordering::Acquire);
        THREAD_COPY.with(|copy| {
            // A partitioner that produces from inside `partition()` finds the copy borrowed: it reads the
            // shared one instead.
            let Ok(mut copy) = copy.try_borrow_mut() else {
                let (_, layout) = self.shared_at(now, transport, topic)?;
                return Ok(f(&layout));
            };
            let fresh = copy.as_ref().filter(|c| {
                c.cache == self.id
                    && c.generation == generation
                    && now.saturating_duration_since(c.at) < FRESH_FOR
            });
            let layout = match fresh {
                Some(c) => &c.layout,
                None => {
                    let (at, layout) = self.shared_at(now, transport, topic)?;
                    &copy
                        .insert(ThreadCopy {
                            cache: self.id,
                            generation,
                            at,
                            layout,
                        })
                        .layout
                }
            };
            Ok(f(layout))
        })
    }

    /// The shared copy and when it was read, re-read when stale.
    fn shared_at(
        &self,
        now: Instant,
        transport: &dyn ProduceTransport,
        topic: &str,
    ) -> Result<(Instant, Arc<TopicLayout>)> {
        let mut slot = self.slot.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((at, layout)) = slot.as_ref() {
            if now.saturating_duration_since(*at) < FRESH_FOR {
                return Ok((*at, Arc::clone(layout)));
            }
        }
        let layout = Arc::new(transport.layout(topic)?);
        *slot = Some((now, Arc::clone(&layout)));
        Ok((now, layout))
    }

    /// Drop the copies: metadata was just refreshed.
    pub fn invalidate(&self) {
        let mut slot = self.slot.lock().unwrap_or_else(|e| e.into_inner());
        *slot = None;
        self.generation.fetch_add(1, Ordering::AcqRel);
    }
}
