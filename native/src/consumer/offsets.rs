//! PyKafka's offset rules (§2.1): committed values are the *next* offset to consume, `LastConsumed(n)`
//! resumes at n + 1, and every reset re-assigns and (when grouped) commits. Retries follow PyKafka: up to
//! `offsets_commit_max_retries` attempts, sleeping i × `offsets_channel_backoff_ms` before attempt i.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use ferrokafka_core::api::{CommittedOffset, ResetTarget};
use ferrokafka_core::bridge::Interest;
use ferrokafka_core::offset_policy::{
    auto_reset_target, listed, positions_after_fetch, resolve, AfterFetch, Backoff, Listed,
    Resolved,
};
use ferrokafka_core::{Error, ErrorContext, OffsetType, Result};
use rdkafka::consumer::{CommitMode, Consumer as _};
use rdkafka::topic_partition_list::{Offset, TopicPartitionList};

use super::bounded;
use super::convert::metadata_lossy;
use super::Inner;
use crate::error::translate;

/// Room for librdkafka to report its own fetch timeout before ours fires.
const FETCH_GRACE: Duration = Duration::from_millis(250);

impl Inner {
    /// Run `attempt` up to `offsets_commit_max_retries` times (at least once) with PyKafka's backoff.
    fn with_retries<T>(&self, mut attempt: impl FnMut() -> Result<T>) -> Result<T> {
        let backoff = Backoff::offsets(&self.opts);
        let mut last_err = None;
        let mut i = 0;
        while let Some(wait) = backoff.before(i) {
            i += 1;
            std::thread::sleep(wait);
            match attempt() {
                Ok(v) => return Ok(v),
                Err(e) => {
                    tracing::debug!(
                        topic = self.topic,
                        attempt = i,
                        "offset request failed: {e}"
                    );
                    last_err = Some(e);
                }
            }
        }
        Err(last_err.unwrap_or_else(|| {
            Error::offset_request_failed(
                ErrorContext::topic(self.topic.as_str()),
                "not attempted (no attempts allowed)",
            )
        }))
    }

    fn group(&self) -> Result<&str> {
        self.opts.offsets_group()
    }

    fn check_partition(&self, p: i32) -> Result<()> {
        if self.partitions.contains(&p) {
            Ok(())
        } else {
            Err(Error::invalid_input(
                "partition",
                format!(
                    "{p} is not consumed by this consumer of topic {:?} (partitions {:?})",
                    self.topic, self.partitions
                ),
            ))
        }
    }

    /// Commit `(partition, offset)` verbatim, or every partition at last consumed + 1.
    pub(super) fn commit(&self, partition_offsets: Option<&[(i32, i64)]>) -> Result<()> {
        self.group()?;
        let pairs: Vec<(i32, i64)> = match partition_offsets {
            Some(list) => {
                for (p, _) in list {
                    self.check_partition(*p)?;
                }
                list.to_vec()
            }
            None => self.state().last.iter().map(|(p, l)| (*p, l + 1)).collect(),
        };
        if pairs.is_empty() {
            return Ok(());
        }
        let mut tpl = TopicPartitionList::with_capacity(pairs.len());
        for (p, o) in &pairs {
            tpl.add_partition_offset(&self.topic, *p, Offset::Offset(*o))
                .map_err(|e| translate(&e, &self.site(Some(*p))))?;
        }
        for mut elem in tpl.elements() {
            elem.set_metadata(&self.commit_metadata);
        }
        // Each attempt waits at most `offsets_channel_socket_timeout_ms`: librdkafka's own wait has no end.
        self.with_retries(|| {
            let consumer = Arc::clone(&self.consumer);
            let tpl = tpl.clone();
            let site = self.site(None);
            bounded::within("offset commit", self.offsets_timeout, move || {
                consumer
                    .commit(&tpl, CommitMode::Sync)
                    .map_err(|e| translate(&e, &site))
            })
        })
    }

    /// The group's committed offsets; with `reset_offset_on_fetch`, positions move to them (none → reset),
    /// unless the caller dropped its future before the answer came (`interest`).
    pub(super) fn fetch(&self, interest: &Interest) -> Result<BTreeMap<i32, CommittedOffset>> {
        self.group()?;
        let committed = self.with_retries(|| {
            let consumer = Arc::clone(&self.consumer);
            let tpl = self.all_partitions();
            let (site, limit) = (self.site(None), self.offsets_timeout);
            // librdkafka's timeout, with ours around it in case a coordinator wait outlasts it.
            let got = bounded::within("offset fetch", limit + FETCH_GRACE, move || {
                consumer
                    .committed_offsets(tpl, limit)
                    .map_err(|e| translate(&e, &site))
            })?;
            let mut out = BTreeMap::new();
            for (i, elem) in got.elements().iter().enumerate() {
                let p = elem.partition();
                if let Err(e) = elem.error() {
                    let err = translate(&e, &self.site(Some(p)));
                    // The partition's own lasting error is part of the answer; others fail (or retry) the call.
                    match err.code().filter(|c| CommittedOffset::keeps_error(*c)) {
                        Some(code) => out.insert(p, CommittedOffset::failed(code)),
                        None => return Err(err),
                    };
                    continue;
                }
                let offset = match elem.offset() {
                    Offset::Offset(o) => o,
                    _ => -1,
                };
                out.insert(p, CommittedOffset::new(offset, metadata_lossy(&got, i)));
            }
            Ok(out)
        })?;
        if self.opts.reset_offset_on_fetch && interest.is_dropped() {
            tracing::debug!(topic = %self.topic, "fetch_offsets dropped before its answer: positions left as they are");
        } else if self.opts.reset_offset_on_fetch {
            // Resolved first, applied at once; a partition without a commit is a reset, which commits.
            let mut moves = Vec::with_capacity(committed.len());
            let mut reset_any = false;
            for (p, position) in positions_after_fetch(&committed, self.opts.auto_offset_reset) {
                match position {
                    AfterFetch::LastConsumed(last) => moves.push((p, last)),
                    AfterFetch::Reset(target) => {
                        reset_any = true;
                        moves.push((p, self.resolve(p, target)?));
                    }
                }
            }
            self.apply(&moves)?;
            if reset_any {
                self.commit(None)?;
            }
        }
        Ok(committed)
    }

    /// Set last consumed offsets and move the partitions there.
    fn apply(&self, moves: &[(i32, i64)]) -> Result<()> {
        let mut state = self.state();
        for (p, l) in moves {
            state.last.insert(*p, *l);
        }
        self.position_locked(&mut state)
    }

    /// Move partitions (all to `auto_offset_reset` with `None`), re-assign, and commit when grouped.
    pub(super) fn reset(&self, targets: Option<&[(i32, ResetTarget)]>) -> Result<()> {
        let targets: Vec<(i32, ResetTarget)> = match targets {
            Some(t) => t.to_vec(),
            None => {
                let all = auto_reset_target(self.opts.auto_offset_reset);
                self.partitions.iter().map(|p| (*p, all)).collect()
            }
        };
        let mut resolved = Vec::with_capacity(targets.len());
        for (p, target) in targets {
            self.check_partition(p)?;
            resolved.push((p, self.resolve(p, target)?));
        }
        self.apply(&resolved)?;
        if self.opts.consumer_group.is_some() {
            self.commit(None)?;
        }
        Ok(())
    }

    /// The *last consumed* offset a target means (consumption resumes one after it).
    fn resolve(&self, p: i32, target: ResetTarget) -> Result<i64> {
        let failed = |e: Error| {
            Error::offset_request_failed(ErrorContext::partition(&self.topic, p), e.to_string())
        };
        let query = match resolve(target) {
            Resolved::LastConsumed(n) => return Ok(n),
            Resolved::Query(q) => q,
        };
        if let Some(end) = OffsetType::from_i64(query) {
            let (low, high) = self.watermarks(p).map_err(failed)?;
            return Ok(if end == OffsetType::Earliest {
                low
            } else {
                high
            } - 1);
        }
        let found = self
            .with_retries(|| {
                let mut tpl = TopicPartitionList::with_capacity(1);
                tpl.add_partition_offset(&self.topic, p, Offset::Offset(query))
                    .map_err(|e| translate(&e, &self.site(Some(p))))?;
                let got = self
                    .consumer
                    .offsets_for_times(tpl, self.offsets_timeout)
                    .map_err(|e| translate(&e, &self.site(Some(p))))?;
                match got.find_partition(&self.topic, p) {
                    Some(e) => {
                        e.error()
                            .map_err(|err| translate(&err, &self.site(Some(p))))?;
                        Ok(e.offset())
                    }
                    None => Ok(Offset::End),
                }
            })
            .map_err(failed)?;
        let answer = match found {
            Offset::Offset(o) if o >= 0 => Some(o),
            _ => None,
        };
        match listed(query, answer) {
            Listed::LastConsumed(last) => Ok(last),
            Listed::AskLatest | Listed::NoLatest => self.resolve(p, ResetTarget::Latest),
        }
    }

    fn watermarks(&self, p: i32) -> Result<(i64, i64)> {
        self.with_retries(|| {
            self.consumer
                .fetch_watermarks(&self.topic, p, self.offsets_timeout)
                .map_err(|e| translate(&e, &self.site(Some(p))))
        })
    }
}
