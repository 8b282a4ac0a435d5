//! `print_offsets` and `reset_offsets`: offsets of a topic at earliest / latest / a time, and committing
//! them for a consumer group.

use std::collections::BTreeMap;

use ferrokafka::{OffsetsBefore, SimpleConsumer, Topic};
use serde_json::{json, Value};

use super::Ctx;
use crate::cli::{PrintOffsetsArgs, ResetOffsetsArgs};
use crate::error::{CliError, CliResult};
use crate::facade;
use crate::offset_spec::parse_offset;
use crate::output::{print, print_json, Table};
use crate::progress;

/// Partitions committed per OffsetCommit request (and per progress-bar step).
const COMMIT_CHUNK: usize = 100;

/// The offset of every partition at `at`. A time after the last message has no offset from the broker;
/// it resolves to the latest offset (PyKafka fails with an IndexError there).
pub fn resolve(topic: &Topic, at: OffsetsBefore) -> CliResult<BTreeMap<i32, i64>> {
    let found = facade::offsets_before(topic, at)?;
    let latest = match found.values().any(Option::is_none) {
        true => facade::offsets_before(topic, OffsetsBefore::Latest)?,
        false => BTreeMap::new(),
    };
    found
        .into_iter()
        .map(|(p, o)| {
            o.or_else(|| latest.get(&p).copied().flatten())
                .map(|o| (p, o))
                .ok_or_else(|| {
                    CliError::Other(format!(
                        "partition {p} of {:?} returned no offset",
                        topic.name()
                    ))
                })
        })
        .collect()
}

/// `print_offsets TOPIC OFFSET`: Partition, Offset.
pub fn print_offsets(ctx: &Ctx, args: &PrintOffsetsArgs) -> CliResult<()> {
    let at = parse_offset(&args.offset)?;
    let topic = ctx.existing_topic(&args.topic)?;
    let offsets = resolve(&topic, at)?;
    if ctx.json {
        let list: Vec<Value> = offsets
            .iter()
            .map(|(p, o)| json!({"partition": p, "offset": o}))
            .collect();
        return print_json(&json!({"topic": topic.name(), "offsets": list}));
    }
    let mut table = Table::new(&["Partition", "Offset"]);
    for (p, o) in offsets {
        table.row(vec![p.to_string(), o.to_string()]);
    }
    print(&table.render())
}

/// A consumer that only reads and writes the group's committed offsets (never started).
pub fn offsets_consumer(topic: &Topic, group: &str) -> CliResult<SimpleConsumer> {
    Ok(topic
        .simple_consumer()
        .consumer_group(group)
        .auto_start(false)
        .reset_offset_on_fetch(false)
        .offsets_channel_backoff_ms(200)
        .build()?)
}

/// `reset_offsets TOPIC CONSUMER_GROUP OFFSET`: commits the offsets (the next offset each partition will
/// consume) and checks every partition's answer; PyKafka ignores the response.
pub fn reset_offsets(ctx: &Ctx, args: &ResetOffsetsArgs) -> CliResult<()> {
    let at = parse_offset(&args.offset)?;
    let topic = ctx.existing_topic(&args.topic)?;
    let members = facade::group_member_count(&ctx.client, &args.group)?;
    if members > 0 {
        return Err(CliError::Other(format!(
            "consumer group {:?} has {members} active member(s): stop them first (brokers refuse offset commits from outside a group that has members)",
            args.group
        )));
    }
    let offsets = resolve(&topic, at)?;
    let consumer = offsets_consumer(&topic, &args.group)?;
    let previous = consumer.fetch_offsets()?;
    let pairs: Vec<(i32, i64)> = offsets.iter().map(|(p, o)| (*p, *o)).collect();
    let bar = progress::bar(Some(pairs.len() as u64), "committing offsets");
    for chunk in pairs.chunks(COMMIT_CHUNK) {
        consumer.commit_offsets(Some(chunk))?;
        bar.inc(chunk.len() as u64);
    }
    bar.finish_and_clear();
    let before = |p: &i32| previous.get(p).map(|c| c.offset).filter(|o| *o >= 0);
    if ctx.json {
        let list: Vec<Value> = pairs
            .iter()
            .map(|(p, o)| json!({"partition": p, "previous": before(p), "offset": o}))
            .collect();
        return print_json(&json!({"topic": topic.name(), "group": args.group, "offsets": list}));
    }
    let mut table = Table::new(&["Partition", "Previous Offset", "New Offset"]);
    for (p, o) in &pairs {
        let prev = before(p).map_or("-".to_string(), |v| v.to_string());
        table.row(vec![p.to_string(), prev, o.to_string()]);
    }
    print(&table.render())
}
