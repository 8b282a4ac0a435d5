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
    /// Produce one message and await its delivery, N times in a row, with default options on each engine;
    /// print the median latency (the request-path case: PyKafka's 5 s linger made it 5 s).
    AwaitOne(AwaitOneArgs),
}

#[derive(Debug, Clone, Args)]
pub struct AwaitOneArgs {
    /// Broker to use, host:port; default: start a Kafka 4.1.1 broker from the testkit.
    #[arg(long)]
    pub bootstrap: Option<String>,
    /// Deliveries timed per engine.
    #[arg(long, default_value_t = 50, value_parser = clap::value_parser!(u64).range(1..))]
    pub messages: u64,
    /// Engines to measure, comma-separated.
    #[arg(long, value_enum, value_delimiter = ',', default_value = "pure,native")]
    pub engines: Vec<Engine>,
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

/// Largest value and request size the tool accepts: Kafka's requests are sized by a 32-bit field.
pub const MAX_SIZE: u64 = i32::MAX as u64;

/// Bytes a record and its batch add around the value (a generous bound for one keyless record).
pub const RECORD_OVERHEAD: u64 = 512;

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
    /// Value size in bytes (produce), up to `--max-request-size` less the record's overhead (larger sizes need the
    /// topic's `max.message.bytes` raised too).
    #[arg(long, default_value_t = 100, value_parser = clap::value_parser!(u64).range(1..=MAX_SIZE))]
    pub size: u64,
    /// The producer's `max_request_size` (and the consumer's `fetch_message_max_bytes`); default: the larger of
    /// 1,000,012 (PyKafka's) and what `--size` needs.
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..=MAX_SIZE))]
    pub max_request_size: Option<u64>,
    /// Paced run: produce this many messages per second and time every delivery (unpaced: every 16th).
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..))]
    pub rate: Option<u64>,
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
    /// Consume: verify fetched batches' CRCs (the `check_crcs` option); default: the option's default (on).
    #[arg(long)]
    pub check_crcs: Option<bool>,
}

impl RunArgs {
    /// The request size the producer is given: `--max-request-size`, or enough for `--size`.
    pub fn request_size(&self) -> u64 {
        self.max_request_size
            .unwrap_or_else(|| (self.size + RECORD_OVERHEAD).max(1_000_012))
    }

    /// `--size` must fit in `--max-request-size` with its record's overhead.
    pub fn check(&self) -> Result<(), String> {
        let max = self.request_size();
        if self.size + RECORD_OVERHEAD > max {
            return Err(format!(
                "--size {} does not fit in --max-request-size {max} (a record adds up to {RECORD_OVERHEAD} bytes): \
                 raise --max-request-size, and the topic's max.message.bytes with it",
                self.size
            ));
        }
        Ok(())
    }
}

#[derive(Debug, Clone, Args)]
pub struct CompareArgs {
    /// Messages per run for values under 64 KiB.
    #[arg(long, default_value_t = 1_000_000, value_parser = clap::value_parser!(u64).range(1..))]
    pub messages: u64,
    /// Bytes per run for values of 64 KiB and more (messages = this ÷ size, at least 20).
    #[arg(long, default_value_t = 1_000_000_000, value_parser = clap::value_parser!(u64).range(1..))]
    pub big_bytes: u64,
    /// Value sizes, comma-separated (e.g. `100,524288,5242880`); big ones raise the producers' request size,
    /// the consumers' fetch size and the topic's `max.message.bytes` to fit.
    #[arg(long, value_delimiter = ',', default_value = "100",
          value_parser = clap::value_parser!(u64).range(1..=MAX_SIZE / 2))]
    pub sizes: Vec<u64>,
    /// Partition counts, comma-separated (e.g. `6,100,1000`).
    #[arg(long, value_delimiter = ',', default_value = "6",
          value_parser = clap::value_parser!(i32).range(1..=100_000))]
    pub partitions: Vec<i32>,
    /// Interleaved rounds: every client runs once per round; medians and ranges over the rounds.
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u32).range(1..=21))]
    pub rounds: u32,
    /// Paced latency runs: produce at this many msgs/s, every delivery timed (consume is skipped).
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..))]
    pub rate: Option<u64>,
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(i64).range(0..=60_000))]
    pub linger_ms: i64,
    #[arg(long, default_value_t = 1, allow_negative_numbers = true,
          value_parser = clap::value_parser!(i16).range(-1..=1))]
    pub acks: i16,
    /// Clients to run, comma-separated; default: every Rust client, the ceiling and Java.
    #[arg(
        long,
        value_enum,
        value_delimiter = ',',
        default_value = "pure,native,rdkafka-base,rdkafka-future,rskafka,krafka,raw,java"
    )]
    pub clients: Vec<crate::clients::Client>,
    /// Messages per run for the Python clients (PyKafka, confluent-kafka-python), when fewer than `--messages`
    /// (pure-Python PyKafka runs at a few tens of thousands of messages per second). Their rows say so.
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..))]
    pub python_messages: Option<u64>,
    /// Produce only.
    #[arg(long)]
    pub no_consume: bool,
    /// Force the consumers' CRC check on or off where the client has the setting: ferrokafka's `check_crcs`
    /// (default on) and librdkafka's `check.crcs` (default off), so that both do the same work. Default: each
    /// client's own default.
    #[arg(long)]
    pub check_crcs: Option<bool>,
    /// Replace README.md's text between `<!-- SECTION:start -->` and `<!-- SECTION:end -->` with the result.
    #[arg(long)]
    pub write_readme: Option<std::path::PathBuf>,
    /// The README section `--write-readme` replaces (`perf`: the main table; `perf-scale`, `perf-big`: the
    /// partition-count and big-message runs).
    #[arg(long, default_value = "perf", value_parser = ["perf", "perf-scale", "perf-big"])]
    pub readme_section: String,
}
