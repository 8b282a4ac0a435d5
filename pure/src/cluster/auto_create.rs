//! Whether the brokers create unknown topics on Metadata (`auto.create.topics.enable`), read with
//! DescribeConfigs: a KRaft broker answers UNKNOWN_TOPIC_OR_PARTITION both for a topic it is creating and for
//! one it never will, so the answer alone cannot tell a wait worth making from one that cannot end.

use ferrokafka_core::KafkaCode;

use super::Cluster;
use crate::protocol::messages::describe_configs_request::DescribeConfigsResource;
use crate::protocol::messages::DescribeConfigsRequest;

/// DescribeConfigs' resource type of a broker.
const BROKER_RESOURCE: i8 = 4;
const AUTO_CREATE: &str = "auto.create.topics.enable";

impl Cluster {
    /// `Some(false)` when a broker says it does not auto-create topics; `None` when it cannot be told (no
    /// broker known, DescribeConfigs refused or unsupported), so callers keep waiting as before.
    pub(super) async fn broker_auto_creates_topics(&self) -> Option<bool> {
        let broker = self.brokers().into_values().next()?;
        let resource = DescribeConfigsResource {
            resource_type: BROKER_RESOURCE,
            resource_name: broker.id().to_string(),
            configuration_keys: Some(vec![AUTO_CREATE.to_string()]),
            unknown_tagged_fields: Vec::new(),
        };
        let answer = broker
            .request(None, |_| DescribeConfigsRequest {
                resources: vec![resource],
                ..Default::default()
            })
            .await;
        let (_, resp) = match answer {
            Ok(r) => r,
            Err(e) => {
                tracing::debug!(error = %e.report(), "cannot read {AUTO_CREATE}");
                return None;
            }
        };
        let result = resp.results.into_iter().next()?;
        if let Some(code) = KafkaCode::from_i16(result.error_code) {
            tracing::debug!(?code, "cannot read {AUTO_CREATE}");
            return None;
        }
        let value = result
            .configs
            .into_iter()
            .find(|c| c.name == AUTO_CREATE)?
            .value?;
        value.parse().ok()
    }
}
