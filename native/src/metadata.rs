//! A topic's partition ids from librdkafka's metadata, waiting out auto-creation and leader elections.

use std::time::{Duration, Instant};

use ferrokafka_core::{Error, ErrorKind, KafkaCode, Result};
use rdkafka::client::{Client, ClientContext};
use rdkafka::error::RDKafkaErrorCode;

use crate::error::{translate, translate_code, ErrorSite};

/// The topic's partition ids, sorted (librdkafka sorts them too, and PyKafka's hashing partitioners sort
/// before indexing, so both engines hand partitioners the same list). Retries for up to `timeout` while the
/// topic is unknown or leaderless (it may be being auto-created); then the last error.
pub fn partition_ids<C: ClientContext>(
    client: &Client<C>,
    topic: &str,
    timeout: Duration,
    hosts: &str,
) -> Result<Vec<i32>> {
    let site = ErrorSite::topic(topic, None, hosts);
    let deadline = Instant::now() + timeout;
    loop {
        let remaining = deadline.saturating_duration_since(Instant::now());
        let attempt = client
            .fetch_metadata(Some(topic), remaining.max(Duration::from_millis(100)))
            .map_err(|e| translate(&e, &site))
            .and_then(|md| {
                let t = md
                    .topics()
                    .iter()
                    .find(|t| t.name() == topic)
                    .ok_or_else(|| {
                        Error::kafka(KafkaCode::UnknownTopicOrPartition, site.context.clone())
                    })?;
                if let Some(err) = t.error() {
                    return Err(translate_code(RDKafkaErrorCode::from(err), &site));
                }
                let mut ids: Vec<i32> = t.partitions().iter().map(|p| p.id()).collect();
                if ids.is_empty() {
                    return Err(Error::kafka(
                        KafkaCode::LeaderNotAvailable,
                        site.context.clone(),
                    ));
                }
                ids.sort_unstable();
                Ok(ids)
            });
        match attempt {
            Ok(ids) => return Ok(ids),
            Err(e)
                if Instant::now() < deadline
                    && (e.is_retriable() || e.kind() == ErrorKind::Native) =>
            {
                std::thread::sleep(Duration::from_millis(100));
            }
            Err(e) => return Err(e),
        }
    }
}
