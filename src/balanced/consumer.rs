//! [`BalancedConsumer`]: the public face — consume with PyKafka's timeout and rebalance rules (§2.3),
//! offsets, start and stop.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use ferrokafka_core::{CommittedOffset, ConsumerApi, Error, Message, ResetTarget, Result};
use futures::Stream;

use super::worker::{move_to_committed, Settings, Shared};
use crate::consumer::{message_stream, Iter};

/// PyKafka's `ManagedBalancedConsumer`: a member of a Kafka-managed group reading its share of one topic's
/// partitions. Cheap to clone (shared). Dropping the last handle does not leave the group: call
/// [`stop`](Self::stop) (the coordinator otherwise drops the member after `session_timeout_ms`).
#[derive(Clone)]
pub struct BalancedConsumer {
    handle: Arc<Handle>,
    shared: Arc<Shared>,
}

/// Dropped with the last consumer handle: leaves the group in the background, as PyKafka's consumers stop
/// when garbage-collected.
struct Handle {
    shared: Arc<Shared>,
}

impl Drop for Handle {
    fn drop(&mut self) {
        if self.shared.lock().running {
            let shared = Arc::clone(&self.shared);
            let _ = std::thread::Builder::new()
                .name("ferrokafka-group-stop".into())
                .spawn(move || stop(&shared));
        }
    }
}

impl fmt::Debug for BalancedConsumer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let st = self.shared.lock();
        f.debug_struct("BalancedConsumer")
            .field("topic", &self.shared.settings.topic.name())
            .field("group", &self.shared.settings.group)
            .field("member_id", &st.member_id)
            .field("generation_id", &st.generation_id)
            .field("partitions", &st.assigned)
            .finish_non_exhaustive()
    }
}

impl BalancedConsumer {
    pub(crate) fn new(settings: Settings) -> Self {
        let shared = Arc::new(Shared::new(settings));
        BalancedConsumer {
            handle: Arc::new(Handle {
                shared: Arc::clone(&shared),
            }),
            shared,
        }
    }

    pub fn topic(&self) -> &crate::Topic {
        &self.shared.settings.topic
    }

    /// "pure" or "librdkafka": the engine of the internal consumer.
    pub fn engine_name(&self) -> &'static str {
        if self.shared.settings.use_rdkafka {
            "librdkafka"
        } else {
            "pure"
        }
    }

    /// This member's id in the group ("" before joining).
    pub fn member_id(&self) -> String {
        self.shared.lock().member_id.clone()
    }

    /// The group generation this member last joined (-1 before).
    pub fn generation_id(&self) -> i32 {
        self.shared.lock().generation_id
    }

    /// Join the group, get partitions, start consuming them, and heartbeat in the background. No-op when
    /// running. Unlike PyKafka (which logs and swallows), a failure is returned.
    pub fn start(&self) -> Result<()> {
        let epoch = {
            let mut st = self.shared.lock();
            if st.running {
                return Ok(());
            }
            st.running = true;
            st.error = None;
            st.epoch
        };
        if let Err(e) = self.shared.rebalance() {
            let _ = stop(&self.shared);
            return Err(e);
        }
        let shared = Arc::downgrade(&self.shared);
        std::thread::Builder::new()
            .name("ferrokafka-group".into())
            .spawn(move || Shared::run_worker(shared, epoch))
            .map_err(|e| Error::Other(format!("cannot start the group thread: {e}")))?;
        Ok(())
    }

    /// Commit what was consumed, stop the internal consumer and leave the group (the others rebalance at
    /// once). The first error is returned after every step ran.
    pub fn stop(&self) -> Result<()> {
        let _keep = &self.handle;
        stop(&self.shared)
    }

    /// The next message. `block` waits up to `consumer_timeout_ms` (forever when -1 or 0), across
    /// rebalances; `Ok(None)` = none in time. A background failure (rebalance) is returned here once;
    /// `ConsumerStopped` when not running.
    pub fn consume(&self, block: bool) -> Result<Option<Message>> {
        let timeout = self.shared.settings.options.consumer_timeout_ms;
        let deadline =
            (timeout > 0).then(|| Instant::now() + Duration::from_millis(timeout as u64));
        loop {
            let inner = {
                let mut st = self.shared.lock();
                if let Some(e) = st.error.take() {
                    return Err(e);
                }
                if !st.running {
                    return Err(self.shared.stopped());
                }
                if st.rebalancing || st.inner.is_none() {
                    if !block {
                        return Ok(None);
                    }
                    let wait = match deadline {
                        Some(d) => match d.checked_duration_since(Instant::now()) {
                            Some(left) if !left.is_zero() => left,
                            _ => return Ok(None),
                        },
                        None => Duration::from_secs(1),
                    };
                    drop(self.shared.changed.wait_timeout(st, wait));
                    continue;
                }
                st.inner.clone()
            };
            let Some(inner) = inner else { continue };
            let got = {
                let _reading = self.shared.gate.read().unwrap_or_else(|e| e.into_inner());
                if self.shared.lock().rebalancing {
                    continue;
                }
                inner.consume(block)
            };
            match got {
                Ok(Some(m)) => return Ok(Some(m)),
                Ok(None) if !block => return Ok(None),
                Ok(None) => {
                    if deadline.is_some_and(|d| Instant::now() >= d) {
                        return Ok(None);
                    }
                }
                // The internal consumer was replaced (rebalance) or stopped under us: look again.
                Err(Error::ConsumerStopped { .. }) => {}
                Err(e) => return Err(e),
            }
            if !block {
                return Ok(None);
            }
        }
    }

    /// `consume(true)` without blocking a tokio worker.
    pub async fn consume_async(&self) -> Result<Option<Message>> {
        let me = self.clone();
        self.off_worker(move || me.consume(true)).await
    }

    async fn off_worker<T: Send + 'static>(
        &self,
        f: impl FnOnce() -> Result<T> + Send + 'static,
    ) -> Result<T> {
        self.shared
            .settings
            .topic
            .client
            .runtime
            .handle()
            .spawn_blocking(f)
            .await
            .map_err(|e| Error::Other(format!("consumer call failed: {e}")))?
    }

    /// Commit `(partition, offset)` pairs verbatim, or with `None` every held partition at last consumed
    /// + 1 — as this generation's member, whatever the engine.
    pub fn commit_offsets(&self, partition_offsets: Option<&[(i32, i64)]>) -> Result<()> {
        if !self.shared.lock().running {
            return Err(self.shared.stopped());
        }
        self.shared.commit(partition_offsets.map(<[_]>::to_vec))
    }

    /// The group's committed offsets of the held partitions; moves the positions too when
    /// `reset_offset_on_fetch`.
    pub fn fetch_offsets(&self) -> Result<BTreeMap<i32, CommittedOffset>> {
        let (parts, inner) = {
            let st = self.shared.lock();
            (st.assigned.iter().copied().collect(), st.inner.clone())
        };
        let committed = self.shared.fetch_committed(parts)?;
        if let (true, Some(c)) = (self.shared.settings.options.reset_offset_on_fetch, inner) {
            move_to_committed(&c, &committed)?;
        }
        Ok(committed)
    }

    /// Move held partitions (all to `auto_offset_reset` with `None`), flush their buffers, and commit the
    /// new positions for the group.
    pub fn reset_offsets(&self, targets: Option<&[(i32, ResetTarget)]>) -> Result<()> {
        let inner = self.shared.lock().inner.clone();
        let Some(c) = inner else {
            return Err(self.shared.stopped());
        };
        c.reset_offsets(targets)?;
        let held = c.held_offsets();
        let entries: Vec<_> = held
            .iter()
            .filter(|(p, o)| **o >= -1 && targets.map_or(true, |t| t.iter().any(|(q, _)| q == *p)))
            .map(|(p, o)| (*p, o + 1))
            .collect();
        self.shared.commit(Some(entries))
    }

    /// Last consumed offset per held partition, -2 where nothing was consumed.
    pub fn held_offsets(&self) -> BTreeMap<i32, i64> {
        let inner = self.shared.lock().inner.clone();
        inner.map(|c| c.held_offsets()).unwrap_or_default()
    }

    /// The partition ids assigned to this member now.
    pub fn partitions(&self) -> Vec<i32> {
        self.shared.lock().assigned.iter().copied().collect()
    }

    /// Messages until `consume(true)` returns `None` (PyKafka's `__iter__`).
    pub fn iter(&self) -> BalancedIter<'_> {
        Iter::new(self)
    }

    /// An async stream of messages, ending where the iterator does.
    pub fn stream(&self) -> impl Stream<Item = Result<Message>> + Send + 'static {
        message_stream(self.clone())
    }
}

/// Commit, stop the internal consumer, leave the group; the first error after every step ran.
fn stop(shared: &Shared) -> Result<()> {
    {
        let mut st = shared.lock();
        if !st.running && st.inner.is_none() {
            return Ok(());
        }
        st.running = false;
        st.epoch += 1;
    }
    shared.changed.notify_all();
    let mut first_error = None;
    {
        let _no_consume = shared.gate.write().unwrap_or_else(|e| e.into_inner());
        if let Err(e) = shared.commit(None) {
            first_error.get_or_insert(e);
        }
        let inner = shared.lock().inner.take();
        if let Some(c) = inner {
            if let Err(e) = c.stop() {
                first_error.get_or_insert(e);
            }
        }
    }
    let membership = Arc::clone(&shared.membership);
    let left = shared
        .settings
        .topic
        .client
        .block_on(async move { membership.lock().await.leave().await });
    if let Err(e) = left.and_then(|r| r) {
        first_error.get_or_insert(e);
    }
    {
        let mut st = shared.lock();
        st.assigned.clear();
        st.generation_id = -1;
        st.member_id.clear();
    }
    shared.changed.notify_all();
    first_error.map_or(Ok(()), Err)
}

impl ConsumerApi for BalancedConsumer {
    fn consume(&self, block: bool) -> Result<Option<Message>> {
        BalancedConsumer::consume(self, block)
    }
    async fn consume_async(&self) -> Result<Option<Message>> {
        BalancedConsumer::consume_async(self).await
    }
    fn commit_offsets(&self, partition_offsets: Option<&[(i32, i64)]>) -> Result<()> {
        BalancedConsumer::commit_offsets(self, partition_offsets)
    }
    fn fetch_offsets(&self) -> Result<BTreeMap<i32, CommittedOffset>> {
        BalancedConsumer::fetch_offsets(self)
    }
    fn reset_offsets(&self, targets: Option<&[(i32, ResetTarget)]>) -> Result<()> {
        BalancedConsumer::reset_offsets(self, targets)
    }
    fn held_offsets(&self) -> BTreeMap<i32, i64> {
        BalancedConsumer::held_offsets(self)
    }
    fn partitions(&self) -> Vec<i32> {
        BalancedConsumer::partitions(self)
    }
    fn start(&self) -> Result<()> {
        BalancedConsumer::start(self)
    }
    fn stop(&self) -> Result<()> {
        BalancedConsumer::stop(self)
    }
}

/// PyKafka's `__iter__` over a balanced consumer: `consume(true)` until `None`; errors are yielded,
/// `ConsumerStopped` ends it.
pub type BalancedIter<'a> = Iter<'a, BalancedConsumer>;
