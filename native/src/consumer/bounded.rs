//! A deadline around librdkafka calls that have none of their own: a synchronous `commit` waits for a group
//! coordinator forever (236 s measured with the only broker dead). The call runs on a helper thread and the
//! caller stops waiting at the limit with a typed `Timeout`; the call itself may still complete later (a
//! commit may then still land), and the thread ends when librdkafka answers.

use std::sync::mpsc;
use std::time::Duration;

use ferrokafka_core::{Error, Result};

/// Run `call` on a helper thread; give up waiting after `limit` with `Error::timeout(what, limit)`.
pub(super) fn within<T, F>(what: &str, limit: Duration, call: F) -> Result<T>
where
    T: Send + 'static,
    F: FnOnce() -> Result<T> + Send + 'static,
{
    let (tx, rx) = mpsc::sync_channel(1);
    std::thread::Builder::new()
        .name(format!("ferrokafka-{what}"))
        .spawn(move || {
            let _ = tx.send(call());
        })
        .map_err(|e| {
            Error::background_task_failed(format!("thread for {what}"), "cannot start")
                .with_source(e)
        })?;
    match rx.recv_timeout(limit) {
        Ok(answer) => answer,
        Err(mpsc::RecvTimeoutError::Timeout) => Err(Error::timeout(
            format!("{what} (librdkafka may still complete it)"),
            limit,
        )),
        Err(mpsc::RecvTimeoutError::Disconnected) => Err(Error::background_task_failed(
            format!("thread for {what}"),
            "ended without an answer",
        )),
    }
}
