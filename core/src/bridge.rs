//! The two bridges between blocking and async code.
//!
//! - [`wait`]: a blocking call drives its async twin to completion on the calling thread (the facade
//!   generates every blocking method this way, so each operation is written once).
//! - [`on_runtime`]: an async call polled by another executor (`futures::executor::block_on`, smol, …)
//!   runs inside the client's runtime, so its tokio timers and I/O work there too.
//! - [`off_thread`]: a call that can only block (librdkafka's) becomes awaitable: it runs on a thread of its
//!   own and the caller awaits its answer. A dropped future leaves the call to finish on its own, so use it
//!   only for calls whose result may be lost harmlessly (flush, commit, stop, a build).

use std::borrow::Borrow;
use std::future::Future;

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

#[cfg(test)]
mod tests {
    use super::*;

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
