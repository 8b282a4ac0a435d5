//! `consume_topic TOPIC [-l LIMIT] [-o OUTFILE]`: PyKafka's peek at new messages.

use std::fs::File;
use std::io::Write;

use ferrokafka::OffsetType;

use super::Ctx;
use crate::cli::ConsumeTopicArgs;
use crate::error::{CliError, CliResult};
use crate::message_format::message_json;
use crate::progress;

/// PyKafka's consumer group for this command.
const GROUP: &str = "pykafka_cli";

/// As PyKafka: a `pykafka_cli` group consumer reset to the latest offsets at start, so only messages
/// produced after it started are written (it waits for them). Empty values are skipped; values are
/// written as UTF-8 (invalid bytes replaced) one per line, or as JSON objects with `--json`.
pub fn consume_topic(ctx: &Ctx, args: &ConsumeTopicArgs) -> CliResult<()> {
    let topic = ctx.existing_topic(&args.topic)?;
    let mut out: Box<dyn Write> = match &args.outfile {
        Some(path) => Box::new(
            File::create(path)
                .map_err(|e| CliError::io(format!("creating --outfile {}", path.display()), e))?,
        ),
        None => Box::new(std::io::stdout().lock()),
    };
    let consumer = topic
        .simple_consumer()
        .consumer_group(GROUP)
        .consumer_timeout_ms(100)
        .auto_offset_reset(OffsetType::Latest)
        .reset_offset_on_start(true)
        .auto_commit_enable(true)
        .auto_commit_interval_ms(3000)
        .build()?;
    let bar = match args.outfile {
        Some(_) => progress::bar(Some(args.limit), "consuming"),
        None => progress::bar_beside_stdout(Some(args.limit), "consuming"),
    };
    let mut written = 0;
    while written < args.limit {
        let Some(m) = consumer.consume(true)? else {
            continue;
        };
        let Some(value) = m.value.as_ref().filter(|v| !v.is_empty()) else {
            continue;
        };
        let line = match ctx.json {
            true => message_json(topic.name(), &m).to_string(),
            false => String::from_utf8_lossy(value).into_owned(),
        };
        writeln!(out, "{line}").map_err(|e| CliError::io("writing a message", e))?;
        written += 1;
        bar.inc(1);
    }
    bar.finish_and_clear();
    out.flush()
        .map_err(|e| CliError::io("writing a message", e))?;
    consumer.stop()?;
    Ok(())
}
