//! [`PureGroupConsumer`]: the public face — consume with PyKafka's timeout and rebalance rules (§2.3),
//! offsets, start and stop.

use std::collections::BTreeMap;
use std::fmt;
use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use ferrokafka_core::bridge::{self, off_thread, Interest};
use ferrokafka_core::{
    CommittedOffset, ConsumerApi, ConsumerEngine, Error, ErrorKind, Message, ResetTarget, Result,
};

use super::worker::{move_to_committed, Settings, Shared};

/// PyKafka's `ManagedBalancedConsumer`: a member of a Kafka-managed group reading its share of one topic's
/// partitions through an internal consumer of type `C` (either engine's SimpleConsumer), rebuilt on every
/// rebalance that changes the partition set. Cheap to clone (shared). Dropping the last handle leaves the
/// group in the background.
pub struct PureGroupConsumer<C: ConsumerEngine + Clone + 'static> {
    handle: Arc<Handle<C>>,
    shared: Arc<Shared<C>>,
}

impl<C: ConsumerEngine + Clone + 'static> Clone for PureGroupConsumer<C> {
    fn clone(&self) -> Self {
        PureGroupConsumer {
            handle: Arc::clone(&self.handle),
            shared: Arc::clone(&self.shared),
        }
    }
}

/// Dropped with the last consumer handle: leaves the group in the background, as PyKafka's consumers stop
/// when garbage-collected.
struct Handle<C: ConsumerEngine + Clone + 'static> {
    shared: Arc<Shared<C>>,
}

impl<C: ConsumerEngine + Clone + 'static> Drop for Handle<C> {
    fn drop(&mut self) {
        stop_in_background(&self.shared);
    }
}

fn stop_in_background<C: ConsumerEngine + Clone + 'static>(shared: &Arc<Shared<C>>) {
    if shared.lock().running {
        let shared = Arc::clone(shared);
        let _ = std::thread::Builder::new()
            .name("ferrokafka-group-stop".into())
            .spawn(move || stop(&shared));
    }
}

impl<C: ConsumerEngine + Clone + 'static> fmt::Debug for PureGroupConsumer<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let st = self.shared.lock();
        f.debug_struct("PureGroupConsumer")
            .field("topic", &self.shared.settings.topic)
            .field("group", &self.shared.settings.group)
            .field("member_id", &st.member_id)
            .field("generation_id", &st.generation_id)
            .field("partitions", &st.assigned)
            .finish_non_exhaustive()
    }
}

impl<C: ConsumerEngine + Clone + 'static> PureGroupConsumer<C> {
    pub(crate) fn new(settings: Settings<C>) -> Self {
        let shared = Arc::new(Shared::new(settings));
        PureGroupConsumer {
            handle: Arc::new(Handle {
                shared: Arc::clone(&shared),
            }),
            shared,
        }
    }

    /// The topic read.
    pub fn topic(&self) -> &str {
        &self.shared.settings.topic
    }

    /// The group's name.
    pub fn group(&self) -> &str {
        &self.shared.settings.group
    }

    /// This member's id in the group: Kafka's ("" before joining), or in a ZooKeeper-coordinated group the
    /// consumer id naming its `ids` znode (`"{hostname}:{uuid}"`).
    pub fn member_id(&self) -> String {
        match &self.shared.zookeeper_id {
            Some(id) => id.clone(),
            None => self.shared.lock().member_id.clone(),
        }
    }

    /// The group generation this member last joined (-1 before).
    pub fn generation_id(&self) -> i32 {
        self.shared.lock().generation_id
    }

    fn consume_deadline(&self) -> Option<Instant> {
        let timeout = self.shared.settings.options.consumer_timeout;
        timeout.map(|t| Instant::now() + t)
    }

    /// The internal consumer to read now; `Ok(None)` while there is none (rebalancing, no partitions).
    fn reader(&self) -> Result<Option<C>> {
        let mut st = self.shared.lock();
        if let Some(e) = st.error.take() {
            return Err(e);
        }
        if !st.running {
            return Err(self.shared.stopped());
        }
        Ok(if st.rebalancing {
            None
        } else {
            st.inner.clone()
        })
    }

    /// The answer of one internal read: `Some` ends `consume`, `None` looks again.
    fn settle(
        got: Result<Option<Message>>,
        deadline: Option<Instant>,
    ) -> Option<Result<Option<Message>>> {
        match got {
            Ok(Some(m)) => Some(Ok(Some(m))),
            Ok(None) if deadline.is_some_and(|d| Instant::now() >= d) => Some(Ok(None)),
            Ok(None) => None,
            // The internal consumer was replaced (rebalance) or stopped under us: look again.
            Err(ref e) if e.kind() == ErrorKind::ConsumerStopped => None,
            Err(e) => Some(Err(e)),
        }
    }

    /// The next message. `block` waits up to `consumer_timeout_ms` (forever when -1 or 0), across
    /// rebalances; `Ok(None)` = none in time. A background failure (rebalance) is returned here once;
    /// `ConsumerStopped` when not running.
    pub fn consume(&self, block: bool) -> Result<Option<Message>> {
        let deadline = self.consume_deadline();
        loop {
            let Some(inner) = self.reader()? else {
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
                let st = self.shared.lock();
                if st.rebalancing || st.inner.is_none() {
                    drop(self.shared.changed.wait_timeout(st, wait));
                }
                continue;
            };
            let got = {
                let _reading = futures::executor::block_on(self.shared.gate.read());
                if self.shared.lock().rebalancing {
                    continue;
                }
                inner.consume(block)
            };
            if let Some(answer) = Self::settle(got, deadline) {
                return answer;
            }
            if !block {
                return Ok(None);
            }
        }
    }

    /// `consume(true)` without blocking a tokio worker. Cancel-safe: the internal consumer's
    /// `consume_async` is, and nothing else here takes a message, so a dropped future loses none.
    pub async fn consume_async(&self) -> Result<Option<Message>> {
        let deadline = self.consume_deadline();
        loop {
            // Armed before the state is read, so a change in between is not missed.
            let changed = self.shared.changed_async.notified();
            tokio::pin!(changed);
            changed.as_mut().enable();
            let Some(inner) = self.reader()? else {
                match deadline {
                    Some(d) => {
                        let d = tokio::time::Instant::from_std(d);
                        if tokio::time::timeout_at(d, changed).await.is_err() {
                            return Ok(None);
                        }
                    }
                    None => changed.await,
                }
                continue;
            };
            let got = {
                let _reading = self.shared.gate.read().await;
                if self.shared.lock().rebalancing {
                    continue;
                }
                inner.consume_async().await
            };
            if let Some(answer) = Self::settle(got, deadline) {
                return answer;
            }
        }
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
            .map_err(|e| {
                Error::background_task_failed("group thread", "cannot start").with_source(e)
            })?;
        Ok(())
    }

    /// Commit what was consumed, stop the internal consumer and leave the group (the others rebalance at
    /// once). The first error is returned after every step ran.
    pub fn stop(&self) -> Result<()> {
        let _keep = &self.handle;
        stop(&self.shared)
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
        self.fetch_offsets_for(&Interest::awaited())
    }

    /// [`fetch_offsets`](Self::fetch_offsets), moving no position once `interest` is dropped: a move landing
    /// after the caller gave up would rewind positions behind messages already handed out.
    fn fetch_offsets_for(&self, interest: &Interest) -> Result<BTreeMap<i32, CommittedOffset>> {
        let (parts, inner) = {
            let st = self.shared.lock();
            (st.assigned.iter().copied().collect(), st.inner.clone())
        };
        let committed = self.shared.fetch_committed(parts)?;
        let reset = self.shared.settings.options.reset_offset_on_fetch;
        if reset && interest.is_dropped() {
            tracing::debug!(
                group = %self.shared.settings.group,
                "fetch_offsets dropped before its answer: positions left as they are"
            );
            return Ok(committed);
        }
        if let (true, Some(c)) = (reset, inner) {
            move_to_committed(
                &c,
                &committed,
                self.shared.settings.options.auto_offset_reset,
            )?;
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

    /// Runs a blocking method on a thread of its own (see `ferrokafka_core::bridge`).
    fn off_thread<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Self) -> Result<T> + Send + 'static,
    ) -> impl Future<Output = Result<T>> + Send + 'static
    where
        C: Send + Sync,
    {
        let me = self.clone();
        off_thread("ferrokafka-group-call", move || f(&me))
    }
}

/// Commit what was consumed and not yet committed, stop the internal consumer, leave the group; the first
/// error after every step ran. A commit refused because the group moved on is sent again once the worker's
/// rebalance is over, as the member it made; `Ok` means every message handed out is covered by a commit that
/// landed. A commit still refused (the coordinator evicted this member, say) is returned, and logged at WARN
/// with the offsets not committed.
fn stop<C: ConsumerEngine + Clone + 'static>(shared: &Shared<C>) -> Result<()> {
    {
        let mut st = shared.lock();
        if !st.running && st.inner.is_none() {
            return Ok(());
        }
        st.running = false;
        st.epoch += 1;
    }
    shared.notify_changed();
    let mut first_error = None;
    let (entries, inner) = {
        let _no_consume = shared.close_gate();
        (shared.uncommitted(), shared.lock().inner.take())
    };
    let stopped = inner.map_or(Ok(()), |c| c.stop());
    let (committed, left) = shared.commit_and_leave(entries);
    for result in [committed, stopped, left] {
        if let Err(e) = result {
            first_error.get_or_insert(e);
        }
    }
    {
        let mut st = shared.lock();
        st.assigned.clear();
        st.generation_id = -1;
        st.member_id.clear();
    }
    shared.notify_changed();
    first_error.map_or(Ok(()), Err)
}

impl<C: ConsumerEngine + Clone + 'static> ConsumerApi for PureGroupConsumer<C> {
    fn consume(&self, block: bool) -> Result<Option<Message>> {
        PureGroupConsumer::consume(self, block)
    }
    fn consume_async(&self) -> impl Future<Output = Result<Option<Message>>> + Send {
        let me = self.clone();
        async move { me.consume_async().await }
    }
    fn commit_offsets(&self, partition_offsets: Option<&[(i32, i64)]>) -> Result<()> {
        PureGroupConsumer::commit_offsets(self, partition_offsets)
    }
    fn fetch_offsets(&self) -> Result<BTreeMap<i32, CommittedOffset>> {
        PureGroupConsumer::fetch_offsets(self)
    }
    fn reset_offsets(&self, targets: Option<&[(i32, ResetTarget)]>) -> Result<()> {
        PureGroupConsumer::reset_offsets(self, targets)
    }
    fn held_offsets(&self) -> BTreeMap<i32, i64> {
        PureGroupConsumer::held_offsets(self)
    }
    fn partitions(&self) -> Vec<i32> {
        PureGroupConsumer::partitions(self)
    }
    fn start(&self) -> Result<()> {
        PureGroupConsumer::start(self)
    }
    fn stop(&self) -> Result<()> {
        PureGroupConsumer::stop(self)
    }
}

impl<C: ConsumerEngine + Clone + 'static> ConsumerEngine for PureGroupConsumer<C> {
    fn name(&self) -> &'static str {
        self.shared.settings.engine
    }
    fn shutdown_in_background(&self) {
        stop_in_background(&self.shared);
    }
    fn commit_offsets_async(
        &self,
        partition_offsets: Option<Vec<(i32, i64)>>,
    ) -> impl Future<Output = Result<()>> + Send {
        self.off_thread(move |c| c.commit_offsets(partition_offsets.as_deref()))
    }
    fn fetch_offsets_async(
        &self,
    ) -> impl Future<Output = Result<BTreeMap<i32, CommittedOffset>>> + Send {
        let (interest, awaiting) = bridge::interest();
        bridge::awaiting(
            awaiting,
            self.off_thread(move |c| c.fetch_offsets_for(&interest)),
        )
    }
    fn reset_offsets_async(
        &self,
        targets: Option<Vec<(i32, ResetTarget)>>,
    ) -> impl Future<Output = Result<()>> + Send {
        self.off_thread(move |c| c.reset_offsets(targets.as_deref()))
    }
    fn start_async(&self) -> impl Future<Output = Result<()>> + Send {
        self.off_thread(|c| c.start())
    }
    fn stop_async(&self) -> impl Future<Output = Result<()>> + Send {
        self.off_thread(|c| c.stop())
    }
    /// The group's own health (heartbeats, rebalances) or the internal consumer's, whichever has been
    /// failing longer.
    fn health(&self) -> ferrokafka_core::Health {
        let inner = self.shared.lock().inner.clone();
        let own = self.shared.health.get();
        match inner {
            Some(c) => own.worse(c.health()),
            None => own,
        }
    }
}
