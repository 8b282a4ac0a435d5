//! The two bridges between blocking and async code.
//!
//! - [`wait`]: a blocking call drives its async twin to completion on the calling thread (the facade
//!   generates every blocking method this way, so each operation is written once).
//! - [`on_runtime`]: an async call polled by another executor (`futures::executor::block_on`, smol, …)
//!   runs inside the client's runtime, so its tokio timers and I/O work there too.
//! - [`off_thread`]: a call that can only block (librdkafka's) becomes awaitable: it runs on a thread of its
//!   own and the caller awaits its answer. A dropped future leaves the call to finish on its own, so use it
//!   only for calls whose result may be lost harmlessly (flush, commit, stop, a build).
//! - [`interest`]: how a detached call (a thread, a spawned task) learns that its caller dropped the future,
//!   so it can leave out an effect nobody awaits any more (a position move that would land at a random
//!   later time).

use std::borrow::Borrow;
use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use tokio::runtime::{Handle, RuntimeFlavor};

use crate::error::{Error, Result};

/// Block the calling thread until `fut` is done. With `context`, the future runs inside that runtime's
/// context (so tokio timers and spawns inside it work from a plain thread). Safe from plain threads and
/// inside a multi-thread runtime (the worker is moved aside with `block_in_place`); inside a current-thread
/// runtime it blocks that runtime, which is what calling a blocking method there means.
pub fn wait<F: Future>(context: Option<&Handle>, fut: F) -> F::Output {
    let run = move || {
        let _entered = context.map(Handle::enter);
        futures::executor::block_on(fut)
    };
    match Handle::try_current() {
        Ok(h) if h.runtime_flavor() == RuntimeFlavor::MultiThread => {
            tokio::task::block_in_place(run)
        }
        _ => run(),
    }
}

/// Await `fut`; when it is first polled where no tokio runtime is current (another executor), every poll
/// enters `context` first, so tokio timers and I/O inside it are served by that runtime's threads instead of
/// panicking with "no reactor running". Inside a tokio runtime it is `fut` as is (one check per call).
pub async fn on_runtime<H: Borrow<Handle>, F: Future>(context: Option<H>, fut: F) -> F::Output {
    let context = match context {
        Some(h) if Handle::try_current().is_err() => h.borrow().clone(),
        _ => return fut.await,
    };
    let mut fut = std::pin::pin!(fut);
    std::future::poll_fn(|cx| {
        let _entered = context.enter();
        fut.as_mut().poll(cx)
    })
    .await
}

/// Runs `f` on a new thread named `name`; the future resolves to its result.
pub fn off_thread<T, F>(name: &str, f: F) -> impl Future<Output = Result<T>> + Send + 'static
where
    T: Send + 'static,
    F: FnOnce() -> Result<T> + Send + 'static,
{
    let (tx, rx) = futures::channel::oneshot::channel();
    let spawned = std::thread::Builder::new()
        .name(name.to_string())
        .spawn(move || {
            let _ = tx.send(f());
        });
    let what = name.to_string();
    async move {
        spawned.map_err(|e| {
            Error::background_task_failed(format!("thread {what}"), "cannot start").with_source(e)
        })?;
        rx.await.map_err(|_| {
            Error::background_task_failed(format!("thread {what}"), "ended without an answer")
        })?
    }
}

/// Whether the caller of a detached call still awaits its answer. A call that runs on after its future was
/// dropped checks it before an effect the caller can no longer expect: `fetch_offsets` with
/// `reset_offset_on_fetch` must not move positions seconds later, behind messages already handed out.
#[derive(Debug, Clone, Default)]
pub struct Interest(Option<Arc<AtomicBool>>);

impl Interest {
    /// A caller that waits for the end (a blocking call): never dropped.
    pub fn awaited() -> Self {
        Interest(None)
    }

    /// Whether the caller's future was dropped before the call ended.
    pub fn is_dropped(&self) -> bool {
        self.0.as_ref().is_some_and(|f| f.load(Ordering::Acquire))
    }
}

/// Held by the caller's future; dropping it (the future dropped, or done) marks the [`Interest`] dropped.
#[derive(Debug)]
pub struct Awaiting(Arc<AtomicBool>);

impl Drop for Awaiting {
    fn drop(&mut self) {
        self.0.store(true, Ordering::Release);
    }
}

/// A fresh interest for a detached call, and the guard its caller's future holds.
pub fn interest() -> (Interest, Awaiting) {
    let flag = Arc::new(AtomicBool::new(false));
    (Interest(Some(Arc::clone(&flag))), Awaiting(flag))
}

/// `fut` (a detached call's answer) awaited with `guard` held: dropping the returned future drops the guard.
pub async fn awaiting<F: Future>(guard: Awaiting, fut: F) -> F::Output {
    let _guard = guard;
    fut.await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interest_is_dropped_with_the_callers_future() {
        assert!(!Interest::awaited().is_dropped());
        let (wanted, guard) = interest();
        let fut = awaiting(guard, async { 1 });
        assert!(!wanted.is_dropped(), "still awaited");
        drop(fut);
        assert!(wanted.is_dropped(), "the future was dropped");
        let (wanted, guard) = interest();
        assert_eq!(futures::executor::block_on(awaiting(guard, async { 2 })), 2);
        assert!(wanted.is_dropped(), "done: nobody waits any more");
    }

    #[test]
    fn returns_the_result_and_survives_a_panic() {
        let ok = futures::executor::block_on(off_thread("t-ok", || Ok(7)));
        assert_eq!(ok.ok(), Some(7));
        let panicked: Result<i32> =
            futures::executor::block_on(off_thread("t-panic", || panic!("boom")));
        let e = panicked.err();
        assert_eq!(
            e.as_ref().map(Error::kind),
            Some(crate::ErrorKind::BackgroundTaskFailed)
        );
        assert!(e.is_some_and(|e| e.reason().contains("without an answer")));
    }

    #[test]
    fn a_tokio_timer_works_under_another_executor() {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_time()
            .build()
            .expect("runtime");
        let slept = futures::executor::block_on(on_runtime(Some(rt.handle()), async {
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
            "slept"
        }));
        assert_eq!(slept, "slept");
        // Inside a runtime the context is not needed and not entered.
        let inside = rt.block_on(on_runtime(None::<Handle>, async { 5 }));
        assert_eq!(inside, 5);
    }
}
