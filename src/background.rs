//! `Drop` never blocks: the last handle of a producer or consumer signals its engine at once and hands the
//! bounded, flushing shutdown (`stop()`) to a short-lived thread. `stop()` / `stop_async()` are the way to
//! wait for it.

use std::ops::Deref;
use std::sync::Arc;

use ferrokafka_core::Result;

/// What a producer or consumer does when its last handle goes.
pub(crate) trait StopInBackground: Send + Sync + 'static {
    /// Tell the engine to stop now, without waiting (consumers stop fetching).
    fn signal(&self) {}

    /// The bounded, flushing stop; runs on the background thread.
    fn stop(&self) -> Result<()>;

    /// For the log line if the background stop fails.
    fn describe(&self) -> String;
}

/// Shared by every clone of a public object; its `Drop` (the last clone's) never blocks.
pub(crate) struct StopOnDrop<T: StopInBackground>(Arc<T>);

impl<T: StopInBackground> StopOnDrop<T> {
    pub(crate) fn new(inner: T) -> Self {
        StopOnDrop(Arc::new(inner))
    }

    /// The shared inner object, for futures that must outlive a borrow (`off_thread`).
    pub(crate) fn shared(&self) -> Arc<T> {
        Arc::clone(&self.0)
    }
}

impl<T: StopInBackground> Deref for StopOnDrop<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T: StopInBackground> Drop for StopOnDrop<T> {
    fn drop(&mut self) {
        self.0.signal();
        let inner = Arc::clone(&self.0);
        let spawned = std::thread::Builder::new()
            .name("ferrokafka-drop".into())
            .spawn(move || {
                if let Err(e) = inner.stop() {
                    tracing::warn!(what = %inner.describe(), error = %e, "stop after drop failed");
                }
            });
        if let Err(e) = spawned {
            tracing::warn!(what = %self.0.describe(), error = %e, "cannot start the stop thread after drop");
        }
    }
}
