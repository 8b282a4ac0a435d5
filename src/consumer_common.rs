//! What every public consumer kind has the same way: the offset and lifecycle operations with their `_async`
//! twins (the engine's, through `ConsumerEngine`) and the `ConsumerApi` impl (the kind's own inherent methods).

/// The offset and lifecycle operations of a consumer kind, each with its `_async` twin, delegating to the
/// `ConsumerEngine` at `self.$path` (the engines write each operation once: the pure engine's blocking form
/// drives its async one; librdkafka's async form runs the blocking one on a thread).
macro_rules! consumer_twins {
    ($($path:ident).+) => {
        $crate::twins::twins! {
            /// The next message within `timeout`, whatever `consumer_timeout_ms` says: `Timeout::Now` takes
            /// only a message already fetched, `Timeout::Never` waits until one comes. `Ok(None)` = none in
            /// time.
            pub fn consume_within / consume_within_async(
                &self,
                timeout: impl Into<ferrokafka_core::Timeout>,
            ) -> Result<Option<Message>>;
            context: Some(self.topic().handle());
            cancel: "as `consume_async`: a dropped future takes no message.";
            {
                let deadline = match timeout.into() {
                    ferrokafka_core::Timeout::Now => return self.consume(false),
                    ferrokafka_core::Timeout::After(d) => Some(tokio::time::Instant::now() + d),
                    ferrokafka_core::Timeout::Never => None,
                };
                loop {
                    let next = match deadline {
                        Some(at) => match tokio::time::timeout_at(at, self.consume_async()).await {
                            Ok(next) => next,
                            Err(_) => return Ok(None),
                        },
                        None => self.consume_async().await,
                    };
                    // `None` here is `consumer_timeout_ms` running out, which this call overrides.
                    if let Some(m) = next? {
                        return Ok(Some(m));
                    }
                    if deadline.is_some_and(|at| tokio::time::Instant::now() >= at) {
                        return Ok(None);
                    }
                }
            }

            /// Commit `(partition, offset)` pairs verbatim, or with `None` every held partition at last
            /// consumed + 1 (a balanced consumer commits as this generation's member). Bounded (README,
            /// Reliability); on the librdkafka engine each attempt is waited for at most
            /// `offsets_channel_socket_timeout_ms`, and a commit that timed out may still land later.
            pub fn commit_offsets / commit_offsets_async(
                &self,
                partition_offsets: Option<&[(i32, i64)]>,
            ) -> Result<()>;
            blocking: {
                ferrokafka_core::options::check_commit_offsets(partition_offsets)?;
                ferrokafka_core::ConsumerApi::commit_offsets(&self.$($path).+, partition_offsets)
            };
            context: Some(self.topic().handle());
            cancel: "the commit may still land (it runs to its end in the background); no message is lost.";
            {
                ferrokafka_core::options::check_commit_offsets(partition_offsets)?;
                let owned = partition_offsets.map(<[_]>::to_vec);
                ferrokafka_core::ConsumerEngine::commit_offsets_async(&self.$($path).+, owned).await
            }

            /// The group's committed offsets (the next offset to consume, -1 = none); moves the positions too
            /// when `reset_offset_on_fetch`.
            pub fn fetch_offsets / fetch_offsets_async(&self) -> Result<BTreeMap<i32, CommittedOffset>>;
            blocking: ferrokafka_core::ConsumerApi::fetch_offsets(&self.$($path).+);
            context: Some(self.topic().handle());
            cancel: "the fetch may run to its end in the background, but a dropped future moves no position \
                (`reset_offset_on_fetch` applies only while the call is awaited).";
            { ferrokafka_core::ConsumerEngine::fetch_offsets_async(&self.$($path).+).await }

            /// Move partitions (all to `auto_offset_reset` with `None`), flush their buffers, and commit if
            /// grouped. `ResetTarget::LastConsumed(n)` resumes at n + 1, as PyKafka's integer form.
            pub fn reset_offsets / reset_offsets_async(
                &self,
                targets: Option<&[(i32, ResetTarget)]>,
            ) -> Result<()>;
            blocking: ferrokafka_core::ConsumerApi::reset_offsets(&self.$($path).+, targets);
            context: Some(self.topic().handle());
            cancel: "the reset runs to its end in the background (positions move, buffers are flushed).";
            {
                let owned = targets.map(<[_]>::to_vec);
                ferrokafka_core::ConsumerEngine::reset_offsets_async(&self.$($path).+, owned).await
            }

            /// Start consuming (a balanced consumer joins its group first). No-op when running; a failure
            /// is returned (PyKafka logs and swallows it).
            pub fn start / start_async(&self) -> Result<()>;
            blocking: ferrokafka_core::ConsumerApi::start(&self.$($path).+);
            context: Some(self.topic().handle());
            cancel: "the start runs to its end in the background; call `stop` to undo it.";
            { ferrokafka_core::ConsumerEngine::start_async(&self.$($path).+).await }

            /// Stop fetching; commits first when auto-commit is on (a balanced consumer always commits, then
            /// leaves its group). Bounded by the offset-retry options.
            pub fn stop / stop_async(&self) -> Result<()>;
            blocking: ferrokafka_core::ConsumerApi::stop(&self.$($path).+);
            context: Some(self.topic().handle());
            cancel: "the stop runs to its end in the background; no consumed offset is lost.";
            { ferrokafka_core::ConsumerEngine::stop_async(&self.$($path).+).await }
        }
    };
}

/// `ConsumerApi` for a public consumer kind, by its inherent methods of the same names.
macro_rules! consumer_api_by_inherent {
    ($ty:ty) => {
        impl ferrokafka_core::ConsumerApi for $ty {
            fn consume(&self, block: bool) -> Result<Option<Message>> {
                <$ty>::consume(self, block)
            }
            async fn consume_async(&self) -> Result<Option<Message>> {
                <$ty>::consume_async(self).await
            }
            fn commit_offsets(&self, partition_offsets: Option<&[(i32, i64)]>) -> Result<()> {
                <$ty>::commit_offsets(self, partition_offsets)
            }
            fn fetch_offsets(&self) -> Result<BTreeMap<i32, CommittedOffset>> {
                <$ty>::fetch_offsets(self)
            }
            fn reset_offsets(&self, targets: Option<&[(i32, ResetTarget)]>) -> Result<()> {
                <$ty>::reset_offsets(self, targets)
            }
            fn held_offsets(&self) -> BTreeMap<i32, i64> {
                <$ty>::held_offsets(self)
            }
            fn partitions(&self) -> Vec<i32> {
                <$ty>::partitions(self)
            }
            fn start(&self) -> Result<()> {
                <$ty>::start(self)
            }
            fn stop(&self) -> Result<()> {
                <$ty>::stop(self)
            }
        }
    };
}

pub(crate) use {consumer_api_by_inherent, consumer_twins};
