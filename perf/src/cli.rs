//! Command-line options. Ranges are checked by clap so bad input fails before any connection.

use clap::{Args, Parser, Subcommand, ValueEnum};
use ferrokafka_core::compression::Compression;

#[derive(Debug, Parser)]
#[command(name = "ferrokafka-perf", version, about = "Kafka client benchmarks")]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Produce N messages of S bytes and report throughput, latency, CPU and peak RSS.
    Produce(RunArgs),
    /// Consume N messages from the start of a (pre-filled) topic.
    Consume(RunArgs),
    /// Run every workload with every client against testkit brokers; print (and optionally write) a table.
    Compare(CompareArgs),
}

/// Which ferrokafka engine runs the workload.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Engine {
    Pure,
    Native,
}

/// Compression codec, by its Kafka name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Codec {
    None,
    Gzip,
    Snappy,
    Lz4,
    Zstd,
}

impl Codec {
    pub fn name(self) -> &'static str {
        match self {
            Codec::None => "none",
            Codec::Gzip => "gzip",
            Codec::Snappy => "snappy",
            Codec::Lz4 => "lz4",
            Codec::Zstd => "zstd",
        }
    }

    pub fn compression(self) -> Compression {
        match self {
            Codec::None => Compression::None,
            Codec::Gzip => Compression::Gzip,
            Codec::Snappy => Compression::Snappy,
            Codec::Lz4 => Compression::Lz4,
            Codec::Zstd => Compression::Zstd,
        }
    }
}

#[derive(Debug, Clone, Args)]
pub struct RunArgs {
    #[arg(long, value_enum, default_value = "pure")]
    pub engine: Engine,
    /// Broker to connect to, host:port.
    #[arg(long, default_value = "localhost:9092")]
    pub bootstrap: String,
    #[arg(long)]
    pub topic: String,
    /// Messages to produce or consume.
    #[arg(long, default_value_t = 100_000, value_parser = clap::value_parser!(u64).range(1..))]
    pub messages: u64,
    /// Value size in bytes (produce).
    #[arg(long, default_value_t = 100, value_parser = clap::value_parser!(u64).range(1..=1_000_000))]
    pub size: u64,
    #[arg(long, value_enum, default_value = "none")]
    pub compression: Codec,
    /// -1 all in-sync replicas, 0 none, 1 leader.
    #[arg(long, default_value_t = 1, allow_negative_numbers = true,
          value_parser = clap::value_parser!(i16).range(-1..=1))]
    pub acks: i16,
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(i64).range(0..=60_000))]
    pub linger_ms: i64,
    /// Partitions the topic is expected to have (informational; the topic must exist).
    #[arg(long, default_value_t = 6, value_parser = clap::value_parser!(i32).range(1..))]
    pub partitions: i32,
    /// Print one JSON object instead of a table.
    #[arg(long)]
    pub json: bool,
    /// Produce with PyKafka's round-robin `RandomPartitioner` instead of the engine's default (the pure
    /// engine's default is sticky, KIP-480).
    #[arg(long)]
    pub round_robin: bool,
}

#[derive(Debug, Clone, Args)]
pub struct CompareArgs {
    /// Messages of the 100 B workloads.
    #[arg(long, default_value_t = 1_000_000, value_parser = clap::value_parser!(u64).range(1..))]
    pub small_messages: u64,
    /// Messages of the 1 KiB workloads.
    #[arg(long, default_value_t = 200_000, value_parser = clap::value_parser!(u64).range(1..))]
    pub large_messages: u64,
    /// Runs of each client and workload; the median (by msgs/s) is reported.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=9))]
    pub repeat: u32,
    #[arg(long, default_value_t = 6, value_parser = clap::value_parser!(i32).range(1..))]
    pub partitions: i32,
    /// Skip PyKafka (and the Kafka 3.9.1 broker it needs).
    #[arg(long)]
    pub no_pykafka: bool,
    /// Skip Kafka's Java perf tools.
    #[arg(long)]
    pub no_java: bool,
    /// Replace README.md's text between `<!-- perf:start -->` and `<!-- perf:end -->` with the result.
    #[arg(long)]
    pub write_readme: Option<std::path::PathBuf>,
}
