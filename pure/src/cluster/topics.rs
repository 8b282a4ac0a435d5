//! Topic lookup as PyKafka's `TopicDict`: a known topic comes from the cache; an unknown one is requested with
//! auto-creation on, repeating while its leader is not yet elected (bounded here; PyKafka loops forever).
//! A topic the brokers will not create fails at once with `UnknownTopicOrPartition` (PyKafka waits forever).

use std::time::{Duration, Instant};

use ferrokafka_core::options::validate_topic_name;
use ferrokafka_core::{Error, ErrorContext, KafkaCode};

use super::metadata::TopicMetadata;
use super::Cluster;

const LEADER_WAIT_STEP: Duration = Duration::from_millis(100);

impl Cluster {
    /// The topic's metadata, creating it through Metadata auto-creation if the broker allows that.
    /// An unknown topic is waited for (at least 10 s, or `socket_timeout_ms`) until every partition has a leader,
    /// unless the brokers do not auto-create topics: then it is `UnknownTopicOrPartition` at once.
    pub async fn topic(&self, name: &str) -> Result<TopicMetadata, Error> {
        validate_topic_name(name)?;
        // A known topic is returned as it is, even with a partition leaderless right now (a broker down):
        // producers and consumers handle that per partition. Only unknown topics wait for their leaders.
        if let Some(t) = self
            .cached_topic(name)
            .filter(|t| t.error.is_none() && !t.partitions.is_empty())
        {
            return Ok(t);
        }
        self.request_topic(name, true).await
    }

    /// Ask for one topic (optionally auto-creating it) until its leaders are known.
    pub async fn request_topic(
        &self,
        name: &str,
        auto_create: bool,
    ) -> Result<TopicMetadata, Error> {
        let budget = self.config.request_timeout.max(Duration::from_secs(10));
        let deadline = Instant::now() + budget;
        let names = [name.to_string()];
        // Asked once, at the first UNKNOWN_TOPIC_OR_PARTITION of a creating request.
        let mut auto_create_checked = !auto_create;
        loop {
            let snapshot = self.fetch_metadata(Some(&names), auto_create).await?;
            let topic = snapshot.topics.iter().find(|t| t.name == name).cloned();
            self.apply(snapshot, false);
            let ctx = ErrorContext::topic(name);
            let Some(topic) = topic else {
                return Err(Error::kafka(KafkaCode::UnknownTopicOrPartition, ctx));
            };
            let last_error = topic.error;
            let retry = match topic.error {
                None if topic.is_ready() => return Ok(topic),
                // KRaft brokers answer UNKNOWN_TOPIC_OR_PARTITION while an auto-created topic is being made.
                None | Some(KafkaCode::LeaderNotAvailable) => true,
                Some(KafkaCode::UnknownTopicOrPartition) if auto_create => {
                    if !auto_create_checked {
                        auto_create_checked = true;
                        if self.broker_auto_creates_topics().await == Some(false) {
                            return Err(Error::unknown_topic(
                                name,
                                "the broker answered UNKNOWN_TOPIC_OR_PARTITION and does not create \
                                 topics on request (auto.create.topics.enable=false); create it first",
                            ));
                        }
                    }
                    true
                }
                Some(code) => return Err(Error::kafka(code, ctx)),
            };
            if retry && Instant::now() + LEADER_WAIT_STEP > deadline {
                return Err(Error::kafka_with_message(
                    last_error.unwrap_or(KafkaCode::LeaderNotAvailable),
                    Some(format!(
                        "no leader for every partition after {} ms",
                        budget.as_millis()
                    )),
                    ctx,
                ));
            }
            tokio::time::sleep(LEADER_WAIT_STEP).await;
        }
    }
}
