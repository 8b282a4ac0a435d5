//! `print_topics`, `desc_topic`, `create_topic`, `delete_topic`.

use serde_json::{json, Map, Value};

use super::Ctx;
use crate::cli::{CreateTopicArgs, DeleteTopicArgs, TopicArg};
use crate::error::{CliError, CliResult};
use crate::facade::{self, TopicSpec};
use crate::output::{print, print_json, Table};

fn ids(v: &[i32]) -> String {
    format!("{v:?}")
}

/// `print_topics`: Topic, Partitions, Replication. Replication is the replica count of the first
/// partition (PyKafka prints that count minus one).
pub fn print_topics(ctx: &Ctx) -> CliResult<()> {
    let mut topics = ctx.client.topics().values();
    topics.sort_by(|a, b| a.name().cmp(b.name()));
    let rows: Vec<(String, usize, usize)> = topics
        .iter()
        .map(|t| {
            let parts = t.partitions();
            let replication = parts.values().next().map_or(0, |p| p.replicas.len());
            (t.name().to_string(), parts.len(), replication)
        })
        .collect();
    if ctx.json {
        let list: Vec<Value> = rows
            .iter()
            .map(|(t, p, r)| json!({"topic": t, "partitions": p, "replication": r}))
            .collect();
        return print_json(&json!({ "topics": list }));
    }
    let mut table = Table::new(&["Topic", "Partitions", "Replication"]);
    for (t, p, r) in rows {
        table.row(vec![t, p.to_string(), r.to_string()]);
    }
    print(&table.render())
}

/// `desc_topic`: name, partition count, replica count, then Partition, Leader, Replicas, ISR.
pub fn desc_topic(ctx: &Ctx, args: &TopicArg) -> CliResult<()> {
    let topic = ctx.existing_topic(&args.topic)?;
    let parts = topic.partitions();
    let replicas = parts.values().next().map_or(0, |p| p.replicas.len());
    if ctx.json {
        let list: Vec<Value> = parts
            .values()
            .map(|p| json!({"partition": p.id, "leader": p.leader, "replicas": p.replicas, "isr": p.isr}))
            .collect();
        return print_json(&json!({
            "topic": topic.name(), "partition_count": parts.len(), "replicas": replicas, "partitions": list,
        }));
    }
    let mut table = Table::new(&["Partition", "Leader", "Replicas", "ISR"]);
    for p in parts.values() {
        table.row(vec![
            p.id.to_string(),
            p.leader.to_string(),
            ids(&p.replicas),
            ids(&p.isr),
        ]);
    }
    print(&format!(
        "Topic: {}\nPartitions: {}\nReplicas: {}\n\n{}",
        topic.name(),
        parts.len(),
        replicas,
        table.render()
    ))
}

/// PyKafka's guard: CreateTopics / DeleteTopics need brokers ≥ 0.10.1 (only checked when `-o` pins one).
pub fn check_admin_version(version: Option<&str>, what: &str) -> CliResult<()> {
    let Some(v) = version else { return Ok(()) };
    let parts: Vec<u32> = v.split('.').map(|p| p.parse().unwrap_or(0)).collect();
    let at = |i: usize| parts.get(i).copied().unwrap_or(0);
    if (at(0), at(1), at(2)) < (0, 10, 1) {
        return Err(CliError::usage(format!(
            "The topic {what} API is not usable on brokers older than 0.10.1. Use --broker_version to specify the version"
        )));
    }
    Ok(())
}

/// `-a`: JSON `{partition: [broker ids]}` → sorted pairs.
fn parse_assignment(text: &str) -> CliResult<Vec<(i32, Vec<i32>)>> {
    let bad = |why: &str| CliError::usage(format!("-a/--replica_assignment {text:?}: {why}"));
    let value: Value = serde_json::from_str(text).map_err(|e| bad(&format!("not JSON ({e})")))?;
    let obj = value
        .as_object()
        .ok_or_else(|| bad("expected an object {partition: [broker ids]}"))?;
    let mut out = obj
        .iter()
        .map(|(p, ids)| {
            let p: i32 = p
                .parse()
                .map_err(|_| bad(&format!("partition {p:?} is not a number")))?;
            let ids = ids
                .as_array()
                .ok_or_else(|| bad(&format!("partition {p}: expected a list of broker ids")))?
                .iter()
                .map(|id| id.as_i64().and_then(|i| i32::try_from(i).ok()))
                .collect::<Option<Vec<i32>>>()
                .ok_or_else(|| bad(&format!("partition {p}: broker ids must be integers")))?;
            Ok((p, ids))
        })
        .collect::<CliResult<Vec<_>>>()?;
    out.sort();
    Ok(out)
}

/// `-c`: JSON `{name: value}`; numbers and booleans are written as text, as the broker expects.
fn parse_configs(text: &str) -> CliResult<Vec<(String, String)>> {
    let bad = |why: &str| CliError::usage(format!("-c/--config_entries {text:?}: {why}"));
    let value: Value = serde_json::from_str(text).map_err(|e| bad(&format!("not JSON ({e})")))?;
    let obj: &Map<String, Value> = value
        .as_object()
        .ok_or_else(|| bad("expected an object {name: value}"))?;
    obj.iter()
        .map(|(k, v)| match v {
            Value::String(s) => Ok((k.clone(), s.clone())),
            Value::Number(_) | Value::Bool(_) => Ok((k.clone(), v.to_string())),
            _ => Err(bad(&format!(
                "{k}: value must be a string, number or boolean"
            ))),
        })
        .collect()
}

/// The partition count and replication factor to send: PyKafka's defaults (1, 1), or -1 (unset) with `-a`.
fn sizes(args: &CreateTopicArgs, assigned: bool) -> CliResult<(i32, i16)> {
    match (assigned, args.num_partitions, args.replication_factor) {
        (false, p, r) => Ok((p.unwrap_or(1), r.unwrap_or(1))),
        (true, None | Some(-1), None | Some(-1)) => Ok((-1, -1)),
        (true, _, _) => Err(CliError::usage(
            "-a/--replica_assignment fixes partitions and replicas: leave -p and -r unset (or -1)",
        )),
    }
}

/// `create_topic`.
pub fn create_topic(ctx: &Ctx, args: &CreateTopicArgs) -> CliResult<()> {
    let assignment = match &args.replica_assignment {
        Some(a) => parse_assignment(a)?,
        None => Vec::new(),
    };
    let (num_partitions, replication_factor) = sizes(args, !assignment.is_empty())?;
    let configs = match &args.config_entries {
        Some(c) => parse_configs(c)?,
        None => Vec::new(),
    };
    let spec = TopicSpec {
        name: args.topic.clone(),
        num_partitions,
        replication_factor,
        configs,
        assignment,
    };
    facade::create_topic(&ctx.client, &spec, args.timeout)?;
    match ctx.json {
        true => print_json(&json!({ "created": args.topic })),
        false => print(&format!("Created topic {}.\n", args.topic)),
    }
}

/// `delete_topic`.
pub fn delete_topic(ctx: &Ctx, args: &DeleteTopicArgs) -> CliResult<()> {
    ctx.client.delete_topics(&[&args.topic], args.timeout)?;
    match ctx.json {
        true => print_json(&json!({ "deleted": args.topic })),
        false => print(&format!("Deleted topic {}.\n", args.topic)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn assignment_and_configs_are_parsed_json() {
        assert_eq!(
            parse_assignment(r#"{"1": [2, 1], "0": [1]}"#).unwrap(),
            vec![(0, vec![1]), (1, vec![2, 1])]
        );
        assert!(parse_assignment(r#"{"x": [1]}"#).is_err());
        assert!(parse_assignment("[1]").is_err());
        assert_eq!(
            parse_configs(r#"{"cleanup.policy": "compact", "retention.ms": 1000}"#).unwrap(),
            vec![
                ("cleanup.policy".to_string(), "compact".to_string()),
                ("retention.ms".to_string(), "1000".to_string())
            ]
        );
        assert!(parse_configs("{oops")
            .unwrap_err()
            .to_string()
            .contains("not JSON"));
    }

    #[test]
    fn old_brokers_are_refused_as_pykafka_does() {
        assert!(check_admin_version(Some("0.10.0"), "creation").is_err());
        assert!(check_admin_version(Some("0.10.1"), "creation").is_ok());
        assert!(check_admin_version(None, "creation").is_ok());
    }
}
