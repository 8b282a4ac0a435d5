//! `kafka-tools`: PyKafka's operational CLI plus kcat-style produce and consume, on the ferrokafka facade.
//! Exit status 0 on success; otherwise one line on stderr and 1 (2 for a bad argument).
#![forbid(unsafe_code)]

mod cli;
mod commands;
mod config_file;
mod connect;
mod error;
mod escape;
mod facade;
mod message_format;
mod offset_spec;
mod output;
mod progress;

use std::process::ExitCode;

use clap::error::ErrorKind;
use clap::{CommandFactory, Parser};

use cli::{Cli, Command};
use commands::Ctx;
use error::{CliError, CliResult};

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) if matches!(e.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion) => {
            let _ = e.print();
            return ExitCode::SUCCESS;
        }
        Err(e) => return fail(&CliError::usage(clap_error_line(&e))),
    };
    let Some(command) = &cli.command else {
        // PyKafka prints the help when no subcommand is given.
        let _ = Cli::command().print_help();
        return ExitCode::SUCCESS;
    };
    match run(&cli, command) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if e.is_broken_pipe() => ExitCode::SUCCESS,
        Err(e) => fail(&e),
    }
}

/// clap's message (`error: unexpected argument '--x' found`, or a required-argument list) on one line,
/// without the prefix, tips or usage block.
fn clap_error_line(e: &clap::Error) -> String {
    let text = e.render().to_string();
    let message: Vec<&str> = text
        .lines()
        .map(str::trim)
        .skip_while(|l| l.is_empty())
        .take_while(|l| !l.is_empty() && !l.starts_with("Usage:"))
        .collect();
    format!(
        "{} (see --help)",
        message.join(" ").trim_start_matches("error: ")
    )
}

fn fail(e: &CliError) -> ExitCode {
    eprintln!("kafka-tools: error: {e}");
    ExitCode::from(e.exit_code())
}

fn run(cli: &Cli, command: &Command) -> CliResult<()> {
    let resolved = connect::resolve(&cli.connection, cli.broker_version.as_deref())?;
    let version = resolved.options.broker_version.clone();
    // PyKafka's version guard, before any connection is made.
    match command {
        Command::CreateTopic(_) => {
            commands::topics::check_admin_version(version.as_deref(), "creation")?
        }
        Command::DeleteTopic(_) => {
            commands::topics::check_admin_version(version.as_deref(), "deletion")?
        }
        _ => {}
    }
    let ctx = Ctx {
        client: connect::connect(resolved.options)?,
        json: cli.json,
    };
    match command {
        Command::ConsumeTopic(a) => commands::consume_topic::consume_topic(&ctx, a),
        Command::DescTopic(a) => commands::topics::desc_topic(&ctx, a),
        Command::PrintManagedConsumerGroups(a) => {
            commands::groups::print_managed_consumer_groups(&ctx, a)
        }
        Command::PrintConsumerLag(a) => commands::groups::print_consumer_lag(&ctx, a),
        Command::PrintOffsets(a) => commands::offsets::print_offsets(&ctx, a),
        Command::PrintTopics => commands::topics::print_topics(&ctx),
        Command::ResetOffsets(a) => commands::offsets::reset_offsets(&ctx, a),
        Command::CreateTopic(a) => commands::topics::create_topic(&ctx, a),
        Command::DeleteTopic(a) => commands::topics::delete_topic(&ctx, a),
        Command::Produce(a) => commands::produce::produce(&ctx, a, &resolved.producer),
        Command::Consume(a) => commands::consume::consume(&ctx, a),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_command_line_definition_is_consistent() {
        Cli::command().debug_assert();
    }
}
