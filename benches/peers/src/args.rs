//! The command line shared by every peer: the same workload knobs as `ferrokafka-perf produce|consume`.

use clap::{Parser, ValueEnum};

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Peer {
    /// rust-rdkafka `BaseProducer` + poll thread / `BaseConsumer` (assign, `poll()` per message).
    RdkafkaBase,
    /// rust-rdkafka `FutureProducer` (every future awaited) / `StreamConsumer`.
    RdkafkaFuture,
    /// rskafka: one `BatchProducer` per partition / per-partition `fetch_records` loops.
    Rskafka,
    /// krafka: `enqueue` with dropped handles and one `flush` / a groupless consumer `poll`ing every partition.
    Krafka,
    /// The ceiling: pre-encoded ~1 MB record batches, Produce v3, 5 requests in flight.
    Raw,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Mode {
    Produce,
    Consume,
}

#[derive(Debug, Parser)]
#[command(
    name = "ferrokafka-peers",
    about = "Other Kafka clients, for ferrokafka-perf compare"
)]
pub struct Cli {
    #[arg(value_enum)]
    pub peer: Peer,
    #[arg(value_enum)]
    pub mode: Mode,
    #[arg(long)]
    pub bootstrap: String,
    #[arg(long)]
    pub topic: String,
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..))]
    pub messages: u64,
    #[arg(long, default_value_t = 100, value_parser = clap::value_parser!(u64).range(1..=1_073_741_824))]
    pub size: u64,
    #[arg(long, default_value_t = 1, allow_negative_numbers = true,
          value_parser = clap::value_parser!(i16).range(-1..=1))]
    pub acks: i16,
    #[arg(long, default_value_t = 5)]
    pub linger_ms: u64,
    /// The topic's partition count (rskafka and the raw client address partitions themselves).
    #[arg(long, default_value_t = 6, value_parser = clap::value_parser!(i32).range(1..))]
    pub partitions: i32,
    /// Paced run: this many messages per second, every delivery timed.
    #[arg(long)]
    pub rate: Option<u64>,
    /// Largest request (and batch) the client may send, bytes.
    #[arg(long, default_value_t = 1_000_000)]
    pub max_request_size: u64,
    /// Consume: librdkafka's `check.crcs` (the rust-rdkafka peers only); default: librdkafka's (off).
    #[arg(long)]
    pub check_crcs: Option<bool>,
}
