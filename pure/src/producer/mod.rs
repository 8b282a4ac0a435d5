//! The pure engine's producer: per-partition batching drained per leader broker, PyKafka's options and
//! delivery reports, retries that keep per-partition order.
//!
//! File map: [`engine`] the handle (`produce`, `flush`, `stop`); [`accumulator`] per-partition queues and the
//! per-broker drain; [`sender`] the dispatcher and request tasks; [`retry`] error classification;
//! [`pending`] message completion and accounting; [`batch`] record formats; [`transport`] the cluster seam;
//! `idempotence` the producer id and sequence restarts; `layout_cache` the topic layout shared for a moment;
//! `clock` one clock read per message.

mod accumulator;
pub mod batch;
mod clock;
mod cluster_transport;
mod engine;
mod idempotence;
mod layout_cache;
mod pending;
mod records_encoder;
mod retry;
mod sender;
pub mod transport;

#[cfg(test)]
mod tests;

pub use batch::{BatchIdentity, RecordEncoder, RecordFormat};
pub use cluster_transport::ClusterTransport;
pub use engine::{ProducerParts, PureProducer};
pub use records_encoder::RecordsEncoder;
pub use transport::{BoxFuture, PartitionOutcome, ProduceCall, ProduceTransport, TopicLayout};
