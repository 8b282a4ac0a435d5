//! Group coordinator lookup (FindCoordinator), asking each broker in turn, with PyKafka's retry shape
//! (attempt i sleeps i × step) but bounded: about `socket_timeout_ms` in all.

use std::sync::Arc;
use std::time::{Duration, Instant};

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
        let deadline = Instant::now() + self.config.request_timeout;
        let mut last = Error::kafka(
            KafkaCode::GroupCoordinatorNotAvailable,
            ErrorContext::group(group),
        );
        for attempt in 0..ATTEMPTS {
            if attempt > 0 {
                let pause = STEP * attempt;
                if Instant::now() + pause > deadline {
                    break;
                }
                tokio::time::sleep(pause).await;
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
                    last = e;
                    if !retry {
                        return Err(last);
                    }
                }
            }
        }
        Err(last)
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
