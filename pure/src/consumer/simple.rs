//! The pure engine's `SimpleConsumer`: PyKafka's semantics over a [`ConsumerBackend`].

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::future::Future;
use std::sync::{Arc, Condvar, Mutex};

use ferrokafka_core::bridge::{self, Interest};
use ferrokafka_core::{
    CommittedOffset, ConsumerApi, ConsumerOptions, Error, Message, ResetTarget, Result,
};
use tokio::runtime::Handle;
use tokio::sync::Notify;

use super::backend::{ConsumerBackend, GroupMember};
use super::partition_state::{PartitionState, MAX_FETCH_SIZE_CAP};
use super::shared::{Shared, State};
use crate::runtime::run_on;

/// A consumer of some or all partitions of one topic, positions kept by the client, offsets optionally
/// stored in a Kafka consumer group (no group membership: PyKafka's `SimpleConsumer`).
///
/// Cloning is cheap and shares the consumer. Dropping the last clone stops it without waiting (as
/// [`shutdown_in_background`](Self::shutdown_in_background)), so a consumer whose build was abandoned
/// (a dropped `build_async`) leaves no fetcher running.
pub struct PureSimpleConsumer<B: ConsumerBackend> {
    shared: Arc<Shared<B>>,
    _last: Arc<StopWhenDropped<B>>,
}

impl<B: ConsumerBackend> Clone for PureSimpleConsumer<B> {
    fn clone(&self) -> Self {
        PureSimpleConsumer {
            shared: Arc::clone(&self.shared),
            _last: Arc::clone(&self._last),
        }
    }
}

/// Shared by every clone; its drop (the last clone's) stops the consumer in the background.
struct StopWhenDropped<B: ConsumerBackend>(Arc<Shared<B>>);

impl<B: ConsumerBackend> Drop for StopWhenDropped<B> {
    fn drop(&mut self) {
        shutdown_in_background(&self.0);
    }
}

impl<B: ConsumerBackend> std::fmt::Debug for PureSimpleConsumer<B> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PureSimpleConsumer")
            .field("topic", &self.shared.topic)
            .field("group", &self.shared.opts.consumer_group)
            .finish_non_exhaustive()
    }
}

/// Runs `fut` on `handle` and waits for it on this thread (the engine's one blocking bridge).
pub(crate) fn run_blocking<T, F>(handle: &Handle, fut: F) -> Result<T>
where
    T: Send + 'static,
    F: Future<Output = Result<T>> + Send + 'static,
{
    crate::runtime::block_on(handle, fut)?
}

impl<B: ConsumerBackend> PureSimpleConsumer<B> {
    /// The shared state, for the module's tests to look inside.
    #[cfg(test)]
    pub(super) fn shared_for_tests(&self) -> &Arc<Shared<B>> {
        &self.shared
    }

    /// Builds the consumer (validating `opts`, resolving partitions) and starts it when `auto_start`.
    pub async fn new_async(
        topic: impl Into<String>,
        opts: ConsumerOptions,
        backend: B,
        handle: Handle,
    ) -> Result<Self> {
        let topic = topic.into();
        let opts = opts.resolve()?;
        let leaders = backend.partition_leaders(&topic, false).await?;
        let ids: Vec<i32> = match &opts.partitions {
            Some(wanted) => {
                if let Some(bad) = wanted.iter().find(|p| !leaders.contains_key(p)) {
                    return Err(Error::invalid_input(
                        "partitions",
                        format!("topic {topic:?} has no partition {bad}"),
                    ));
                }
                let set: BTreeSet<i32> = wanted.iter().copied().collect();
                set.into_iter().collect()
            }
            None => leaders.keys().copied().collect(),
        };
        let fetch_size = i32::try_from(opts.fetch_message_max_bytes).unwrap_or(i32::MAX);
        let partitions = ids
            .iter()
            .map(|id| {
                let mut p = PartitionState::new(*id, fetch_size);
                p.leader = leaders.get(id).copied().flatten();
                (*id, p)
            })
            .collect();
        let member = opts.consumer_group.clone().map(|group| {
            Mutex::new(GroupMember {
                group,
                generation_id: opts.generation_id,
                member_id: opts.consumer_id.clone(),
            })
        });
        let shared = Arc::new(Shared {
            fetch_cap: MAX_FETCH_SIZE_CAP.max(fetch_size),
            topic,
            backend,
            handle,
            state: Mutex::new(State {
                partitions,
                order: ids,
                rr_next: 0,
                ready: BTreeSet::new(),
                running: false,
                run_gen: 0,
                errors: VecDeque::new(),
                fetchers: BTreeSet::new(),
                next_round: 0,
                round_done: BTreeMap::new(),
                round_waiters: 0,
            }),
            data_cv: Condvar::new(),
            data_notify: Notify::new(),
            space_notify: Notify::new(),
            round_notify: Notify::new(),
            refresh_notify: Notify::new(),
            member,
            opts,
            health: ferrokafka_core::HealthTracker::default(),
        });
        let consumer = PureSimpleConsumer {
            _last: Arc::new(StopWhenDropped(Arc::clone(&shared))),
            shared,
        };
        if consumer.shared.opts.auto_start {
            consumer.start_async().await?;
        }
        Ok(consumer)
    }

    /// Blocking form of [`new_async`](Self::new_async), for plain threads.
    pub fn new(
        topic: impl Into<String>,
        opts: ConsumerOptions,
        backend: B,
        handle: Handle,
    ) -> Result<Self> {
        let topic = topic.into();
        let h = handle.clone();
        run_blocking(&h, Self::new_async(topic, opts, backend, handle))
    }

    pub fn topic(&self) -> &str {
        &self.shared.topic
    }

    pub fn options(&self) -> &ConsumerOptions {
        &self.shared.opts.options
    }

    /// Starts: starting offsets first (§2.1), then fetchers and the auto-committer. No-op when running.
    pub async fn start_async(&self) -> Result<()> {
        let gen = {
            let mut st = self.shared.lock();
            if st.running {
                return Ok(());
            }
            st.running = true;
            st.run_gen += 1;
            st.run_gen
        };
        if let Err(e) = self.shared.start_offsets().await {
            let mut st = self.shared.lock();
            if st.run_gen == gen {
                st.running = false;
                st.run_gen += 1;
            }
            return Err(e);
        }
        self.shared.spawn_fetching(gen);
        self.shared.spawn_auto_commit(gen);
        Ok(())
    }

    /// Stops fetching; commits first when auto-commit is on. Buffered messages stay (a later `start` keeps
    /// or replaces them according to the start rules).
    pub async fn stop_async(&self) -> Result<()> {
        if !self.shared.lock().running {
            return Ok(());
        }
        let commit = if self.shared.opts.auto_commit_enable && self.shared.member.is_some() {
            self.shared.commit_offsets(None).await
        } else {
            Ok(())
        };
        {
            let mut st = self.shared.lock();
            st.running = false;
            st.run_gen += 1;
            st.fetchers.clear();
        }
        self.shared.backend.close_fetch_connections();
        self.shared.wake_consumers();
        self.shared.space_notify.notify_waiters();
        self.shared.refresh_notify.notify_one();
        commit
    }

    pub async fn commit_offsets_async(
        &self,
        partition_offsets: Option<Vec<(i32, i64)>>,
    ) -> Result<()> {
        self.shared.commit_offsets(partition_offsets).await
    }

    pub async fn fetch_offsets_async(&self) -> Result<BTreeMap<i32, CommittedOffset>> {
        self.shared.fetch_offsets(&Interest::awaited()).await
    }

    pub async fn reset_offsets_async(
        &self,
        targets: Option<Vec<(i32, ResetTarget)>>,
    ) -> Result<()> {
        self.shared.reset_offsets(targets).await
    }

    fn block<T: Send + 'static>(
        &self,
        f: impl FnOnce(Self) -> std::pin::Pin<Box<dyn Future<Output = Result<T>> + Send>>,
    ) -> Result<T> {
        let fut = f(self.clone());
        run_blocking(&self.shared.handle, fut)
    }

    /// Stops without waiting (for `Drop`): fetchers end, and with auto-commit a last commit is sent in the
    /// background.
    pub fn shutdown_in_background(&self) {
        shutdown_in_background(&self.shared);
    }

    /// PyKafka's settable `consumer_id` / `generation_id`: the member id and generation the next commits
    /// and offset fetches carry (`None` keeps one). Needs a `consumer_group`.
    pub fn set_member_identity(
        &self,
        consumer_id: Option<String>,
        generation_id: Option<i32>,
    ) -> Result<()> {
        let Some(member) = &self.shared.member else {
            return Err(Error::invalid_state(
                "consumer_id / generation_id without a consumer_group",
                ferrokafka_core::ErrorContext::topic(self.shared.topic.as_str()),
            ));
        };
        let mut m = member.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(id) = consumer_id {
            m.member_id = id;
        }
        if let Some(generation) = generation_id {
            m.generation_id = generation;
        }
        Ok(())
    }

    /// PyKafka's `fetch()`: one fetch round for the held partitions (see `fetch_round`); the number of
    /// messages buffered afterwards.
    pub async fn fetch_round_async(&self, limit: std::time::Duration) -> Result<usize> {
        self.shared.fetch_round(limit).await
    }

    /// Whether the consumer is running.
    pub fn is_running(&self) -> bool {
        self.shared.lock().running
    }
}

fn shutdown_in_background<B: ConsumerBackend>(shared: &Arc<Shared<B>>) {
    {
        let mut st = shared.lock();
        if !st.running {
            return;
        }
        st.running = false;
        st.run_gen += 1;
        st.fetchers.clear();
    }
    shared.backend.close_fetch_connections();
    shared.wake_consumers();
    shared.space_notify.notify_waiters();
    shared.refresh_notify.notify_one();
    if shared.opts.auto_commit_enable && shared.member.is_some() {
        let shared = Arc::clone(shared);
        shared.handle.clone().spawn(async move {
            if let Err(e) = shared.commit_offsets(None).await {
                tracing::warn!(
                    topic = %shared.topic,
                    group = ?shared.opts.options.consumer_group,
                    last_consumed = ?shared.held_offsets(),
                    error = %e.report(),
                    "final auto-commit failed: these positions are not committed"
                );
            }
        });
    }
}

impl<B: ConsumerBackend> ConsumerApi for PureSimpleConsumer<B> {
    fn consume(&self, block: bool) -> Result<Option<Message>> {
        self.shared.consume_blocking(block)
    }

    fn consume_async(&self) -> impl Future<Output = Result<Option<Message>>> + Send {
        let shared = Arc::clone(&self.shared);
        async move { shared.consume_async().await }
    }

    fn commit_offsets(&self, partition_offsets: Option<&[(i32, i64)]>) -> Result<()> {
        let list = partition_offsets.map(<[_]>::to_vec);
        self.block(move |c| Box::pin(async move { c.commit_offsets_async(list).await }))
    }

    fn fetch_offsets(&self) -> Result<BTreeMap<i32, CommittedOffset>> {
        self.block(|c| Box::pin(async move { c.fetch_offsets_async().await }))
    }

    fn reset_offsets(&self, targets: Option<&[(i32, ResetTarget)]>) -> Result<()> {
        let list = targets.map(<[_]>::to_vec);
        self.block(move |c| Box::pin(async move { c.reset_offsets_async(list).await }))
    }

    fn held_offsets(&self) -> BTreeMap<i32, i64> {
        self.shared.held_offsets()
    }

    fn partitions(&self) -> Vec<i32> {
        self.shared.lock().order.clone()
    }

    fn start(&self) -> Result<()> {
        self.block(|c| Box::pin(async move { c.start_async().await }))
    }

    fn stop(&self) -> Result<()> {
        self.block(|c| Box::pin(async move { c.stop_async().await }))
    }
}

/// The async forms run on the client's background runtime (where the connections live), whatever runtime
/// awaits them; a dropped future lets the call finish there.
impl<B: ConsumerBackend> ferrokafka_core::ConsumerEngine for PureSimpleConsumer<B> {
    fn name(&self) -> &'static str {
        "pure"
    }
    fn shutdown_in_background(&self) {
        PureSimpleConsumer::shutdown_in_background(self)
    }
    fn commit_offsets_async(
        &self,
        partition_offsets: Option<Vec<(i32, i64)>>,
    ) -> impl Future<Output = Result<()>> + Send {
        let me = self.clone();
        run_on(&self.shared.handle, async move {
            me.commit_offsets_async(partition_offsets).await
        })
    }
    fn fetch_offsets_async(
        &self,
    ) -> impl Future<Output = Result<BTreeMap<i32, CommittedOffset>>> + Send {
        // The fetch runs on the client's runtime whatever happens to this future; a dropped one moves no
        // position.
        let (interest, awaiting) = bridge::interest();
        let shared = Arc::clone(&self.shared);
        let answer = run_on(&self.shared.handle, async move {
            shared.fetch_offsets(&interest).await
        });
        bridge::awaiting(awaiting, answer)
    }
    fn reset_offsets_async(
        &self,
        targets: Option<Vec<(i32, ResetTarget)>>,
    ) -> impl Future<Output = Result<()>> + Send {
        let me = self.clone();
        run_on(&self.shared.handle, async move {
            me.reset_offsets_async(targets).await
        })
    }
    fn start_async(&self) -> impl Future<Output = Result<()>> + Send {
        let me = self.clone();
        run_on(&self.shared.handle, async move {
            PureSimpleConsumer::start_async(&me).await
        })
    }
    fn stop_async(&self) -> impl Future<Output = Result<()>> + Send {
        let me = self.clone();
        run_on(&self.shared.handle, async move {
            PureSimpleConsumer::stop_async(&me).await
        })
    }
    fn health(&self) -> ferrokafka_core::Health {
        self.shared.health.get()
    }
}
