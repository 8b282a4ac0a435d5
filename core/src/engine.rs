//! What an engine is: everything the `ferrokafka` facade needs from a producer or a consumer, so the facade
//! dispatches through these traits alone (one enum per object kind, no engine-specific paths).
//!
//! [`ProducerApi`] / [`ConsumerApi`] are the user-facing halves; the engine traits add what only the facade
//! calls. Every `_async` form here is cancel-safe: dropping the future loses no message and leaves no
//! half-done call behind that could take one.

use std::collections::BTreeMap;
use std::future::Future;
use std::time::Duration;

use crate::api::{CommittedOffset, ConsumerApi, ProducerApi, ResetTarget};
use crate::error::Result;
use crate::health::Health;

/// A producer engine (pure or librdkafka).
pub trait ProducerEngine: ProducerApi {
    /// "pure" or "librdkafka".
    fn name(&self) -> &'static str;

    /// [`ProducerApi::flush`] without blocking a tokio worker.
    fn flush_async(&self, timeout: Duration) -> impl Future<Output = Result<()>> + Send;

    /// Messages produced and not yet reported.
    fn pending(&self) -> usize;

    /// Reports dropped because a thread never read its report queue.
    fn dropped_reports(&self) -> u64;
}

/// A consumer engine (pure or librdkafka), or a group member built over one.
pub trait ConsumerEngine: ConsumerApi {
    /// "pure" or "librdkafka".
    fn name(&self) -> &'static str;

    /// Stop without waiting (for `Drop`, which may run inside async code); a final auto-commit is sent in
    /// the background.
    fn shutdown_in_background(&self);

    /// [`ConsumerApi::commit_offsets`] without blocking a tokio worker.
    fn commit_offsets_async(
        &self,
        partition_offsets: Option<Vec<(i32, i64)>>,
    ) -> impl Future<Output = Result<()>> + Send;

    /// [`ConsumerApi::fetch_offsets`] without blocking a tokio worker.
    fn fetch_offsets_async(
        &self,
    ) -> impl Future<Output = Result<BTreeMap<i32, CommittedOffset>>> + Send;

    /// [`ConsumerApi::reset_offsets`] without blocking a tokio worker.
    fn reset_offsets_async(
        &self,
        targets: Option<Vec<(i32, ResetTarget)>>,
    ) -> impl Future<Output = Result<()>> + Send;

    /// [`ConsumerApi::start`] without blocking a tokio worker.
    fn start_async(&self) -> impl Future<Output = Result<()>> + Send;

    /// [`ConsumerApi::stop`] without blocking a tokio worker.
    fn stop_async(&self) -> impl Future<Output = Result<()>> + Send;

    /// Whether the brokers are answering this consumer's requests (see [`Health`]). Never blocks.
    fn health(&self) -> Health;
}
