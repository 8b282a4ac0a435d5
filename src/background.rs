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

    /// What the background stop still has to finish when the last handle goes (e.g. "12 messages queued"),
    /// said at WARN: the thread doing it dies with the process, so an exit right after the drop loses it.
    fn unfinished(&self) -> Option<String> {
        None
    }
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
        if let Some(left) = self.0.unfinished() {
            warn_unfinished(&self.0.describe(), &left);
        }
        self.0.signal();
        let inner = Arc::clone(&self.0);
        let spawned = std::thread::Builder::new()
            .name("ferrokafka-drop".into())
            .spawn(move || {
                if let Err(e) = inner.stop() {
                    tracing::warn!(what = %inner.describe(), error = %e.report(), "stop after drop failed");
                }
            });
        if let Err(e) = spawned {
            tracing::warn!(what = %self.0.describe(), error = %e, "cannot start the stop thread after drop");
        }
    }
}

/// The drop-time warning. Losing messages must never be silent, so without a tracing subscriber to take the
/// WARN it goes to stderr.
fn warn_unfinished(what: &str, left: &str) {
    let line = format!(
        "{what} dropped with {left}: they are sent on a background thread that ends with the process, so an \
         exit before it finishes loses them; call stop() (or use a scoped producer) to wait for them"
    );
    if tracing::dispatcher::has_been_set() {
        tracing::warn!("{line}");
    } else {
        eprintln!("WARN ferrokafka: {line}");
    }
}
