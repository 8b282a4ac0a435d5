//! PyKafka's `consume(block=True, unblock_event=...)`: an [`UnblockHandle`] lets another thread (or task)
//! end a blocked `consume(true)` / `consume_async()` early with `Ok(None)`.
//!
//! Each `unblock()` bumps a counter in a `watch` channel; a blocked call subscribed when it began and returns
//! as soon as the counter moves. So an unblock wakes exactly the calls blocked at that moment, and a later
//! `consume` blocks normally again (PyKafka's event stays set until cleared; a pulse needs no clearing).
//! Consumers that never hand out a handle keep their plain blocking path (the race below costs a runtime
//! hop per call).

use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use ferrokafka_core::{Message, Result};
use tokio::runtime::Handle;
use tokio::sync::watch;

/// Ends every `consume(true)` / `consume_async()` of its consumer that is blocked when
/// [`unblock`](Self::unblock) is called: they return `Ok(None)` at once (a message already fetched still
/// wins). Cheap to clone, `Send + Sync`; calls that start after the unblock block as usual.
#[derive(Clone, Debug)]
pub struct UnblockHandle {
    pulses: Arc<watch::Sender<u64>>,
}

impl UnblockHandle {
    /// Wake the consumer's blocked `consume` calls (PyKafka's `unblock_event.set()`).
    pub fn unblock(&self) {
        self.pulses.send_modify(|n| *n = n.wrapping_add(1));
    }
}

/// A consumer's side: hands out handles and races its blocking waits against them.
#[derive(Debug)]
pub(crate) struct Unblocker {
    pulses: Arc<watch::Sender<u64>>,
    issued: AtomicBool,
}

impl Default for Unblocker {
    fn default() -> Self {
        Unblocker {
            pulses: Arc::new(watch::Sender::new(0)),
            issued: AtomicBool::new(false),
        }
    }
}

impl Unblocker {
    /// A new handle; from now on blocking consumes listen for it.
    pub(crate) fn handle(&self) -> UnblockHandle {
        self.issued.store(true, Ordering::SeqCst);
        UnblockHandle {
            pulses: Arc::clone(&self.pulses),
        }
    }

    /// Whether any handle was handed out (else the plain blocking path is used).
    pub(crate) fn armed(&self) -> bool {
        self.issued.load(Ordering::SeqCst)
    }

    /// A blocking `consume(block)`: the engine's own `plain` path, or, once a handle is out and `block` is
    /// set, its async form raced against an unblock (driven on this thread inside `context`).
    pub(crate) fn consume<F>(
        &self,
        context: &Handle,
        block: bool,
        plain: impl FnOnce(bool) -> Result<Option<Message>>,
        racing: impl FnOnce() -> F,
    ) -> Result<Option<Message>>
    where
        F: Future<Output = Result<Option<Message>>>,
    {
        if block && self.armed() {
            ferrokafka_core::bridge::wait(Some(context), self.race(racing()))
        } else {
            plain(block)
        }
    }

    /// `consume_async`, raced against an unblock once a handle is out.
    pub(crate) async fn consume_async(
        &self,
        consume: impl Future<Output = Result<Option<Message>>>,
    ) -> Result<Option<Message>> {
        if self.armed() {
            self.race(consume).await
        } else {
            consume.await
        }
    }

    /// `consume` unless an unblock comes first. `consume` must be cancel-safe (the engines' `consume_async`
    /// are: a dropped future takes no message).
    async fn race(
        &self,
        consume: impl Future<Output = Result<Option<Message>>>,
    ) -> Result<Option<Message>> {
        let mut pulses = self.pulses.subscribe();
        tokio::select! {
            biased;
            next = consume => next,
            _ = pulses.changed() => Ok(None),
        }
    }
}
