//! The command line: PyKafka's `kafka-tools` subcommands and options under their names, plus kcat-style
//! `produce` and `consume`. Connection options (`-b`, TLS, SASL, `--config`) are read by `connect.rs`.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// kafka-tools: inspect and operate a Kafka cluster (PyKafka's kafka-tools, plus kcat-style produce/consume).
///
/// Global options go before the subcommand, as in PyKafka (`-o` is `--broker_version` here and
/// `--outfile`/`--offset` after a subcommand). `--json`, `-b` and the TLS/SASL/config options are accepted
/// anywhere. Exit status: 0 on success, 1 on failure, 2 on a bad argument; a failure prints one line on stderr.
#[derive(Debug, Parser)]
#[command(name = "kafka-tools", version, max_term_width = 110)]
pub struct Cli {
    #[command(flatten)]
    pub connection: ConnectionArgs,

    /// Pin the protocol to this broker version (e.g. 0.10.2) instead of negotiating with ApiVersions.
    #[arg(short = 'o', long = "broker_version", value_name = "VERSION")]
    pub broker_version: Option<String>,

    /// Print JSON instead of tables (one object per message for consume_topic / consume).
    #[arg(long, global = true)]
    pub json: bool,

    #[command(subcommand)]
    pub command: Option<Command>,
}

/// How to reach and authenticate to the cluster. Command-line values override `--config` values.
#[derive(Debug, Args, Clone, Default)]
#[command(next_help_heading = "Connection (accepted before or after the subcommand)")]
pub struct ConnectionArgs {
    /// Bootstrap broker(s), `host:port[,host:port...]` [default: localhost:9092].
    #[arg(short = 'b', long = "broker", value_name = "HOST:PORT", global = true)]
    pub broker: Option<String>,

    /// File of `key=value` lines (`#` comments); ferrokafka names or librdkafka names such as
    /// bootstrap.servers, security.protocol, ssl.ca.location, sasl.mechanism, sasl.username.
    #[arg(long, value_name = "FILE", global = true)]
    pub config: Option<PathBuf>,

    /// Socket timeout of each request, ms [default: 30000].
    #[arg(long = "socket-timeout-ms", value_name = "MS", global = true)]
    pub socket_timeout_ms: Option<i64>,

    /// Client id sent to the brokers [default: kafka-tools].
    #[arg(long = "client-id", value_name = "ID", global = true)]
    pub client_id: Option<String>,

    /// TLS: PEM file of the CA(s) that sign the brokers' certificates (SslConfig.cafile). Turns TLS on.
    #[arg(long = "ssl-cafile", value_name = "PEM", global = true)]
    pub ssl_cafile: Option<PathBuf>,

    /// TLS: PEM client certificate (SslConfig.certfile).
    #[arg(long = "ssl-certfile", value_name = "PEM", global = true)]
    pub ssl_certfile: Option<PathBuf>,

    /// TLS: PEM client key, optionally encrypted PKCS#8 (SslConfig.keyfile).
    #[arg(long = "ssl-keyfile", value_name = "PEM", global = true)]
    pub ssl_keyfile: Option<PathBuf>,

    /// TLS: passphrase of an encrypted --ssl-keyfile (SslConfig.password).
    #[arg(long = "ssl-password", value_name = "PASSWORD", global = true)]
    pub ssl_password: Option<String>,

    /// TLS: do not check the broker's hostname against its certificate (SslConfig.check_hostname=false).
    #[arg(long = "ssl-no-check-hostname", global = true)]
    pub ssl_no_check_hostname: bool,

    /// SASL mechanism: PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512. With --ssl-cafile it runs over TLS (SASL_SSL).
    #[arg(long = "sasl-mechanism", value_name = "MECHANISM", global = true)]
    pub sasl_mechanism: Option<String>,

    /// SASL user name.
    #[arg(long = "sasl-username", value_name = "USER", global = true)]
    pub sasl_username: Option<String>,

    /// SASL password.
    #[arg(long = "sasl-password", value_name = "PASSWORD", global = true)]
    pub sasl_password: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Write the next LIMIT new messages of TOPIC (values, one per line) to a file or stdout (PyKafka).
    #[command(name = "consume_topic")]
    ConsumeTopic(ConsumeTopicArgs),
    /// Describe TOPIC: partitions, leaders, replicas, ISR.
    #[command(name = "desc_topic")]
    DescTopic(TopicArg),
    /// Kafka-managed consumer groups with a member subscribed to TOPIC.
    #[command(name = "print_managed_consumer_groups")]
    PrintManagedConsumerGroups(TopicArg),
    /// Lag of CONSUMER_GROUP on TOPIC per partition: latest offset minus committed offset.
    #[command(name = "print_consumer_lag")]
    PrintConsumerLag(TopicGroupArgs),
    /// Offsets of TOPIC at OFFSET (earliest, latest, or a UTC time YYYY-MM-DDTHH:MM:SS).
    #[command(name = "print_offsets")]
    PrintOffsets(PrintOffsetsArgs),
    /// Every topic with its partition count and replication factor.
    #[command(name = "print_topics")]
    PrintTopics,
    /// Commit CONSUMER_GROUP's offsets on TOPIC to OFFSET (earliest, latest, or a UTC time).
    #[command(name = "reset_offsets")]
    ResetOffsets(ResetOffsetsArgs),
    /// Create TOPIC.
    #[command(name = "create_topic")]
    CreateTopic(CreateTopicArgs),
    /// Delete TOPIC.
    #[command(name = "delete_topic")]
    DeleteTopic(DeleteTopicArgs),
    /// kcat-style: produce messages read from stdin (lines, or all of stdin with --raw).
    Produce(ProduceArgs),
    /// kcat-style: consume messages to stdout with a format string or --json.
    Consume(ConsumeArgs),
}

#[derive(Debug, Args)]
pub struct TopicArg {
    /// Topic name.
    #[arg(value_name = "TOPIC")]
    pub topic: String,
}

#[derive(Debug, Args)]
pub struct TopicGroupArgs {
    /// Topic name.
    #[arg(value_name = "TOPIC")]
    pub topic: String,
    /// Consumer group.
    #[arg(value_name = "CONSUMER_GROUP")]
    pub group: String,
}

#[derive(Debug, Args)]
pub struct ConsumeTopicArgs {
    /// Topic name.
    #[arg(value_name = "TOPIC")]
    pub topic: String,
    /// Number of messages to write (empty values are skipped, as in PyKafka).
    #[arg(short = 'l', long, default_value_t = 10, value_name = "N")]
    pub limit: u64,
    /// Write to this file instead of stdout.
    #[arg(short = 'o', long, value_name = "FILE")]
    pub outfile: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct PrintOffsetsArgs {
    /// Topic name.
    #[arg(value_name = "TOPIC")]
    pub topic: String,
    /// earliest, latest, or a UTC time YYYY-MM-DDTHH:MM:SS (also a number of ms since the epoch).
    #[arg(value_name = "OFFSET", allow_hyphen_values = true)]
    pub offset: String,
}

#[derive(Debug, Args)]
pub struct ResetOffsetsArgs {
    /// Topic name.
    #[arg(value_name = "TOPIC")]
    pub topic: String,
    /// Consumer group (created if it has no offsets yet).
    #[arg(value_name = "CONSUMER_GROUP")]
    pub group: String,
    /// earliest, latest, or a UTC time YYYY-MM-DDTHH:MM:SS (also a number of ms since the epoch).
    #[arg(value_name = "OFFSET", allow_hyphen_values = true)]
    pub offset: String,
}

#[derive(Debug, Args)]
pub struct CreateTopicArgs {
    /// Topic name.
    #[arg(value_name = "TOPIC")]
    pub topic: String,
    /// How long the controller may take, ms.
    #[arg(short = 't', long, default_value_t = 5000, value_name = "MS")]
    pub timeout: i32,
    /// Partitions; -1 = the broker's default [default: 1, or unset with -a].
    #[arg(
        short = 'p',
        long = "num_partitions",
        value_name = "N",
        allow_hyphen_values = true
    )]
    pub num_partitions: Option<i32>,
    /// Replication factor; -1 = the broker's default [default: 1, or unset with -a].
    #[arg(
        short = 'r',
        long = "replication_factor",
        value_name = "N",
        allow_hyphen_values = true
    )]
    pub replication_factor: Option<i16>,
    /// JSON {partition: [broker ids]}, e.g. '{"0": [1, 2], "1": [2, 1]}'. Replaces -p and -r.
    #[arg(short = 'a', long = "replica_assignment", value_name = "JSON")]
    pub replica_assignment: Option<String>,
    /// JSON {name: value} of topic configs, e.g. '{"cleanup.policy": "compact"}'.
    #[arg(short = 'c', long = "config_entries", value_name = "JSON")]
    pub config_entries: Option<String>,
}

#[derive(Debug, Args)]
pub struct DeleteTopicArgs {
    /// Topic name.
    #[arg(value_name = "TOPIC")]
    pub topic: String,
    /// How long the controller may take, ms.
    #[arg(short = 't', long, default_value_t = 5000, value_name = "MS")]
    pub timeout: i32,
}

#[derive(Debug, Args)]
pub struct ProduceArgs {
    /// Topic name (must exist).
    #[arg(value_name = "TOPIC")]
    pub topic: String,
    /// Message delimiter in stdin; escapes \n \t \r \0 \\ \xNN are decoded.
    #[arg(short = 'D', long, default_value = "\\n", value_name = "DELIM")]
    pub delimiter: String,
    /// Split each message into key and value at the first occurrence of this (escapes as -D).
    #[arg(short = 'K', long = "key-delimiter", value_name = "DELIM")]
    pub key_delimiter: Option<String>,
    /// Send all of stdin, unchanged, as one message (binary safe); -K still splits off a key.
    #[arg(long)]
    pub raw: bool,
    /// Header `name=value` on every message (repeatable; escapes as -D in the value).
    #[arg(short = 'H', long = "header", value_name = "NAME=VALUE")]
    pub headers: Vec<String>,
    /// Send every message to this partition (default: the producer's partitioner).
    #[arg(short = 'p', long, value_name = "N")]
    pub partition: Option<i32>,
    /// How keyed messages pick a partition: consistent_random (CRC-32 of the key, librdkafka's and kcat's
    /// default), murmur2 (the Java client's), hashing (PyKafka's HashingPartitioner), random (PyKafka's default).
    #[arg(long, value_name = "NAME")]
    pub partitioner: Option<String>,
    /// Compression codec: none, gzip, snappy, lz4, zstd.
    #[arg(short = 'z', long, value_name = "CODEC")]
    pub compression: Option<String>,
    /// Acknowledgements: -1 (or all), 0, 1.
    #[arg(long, value_name = "ACKS", allow_hyphen_values = true)]
    pub acks: Option<String>,
    /// How long a message may wait for company before it is sent, ms.
    #[arg(long = "linger-ms", value_name = "MS")]
    pub linger_ms: Option<i64>,
    /// How long to wait for the last deliveries at the end, ms.
    #[arg(long = "flush-timeout-ms", default_value_t = 30_000, value_name = "MS")]
    pub flush_timeout_ms: i64,
    /// Produce with the librdkafka engine.
    #[arg(long = "use-rdkafka")]
    pub use_rdkafka: bool,
}

#[derive(Debug, Args)]
pub struct ConsumeArgs {
    /// Topic name.
    #[arg(value_name = "TOPIC")]
    pub topic: String,
    /// Start: beginning|earliest, end|latest, stored (the group's committed offset), N (absolute),
    /// -N (N before the end), s@MS or s@YYYY-MM-DDTHH:MM:SS (first message at or after that UTC time)
    /// [default: stored with -G, else beginning].
    #[arg(short = 'o', long, value_name = "OFFSET", allow_hyphen_values = true)]
    pub offset: Option<String>,
    /// Consumer group: start at its committed offsets (-o stored) and commit what was consumed on exit.
    #[arg(short = 'G', long, value_name = "GROUP")]
    pub group: Option<String>,
    /// With -G: do not commit on exit.
    #[arg(long = "no-commit")]
    pub no_commit: bool,
    /// Only these partitions (repeatable).
    #[arg(short = 'p', long = "partition", value_name = "N")]
    pub partitions: Vec<i32>,
    /// Stop after N messages.
    #[arg(short = 'c', long, value_name = "N")]
    pub count: Option<u64>,
    /// Stop at the end: the last offset of each partition when consuming started. (A transaction marker
    /// as a partition's last record is never delivered: add --idle-timeout-ms for such topics.)
    #[arg(short = 'e', long = "exit")]
    pub exit_at_end: bool,
    /// Stop when no message came for this long, ms.
    #[arg(long = "idle-timeout-ms", value_name = "MS")]
    pub idle_timeout_ms: Option<u64>,
    /// Output format: %s value, %k key, %p partition, %o offset, %T timestamp (ms), %t topic,
    /// %h headers (name=value,...), %S value length, %K key length, %%; escapes \n \t \r \0 \\ \xNN.
    #[arg(short = 'f', long, default_value = "%s\\n", value_name = "FORMAT")]
    pub format: String,
    /// Consume with the librdkafka engine.
    #[arg(long = "use-rdkafka")]
    pub use_rdkafka: bool,
}
