//! Group coordinator lookup (FindCoordinator), asking each broker in turn, with PyKafka's retry shape
//! (attempt i sleeps i × step) but bounded: about `socket_timeout_ms` in all.

use std::sync::Arc;
use std::time::Duration;

use ferrokafka_core::options::validate_name;
use ferrokafka_core::{Error, ErrorContext, ErrorKind, KafkaCode};

use super::{Broker, Cluster};
use crate::protocol::messages::FindCoordinatorRequest;

const ATTEMPTS: u32 = 8;
const STEP: Duration = Duration::from_millis(250);

impl Cluster {
    /// The broker coordinating `group`.
    pub async fn group_coordinator(&self, group: &str) -> Result<Arc<Broker>, Error> {
        validate_name("consumer group", group)?;
        // The whole lookup, metadata refreshes included, ends within one request timeout: a commit retried
        // R times then costs R lookups, not R × ATTEMPTS × (lookup + refresh) as it once did (92 s).
        let budget = self.config.request_timeout;
        let mut last = Error::kafka(
            KafkaCode::GroupCoordinatorNotAvailable,
            ErrorContext::group(group),
        );
        match tokio::time::timeout(budget, self.find_coordinator_retrying(group, &mut last)).await {
            Ok(result) => result,
            Err(_) => {
                tracing::debug!(group, error = %last, ?budget, "coordinator lookup out of time");
                Err(last)
            }
        }
    }

    /// The lookup loop: each broker in turn, with growing pauses; `last` keeps the latest failure.
    async fn find_coordinator_retrying(
        &self,
        group: &str,
        last: &mut Error,
    ) -> Result<Arc<Broker>, Error> {
        for attempt in 0..ATTEMPTS {
            if attempt > 0 {
                tokio::time::sleep(STEP * attempt).await;
            }
            let brokers: Vec<_> = self.brokers().into_values().collect();
            if brokers.is_empty() {
                self.update().await?;
                continue;
            }
            let broker = &brokers[attempt as usize % brokers.len()];
            match self.find_coordinator_on(broker, group).await {
                Ok(found) => return Ok(found),
                Err(e) => {
                    let retry = e.is_retriable();
                    if e.kind() == ErrorKind::SocketDisconnected {
                        let _ = self.update().await;
                    }
                    *last = e;
                    if !retry {
                        return Err(last.clone());
                    }
                }
            }
        }
        Err(last.clone())
    }

    async fn find_coordinator_on(
        &self,
        broker: &Broker,
        group: &str,
    ) -> Result<Arc<Broker>, Error> {
        let (_, resp) = broker
            .request(None, |v| FindCoordinatorRequest {
                key: if v < 4 {
                    group.to_string()
                } else {
                    String::new()
                },
                key_type: 0,
                coordinator_keys: if v >= 4 {
                    vec![group.to_string()]
                } else {
                    Vec::new()
                },
                ..Default::default()
            })
            .await?;
        let (code, message, id, host, port) = match resp.coordinators.into_iter().next() {
            Some(c) => (c.error_code, c.error_message, c.node_id, c.host, c.port),
            None => (
                resp.error_code,
                resp.error_message,
                resp.node_id,
                resp.host,
                resp.port,
            ),
        };
        let ctx = ErrorContext::group(group).with_broker(broker.label());
        if let Some(code) = KafkaCode::from_i16(code) {
            return Err(Error::kafka_with_message(code, message, ctx));
        }
        if let Some(b) = self.broker(id) {
            return Ok(b);
        }
        // A coordinator not in our metadata yet: refresh, else use the address it gave.
        let _ = self.update().await;
        if let Some(b) = self.broker(id) {
            return Ok(b);
        }
        let port = u16::try_from(port)
            .map_err(|_| Error::protocol(format!("coordinator port {port} out of range"), ctx))?;
        Ok(Arc::new(Broker::new(
            id,
            &host,
            port,
            None,
            Arc::clone(&self.config),
            Arc::clone(&self.offsets_config),
        )))
    }
}
