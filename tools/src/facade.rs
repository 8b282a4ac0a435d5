//! The only place that touches types the facade re-exports from the pure engine (`NewTopic`,
//! `GroupDescription`, `GroupListing`, `OffsetPartitionResponse`): everything else in kafka-tools uses the
//! plain values returned here, so a reshaped facade changes this file alone.

use std::collections::BTreeMap;

use ferrokafka::{ErrorContext, KafkaClient, NewTopic, OffsetsBefore, Topic};

use crate::error::{CliError, CliResult};

/// A Kafka-managed group as DescribeGroups reports it, with each member's subscribed topics.
#[derive(Debug, Clone)]
pub struct GroupInfo {
    pub group_id: String,
    pub state: String,
    pub protocol: String,
    pub protocol_type: String,
    /// Per member, the topics of its subscription (from the consumer protocol metadata).
    pub member_topics: Vec<Vec<String>>,
}

/// Every Kafka-managed group of the cluster, described.
pub fn managed_groups(client: &KafkaClient) -> CliResult<Vec<GroupInfo>> {
    let described = client.get_managed_group_descriptions()?;
    Ok(described
        .into_values()
        .map(|d| GroupInfo {
            member_topics: d
                .members
                .values()
                .map(|m| subscription_topics(&m.member_metadata))
                .collect(),
            group_id: d.group_id,
            state: d.state,
            protocol: d.protocol,
            protocol_type: d.protocol_type,
        })
        .collect())
}

/// Whether any broker lists the group (groups that only hold committed offsets are listed too).
pub fn group_exists(client: &KafkaClient, group: &str) -> CliResult<bool> {
    Ok(client.list_groups()?.iter().any(|g| g.group_id == group))
}

/// How many members the group has now (0 for a group that only holds offsets, or none at all).
pub fn group_member_count(client: &KafkaClient, group: &str) -> CliResult<usize> {
    let described = client.describe_groups(&[group])?;
    Ok(described.get(group).map_or(0, |d| d.members.len()))
}

/// The consumer protocol's subscription (`version: i16, topics: [string], user_data: bytes`): its topics.
/// Metadata that does not parse (another protocol type) subscribes to nothing.
fn subscription_topics(metadata: &[u8]) -> Vec<String> {
    fn take<'a>(b: &mut &'a [u8], n: usize) -> Option<&'a [u8]> {
        let (head, tail) = (b.get(..n)?, b.get(n..)?);
        *b = tail;
        Some(head)
    }
    let mut b = metadata;
    let parse = |b: &mut &[u8]| -> Option<Vec<String>> {
        take(b, 2)?;
        let n = i32::from_be_bytes(take(b, 4)?.try_into().ok()?);
        (0..n.max(0))
            .map(|_| {
                let len = i16::from_be_bytes(take(b, 2)?.try_into().ok()?);
                let name = take(b, usize::try_from(len).ok()?)?;
                String::from_utf8(name.to_vec()).ok()
            })
            .collect()
    };
    parse(&mut b).unwrap_or_default()
}

/// What to create: PyKafka's `create_topic` arguments, parsed.
#[derive(Debug, Clone)]
pub struct TopicSpec {
    pub name: String,
    pub num_partitions: i32,
    pub replication_factor: i16,
    pub configs: Vec<(String, String)>,
    pub assignment: Vec<(i32, Vec<i32>)>,
}

/// CreateTopics; any per-topic error the controller returns is the error.
pub fn create_topic(client: &KafkaClient, spec: &TopicSpec, timeout_ms: i32) -> CliResult<()> {
    let mut t = NewTopic::new(&spec.name, spec.num_partitions, spec.replication_factor);
    for (k, v) in &spec.configs {
        t = t.config(k, v);
    }
    for (p, ids) in &spec.assignment {
        t = t.replica_assignment(*p, ids.clone());
    }
    client.create_topics(&[t], timeout_ms)?;
    Ok(())
}

/// One offset per partition before `before` (ListOffsets). `None` where no message is that recent (a time
/// after the last message); a partition error is the error.
pub fn offsets_before(
    topic: &Topic,
    before: OffsetsBefore,
) -> CliResult<BTreeMap<i32, Option<i64>>> {
    topic
        .fetch_offset_limits(before, 1)?
        .into_iter()
        .map(|(p, r)| match r.error {
            Some(code) => Err(CliError::Kafka(ferrokafka::Error::kafka(
                code,
                ErrorContext::partition(topic.name(), p),
            ))),
            None => Ok((p, r.offsets.first().copied())),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::subscription_topics;

    #[test]
    fn reads_the_topics_of_a_consumer_subscription() {
        let mut m = vec![0, 0, 0, 0, 0, 2];
        for t in ["a", "bc"] {
            m.extend((t.len() as i16).to_be_bytes());
            m.extend(t.as_bytes());
        }
        m.extend([0, 0, 0, 0]);
        assert_eq!(subscription_topics(&m), vec!["a", "bc"]);
        assert!(subscription_topics(&[0, 0, 0]).is_empty());
        assert!(subscription_topics(&[0, 0, 0, 0, 0, 9, 0, 5, b'x']).is_empty());
    }
}
