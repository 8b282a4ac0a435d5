//! The engines behind the facade's objects: one enum per object kind, one dispatch macro, and the engine
//! traits of `ferrokafka_core::engine` implemented once on each enum. Nothing engine-specific lives above.

use std::collections::BTreeMap;
use std::future::Future;
use std::time::Duration;

use ferrokafka_core::{
    CommittedOffset, ConsumerApi, ConsumerEngine, DeliveryFuture, DeliveryReport, Error, Health,
    Message, OutgoingMessage, ProducerApi, ProducerEngine, ResetTarget, Result,
};
use ferrokafka_pure::{PureConsumer, PureProducer};

/// The producer engines.
pub(crate) enum AnyProducer {
    Pure(PureProducer),
    #[cfg(feature = "native")]
    Native(ferrokafka_native::NativeProducer),
}

/// The simple consumer engines.
pub(crate) enum AnyConsumer {
    Pure(PureConsumer),
    #[cfg(feature = "native")]
    Native(ferrokafka_native::NativeSimpleConsumer),
}

/// Evaluates `$body` with `$e` bound to whichever engine `$value` (an `AnyProducer` or `AnyConsumer`)
/// holds.
macro_rules! dispatch {
    ($kind:ident, $value:expr, $e:ident => $body:expr) => {
        match $value {
            $kind::Pure($e) => $body,
            #[cfg(feature = "native")]
            $kind::Native($e) => $body,
        }
    };
}

/// What `use_rdkafka(true)` gives when the librdkafka engine is not compiled in.
#[cfg_attr(feature = "native", allow(dead_code))]
pub(crate) fn native_unavailable() -> Error {
    Error::engine_unavailable(
        "use_rdkafka(true) needs the librdkafka engine: build ferrokafka with the `native` feature \
         (on by default; remove `default-features = false` or add `features = [\"native\"]`)",
    )
}

/// What a pure-engine builder with raw librdkafka properties gives: they would be ignored, so refuse.
pub(crate) fn refuse_rdkafka_properties(properties: &[(String, String)]) -> Result<()> {
    match properties.first() {
        None => Ok(()),
        Some((name, _)) => Err(Error::config(
            format!("rdkafka_property {name}"),
            "raw librdkafka properties need the librdkafka engine: add .use_rdkafka(true)",
        )),
    }
}

impl AnyConsumer {
    /// PyKafka's settable `consumer_id` / `generation_id` (`None` keeps one); pure engine only.
    pub(crate) fn set_member_identity(
        &self,
        consumer_id: Option<String>,
        generation_id: Option<i32>,
    ) -> Result<()> {
        match self {
            AnyConsumer::Pure(c) => c.set_member_identity(consumer_id, generation_id),
            #[cfg(feature = "native")]
            AnyConsumer::Native(_) => Err(Error::config(
                if consumer_id.is_some() {
                    "consumer_id"
                } else {
                    "generation_id"
                },
                "the librdkafka engine commits as a standalone consumer with librdkafka's own group \
                 identity, which cannot be changed after build: use the pure engine",
            )),
        }
    }
}

impl ProducerApi for AnyProducer {
    fn produce(&self, message: OutgoingMessage) -> Result<DeliveryFuture> {
        dispatch!(AnyProducer, self, p => p.produce(message))
    }
    fn produce_detached(&self, message: OutgoingMessage) -> Result<()> {
        dispatch!(AnyProducer, self, p => p.produce_detached(message))
    }
    async fn produce_async(&self, message: OutgoingMessage) -> Result<DeliveryFuture> {
        dispatch!(AnyProducer, self, p => p.produce_async(message).await)
    }
    fn get_delivery_report(
        &self,
        block: bool,
        timeout: Option<Duration>,
    ) -> Result<Option<DeliveryReport>> {
        dispatch!(AnyProducer, self, p => p.get_delivery_report(block, timeout))
    }
    fn flush(&self, timeout: Duration) -> Result<()> {
        dispatch!(AnyProducer, self, p => p.flush(timeout))
    }
    fn start(&self) -> Result<()> {
        dispatch!(AnyProducer, self, p => p.start())
    }
    fn stop(&self) -> Result<()> {
        dispatch!(AnyProducer, self, p => p.stop())
    }
}

impl ProducerEngine for AnyProducer {
    fn name(&self) -> &'static str {
        dispatch!(AnyProducer, self, p => p.name())
    }
    async fn flush_async(&self, timeout: Duration) -> Result<()> {
        dispatch!(AnyProducer, self, p => ProducerEngine::flush_async(p, timeout).await)
    }
    fn pending(&self) -> usize {
        dispatch!(AnyProducer, self, p => ProducerEngine::pending(p))
    }
    fn dropped_reports(&self) -> u64 {
        dispatch!(AnyProducer, self, p => ProducerEngine::dropped_reports(p))
    }
}

impl ConsumerApi for AnyConsumer {
    fn consume(&self, block: bool) -> Result<Option<Message>> {
        dispatch!(AnyConsumer, self, c => c.consume(block))
    }
    async fn consume_async(&self) -> Result<Option<Message>> {
        dispatch!(AnyConsumer, self, c => c.consume_async().await)
    }
    fn commit_offsets(&self, partition_offsets: Option<&[(i32, i64)]>) -> Result<()> {
        dispatch!(AnyConsumer, self, c => c.commit_offsets(partition_offsets))
    }
    fn fetch_offsets(&self) -> Result<BTreeMap<i32, CommittedOffset>> {
        dispatch!(AnyConsumer, self, c => c.fetch_offsets())
    }
    fn reset_offsets(&self, targets: Option<&[(i32, ResetTarget)]>) -> Result<()> {
        dispatch!(AnyConsumer, self, c => c.reset_offsets(targets))
    }
    fn held_offsets(&self) -> BTreeMap<i32, i64> {
        dispatch!(AnyConsumer, self, c => c.held_offsets())
    }
    fn partitions(&self) -> Vec<i32> {
        dispatch!(AnyConsumer, self, c => c.partitions())
    }
    fn start(&self) -> Result<()> {
        dispatch!(AnyConsumer, self, c => c.start())
    }
    fn stop(&self) -> Result<()> {
        dispatch!(AnyConsumer, self, c => c.stop())
    }
}

impl ConsumerEngine for AnyConsumer {
    fn name(&self) -> &'static str {
        dispatch!(AnyConsumer, self, c => c.name())
    }
    fn shutdown_in_background(&self) {
        dispatch!(AnyConsumer, self, c => c.shutdown_in_background())
    }
    fn commit_offsets_async(
        &self,
        partition_offsets: Option<Vec<(i32, i64)>>,
    ) -> impl Future<Output = Result<()>> + Send {
        dispatch!(AnyConsumer, self, c => boxed(c.commit_offsets_async(partition_offsets)))
    }
    fn fetch_offsets_async(
        &self,
    ) -> impl Future<Output = Result<BTreeMap<i32, CommittedOffset>>> + Send {
        dispatch!(AnyConsumer, self, c => boxed(c.fetch_offsets_async()))
    }
    fn reset_offsets_async(
        &self,
        targets: Option<Vec<(i32, ResetTarget)>>,
    ) -> impl Future<Output = Result<()>> + Send {
        dispatch!(AnyConsumer, self, c => boxed(c.reset_offsets_async(targets)))
    }
    fn start_async(&self) -> impl Future<Output = Result<()>> + Send {
        dispatch!(AnyConsumer, self, c => boxed(c.start_async()))
    }
    fn stop_async(&self) -> impl Future<Output = Result<()>> + Send {
        dispatch!(AnyConsumer, self, c => boxed(c.stop_async()))
    }
    fn health(&self) -> Health {
        dispatch!(AnyConsumer, self, c => c.health())
    }
}

/// The engines' futures have different types; one box makes the match arms agree (these calls are rare).
fn boxed<'a, T>(
    fut: impl Future<Output = T> + Send + 'a,
) -> std::pin::Pin<Box<dyn Future<Output = T> + Send + 'a>> {
    Box::pin(fut)
}
