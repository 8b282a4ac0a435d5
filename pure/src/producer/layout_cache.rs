//! The topic's layout, shared by every `produce()` and dispatcher pass for a short while instead of being
//! rebuilt from the cluster's metadata each time (at 1000 partitions that rebuild cost more than the message).

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use ferrokafka_core::Result;

use super::transport::{ProduceTransport, TopicLayout};

/// How long a copy is used before the cluster's metadata is read again. A refresh the producer asks for
/// (a leader moved) drops the copy at once.
const FRESH_FOR: Duration = Duration::from_millis(50);

#[derive(Debug, Default)]
pub(crate) struct LayoutCache {
    slot: Mutex<Option<(Instant, Arc<TopicLayout>)>>,
}

impl LayoutCache {
    /// The layout, read from `transport` when the copy is older than [`FRESH_FOR`] or dropped.
    pub fn get(&self, transport: &dyn ProduceTransport, topic: &str) -> Result<Arc<TopicLayout>> {
        self.get_at(Instant::now(), transport, topic)
    }

    /// [`LayoutCache::get`] with the caller's clock reading (`produce()` reads the clock once per message).
    pub fn get_at(
        &self,
        now: Instant,
        transport: &dyn ProduceTransport,
        topic: &str,
    ) -> Result<Arc<TopicLayout>> {
        let mut slot = self.slot.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((at, layout)) = slot.as_ref() {
            if now.saturating_duration_since(*at) < FRESH_FOR {
                return Ok(Arc::clone(layout));
            }
        }
        let layout = Arc::new(transport.layout(topic)?);
        *slot = Some((now, Arc::clone(&layout)));
        Ok(layout)
    }

    /// Drop the copy: metadata was just refreshed.
    pub fn invalidate(&self) {
        *self.slot.lock().unwrap_or_else(|e| e.into_inner()) = None;
    }
}
