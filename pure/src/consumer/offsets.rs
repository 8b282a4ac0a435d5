//! Starting offsets, committed offsets and resets: PyKafka §2.1 rule by rule.
//!
//! - `start`: `reset_offset_on_start` → reset every partition to `auto_offset_reset` (and commit if grouped);
//!   else with a group → `fetch_offsets`; else nothing, so fetching starts at offset 0 (PyKafka's documented
//!   behaviour; `auto_offset_reset` then only applies through OFFSET_OUT_OF_RANGE).
//! - `fetch_offsets`: committed C → `set_offset(C - 1)` (next fetch at C); C == -1 → reset that partition to
//!   `auto_offset_reset` (which commits); `reset_offset_on_fetch = false` leaves positions alone.
//! - `reset_offsets`: an integer N → `set_offset(N)` (resume at N + 1), -1/-2 mean LATEST/EARLIEST; LATEST,
//!   EARLIEST and timestamps go through ListOffsets; buffers are flushed; then everything is committed if
//!   there is a group.
//! - Retries: `offsets_commit_max_retries` attempts, sleeping `i × offsets_channel_backoff_ms` before attempt
//!   i (the first is immediate); only failed partitions are retried.

use std::collections::BTreeMap;
use std::sync::Arc;

use ferrokafka_core::bridge::Interest;
use ferrokafka_core::offset_policy::{
    auto_reset_target, listed, positions_after_fetch, resolve, AfterFetch, Backoff, Listed,
    Resolved,
};
use ferrokafka_core::{
    CommittedOffset, Error, ErrorContext, KafkaCode, OffsetType, ResetTarget, Result,
};

use super::backend::GroupMember;
use super::backend::{CommitEntry, ConsumerBackend};
use super::error_actions::{offset_action, OffsetAction};
use super::shared::{commit_metadata, Shared};

impl<B: ConsumerBackend> Shared<B> {
    fn attempts(&self) -> u32 {
        Backoff::offsets(&self.opts).attempts()
    }

    /// PyKafka's backoff before attempt `i` (0-based): nothing, then `i × offsets_channel_backoff_ms`.
    async fn backoff(&self, attempt: u32) {
        let wait = Backoff::offsets(&self.opts).before(attempt);
        if let Some(wait) = wait.filter(|w| !w.is_zero()) {
            tokio::time::sleep(wait).await;
        }
    }

    /// Offsets of a group consumer are asked before it joined (an internal ordering error).
    fn no_member_identity(&self) -> Error {
        Error::invalid_state(
            "a group consumer without its member identity",
            ErrorContext::topic(self.topic.as_str()),
        )
    }

    fn partition_ctx(&self, partition: i32) -> ErrorContext {
        let mut c = ErrorContext::partition(&self.topic, partition);
        c.group = self.member().map(|m| m.group);
        c
    }

    /// The group identity offset requests carry now.
    pub(crate) fn member(&self) -> Option<GroupMember> {
        self.member
            .as_ref()
            .map(|m| m.lock().unwrap_or_else(|e| e.into_inner()).clone())
    }

    /// Applies the start-up rule.
    pub async fn start_offsets(self: &Arc<Self>) -> Result<()> {
        if self.opts.reset_offset_on_start {
            self.reset_offsets(None).await
        } else if self.member.is_some() {
            self.fetch_offsets(&Interest::awaited()).await.map(|_| ())
        } else {
            Ok(())
        }
    }

    /// Commits `(partition, offset)` verbatim, or every partition at last consumed + 1.
    pub async fn commit_offsets(&self, explicit: Option<Vec<(i32, i64)>>) -> Result<()> {
        self.opts.offsets_group()?;
        let Some(member) = self.member() else {
            return Err(self.no_member_identity());
        };
        let metadata = commit_metadata(&member.member_id);
        let mut pending: BTreeMap<i32, i64> = match explicit {
            Some(list) => list.into_iter().collect(),
            None => self
                .lock()
                .partitions
                .values()
                .map(|p| (p.id, p.last_offset_consumed + 1))
                .collect(),
        };
        let mut last_error = None;
        for attempt in 0..self.attempts() {
            if pending.is_empty() {
                return Ok(());
            }
            self.backoff(attempt).await;
            let entries = pending
                .iter()
                .map(|(&partition, &offset)| CommitEntry {
                    partition,
                    offset,
                    metadata: metadata.clone(),
                })
                .collect();
            let results = match self
                .backend
                .commit_offsets(&member, &self.topic, entries)
                .await
            {
                Ok(r) => r,
                Err(e) => {
                    tracing::debug!(error = %e.report(), attempt, "offset commit failed; retrying");
                    let _ = self.backend.refresh_coordinator(&member.group).await;
                    last_error = Some(e);
                    continue;
                }
            };
            let mut fail_now = None;
            for (partition, code) in results {
                let Some(code) = code else {
                    pending.remove(&partition);
                    continue;
                };
                let err = Error::kafka(code, self.partition_ctx(partition));
                match offset_action(code) {
                    OffsetAction::RefreshCoordinator => {
                        let _ = self.backend.refresh_coordinator(&member.group).await;
                    }
                    OffsetAction::Fail => fail_now = Some(err.clone()),
                    OffsetAction::Retry | OffsetAction::RefreshLeader => {}
                }
                last_error = Some(err);
            }
            if let Some(e) = fail_now {
                return Err(e);
            }
        }
        match (pending.is_empty(), last_error) {
            (true, _) => Ok(()),
            (false, Some(e)) => Err(e),
            (false, None) => Err(Error::offset_request_failed(
                ErrorContext::topic(self.topic.as_str()).with_group(member.group.as_str()),
                format!(
                    "offset commit got no answer for partitions {:?}",
                    pending.keys().collect::<Vec<_>>()
                ),
            )),
        }
    }

    /// OffsetFetch; moves positions too when `reset_offset_on_fetch`, unless the caller dropped its future
    /// before the answer came (`interest`): a move landing later would rewind positions behind messages
    /// already handed out.
    pub async fn fetch_offsets(
        self: &Arc<Self>,
        interest: &Interest,
    ) -> Result<BTreeMap<i32, CommittedOffset>> {
        self.opts.offsets_group()?;
        let Some(member) = self.member() else {
            return Err(self.no_member_identity());
        };
        let mut pending: Vec<i32> = self.lock().order.clone();
        let mut found = BTreeMap::new();
        let mut last_error = None;
        for attempt in 0..self.attempts() {
            if pending.is_empty() {
                break;
            }
            self.backoff(attempt).await;
            let results = match self
                .backend
                .fetch_committed(&member.group, &self.topic, pending.clone())
                .await
            {
                Ok(r) => r,
                Err(e) => {
                    let _ = self.backend.refresh_coordinator(&member.group).await;
                    last_error = Some(e);
                    continue;
                }
            };
            for r in results {
                match r.error {
                    None => {
                        pending.retain(|p| *p != r.partition);
                        found.insert(r.partition, CommittedOffset::new(r.offset, r.metadata));
                    }
                    // This partition's own lasting answer: kept in the map, not retried, not fatal.
                    Some(code) if CommittedOffset::keeps_error(code) => {
                        pending.retain(|p| *p != r.partition);
                        found.insert(r.partition, CommittedOffset::failed(code));
                    }
                    Some(code) => {
                        let err = Error::kafka(code, self.partition_ctx(r.partition));
                        match offset_action(code) {
                            OffsetAction::RefreshCoordinator => {
                                let _ = self.backend.refresh_coordinator(&member.group).await;
                            }
                            OffsetAction::Fail => return Err(err),
                            OffsetAction::Retry | OffsetAction::RefreshLeader => {}
                        }
                        last_error = Some(err);
                    }
                }
            }
        }
        if !pending.is_empty() {
            return Err(last_error.unwrap_or_else(|| {
                Error::kafka(
                    KafkaCode::UnknownError,
                    self.partition_ctx(pending.first().copied().unwrap_or(-1)),
                )
            }));
        }
        if self.opts.reset_offset_on_fetch && interest.is_dropped() {
            tracing::debug!(topic = %self.topic, "fetch_offsets dropped before its answer: positions left as they are");
        } else if self.opts.reset_offset_on_fetch {
            let mut to_reset = Vec::new();
            {
                let mut st = self.lock();
                for (pid, position) in positions_after_fetch(&found, self.opts.auto_offset_reset) {
                    match (position, st.partitions.get_mut(&pid)) {
                        (AfterFetch::LastConsumed(last), Some(p)) => p.set_offset(last),
                        (AfterFetch::LastConsumed(_), None) => {}
                        (AfterFetch::Reset(target), _) => to_reset.push((pid, target)),
                    }
                }
            }
            self.space_notify.notify_waiters();
            if !to_reset.is_empty() {
                self.reset_offsets(Some(to_reset)).await?;
            }
        }
        Ok(found)
    }

    pub fn auto_reset_target(&self) -> ResetTarget {
        auto_reset_target(self.opts.auto_offset_reset)
    }

    /// Moves partitions (all to `auto_offset_reset` with `None`), flushes their buffers, commits if grouped.
    pub async fn reset_offsets(
        self: &Arc<Self>,
        targets: Option<Vec<(i32, ResetTarget)>>,
    ) -> Result<()> {
        let targets = match targets {
            Some(t) => t,
            None => {
                let target = self.auto_reset_target();
                self.lock().order.iter().map(|p| (*p, target)).collect()
            }
        };
        {
            let st = self.lock();
            if let Some((bad, _)) = targets.iter().find(|(p, _)| !st.partitions.contains_key(p)) {
                return Err(Error::invalid_input(
                    "partition",
                    format!(
                        "{bad} is not consumed by this consumer of topic {:?}",
                        self.topic
                    ),
                ));
            }
        }
        let targeted: Vec<i32> = targets.iter().map(|(p, _)| *p).collect();
        let mut resolved: BTreeMap<i32, i64> = BTreeMap::new();
        let mut queries: BTreeMap<i32, i64> = BTreeMap::new();
        for (p, t) in targets {
            match resolve(t) {
                Resolved::LastConsumed(n) => {
                    resolved.insert(p, n);
                }
                Resolved::Query(ts) => {
                    queries.insert(p, ts);
                }
            }
        }
        let outcome = self
            .list_offsets_with_retries(&mut queries, &mut resolved)
            .await;
        {
            let mut st = self.lock();
            for (pid, last) in &resolved {
                if let Some(p) = st.partitions.get_mut(pid) {
                    p.set_offset(*last);
                }
            }
            for pid in &targeted {
                if let Some(p) = st.partitions.get_mut(pid) {
                    p.resetting = false;
                }
            }
        }
        self.space_notify.notify_waiters();
        outcome?;
        if self.member.is_some() {
            self.commit_offsets(None).await?;
        }
        Ok(())
    }

    /// ListOffsets for `queries`, moving answered partitions into `resolved` as "last consumed" (offset - 1).
    async fn list_offsets_with_retries(
        &self,
        queries: &mut BTreeMap<i32, i64>,
        resolved: &mut BTreeMap<i32, i64>,
    ) -> Result<()> {
        let mut last_error = None;
        for attempt in 0..self.attempts() {
            if queries.is_empty() {
                return Ok(());
            }
            self.backoff(attempt).await;
            let q: Vec<(i32, i64)> = queries.iter().map(|(p, t)| (*p, *t)).collect();
            let results = match self
                .backend
                .list_offsets(&self.topic, q, self.isolation_level())
                .await
            {
                Ok(r) => r,
                Err(e) => {
                    let _ = self.backend.partition_leaders(&self.topic, true).await;
                    last_error = Some(e);
                    continue;
                }
            };
            for r in results {
                let Some(query) = queries.get(&r.partition).copied() else {
                    continue;
                };
                match (r.error, listed(query, r.offset)) {
                    (None, Listed::LastConsumed(last)) => {
                        queries.remove(&r.partition);
                        resolved.insert(r.partition, last);
                    }
                    (None, Listed::AskLatest) => {
                        queries.insert(r.partition, OffsetType::Latest.as_i64());
                    }
                    (None, Listed::NoLatest) => {
                        last_error = Some(Error::offset_request_failed(
                            self.partition_ctx(r.partition),
                            "the broker returned no latest offset",
                        ));
                    }
                    (Some(code), _) => {
                        if matches!(offset_action(code), OffsetAction::RefreshLeader) {
                            let _ = self.backend.partition_leaders(&self.topic, true).await;
                        }
                        last_error = Some(Error::kafka(code, self.partition_ctx(r.partition)));
                    }
                }
            }
        }
        if queries.is_empty() {
            return Ok(());
        }
        let first = queries.keys().next().copied().unwrap_or(-1);
        Err(Error::offset_request_failed(
            self.partition_ctx(first),
            format!(
                "no offset for partitions {:?} after {} attempt(s){}",
                queries.keys().collect::<Vec<_>>(),
                self.attempts(),
                last_error.map(|e| format!(": {e}")).unwrap_or_default()
            ),
        ))
    }
}
