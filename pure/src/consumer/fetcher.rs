//! Fetching: one task per leader broker (franz-go's "source" per broker), plus a supervisor that keeps
//! leaders current and starts a fetcher for every broker that leads one of our partitions.
//!
//! A fetcher asks only for partitions whose buffer is below `queued_max_messages` and that are not backing
//! off or resetting; with none, it sleeps until `consume()` makes room. Each response is decoded outside the
//! lock, then applied only if the partition's epoch and offset are still those the request was built from,
//! so a reset during a fetch can never enqueue stale messages. Every per-partition code has an action
//! (`error_actions`); a failed request (connection lost) refreshes leaders and backs off — nothing here ends a
//! fetcher except a stop or losing all its partitions to other leaders.

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

/// Requests in flight at once per broker connection.
const MAX_IN_FLIGHT: usize = 4;

/// What one request was built from, per partition: `(offset, epoch, fetch_size)`.
type Parts = BTreeMap<i32, (i64, u64, i32)>;

/// The next request for one broker.
#[derive(Debug, Default)]
struct Plan {
    parts: Parts,
    /// A partition is behind its high watermark, so the broker answers without waiting.
    prompt: bool,
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
                    tracing::warn!(topic = %self.topic, error = %e, "leader refresh failed");
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

    /// Builds up to `slots` requests for `broker` and marks their partitions in flight: `Err(wake)` when
    /// nothing is fetchable (sleep until `wake`), or `Ok(None)` when this fetcher should exit.
    ///
    /// Partitions behind their high watermark are spread over several requests (answered at once, in order,
    /// so the first partitions' messages are consumable while the rest are still on the wire); partitions
    /// that may have nothing new all go in one last request, the only one the broker may hold.
    fn plan(
        &self,
        broker: i32,
        gen: u64,
        slots: usize,
    ) -> Result<Option<Vec<Plan>>, Option<Instant>> {
        let mut st = self.lock();
        if !st.alive(gen) {
            st.fetchers.remove(&broker);
            return Ok(None);
        }
        let queued_max = self.queued_max();
        // A larger `fetch_min_bytes` lets the broker hold even a request with data: no pipelining then.
        let pipelined = self.opts.fetch_min_bytes <= 1;
        let now = Instant::now();
        let mut mine = 0;
        let mut wake: Option<Instant> = None;
        let mut behind = Vec::new();
        let mut rest = Parts::new();
        for p in st.partitions.values_mut() {
            if p.leader != Some(broker) {
                continue;
            }
            mine += 1;
            if p.fetchable(queued_max, now) {
                let part = (p.next_offset, p.epoch, p.fetch_size);
                if pipelined && p.behind() {
                    behind.push((p.id, part));
                } else {
                    rest.insert(p.id, part);
                }
                p.in_flight = Some(p.epoch);
            } else if let Some(t) = p.backoff_until.filter(|t| *t > now) {
                wake = Some(wake.map_or(t, |w| w.min(t)));
            }
        }
        if mine == 0 {
            st.fetchers.remove(&broker);
            return Ok(None);
        }
        if behind.is_empty() && rest.is_empty() {
            return Err(wake);
        }
        let chunks = slots
            .saturating_sub(usize::from(!rest.is_empty()))
            .clamp(1, behind.len().max(1));
        let mut plans: Vec<Plan> = (0..chunks)
            .map(|_| Plan {
                parts: Parts::new(),
                prompt: true,
            })
            .collect();
        let per = behind.len().div_ceil(chunks).max(1);
        for (i, (pid, part)) in behind.into_iter().enumerate() {
            plans[i / per].parts.insert(pid, part);
        }
        plans.retain(|p| !p.parts.is_empty());
        let full = plans.len() >= slots;
        match plans.last_mut() {
            _ if rest.is_empty() => {}
            // No slot of its own: it rides with partitions that have data, so it is answered at once too.
            Some(last) if full => last.parts.append(&mut rest),
            _ => plans.push(Plan {
                parts: rest,
                prompt: false,
            }),
        }
        Ok(Some(plans))
    }

    /// Clears the in-flight marks of `plan`'s partitions (whatever became of the request).
    fn land(&self, st: &mut State, plan: &Parts) {
        for (pid, (_, epoch, _)) in plan {
            if let Some(p) = st.partitions.get_mut(pid) {
                p.land(*epoch);
            }
        }
    }

    /// One broker's fetcher. Several requests may be in flight on its connection (the broker answers them in
    /// order), each for different partitions, so a partition that drains is refetched at once instead of
    /// waiting for another partition's response. Only a request the broker answers at once (one of its
    /// partitions was behind the high watermark) is ever followed by another: one that may long-poll for
    /// `fetch_wait_max_ms` would hold every request queued behind it.
    async fn fetch_loop(self: Arc<Self>, broker: i32, gen: u64) {
        let mut in_flight = FuturesUnordered::new();
        // Requests in flight that the broker may hold for `fetch_wait_max_ms` (at most one, always the last).
        let mut may_wait = 0usize;
        loop {
            let space = self.space_notify.notified();
            tokio::pin!(space);
            space.as_mut().enable();
            let mut wake = None;
            if in_flight.len() < MAX_IN_FLIGHT && may_wait == 0 {
                match self.plan(broker, gen, MAX_IN_FLIGHT - in_flight.len()) {
                    Ok(Some(plans)) => {
                        for plan in plans {
                            let prompt = plan.prompt;
                            may_wait += usize::from(!prompt);
                            let me = &self;
                            in_flight.push(async move {
                                me.fetch_once(broker, gen, plan.parts).await;
                                prompt
                            });
                        }
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
                    if landed == Some(false) {
                        may_wait -= 1;
                    }
                }
                _ = tokio::time::timeout(wait, space), if in_flight.len() < MAX_IN_FLIGHT && may_wait == 0 => {}
            }
        }
    }

    async fn fetch_once(self: &Arc<Self>, broker: i32, gen: u64, plan: Parts) {
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
            Ok(r) => r,
            Err(e) if unservable(&e) => {
                // No Fetch version this broker (or the pin) allows: retrying cannot help, so say why.
                let backoff = Instant::now() + self.error_backoff();
                let mut st = self.lock();
                self.land(&mut st, &plan);
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
                tracing::debug!(topic = %self.topic, broker, error = %e, "fetch failed");
                self.land(&mut self.lock(), &plan);
                self.lose_leaders(plan.keys().copied());
                return;
            }
        };
        let decoded: Vec<_> = response
            .into_iter()
            .filter_map(|fp| {
                let (offset, epoch, size) = *plan.get(&fp.partition)?;
                let body = match fp.error {
                    None => Ok(decode_partition(&fp, self.opts.read_committed, size)),
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
            self.land(&mut st, &plan);
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
                    tracing::warn!(topic = %me.topic, error = %e, "auto-commit failed");
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
