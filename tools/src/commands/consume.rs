//! `consume TOPIC`: kcat-style consuming to stdout. Starts at earliest / latest / an offset / a time / the
//! group's committed offsets; stops after `-c N`, at the end (`-e`), when idle, or never.

use std::collections::BTreeMap;
use std::io::{BufWriter, Write};
use std::time::{Duration, Instant};

use ferrokafka::{OffsetType, OffsetsBefore, ResetTarget, SimpleConsumer, Topic};

use super::offsets::{offsets_consumer, resolve};
use super::Ctx;
use crate::cli::ConsumeArgs;
use crate::error::{CliError, CliResult};
use crate::message_format::{message_json, Format};
use crate::offset_spec::parse_time_ms;
use crate::progress;

/// How long one `consume` call waits, so stop conditions are checked often.
const POLL_MS: i64 = 200;

/// Where consuming starts (`-o`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Start {
    Earliest,
    Latest,
    /// The group's committed offset; where there is none, `fallback`.
    Stored {
        fallback: OffsetType,
    },
    Absolute(i64),
    /// This many messages before the end.
    FromEnd(i64),
    Time(i64),
}

fn parse_start(s: Option<&str>, group: bool) -> CliResult<Start> {
    let bad = |s: &str| {
        CliError::usage(format!(
            "-o/--offset {s:?} is not beginning, end, stored, N, -N, s@MS or s@YYYY-MM-DDTHH:MM:SS"
        ))
    };
    let start = match s.map(str::to_ascii_lowercase).as_deref() {
        None if group => Start::Stored {
            fallback: OffsetType::Earliest,
        },
        None | Some("beginning" | "earliest") => Start::Earliest,
        Some("end" | "latest") => Start::Latest,
        Some("stored") => Start::Stored {
            fallback: OffsetType::Earliest,
        },
        Some(other) => match (other.strip_prefix("s@"), other.strip_prefix('-')) {
            (Some(t), _) => {
                Start::Time(parse_time_ms(&t.to_ascii_uppercase()).ok_or_else(|| bad(other))?)
            }
            (None, Some(n)) => Start::FromEnd(n.parse().map_err(|_| bad(other))?),
            (None, None) => Start::Absolute(other.parse().map_err(|_| bad(other))?),
        },
    };
    match (group, start) {
        (false, Start::Stored { .. }) => Err(CliError::usage("-o stored needs a consumer group (-G)")),
        // With a group, -o beginning/end only say where to start on partitions that have no commit.
        (true, Start::Earliest) => Ok(Start::Stored { fallback: OffsetType::Earliest }),
        (true, Start::Latest) => Ok(Start::Stored { fallback: OffsetType::Latest }),
        (true, Start::Stored { .. }) | (false, _) => Ok(start),
        (true, _) => Err(CliError::usage(
            "with -G the start is the group's committed offset: -o may be stored, beginning or end (used where nothing is committed)",
        )),
    }
}

/// The first offset to read per partition.
fn start_offsets(
    topic: &Topic,
    start: Start,
    group: Option<&str>,
) -> CliResult<BTreeMap<i32, i64>> {
    let earliest = resolve(topic, OffsetsBefore::Earliest)?;
    let latest = resolve(topic, OffsetsBefore::Latest)?;
    let clamp = |p: &i32, o: i64| {
        let lo = earliest.get(p).copied().unwrap_or(0);
        o.clamp(lo, latest.get(p).copied().unwrap_or(lo).max(lo))
    };
    Ok(match start {
        Start::Earliest => earliest.clone(),
        Start::Latest => latest.clone(),
        Start::Time(ms) => resolve(topic, OffsetsBefore::Timestamp(ms))?,
        Start::Absolute(n) => earliest.keys().map(|p| (*p, clamp(p, n))).collect(),
        Start::FromEnd(n) => latest.iter().map(|(p, l)| (*p, clamp(p, l - n))).collect(),
        Start::Stored { fallback } => {
            let committed = offsets_consumer(topic, group.unwrap_or_default())?.fetch_offsets()?;
            let fallback = match fallback {
                OffsetType::Earliest => &earliest,
                OffsetType::Latest => &latest,
            };
            fallback
                .iter()
                .map(|(p, f)| {
                    (
                        *p,
                        committed
                            .get(p)
                            .map(|c| c.offset)
                            .filter(|o| *o >= 0)
                            .unwrap_or(*f),
                    )
                })
                .collect()
        }
    })
}

fn build_consumer(
    topic: &Topic,
    args: &ConsumeArgs,
    start: Start,
    partitions: &[i32],
) -> CliResult<SimpleConsumer> {
    let mut b = topic
        .simple_consumer()
        .partitions(partitions.iter().copied())
        .consumer_timeout_ms(POLL_MS)
        .auto_start(false)
        .use_rdkafka(args.use_rdkafka);
    if let (Some(g), Start::Stored { fallback }) = (&args.group, start) {
        b = b
            .consumer_group(g)
            .auto_offset_reset(fallback)
            .auto_commit_enable(!args.no_commit)
            .auto_commit_interval_ms(5000);
    }
    Ok(b.build()?)
}

/// `consume`.
pub fn consume(ctx: &Ctx, args: &ConsumeArgs) -> CliResult<()> {
    super::check_engine(args.use_rdkafka)?;
    let format = Format::parse(&args.format)?;
    let start = parse_start(args.offset.as_deref(), args.group.is_some())?;
    let topic = ctx.existing_topic(&args.topic)?;
    let all: Vec<i32> = topic.partitions().keys().copied().collect();
    if let Some(bad) = args.partitions.iter().find(|p| !all.contains(p)) {
        return Err(CliError::usage(format!(
            "topic {:?} has no partition {bad}",
            topic.name()
        )));
    }
    let partitions = if args.partitions.is_empty() {
        all
    } else {
        args.partitions.clone()
    };
    let mut next = start_offsets(&topic, start, args.group.as_deref())?;
    next.retain(|p, _| partitions.contains(p));
    let end = resolve(&topic, OffsetsBefore::Latest)?;
    let consumer = build_consumer(&topic, args, start, &partitions)?;
    if !matches!(start, Start::Stored { .. }) {
        // PyKafka's integer form reads -1 / -2 as latest / earliest, so offset 0 is asked for as earliest.
        let target = |o: i64| match o {
            ..=0 => ResetTarget::Earliest,
            o => ResetTarget::LastConsumed(o - 1),
        };
        let targets: Vec<(i32, ResetTarget)> = next.iter().map(|(p, o)| (*p, target(*o))).collect();
        consumer.reset_offsets(Some(&targets))?;
    }
    consumer.start()?;
    let stdout = std::io::stdout();
    let bar = progress::bar_beside_stdout(args.count, "consumed");
    let mut out = BufWriter::new(stdout.lock());
    let write_err = |e| CliError::io("writing to stdout", e);
    let at_end = |next: &BTreeMap<i32, i64>| {
        next.iter()
            .all(|(p, o)| *o >= end.get(p).copied().unwrap_or(0))
    };
    let idle_limit = args.idle_timeout_ms.map(Duration::from_millis);
    let (mut consumed, mut last_message) = (0u64, Instant::now());
    let mut line = Vec::new();
    loop {
        if args.count.is_some_and(|c| consumed >= c) || (args.exit_at_end && at_end(&next)) {
            break;
        }
        let Some(m) = consumer.consume(true)? else {
            out.flush().map_err(write_err)?;
            if idle_limit.is_some_and(|l| last_message.elapsed() >= l) {
                break;
            }
            continue;
        };
        last_message = Instant::now();
        next.insert(m.partition_id, m.offset + 1);
        line.clear();
        match ctx.json {
            true => line.extend(format!("{}\n", message_json(topic.name(), &m)).bytes()),
            false => format.write(topic.name(), &m, &mut line),
        }
        out.write_all(&line).map_err(write_err)?;
        consumed += 1;
        bar.inc(1);
    }
    bar.finish_and_clear();
    out.flush().map_err(write_err)?;
    consumer.stop()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kcat_offsets() {
        assert_eq!(parse_start(None, false).unwrap(), Start::Earliest);
        assert_eq!(parse_start(Some("end"), false).unwrap(), Start::Latest);
        assert_eq!(parse_start(Some("42"), false).unwrap(), Start::Absolute(42));
        assert_eq!(parse_start(Some("-5"), false).unwrap(), Start::FromEnd(5));
        assert_eq!(
            parse_start(Some("s@1000"), false).unwrap(),
            Start::Time(1000)
        );
        assert_eq!(
            parse_start(Some("s@1970-01-01T00:00:01"), false).unwrap(),
            Start::Time(1000)
        );
        assert!(parse_start(Some("stored"), false).is_err());
        assert!(parse_start(Some("soon"), false).is_err());
        assert_eq!(
            parse_start(None, true).unwrap(),
            Start::Stored {
                fallback: OffsetType::Earliest
            }
        );
        assert_eq!(
            parse_start(Some("end"), true).unwrap(),
            Start::Stored {
                fallback: OffsetType::Latest
            }
        );
        assert!(parse_start(Some("42"), true).is_err());
    }
}
