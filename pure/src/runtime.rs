//! The background tokio runtime a client owns. All broker I/O runs on it, so the blocking API works from
//! plain threads and the async API works from any runtime (multi- or current-thread) without the caller's
//! runtime having to keep connections alive. Multi-threaded on purpose: heartbeats and lingering batches must
//! progress while user code is busy (a current-thread runtime only runs inside `block_on`).

use std::future::Future;

use tokio::runtime::{Handle, Runtime, RuntimeFlavor};

use ferrokafka_core::{Error, Result};

/// Owns the runtime (or borrows the caller's, `ClientOptions::runtime`); shuts an owned one down without
/// blocking when the last client handle goes.
pub(crate) struct BackgroundRuntime {
    runtime: Option<Runtime>,
    handle: Handle,
}

impl std::fmt::Debug for BackgroundRuntime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("BackgroundRuntime")
    }
}

impl BackgroundRuntime {
    /// The caller's runtime when `options.runtime` is set (nothing started), else a new one of ours.
    pub(crate) fn new(options: &ferrokafka_core::ClientOptions) -> Result<Self> {
        options.validate()?;
        if let Some(caller) = &options.runtime {
            return Ok(BackgroundRuntime {
                runtime: None,
                handle: caller.handle().clone(),
            });
        }
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("ferrokafka-io")
            .enable_all()
            .build()
            .map_err(|e| Error::background_task_failed("runtime", "cannot start").with_source(e))?;
        let handle = runtime.handle().clone();
        Ok(BackgroundRuntime {
            runtime: Some(runtime),
            handle,
        })
    }

    pub(crate) fn handle(&self) -> &Handle {
        &self.handle
    }

    /// Whether this client started (and owns) its runtime, as opposed to running on the caller's.
    pub(crate) fn is_owned(&self) -> bool {
        self.runtime.is_some()
    }

    /// Run `fut` on the background runtime and wait for it from async code (any runtime).
    pub(crate) async fn run<F>(&self, fut: F) -> Result<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        self.handle.spawn(fut).await.map_err(join_error)
    }

    /// Run `fut` on the background runtime and block the calling thread until it is done. Safe from plain
    /// threads and from inside a tokio runtime (a multi-thread worker is moved aside with `block_in_place`;
    /// a current-thread runtime is blocked, which is what calling a blocking method there means).
    pub(crate) fn block_on<F>(&self, fut: F) -> Result<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        block_on(&self.handle, fut)
    }
}

/// The engine's one blocking bridge: run `fut` on `handle`'s runtime and block the calling thread until it
/// is done. Safe from plain threads and from inside a tokio runtime (a multi-thread worker is moved aside
/// with `block_in_place`; a current-thread runtime is blocked, which is what a blocking call there means).
pub(crate) fn block_on<F>(handle: &Handle, fut: F) -> Result<F::Output>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    let task = handle.spawn(fut);
    let wait = move || futures::executor::block_on(task).map_err(join_error);
    match Handle::try_current() {
        Ok(h) if h.runtime_flavor() == RuntimeFlavor::MultiThread => {
            tokio::task::block_in_place(wait)
        }
        _ => wait(),
    }
}

/// Runs `fut` on `handle`'s runtime and awaits it from any runtime. A dropped future lets the task finish.
pub(crate) fn run_on<T, F>(
    handle: &Handle,
    fut: F,
) -> impl Future<Output = Result<T>> + Send + 'static
where
    T: Send + 'static,
    F: Future<Output = Result<T>> + Send + 'static,
{
    let task = handle.spawn(fut);
    async move { task.await.map_err(join_error)? }
}

fn join_error(e: tokio::task::JoinError) -> Error {
    let reason = if e.is_panic() {
        "panicked"
    } else {
        "was cancelled"
    };
    Error::background_task_failed("task", reason).with_source(e)
}

impl Drop for BackgroundRuntime {
    fn drop(&mut self) {
        if let Some(rt) = self.runtime.take() {
            // Never blocks, so dropping the last client inside async code is fine.
            rt.shutdown_background();
        }
    }
}
