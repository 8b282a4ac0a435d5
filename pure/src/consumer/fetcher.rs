//! Fetching: one task per leader broker (franz-go's "source" per broker), plus a supervisor that keeps
//! leaders current and starts a fetcher for every broker that leads one of our partitions.
//!
//! A fetcher asks only for partitions whose buffer is below `queued_max_messages`, that are not backing off
//! or resetting and that have no fetch in flight; with none, it sleeps until `consume()` makes room. Up to
//! [`MAX_IN_FLIGHT`] requests are out on its connection at once (one per partition at most, so the prefetch
//! stays bounded by `queued_max_messages` plus one fetch per partition), but a request the broker may hold
//! for `fetch_wait_max_ms` only goes out alone (see `plan`). Each response is decoded outside the lock, then
//! applied only if the partition's epoch and offset are still those the request was built from, so a reset
//! during a fetch can never enqueue stale messages. Every per-partition code has an action (`error_actions`);
//! a failed request (connection lost) refreshes leaders and backs off — nothing here ends a fetcher except a
//! stop or losing all its partitions to other leaders.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::stream::{FuturesUnordered, StreamExt};

use ferrokafka_core::{wire_ms, Error, ErrorContext, ErrorKind};

use super::backend::{ConsumerBackend, FetchParams, PartitionFetch};
use super::decode::decode_partition;
use super::error_actions::{fetch_action, FetchAction};
use super::partition_state::Applied;
use super::shared::{Shared, State};

/// How often the supervisor refreshes leaders when nobody asks (a leaderless partition is retried sooner).
const LEADER_REFRESH_IDLE: Duration = Duration::from_secs(60);
const LEADER_REFRESH_MISSING: Duration = Duration::from_millis(500);

/// What one request was built from, per partition: `(offset, epoch, fetch_size)`.
type Plan = BTreeMap<i32, (i64, u64, i32)>;

/// Requests one broker's fetcher keeps out at once.
const MAX_IN_FLIGHT: usize = 3;

/// The next request for one broker.
struct Planned {
    /// For `fetch()`: the round this request belongs to.
    ticket: u64,
    parts: Plan,
    /// The broker may hold it for `fetch_wait_max_ms` (no partition in it had data at the last look).
    may_wait: bool,
}

impl<B: ConsumerBackend> Shared<B> {
    fn error_backoff(&self) -> Duration {
        self.opts.fetch_error_backoff
    }

    /// Starts the supervisor for run generation `gen`.
    pub fn spawn_fetching(self: &Arc<Self>, gen: u64) {
        let me = Arc::clone(self);
        self.handle.spawn(async move { me.supervise(gen).await });
    }

    async fn supervise(self: Arc<Self>, gen: u64) {
        let mut refresh = false;
        loop {
            if !self.lock().alive(gen) {
                return;
            }
            let mut missing = false;
            match self.backend.partition_leaders(&self.topic, refresh).await {
                Ok(leaders) => {
                    let mut st = self.lock();
                    if !st.alive(gen) {
                        return;
                    }
                    let mut to_spawn = Vec::new();
                    for p in st.partitions.values_mut() {
                        p.leader = leaders.get(&p.id).copied().flatten();
                        missing |= p.leader.is_none();
                        if let Some(b) = p.leader {
                            to_spawn.push(b);
                        }
                    }
                    for b in to_spawn {
                        if st.fetchers.insert(b) {
                            let me = Arc::clone(&self);
                            self.handle
                                .spawn(async move { me.fetch_loop(b, gen).await });
                        }
                    }
                    drop(st);
                    self.space_notify.notify_waiters();
                }
                Err(e) => {
                    tracing::warn!(topic = %self.topic, error = %e.report(), "leader refresh failed");
                    self.health.failure(&e);
                    missing = true;
                }
            }
            refresh = true;
            let wait = if missing {
                LEADER_REFRESH_MISSING.max(self.error_backoff())
            } else {
                LEADER_REFRESH_IDLE
            };
            let _ = tokio::time::timeout(wait, self.refresh_notify.notified()).await;
        }
    }

    /// Marks partitions leaderless and asks the supervisor for fresh metadata.
    fn lose_leaders(&self, partitions: impl IntoIterator<Item = i32>) {
        let backoff = Instant::now() + self.error_backoff();
        let mut st = self.lock();
        for pid in partitions {
            if let Some(p) = st.partitions.get_mut(&pid) {
                p.leader = None;
                p.backoff_until = Some(backoff);
            }
        }
        drop(st);
        self.refresh_notify.notify_one();
    }

    /// Builds the next request for `broker` and marks its partitions in flight: `Err(wake)` when nothing
    /// may be sent now (sleep until `wake`, a space notice or a landing), or `Ok(None)` when this fetcher
    /// should exit. `in_flight` requests are already out on the connection.
    ///
    /// The broker answers one connection's requests in order, so a request it may hold for
    /// `fetch_wait_max_ms` (none of its partitions had data past our offset at the last look) would stall
    /// every request behind it. Such a request goes out only alone, and only when no partition of this
    /// broker has data waiting on the broker (else a full partition that drains would wait behind it), or
    /// when `fetch()` waits for a round. A request with a partition that has data is answered at once, so
    /// it may follow others; partitions with nothing new ride along in it.
    fn plan(
        &self,
        broker: i32,
        gen: u64,
        in_flight: usize,
    ) -> Result<Option<Planned>, Option<Instant>> {
        let mut st = self.lock();
        if !st.alive(gen) {
            st.fetchers.remove(&broker);
            return Ok(None);
        }
        let queued_max = self.queued_max();
        let now = Instant::now();
        let mut mine = 0;
        let mut wake: Option<Instant> = None;
        let mut parts = Plan::new();
        let mut prompt = false;
        let mut data_waits = false;
        for p in st.partitions.values() {
            if p.leader != Some(broker) {
                continue;
            }
            mine += 1;
            if p.plannable(queued_max, now) {
                parts.insert(p.id, (p.next_offset, p.epoch, p.fetch_size));
                prompt |= p.behind();
            } else {
                data_waits |= p.behind();
                if let Some(t) = p.backoff_until.filter(|t| *t > now) {
                    wake = Some(wake.map_or(t, |w| w.min(t)));
                }
            }
        }
        if mine == 0 {
            st.fetchers.remove(&broker);
            return Ok(None);
        }
        // Under read_committed the broker stops at the last stable offset, not the high watermark, and a
        // larger min_bytes lets it hold a request with data: one request at a time then.
        let pipelined = self.opts.fetch_min_bytes <= 1 && !self.opts.read_committed;
        let answered_at_once = prompt && pipelined;
        let may_hold = in_flight == 0 && (!pipelined || !data_waits || st.round_waiters > 0);
        if parts.is_empty() || !(answered_at_once || may_hold) {
            return Err(wake);
        }
        for (pid, (_, epoch, _)) in &parts {
            if let Some(p) = st.partitions.get_mut(pid) {
                p.in_flight = Some(*epoch);
            }
        }
        let ticket = st.next_round;
        st.next_round += 1;
        Ok(Some(Planned {
            ticket,
            parts,
            may_wait: !answered_at_once,
        }))
    }

    /// Clears the in-flight marks of `plan`'s partitions (whatever became of the request).
    /// A partition that moved to another broker meanwhile is now free for that broker's fetcher: wake it.
    fn land(&self, st: &mut State, plan: &Plan, broker: i32) {
        let mut moved = false;
        for (pid, (_, epoch, _)) in plan {
            if let Some(p) = st.partitions.get_mut(pid) {
                p.land(*epoch);
                moved |= p.leader.is_some_and(|b| b != broker);
            }
        }
        if moved {
            self.space_notify.notify_waiters();
        }
    }

    /// One broker's fetcher: up to [`MAX_IN_FLIGHT`] requests out at once, for different partitions, so a
    /// partition that drains below `queued_max_messages` is refetched at once instead of waiting for the
    /// response of another partition's request (decoding of one response overlaps the next on the wire).
    async fn fetch_loop(self: Arc<Self>, broker: i32, gen: u64) {
        let mut in_flight = FuturesUnordered::new();
        // A request the broker may hold for `fetch_wait_max_ms` is out: send nothing behind it.
        let mut holding = false;
        loop {
            let space = self.space_notify.notified();
            tokio::pin!(space);
            space.as_mut().enable();
            let mut wake = None;
            let may_send = !holding && in_flight.len() < MAX_IN_FLIGHT;
            if may_send {
                match self.plan(broker, gen, in_flight.len()) {
                    Ok(Some(planned)) => {
                        holding = planned.may_wait;
                        let me = &self;
                        in_flight.push(async move {
                            let asked: Vec<i32> = planned.parts.keys().copied().collect();
                            me.fetch_once(broker, gen, planned.parts).await;
                            me.round_finished(&asked, planned.ticket);
                            planned.may_wait
                        });
                        continue;
                    }
                    Ok(None) => {
                        // Let requests in flight land so their partitions are not left marked.
                        while in_flight.next().await.is_some() {}
                        return;
                    }
                    Err(w) => wake = w,
                }
            }
            let wait = wake
                .map(|w| w.saturating_duration_since(Instant::now()))
                .unwrap_or(Duration::from_secs(1));
            if in_flight.is_empty() {
                let _ = tokio::time::timeout(wait, space).await;
                continue;
            }
            tokio::select! {
                landed = in_flight.next() => {
                    if landed == Some(true) {
                        holding = false;
                    }
                }
                _ = tokio::time::timeout(wait, space), if may_send => {}
            }
        }
    }

    async fn fetch_once(self: &Arc<Self>, broker: i32, gen: u64, plan: Plan) {
        let mut partitions: Vec<PartitionFetch> = plan
            .iter()
            .map(|(pid, (offset, _, size))| PartitionFetch {
                partition: *pid,
                offset: *offset,
                max_bytes: *size,
            })
            .collect();
        // Partitions that grew their fetch size first: the broker always sends the first batch of the first
        // non-empty partition whatever its size (KIP-74).
        let base = i32::try_from(self.opts.fetch_message_max_bytes).unwrap_or(i32::MAX);
        partitions.sort_by_key(|p| (p.max_bytes <= base, p.partition));
        let max_bytes = partitions
            .iter()
            .fold(0i32, |acc, p| acc.saturating_add(p.max_bytes));
        let params = FetchParams {
            topic: self.topic.clone(),
            max_wait_ms: wire_ms(self.opts.fetch_wait_max),
            min_bytes: i32::try_from(self.opts.fetch_min_bytes).unwrap_or(1),
            max_bytes,
            isolation_level: self.isolation_level(),
            partitions,
        };
        let response = match self.backend.fetch(broker, params).await {
            Ok(r) => {
                self.health.success();
                r
            }
            Err(e) if unservable(&e) => {
                self.health.failure(&e);
                // No Fetch version this broker (or the pin) allows: retrying cannot help, so say why.
                let backoff = Instant::now() + self.error_backoff();
                let mut st = self.lock();
                self.land(&mut st, &plan, broker);
                for pid in plan.keys() {
                    if let Some(p) = st.partitions.get_mut(pid) {
                        p.backoff_until = Some(backoff);
                    }
                }
                self.report(&mut st, e);
                return;
            }
            Err(e) => {
                // PyKafka's `_update()` on a socket error: refresh leaders, then try again.
                tracing::debug!(topic = %self.topic, broker, error = %e.report(), "fetch failed");
                self.health.failure(&e);
                self.land(&mut self.lock(), &plan, broker);
                self.lose_leaders(plan.keys().copied());
                return;
            }
        };
        let decoded: Vec<_> = response
            .into_iter()
            .filter_map(|fp| {
                let (offset, epoch, size) = *plan.get(&fp.partition)?;
                let body = match fp.error {
                    None => Ok(decode_partition(&fp, &self.opts, size)),
                    Some(code) => Err(code),
                };
                Some((fp.partition, offset, epoch, body))
            })
            .collect();
        let mut refresh = Vec::new();
        let mut resets = Vec::new();
        let mut queued = 0;
        {
            let mut st = self.lock();
            self.land(&mut st, &plan, broker);
            if !st.alive(gen) {
                return;
            }
            let backoff = Instant::now() + self.error_backoff();
            for (pid, offset, epoch, body) in decoded {
                let Some(p) = st.partitions.get_mut(&pid) else {
                    continue;
                };
                if p.epoch != epoch || p.next_offset != offset {
                    continue; // reset while in flight
                }
                let failure = match body {
                    Ok(fetched) => match p.apply(&self.topic, fetched, self.fetch_cap) {
                        Applied::Ok { queued: n } => {
                            queued += n;
                            None
                        }
                        Applied::Grew { to } => {
                            tracing::info!(topic = %self.topic, partition = pid, to, "fetch size grown for a large message");
                            None
                        }
                        Applied::Failed(e) => {
                            p.backoff_until = Some(backoff);
                            Some(e)
                        }
                    },
                    Err(code) => match fetch_action(code) {
                        FetchAction::ResetOffset => {
                            p.resetting = true;
                            resets.push(pid);
                            None
                        }
                        FetchAction::RefreshLeader => {
                            refresh.push(pid);
                            None
                        }
                        FetchAction::Retry => {
                            p.backoff_until = Some(backoff);
                            None
                        }
                        FetchAction::Surface => {
                            p.backoff_until = Some(backoff);
                            Some(Error::kafka(
                                code,
                                ErrorContext::partition(&self.topic, pid)
                                    .with_broker(self.backend.broker_ref(broker)),
                            ))
                        }
                    },
                };
                if st.partitions.get(&pid).is_some_and(|p| !p.queue.is_empty()) {
                    st.ready.insert(pid);
                }
                if let Some(e) = failure {
                    self.report(&mut st, e);
                }
            }
        }
        if queued > 0 {
            self.wake_consumers();
        }
        if !refresh.is_empty() {
            self.lose_leaders(refresh);
        }
        if !resets.is_empty() {
            self.spawn_auto_reset(resets);
        }
    }

    /// OFFSET_OUT_OF_RANGE: reset to `auto_offset_reset` (and commit if grouped), as PyKafka does.
    fn spawn_auto_reset(self: &Arc<Self>, partitions: Vec<i32>) {
        let me = Arc::clone(self);
        self.handle.spawn(async move {
            let target = me.auto_reset_target();
            let targets = partitions.iter().map(|p| (*p, target)).collect();
            if let Err(e) = me.reset_offsets(Some(targets)).await {
                let backoff = Instant::now() + me.error_backoff();
                let mut st = me.lock();
                for pid in &partitions {
                    if let Some(p) = st.partitions.get_mut(pid) {
                        p.resetting = false;
                        p.backoff_until = Some(backoff);
                    }
                }
                me.report(&mut st, e);
            }
        });
    }

    /// Commits every `auto_commit_interval_ms` while running (PyKafka's autocommit thread).
    pub fn spawn_auto_commit(self: &Arc<Self>, gen: u64) {
        if !self.opts.auto_commit_enable || self.member.is_none() {
            return;
        }
        let me = Arc::clone(self);
        let every = self.opts.auto_commit_interval;
        self.handle.spawn(async move {
            loop {
                tokio::time::sleep(every).await;
                if !me.lock().alive(gen) {
                    return;
                }
                if let Err(e) = me.commit_offsets(None).await {
                    tracing::warn!(
                        topic = %me.topic,
                        group = ?me.opts.options.consumer_group,
                        last_consumed = ?me.held_offsets(),
                        error = %e.report(),
                        "auto-commit failed: these positions are not committed"
                    );
                }
            }
        });
    }
}

/// A fetch failure no retry can fix: no common Fetch version, or an option the version cannot honour.
fn unservable(e: &Error) -> bool {
    e.kind() == ErrorKind::Config
        || e.code() == Some(ferrokafka_core::KafkaCode::UnsupportedVersion)
}
