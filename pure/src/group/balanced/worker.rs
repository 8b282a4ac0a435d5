//! The balanced consumer's moving parts: the rebalance (PyKafka's `_rebalance` + `_update_member_assignment`
//! + `_setup_internal_consumer`) and the background thread that heartbeats and auto-commits.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, Weak};
use std::time::{Duration, Instant};

use ferrokafka_core::offset_policy::Backoff;
use ferrokafka_core::{
    wire_ms, CommittedOffset, ConsumerApi, ConsumerEngine, ConsumerOptions, Error, GroupOptions,
    KafkaCode, OffsetType, PostRebalanceCallback, RebalancedConsumer, ResetTarget,
    ResolvedConsumer, ResolvedGroup, Result,
};
use tokio::sync::{Notify, RwLock};

use super::{offsets, CONSUME_SLICE_MS};
use crate::consumer::{ClusterBackend, GroupMember};
use crate::front_door::PureCluster;
use crate::group::coordination::Coordination;
use crate::group::zookeeper::{ZkConfig, ZkMembership};
use crate::group::{Membership, MembershipConfig};

/// PyKafka's fallback when neither `zookeeper_connect` nor the client's `zookeeper_hosts` is set.
const DEFAULT_ZOOKEEPER: &str = "127.0.0.1:2181";

/// Builds the internal consumer (not started) for the options the group consumer gives it: the chosen
/// engine's SimpleConsumer, standalone, of the assigned partitions.
pub type InnerFactory<C> = Arc<dyn Fn(ConsumerOptions) -> Result<C> + Send + Sync>;

/// What a group consumer is made of; the front door validates it.
pub struct GroupSpec<C> {
    /// The topic read.
    pub topic: String,
    /// SimpleConsumer options; `consumer_group` names the group.
    pub options: ConsumerOptions,
    /// The options the group adds.
    pub group_options: GroupOptions,
    /// Called after every rebalance that changed the partitions.
    pub callback: Option<PostRebalanceCallback>,
    /// The internal consumer's engine name ("pure" or "librdkafka").
    pub engine: &'static str,
    /// Builds the internal consumer.
    pub make_inner: InnerFactory<C>,
}

/// Everything the front door validated.
pub(crate) struct Settings<C> {
    pub topic: String,
    pub group: String,
    pub options: ResolvedConsumer,
    pub group_options: ResolvedGroup,
    pub callback: Option<PostRebalanceCallback>,
    pub engine: &'static str,
    pub make_inner: InnerFactory<C>,
    pub cluster: PureCluster,
}

/// What changes with rebalances, under one lock.
pub(crate) struct State<C> {
    pub running: bool,
    /// Set while a rebalance runs: `consume` waits instead of reading partitions being given up.
    pub rebalancing: bool,
    pub inner: Option<C>,
    pub assigned: BTreeSet<i32>,
    pub generation_id: i32,
    pub member_id: String,
    /// A background failure (heartbeat, rebalance), returned by the next `consume`.
    pub error: Option<Error>,
    /// Whether partitions were assigned before (`reset_offset_on_start` applies only to the first time).
    pub assigned_once: bool,
    /// What this member's commits got accepted, `partition → next offset`, since the internal consumer was
    /// set up: a commit of the same offsets again is not needed (`stop` succeeds when they landed before).
    pub landed: BTreeMap<i32, i64>,
    /// The member id the internal consumer was set up under: a new one means the coordinator forgot this
    /// member, so its partitions may have been read by others since.
    pub inner_member_id: String,
    /// Bumped by `stop`, so an old worker thread ends.
    pub epoch: u64,
}

pub(crate) struct Shared<C> {
    pub settings: Settings<C>,
    pub state: Mutex<State<C>>,
    /// Notified whenever `state` changes in a way `consume` waits for (blocking callers).
    pub changed: Condvar,
    /// The same for `consume_async` callers.
    pub changed_async: Notify,
    /// `consume` holds it for reading while it reads the internal consumer; a rebalance takes it for
    /// writing before committing, so no message is handed out after the commit (PyKafka's rebalancing lock).
    /// An async lock, so `consume_async` can hold it across the internal consumer's (cancel-safe) await.
    pub gate: RwLock<()>,
    pub membership: Arc<tokio::sync::Mutex<Coordination>>,
    pub backend: Arc<ClusterBackend>,
    /// A ZooKeeper member's `"{hostname}:{uuid}"` (None in a Kafka-managed group).
    pub zookeeper_id: Option<String>,
    /// Heartbeat period, or how often the ZooKeeper watches are looked at.
    pub check_interval: Duration,
    /// Failed heartbeats and rebalances since the last good heartbeat (`health()`, with the internal
    /// consumer's).
    pub health: ferrokafka_core::HealthTracker,
}

impl<C: ConsumerEngine + Clone + 'static> Shared<C> {
    pub(crate) fn new(settings: Settings<C>) -> Self {
        let cluster = Arc::clone(settings.cluster.raw_cluster());
        let coordination = coordination(&cluster, &settings);
        let zookeeper_id = match &coordination {
            Coordination::ZooKeeper(z) => Some(z.consumer_id().to_string()),
            Coordination::Kafka(_) => None,
        };
        let heartbeat = settings.group_options.heartbeat_interval;
        let check_interval = coordination.check_interval(heartbeat);
        Shared {
            settings,
            state: Mutex::new(State {
                running: false,
                rebalancing: false,
                inner: None,
                assigned: BTreeSet::new(),
                generation_id: -1,
                member_id: String::new(),
                error: None,
                assigned_once: false,
                landed: BTreeMap::new(),
                inner_member_id: String::new(),
                epoch: 0,
            }),
            changed: Condvar::new(),
            changed_async: Notify::new(),
            gate: RwLock::new(()),
            membership: Arc::new(tokio::sync::Mutex::new(coordination)),
            backend: Arc::new(ClusterBackend::new(cluster)),
            zookeeper_id,
            check_interval,
            health: ferrokafka_core::HealthTracker::default(),
        }
    }

    pub(crate) fn lock(&self) -> MutexGuard<'_, State<C>> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Wakes every `consume` waiting for a state change, blocking or async.
    pub(crate) fn notify_changed(&self) {
        self.changed.notify_all();
        self.changed_async.notify_waiters();
    }

    /// Takes the gate for writing from a plain thread: no message is handed out while it is held.
    pub(crate) fn close_gate(&self) -> tokio::sync::RwLockWriteGuard<'_, ()> {
        futures::executor::block_on(self.gate.write())
    }

    pub(crate) fn block_on<T: Send + 'static>(
        &self,
        fut: impl std::future::Future<Output = Result<T>> + Send + 'static,
    ) -> Result<T> {
        self.settings.cluster.block_on(fut)
    }

    fn backoff(&self) -> Backoff {
        Backoff::offsets(&self.settings.options)
    }

    /// This member's identity as the last rebalance left it.
    fn member(&self, st: &State<C>) -> GroupMember {
        GroupMember {
            group: self.settings.group.clone(),
            generation_id: st.generation_id,
            member_id: st.member_id.clone(),
        }
    }

    /// Every held partition at last consumed + 1, less what already landed.
    pub(crate) fn uncommitted(&self) -> Vec<(i32, i64)> {
        let st = self.lock();
        let held = st
            .inner
            .as_ref()
            .map(|c| c.held_offsets())
            .unwrap_or_default();
        held_to_commit(&held)
            .into_iter()
            .filter(|(p, o)| st.landed.get(p) != Some(o))
            .collect()
    }

    /// Commit `(partition, next offset)` pairs, or with `None` every held partition at last consumed + 1
    /// (what did not land yet), as this generation's member.
    pub(crate) fn commit(&self, explicit: Option<Vec<(i32, i64)>>) -> Result<()> {
        let entries = match explicit {
            Some(e) => e,
            None => self.uncommitted(),
        };
        let member = self.member(&self.lock());
        self.commit_as(member, entries)
    }

    /// Commit `entries` as `member`; what lands is remembered.
    fn commit_as(&self, member: GroupMember, entries: Vec<(i32, i64)>) -> Result<()> {
        if entries.is_empty() {
            return Ok(());
        }
        let backoff = self.backoff();
        let backend = Arc::clone(&self.backend);
        let topic = self.settings.topic.clone();
        let sent = entries.clone();
        self.block_on(
            async move { offsets::commit(&backend, member, &topic, sent, backoff).await },
        )?;
        self.lock().landed.extend(entries);
        Ok(())
    }

    /// A background commit that failed: WARN naming the group and what was not committed.
    fn warn_commit_failed(&self, what: &str, entries: &[(i32, i64)], e: &Error) {
        tracing::warn!(
            group = %self.settings.group,
            topic = %self.settings.topic,
            uncommitted = ?entries,
            error = %e.report(),
            "{what} failed: these (partition, next offset) pairs were not committed"
        );
    }

    /// Commit what did not land yet, from the worker: a failure is logged with what was not committed.
    fn commit_in_background(&self, what: &str) {
        let entries = self.uncommitted();
        if let Err(e) = self.commit(Some(entries.clone())) {
            self.warn_commit_failed(what, &entries, &e);
        }
    }

    /// `stop`'s last commit and the leave. A commit refused because the group moved to a new generation (a
    /// rebalance the worker is in) is sent once more when that rebalance is over (the membership lock is
    /// free), with the generation and member id it made. (Only then: waiting for the lock first would put a
    /// rebalance's retries in front of every stop.)
    pub(crate) fn commit_and_leave(&self, entries: Vec<(i32, i64)>) -> (Result<()>, Result<()>) {
        let mut committed = self.commit(Some(entries.clone()));
        if matches!(&committed, Err(e) if group_moved_on(e)) {
            let membership = Arc::clone(&self.membership);
            let group = self.settings.group.clone();
            let member = self.block_on(async move {
                let m = membership.lock().await;
                Ok(GroupMember {
                    group,
                    generation_id: m.generation_id(),
                    member_id: m.member_id().to_string(),
                })
            });
            committed = member.and_then(|member| self.commit_as(member, entries.clone()));
        }
        if let Err(e) = &committed {
            self.warn_commit_failed("the final commit", &entries, e);
        }
        let membership = Arc::clone(&self.membership);
        let left = self.block_on(async move { membership.lock().await.leave().await });
        (committed, left)
    }

    /// The group's committed offsets for `partitions`.
    pub(crate) fn fetch_committed(
        &self,
        partitions: Vec<i32>,
    ) -> Result<BTreeMap<i32, ferrokafka_core::CommittedOffset>> {
        let backoff = self.backoff();
        let backend = Arc::clone(&self.backend);
        let (group, topic) = (self.settings.group.clone(), self.settings.topic.clone());
        self.block_on(
            async move { offsets::fetch(&backend, &group, &topic, partitions, backoff).await },
        )
    }

    /// PyKafka's `_rebalance`: stop handing out messages, commit, join + sync, then set up the internal
    /// consumer for the new partitions if they changed.
    pub(crate) fn rebalance(&self) -> Result<()> {
        self.lock().rebalancing = true;
        let result = self.rebalance_inner();
        self.lock().rebalancing = false;
        self.notify_changed();
        result
    }

    fn rebalance_inner(&self) -> Result<()> {
        {
            let _no_consume = self.close_gate();
            self.commit_in_background("the commit before a rebalance");
        }
        // A `stop` that came meanwhile commits and leaves: joining again would rebalance the others for nothing.
        if !self.lock().running {
            return Err(self.stopped());
        }
        let g = &self.settings.group_options;
        let retries = g.rebalance_max_retries as u32;
        let backoff = g.rebalance_backoff;
        let membership = Arc::clone(&self.membership);
        let (parts, generation_id, member_id) = self.block_on(async move {
            let mut m = membership.lock().await;
            let parts = m.rebalance(retries, backoff).await?;
            Ok((parts, m.generation_id(), m.member_id().to_string()))
        })?;
        let changed = {
            let mut st = self.lock();
            // Recorded even when stopping: it is who the coordinator knows now.
            st.generation_id = generation_id;
            st.member_id = member_id;
            if !st.running {
                return Err(self.stopped());
            }
            let forgotten = !st.inner_member_id.is_empty() && st.inner_member_id != st.member_id;
            st.assigned != parts
                || (st.inner.is_none() && !parts.is_empty())
                || !st.assigned_once
                || forgotten
        };
        if changed {
            self.setup_inner(parts)?;
        }
        Ok(())
    }

    /// PyKafka's `_setup_internal_consumer`: replace the internal consumer, start it at the committed
    /// offsets, then call the post-rebalance callback and apply what it returns.
    fn setup_inner(&self, parts: BTreeSet<i32>) -> Result<()> {
        let (old, first, same_member) = {
            let mut st = self.lock();
            let first = !st.assigned_once;
            st.assigned_once = true;
            st.assigned = parts.clone();
            st.landed.clear();
            let same_member = !st.member_id.is_empty() && st.inner_member_id == st.member_id;
            st.inner_member_id = st.member_id.clone();
            (st.inner.take(), first, same_member)
        };
        let old_held = old.as_ref().map(|c| c.held_offsets()).unwrap_or_default();
        if let Some(old) = old {
            let _ = old.stop();
        }
        // A partition this member kept through every generation since (same member id of a Kafka-managed
        // group) resumes where it was read to, even when the commit before the rebalance did not land.
        let carried: BTreeMap<i32, i64> = if same_member {
            old_held
                .iter()
                .filter(|(p, o)| **o >= 0 && parts.contains(p))
                .map(|(p, o)| (*p, *o))
                .collect()
        } else {
            BTreeMap::new()
        };
        let inner = if parts.is_empty() {
            None
        } else {
            Some(self.start_inner(&parts, first, &carried)?)
        };
        let new_held = inner.as_ref().map(|c| c.held_offsets()).unwrap_or_default();
        if let (Some(cb), Some(c)) = (&self.settings.callback, &inner) {
            if let Some(moved) = cb(&self.view(&parts), &old_held, &new_held) {
                let targets: Vec<_> = moved
                    .iter()
                    .map(|(p, o)| (*p, ResetTarget::LastConsumed(*o)))
                    .collect();
                c.reset_offsets(Some(&targets))?;
                let entries = moved.iter().map(|(p, o)| (*p, o + 1)).collect();
                self.commit(Some(entries))?;
            }
        }
        let mut st = self.lock();
        if !st.running {
            drop(st);
            if let Some(c) = inner {
                let _ = c.stop();
            }
            return Err(self.stopped());
        }
        st.inner = inner;
        Ok(())
    }

    /// The callback's view of this member, as the rebalance left it.
    fn view(&self, parts: &BTreeSet<i32>) -> RebalancedConsumer {
        let st = self.lock();
        RebalancedConsumer {
            topic: self.settings.topic.clone(),
            group: self.settings.group.clone(),
            consumer_id: st.member_id.clone(),
            generation_id: st.generation_id,
            partitions: parts.iter().copied().collect(),
            engine: self.settings.engine,
        }
    }

    fn start_inner(
        &self,
        parts: &BTreeSet<i32>,
        first: bool,
        carried: &BTreeMap<i32, i64>,
    ) -> Result<C> {
        let s = &self.settings;
        // Offsets are the balanced consumer's business: the internal consumer is standalone.
        let options = ConsumerOptions {
            consumer_group: None,
            partitions: Some(parts.iter().copied().collect()),
            auto_commit_enable: false,
            auto_start: false,
            reset_offset_on_start: false,
            consumer_timeout_ms: CONSUME_SLICE_MS,
            generation_id: -1,
            consumer_id: String::new(),
            ..s.options.options.clone()
        };
        let c = (s.make_inner)(options)?;
        c.start()?;
        if first && s.options.reset_offset_on_start {
            // Every partition to `auto_offset_reset`: the standalone internal consumer would start at 0.
            c.reset_offsets(None)?;
            return Ok(c);
        }
        let committed = self.fetch_committed(parts.iter().copied().collect())?;
        move_to_committed(&c, &committed, s.options.auto_offset_reset)?;
        // Never behind what this member already handed out of a partition it kept.
        let ahead: Vec<_> = carried
            .iter()
            .filter(|(p, last)| committed.get(p).map_or(true, |c| c.offset < **last + 1))
            .map(|(p, last)| (*p, ResetTarget::LastConsumed(*last)))
            .collect();
        if !ahead.is_empty() {
            c.reset_offsets(Some(&ahead))?;
        }
        Ok(c)
    }

    pub(crate) fn stopped(&self) -> Error {
        Error::consumer_stopped(self.settings.topic.clone())
    }

    /// Heartbeats every `heartbeat_interval_ms`, rebalances when told to, auto-commits; ends at `stop`.
    /// Holds the consumer weakly: it ends when the last handle is gone too.
    pub(crate) fn run_worker(me: Weak<Self>, epoch: u64) {
        let mut last_commit = Instant::now();
        while let Some(shared) = me.upgrade() {
            if !shared.work_once(epoch, &mut last_commit) {
                return;
            }
        }
    }

    /// One heartbeat period; false when the worker should end.
    fn work_once(&self, epoch: u64, last_commit: &mut Instant) -> bool {
        let beat = self.check_interval;
        let o = &self.settings.options;
        let commit_every = o.auto_commit_interval;
        {
            let deadline = Instant::now() + beat;
            {
                let mut st = self.lock();
                while st.running && st.epoch == epoch {
                    let left = deadline.saturating_duration_since(Instant::now());
                    if left.is_zero() {
                        break;
                    }
                    st = self
                        .changed
                        .wait_timeout(st, left)
                        .unwrap_or_else(|e| e.into_inner())
                        .0;
                }
                if !st.running || st.epoch != epoch {
                    return false;
                }
            }
            let membership = Arc::clone(&self.membership);
            let beat_result = self.block_on(async move { membership.lock().await.check().await });
            match &beat_result {
                Ok(_) => self.health.success(),
                Err(e) => self.health.failure(e),
            }
            // Partitions granted but never read: the last internal consumer's set-up failed; try again.
            let stranded = {
                let st = self.lock();
                st.inner.is_none() && !st.assigned.is_empty()
            };
            if stranded || !matches!(beat_result, Ok(false)) {
                if let Err(e) = &beat_result {
                    tracing::warn!(group = %self.settings.group, error = %e.report(), "heartbeat failed; rejoining");
                }
                if let Err(e) = self.rebalance() {
                    self.health.failure(&e);
                    if self.lock().running {
                        tracing::warn!(group = %self.settings.group, error = %e.report(), "rebalance failed");
                        self.lock().error = Some(e);
                        self.notify_changed();
                    }
                }
            }
            if o.auto_commit_enable && last_commit.elapsed() >= commit_every {
                *last_commit = Instant::now();
                self.commit_in_background("an auto-commit");
            }
        }
        true
    }
}

/// Kafka's group coordinator, or ZooKeeper when the group is not managed.
fn coordination<C>(cluster: &Arc<crate::cluster::Cluster>, settings: &Settings<C>) -> Coordination {
    let g = &settings.group_options;
    let assignor = g.membership_protocol.clone();
    if g.managed {
        return Coordination::Kafka(Membership::new(
            Arc::clone(cluster),
            MembershipConfig {
                group: settings.group.clone(),
                topic: settings.topic.clone(),
                assignor: assignor.clone(),
                session_timeout_ms: wire_ms(g.session_timeout),
                rebalance_timeout_ms: wire_ms(g.rebalance_timeout),
            },
        ));
    }
    // PyKafka: `zookeeper_connect or zookeeper_hosts`.
    let hosts = g
        .zookeeper_connect
        .clone()
        .or_else(|| cluster.options().zookeeper_hosts.clone())
        .unwrap_or_else(|| DEFAULT_ZOOKEEPER.to_string());
    Coordination::ZooKeeper(ZkMembership::new(
        Arc::clone(cluster),
        ZkConfig {
            group: settings.group.clone(),
            topic: settings.topic.clone(),
            assignor,
            hosts,
            connection_timeout: g.zookeeper_connection_timeout,
        },
    ))
}

/// Held offsets → what to commit: last consumed + 1 where something was consumed.
fn held_to_commit(held: &BTreeMap<i32, i64>) -> Vec<(i32, i64)> {
    held.iter()
        .filter(|(_, o)| **o >= 0)
        .map(|(p, o)| (*p, o + 1))
        .collect()
}

/// Moves `consumer` so it resumes at the committed offsets (`next to consume` = committed; 0 = the earliest);
/// partitions without a committed offset go to `auto_offset_reset` (the internal consumer is standalone, which would read them
/// from offset 0).
pub(crate) fn move_to_committed(
    consumer: &impl ConsumerApi,
    committed: &BTreeMap<i32, CommittedOffset>,
    auto_offset_reset: OffsetType,
) -> Result<()> {
    let targets: Vec<_> = committed
        .iter()
        .map(|(p, c)| match (c.offset, auto_offset_reset) {
            // Committed 0 = start at the beginning; LastConsumed(-1) would mean LATEST (PyKafka's magic -1).
            (0, _) => (*p, ResetTarget::Earliest),
            (1.., _) => (*p, ResetTarget::LastConsumed(c.offset - 1)),
            (_, OffsetType::Earliest) => (*p, ResetTarget::Earliest),
            (_, OffsetType::Latest) => (*p, ResetTarget::Latest),
        })
        .collect();
    if targets.is_empty() {
        return Ok(());
    }
    consumer.reset_offsets(Some(&targets))
}

/// Whether a commit was refused because the group moved to a new generation without this member knowing yet
/// (another member left or joined): sent again as the member the rebalance made, it can land.
fn group_moved_on(e: &Error) -> bool {
    matches!(
        e.code(),
        Some(
            KafkaCode::IllegalGeneration
                | KafkaCode::RebalanceInProgress
                | KafkaCode::UnknownMemberId
        )
    )
}
