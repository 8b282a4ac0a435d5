//! What every public consumer kind has the same way: the `_async` offset and lifecycle forms (the engine's,
//! through `ConsumerEngine`) and the `ConsumerApi` impl (the kind's own inherent methods).

/// Inherent `_async` forms delegating to the `ConsumerEngine` at `self.$path`.
macro_rules! consumer_async_forms {
    ($($path:ident).+) => {
        /// [`commit_offsets`](Self::commit_offsets) without blocking a tokio worker.
        pub async fn commit_offsets_async(
            &self,
            partition_offsets: Option<Vec<(i32, i64)>>,
        ) -> Result<()> {
            ferrokafka_core::options::check_commit_offsets(partition_offsets.as_deref())?;
            ferrokafka_core::ConsumerEngine::commit_offsets_async(&self.$($path).+, partition_offsets)
                .await
        }

        /// [`fetch_offsets`](Self::fetch_offsets) without blocking a tokio worker.
        pub async fn fetch_offsets_async(&self) -> Result<BTreeMap<i32, CommittedOffset>> {
            ferrokafka_core::ConsumerEngine::fetch_offsets_async(&self.$($path).+).await
        }

        /// [`reset_offsets`](Self::reset_offsets) without blocking a tokio worker.
        pub async fn reset_offsets_async(
            &self,
            targets: Option<Vec<(i32, ResetTarget)>>,
        ) -> Result<()> {
            ferrokafka_core::ConsumerEngine::reset_offsets_async(&self.$($path).+, targets).await
        }

        /// [`start`](Self::start) without blocking a tokio worker.
        pub async fn start_async(&self) -> Result<()> {
            ferrokafka_core::ConsumerEngine::start_async(&self.$($path).+).await
        }

        /// [`stop`](Self::stop) without blocking a tokio worker.
        pub async fn stop_async(&self) -> Result<()> {
            ferrokafka_core::ConsumerEngine::stop_async(&self.$($path).+).await
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

pub(crate) use {consumer_api_by_inherent, consumer_async_forms};
