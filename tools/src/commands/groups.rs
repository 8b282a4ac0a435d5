//! `print_managed_consumer_groups` and `print_consumer_lag`.

use ferrokafka::OffsetsBefore;
use serde_json::{json, Value};

use super::offsets::offsets_consumer;
use super::Ctx;
use crate::cli::{TopicArg, TopicGroupArgs};
use crate::error::{CliError, CliResult};
use crate::facade;
use crate::output::{print, print_json, thousands, Table};

/// `print_managed_consumer_groups TOPIC`: groups with a member subscribed to TOPIC.
pub fn print_managed_consumer_groups(ctx: &Ctx, args: &TopicArg) -> CliResult<()> {
    let topic = ctx.existing_topic(&args.topic)?;
    let groups: Vec<_> = facade::managed_groups(&ctx.client)?
        .into_iter()
        .filter(|g| {
            g.member_topics
                .iter()
                .any(|ts| ts.iter().any(|t| t == topic.name()))
        })
        .collect();
    if ctx.json {
        let list: Vec<Value> = groups
            .iter()
            .map(|g| {
                json!({"group_id": g.group_id, "state": g.state, "protocol": g.protocol,
                       "protocol_type": g.protocol_type, "members": g.member_topics.len()})
            })
            .collect();
        return print_json(&json!({"topic": topic.name(), "groups": list}));
    }
    let mut table = Table::new(&["GroupId", "State", "Protocol", "ProtocolType"]);
    for g in groups {
        table.row(vec![g.group_id, g.state, g.protocol, g.protocol_type]);
    }
    print(&format!("Topic: {}\n{}", topic.name(), table.render()))
}

/// The commit metadata as (consumer id, client id). PyKafka writes JSON with `consumer_id` and `hostname`;
/// anything else (other clients, PyKafka's own `reset_offsets`, which writes `kafka-tools`) is shown as the
/// consumer id as it is, instead of crashing as PyKafka does.
fn metadata_ids(metadata: Option<&str>) -> (String, String) {
    let dash = || "-".to_string();
    let Some(m) = metadata.filter(|m| !m.is_empty()) else {
        return (dash(), dash());
    };
    match serde_json::from_str::<Value>(m) {
        Ok(Value::Object(o)) => {
            let field = |k: &str| match o.get(k) {
                Some(Value::String(s)) if !s.is_empty() => s.clone(),
                Some(Value::String(_)) | None => dash(),
                Some(v) => v.to_string(),
            };
            (field("consumer_id"), field("hostname"))
        }
        _ => (m.to_string(), dash()),
    }
}

/// One partition's lag; `None` values where the group has no commit for it.
struct Lag {
    partition: i32,
    latest: i64,
    current: Option<i64>,
    consumer_id: String,
    client_id: String,
}

impl Lag {
    fn lag(&self) -> Option<i64> {
        self.current.map(|c| self.latest - c)
    }
}

/// `print_consumer_lag TOPIC CONSUMER_GROUP`. A partition without a committed offset has no lag (shown
/// `-`, JSON null, not counted in the total); PyKafka prints latest + 1 there.
pub fn print_consumer_lag(ctx: &Ctx, args: &TopicGroupArgs) -> CliResult<()> {
    let topic = ctx.existing_topic(&args.topic)?;
    let latest = facade::offsets_before(&topic, OffsetsBefore::Latest)?;
    let committed = offsets_consumer(&topic, &args.group)?.fetch_offsets()?;
    // OffsetFetch answers -1 for a group nobody knows: unknown unless it has commits or a broker lists it.
    let has_commits = committed.values().any(|c| c.offset >= 0);
    if !has_commits && !facade::group_exists(&ctx.client, &args.group)? {
        return Err(CliError::Other(format!(
            "consumer group {:?} does not exist",
            args.group
        )));
    }
    let rows: Vec<Lag> = latest
        .iter()
        .map(|(p, l)| {
            let c = committed.get(p);
            let (consumer_id, client_id) = metadata_ids(c.and_then(|c| c.metadata.as_deref()));
            Lag {
                partition: *p,
                latest: l.unwrap_or(0),
                current: c.map(|c| c.offset).filter(|o| *o >= 0),
                consumer_id,
                client_id,
            }
        })
        .collect();
    let total: i64 = rows.iter().filter_map(Lag::lag).sum();
    if ctx.json {
        let list: Vec<Value> = rows
            .iter()
            .map(|r| {
                json!({"partition": r.partition, "lag": r.lag(), "latest_offset": r.latest,
                       "current_offset": r.current, "consumer_id": r.consumer_id, "client_id": r.client_id})
            })
            .collect();
        return print_json(&json!({"topic": topic.name(), "group": args.group,
                                  "partitions": list, "total_lag": total}));
    }
    let mut table = Table::new(&[
        "Partition",
        "Lag",
        "Latest Offset",
        "Current Offset",
        "Consumer_ID",
        "Client_ID",
    ]);
    for r in &rows {
        table.row(vec![
            r.partition.to_string(),
            r.lag().map_or("-".to_string(), thousands),
            r.latest.to_string(),
            r.current.map_or("-".to_string(), |v| v.to_string()),
            r.consumer_id.clone(),
            r.client_id.clone(),
        ]);
    }
    print(&format!(
        "{}\n Total lag: {} messages.\n",
        table.render(),
        thousands(total)
    ))
}

#[cfg(test)]
mod tests {
    use super::metadata_ids;

    #[test]
    fn commit_metadata_json_or_not() {
        let ids = |m| metadata_ids(m);
        assert_eq!(
            ids(Some(r#"{"consumer_id": "c1", "hostname": "h"}"#)),
            ("c1".to_string(), "h".to_string())
        );
        assert_eq!(
            ids(Some("kafka-tools")),
            ("kafka-tools".to_string(), "-".to_string())
        );
        assert_eq!(ids(Some("")), ("-".to_string(), "-".to_string()));
        assert_eq!(ids(None), ("-".to_string(), "-".to_string()));
    }
}
