//! Entry point of `ferrokafka-perf`; see `ferrokafka-perf --help`.

use clap::Parser;
use ferrokafka_perf::cli::{Cli, Command};
use ferrokafka_perf::{await_one, compare, run};

fn main() {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Produce(args) => run::produce(&args).map(|r| r.print(args.json)),
        Command::Consume(args) => run::consume(&args).map(|r| r.print(args.json)),
        Command::Compare(args) => compare::run(&args),
        Command::AwaitOne(args) => await_one::run(&args),
    };
    if let Err(e) = result {
        eprintln!("ferrokafka-perf: {e}");
        std::process::exit(1);
    }
}
