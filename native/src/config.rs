//! ferrokafka options → librdkafka properties, as one table ([`MAPPING`]) and the code that applies it.
//!
//! Starts from PyKafka's own mapping (`pykafka/rdkafka/producer.py` / `simple_consumer.py`), fixes its
//! drift (PyKafka passes Python bools as "True", computes `message.timeout.ms` = 0 for `max_retries=0`, and
//! leaves librdkafka defaults that differ from PyKafka's, like `isolation.level=read_committed`), and range-checks
//! every value so a bad option fails with `Error::Config` naming the *ferrokafka* option, not a librdkafka key.
//! Every option field is in the table: mapped, handled by ferrokafka's wrapper, without effect, or rejected.

use std::fmt;

use ferrokafka_core::options::{ClientOptions, ConsumerOptions, OffsetType, ProducerOptions};
use ferrokafka_core::{Error, Result};
use rdkafka::config::ClientConfig;

/// Which options struct a row belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    Client,
    Producer,
    Consumer,
}

impl Scope {
    fn name(self) -> &'static str {
        match self {
            Scope::Client => "client",
            Scope::Producer => "producer",
            Scope::Consumer => "consumer",
        }
    }
}

/// One row of the mapping: a ferrokafka option (or `-` for a fixed property) and what becomes of it.
#[derive(Debug, Clone, Copy)]
pub struct MappingRow {
    pub scope: Scope,
    /// The ferrokafka field (`ssl_config.cafile` for nested fields), or `-` for a property ferrokafka always sets.
    pub option: &'static str,
    /// librdkafka properties set from it; empty when none.
    pub property: &'static str,
    /// How the value converts, or "ferrokafka" / "no effect" / "rejected".
    pub conversion: &'static str,
    pub notes: &'static str,
}

const fn row(
    scope: Scope,
    option: &'static str,
    property: &'static str,
    conversion: &'static str,
    notes: &'static str,
) -> MappingRow {
    MappingRow {
        scope,
        option,
        property,
        conversion,
        notes,
    }
}

use Scope::{Client as C, Consumer as K, Producer as P};

/// Cap on `queued.max.messages.kbytes` (per partition): librdkafka's own default, 64 MiB. PyKafka's formula
/// (`queued_max_messages × fetch_message_max_bytes / 1024`) gives 2 GB per partition with its defaults.
pub const PREFETCH_KBYTES_CAP: i64 = 65_536;

/// The mapping, in the order the code applies it. `extra` passthrough properties are applied after all of it.
pub const MAPPING: &[MappingRow] = &[
    row(C, "hosts", "bootstrap.servers", "parsed `host:port` list, IPv6 as `[h]:p`, re-joined with `,`", "a `/chroot` suffix is dropped"),
    row(C, "zookeeper_hosts", "", "rejected when set", "librdkafka cannot read brokers from ZooKeeper; resolve them and pass `hosts`"),
    row(C, "socket_timeout_ms", "socket.timeout.ms", "integer, 10..=300000", ""),
    row(C, "offsets_channel_socket_timeout_ms", "", "ferrokafka", "timeout of offset commit / committed-offset fetch calls"),
    row(C, "exclude_internal_topics", "", "no effect", "an engine serves one topic; topic listing is the facade's"),
    row(C, "source_address", "", "rejected when non-empty", "librdkafka has no bind-address option"),
    row(C, "ssl_config", "security.protocol", "`ssl`, or `sasl_ssl` with `sasl_config`", ""),
    row(C, "ssl_config.cafile", "ssl.ca.location", "path", ""),
    row(C, "ssl_config.certfile", "ssl.certificate.location", "path, when set", ""),
    row(C, "ssl_config.keyfile", "ssl.key.location", "path, when set", ""),
    row(C, "ssl_config.password", "ssl.key.password", "string, when set", "redacted in `Debug`"),
    row(C, "ssl_config.check_hostname", "ssl.endpoint.identification.algorithm", "true → `https`, false → `none`", "PyKafka never checks; ferrokafka does by default"),
    row(C, "sasl_config", "security.protocol", "`sasl_plaintext`, or `sasl_ssl` with `ssl_config`", ""),
    row(C, "sasl_config.mechanism", "sasl.mechanism", "`PLAIN`, `SCRAM-SHA-256`, `SCRAM-SHA-512`", ""),
    row(C, "sasl_config.username", "sasl.username", "string", ""),
    row(C, "sasl_config.password", "sasl.password", "string", "redacted in `Debug`"),
    row(C, "broker_version", "api.version.request, broker.version.fallback", "None or ≥ 0.10.0 → `api.version.request=true`; < 0.10.0 → `false` + fallback = the version", "as PyKafka"),
    row(C, "client_id", "client.id", "string", "PyKafka hard-codes `pykafka.rdkafka`"),
    row(C, "-", "log.connection.close", "`false`", "as PyKafka: idle disconnects are not errors"),
    row(P, "compression", "compression.codec", "`none`/`gzip`/`snappy`/`lz4`/`zstd`", ""),
    row(P, "max_retries", "message.send.max.retries", "integer, 0..=2147483647", "attempts = max_retries + 1, as PyKafka"),
    row(P, "retry_backoff_ms", "retry.backoff.ms, retry.backoff.max.ms", "integer, 1..=300000, both set", "a fixed gap as PyKafka (librdkafka would back off exponentially up to max)"),
    row(P, "required_acks", "request.required.acks", "-1, 0, 1; 2+ → -1", "as PyKafka and librdkafka"),
    row(P, "ack_timeout_ms", "request.timeout.ms", "integer, 1..=900000", "0 is rejected (librdkafka's minimum is 1)"),
    row(P, "max_queued_messages", "queue.buffering.max.messages", "integer, 1..=2147483647", "librdkafka's bound is per producer, PyKafka's per broker; also the per-thread delivery-report bound"),
    row(P, "min_queued_messages", "batch.num.messages", "`effective_min_queued()` (1 when sync), clamped to 1..=1000000", "librdkafka sends a batch when it holds this many, like PyKafka's flush trigger"),
    row(P, "linger_ms", "queue.buffering.max.ms", "integer, 0..=900000; 0 when sync", ""),
    row(P, "queue_empty_timeout_ms", "", "no effect", "librdkafka's broker threads wake on enqueue; there is no idle wait to tune"),
    row(P, "block_on_queue_full", "", "ferrokafka", "on `_QUEUE_FULL`: wait for space (async: tokio sleep) or fail with `ProducerQueueFull`"),
    row(P, "max_request_size", "message.max.bytes", "integer, 1000..=1000000000", "also checked by ferrokafka before enqueueing: oversize → `MessageSizeTooLarge` report"),
    row(P, "sync", "", "ferrokafka", "produce waits for the delivery, bounded by `pending_timeout_ms`"),
    row(P, "delivery_reports", "", "ferrokafka", "per-thread `DeliveryReports`, capacity `max_queued_messages`"),
    row(P, "pending_timeout_ms", "", "ferrokafka", "bounds sync waits and `stop()`'s flush; unsent messages are then purged and reported failed"),
    row(P, "auto_start", "", "ferrokafka", ""),
    row(P, "-", "message.timeout.ms", "`linger_ms + (max_retries + 1) × (ack_timeout_ms + retry_backoff_ms)`, capped at 2147483647", "PyKafka: `1.2 × max_retries × (ack + backoff)`, which is 0 (= forever) for max_retries 0 and can undercut linger"),
    row(P, "-", "delivery.report.only.error", "`false`", "every message gets a report"),
    row(P, "partitioner (builder)", "", "ferrokafka", "ferrokafka's `Partitioner` picks the partition; librdkafka gets an explicit id"),
    row(K, "consumer_group", "group.id", "the group; a unique unused `ferrokafka-native-*` id when None", "librdkafka needs a group.id to assign; no JoinGroup is ever sent"),
    row(K, "partitions", "", "ferrokafka", "manual `assign` of these ids (all when None)"),
    row(K, "fetch_message_max_bytes", "fetch.message.max.bytes", "integer, 1..=1000000000", "librdkafka grows it for a larger message instead of failing as PyKafka does"),
    row(K, "num_consumer_fetchers", "", "no effect", "librdkafka fetches with one thread per broker (PyKafka's rdkafka consumer ignores it too)"),
    row(K, "auto_commit_enable", "enable.auto.commit", "always `false`; ferrokafka commits", "ferrokafka owns offsets, as PyKafka"),
    row(K, "auto_commit_interval_ms", "", "ferrokafka", "a commit thread commits last consumed + 1 at this interval and on stop"),
    row(K, "queued_max_messages", "queued.min.messages, queued.max.messages.kbytes", "min.messages = value, 1..=10000000; kbytes = value × fetch_message_max_bytes / 1024, capped at max(65536, one fetch)", "bounded prefetch per partition"),
    row(K, "fetch_min_bytes", "fetch.min.bytes", "integer, 1..=100000000", ""),
    row(K, "fetch_error_backoff_ms", "fetch.error.backoff.ms", "integer, 0..=300000", ""),
    row(K, "fetch_wait_max_ms", "fetch.wait.max.ms", "integer, 0..=300000", ""),
    row(K, "offsets_channel_backoff_ms", "", "ferrokafka", "sleep i × this before retry i of commit / fetch / reset"),
    row(K, "offsets_commit_max_retries", "", "ferrokafka", "attempts of commit / fetch / reset"),
    row(K, "auto_offset_reset", "auto.offset.reset", "EARLIEST → `smallest`, LATEST → `largest`", "librdkafka resets out-of-range positions itself (not committed at once, unlike PyKafka); also ferrokafka's target for partitions without a committed offset"),
    row(K, "consumer_timeout_ms", "", "ferrokafka", "≤ 0 blocks forever, > 0 → None after it"),
    row(K, "auto_start", "", "ferrokafka", ""),
    row(K, "reset_offset_on_start", "", "ferrokafka", "reset to auto_offset_reset and commit at start"),
    row(K, "compacted_topic", "", "no effect", "librdkafka always accepts offset gaps (PyKafka's non-compacted consumer stalls at one)"),
    row(K, "generation_id", "", "no effect", "librdkafka commits as a standalone consumer"),
    row(K, "consumer_id", "", "ferrokafka", "written in the commit metadata JSON, as PyKafka"),
    row(K, "reset_offset_on_fetch", "", "ferrokafka", ""),
    row(K, "read_committed", "isolation.level", "`read_committed` / `read_uncommitted`", "set always: librdkafka's default is read_committed, PyKafka's read_uncommitted"),
    row(K, "-", "enable.auto.offset.store", "`false`", "ferrokafka owns offsets"),
    row(K, "-", "enable.partition.eof", "`false`", "EOF is not a message (PyKafka skips it)"),
    row(K, "-", "fetch.queue.backoff.ms", "`10`", "librdkafka's 1000 ms default idles a partition for a second each time its prefetch is full, capping a partition near 8k msgs/s; the pure engine refetches as soon as there is room"),
];

/// Properties ferrokafka relies on; the passthrough may not change them.
const PROTECTED: &[&str] = &[
    "enable.auto.commit",
    "auto.commit.enable",
    "enable.auto.offset.store",
    "group.id",
    "delivery.report.only.error",
    "dr_msg_cb",
    "dr_cb",
];

/// Render [`MAPPING`] as a markdown table (for the README).
pub fn mapping_markdown() -> String {
    let mut out = String::from(
        "| scope | ferrokafka option | librdkafka property | conversion | notes |\n|---|---|---|---|---|\n",
    );
    for r in MAPPING {
        let prop = if r.property.is_empty() {
            "—".to_string()
        } else {
            r.property
                .split(", ")
                .map(|p| format!("`{p}`"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let opt = if r.option == "-" {
            "—".to_string()
        } else {
            format!("`{}`", r.option)
        };
        out.push_str(&format!(
            "| {} | {} | {} | {} | {} |\n",
            r.scope.name(),
            opt,
            prop,
            r.conversion,
            r.notes
        ));
    }
    out
}

/// A librdkafka configuration as ordered `(key, value)` pairs. `Debug` redacts secrets.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct NativeConfig {
    entries: Vec<(String, String)>,
}

impl NativeConfig {
    /// Set a property, replacing an earlier value.
    pub fn set(&mut self, key: impl Into<String>, value: impl Into<String>) {
        let key = key.into();
        let value = value.into();
        match self.entries.iter_mut().find(|(k, _)| *k == key) {
            Some(e) => e.1 = value,
            None => self.entries.push((key, value)),
        }
    }

    pub fn get(&self, key: &str) -> Option<&str> {
        self.entries
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    pub fn entries(&self) -> &[(String, String)] {
        &self.entries
    }

    /// Apply raw librdkafka properties last; properties ferrokafka depends on are refused.
    pub fn apply_extra(&mut self, extra: &[(String, String)]) -> Result<()> {
        for (k, v) in extra {
            if PROTECTED.contains(&k.as_str()) {
                return Err(Error::config(
                    format!("extra property {k}"),
                    "is managed by ferrokafka (it owns offsets and delivery reports)",
                ));
            }
            self.set(k.clone(), v.clone());
        }
        Ok(())
    }

    /// The rdkafka crate's config.
    pub fn to_client_config(&self) -> ClientConfig {
        let mut c = ClientConfig::new();
        for (k, v) in &self.entries {
            c.set(k, v);
        }
        c
    }
}

/// Whether a property holds a secret.
pub fn is_secret(key: &str) -> bool {
    key.contains("password")
        || key.contains("secret")
        || key.ends_with(".pem")
        || key == "sasl.oauthbearer.config"
}

impl fmt::Debug for NativeConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut m = f.debug_map();
        for (k, v) in &self.entries {
            if is_secret(k) {
                m.entry(k, &"<redacted>");
            } else {
                m.entry(k, v);
            }
        }
        m.finish()
    }
}

/// `value` within `lo..=hi`, else a config error naming the ferrokafka option and the librdkafka limit.
fn ranged(option: &str, value: i64, lo: i64, hi: i64, property: &str) -> Result<String> {
    if (lo..=hi).contains(&value) {
        Ok(value.to_string())
    } else {
        Err(Error::config(
            option,
            format!("{value} is outside {lo}..={hi}, the range of librdkafka's {property}"),
        ))
    }
}

/// `hosts` as librdkafka's `bootstrap.servers`.
pub fn bootstrap_servers(client: &ClientOptions) -> Result<String> {
    Ok(client
        .parse_hosts()?
        .into_iter()
        .map(|(h, p)| {
            if h.contains(':') {
                format!("[{h}]:{p}")
            } else {
                format!("{h}:{p}")
            }
        })
        .collect::<Vec<_>>()
        .join(","))
}

/// The `ClientOptions` rows.
pub fn client_config(client: &ClientOptions) -> Result<NativeConfig> {
    client.validate()?;
    let mut c = NativeConfig::default();
    c.set("bootstrap.servers", bootstrap_servers(client)?);
    if client.zookeeper_hosts.is_some() {
        return Err(Error::config(
            "zookeeper_hosts",
            "the librdkafka engine cannot discover brokers through ZooKeeper; pass the brokers in `hosts`",
        ));
    }
    c.set(
        "socket.timeout.ms",
        ranged(
            "socket_timeout_ms",
            client.socket_timeout_ms,
            10,
            300_000,
            "socket.timeout.ms",
        )?,
    );
    if !client.source_address.is_empty() {
        return Err(Error::config(
            "source_address",
            "the librdkafka engine cannot bind outgoing sockets to an address",
        ));
    }
    let protocol = match (&client.ssl_config, &client.sasl_config) {
        (None, None) => "plaintext",
        (Some(_), None) => "ssl",
        (None, Some(_)) => "sasl_plaintext",
        (Some(_), Some(_)) => "sasl_ssl",
    };
    c.set("security.protocol", protocol);
    if let Some(ssl) = &client.ssl_config {
        c.set("ssl.ca.location", path(&ssl.cafile, "ssl_config.cafile")?);
        if let Some(p) = &ssl.certfile {
            c.set("ssl.certificate.location", path(p, "ssl_config.certfile")?);
        }
        if let Some(p) = &ssl.keyfile {
            c.set("ssl.key.location", path(p, "ssl_config.keyfile")?);
        }
        if let Some(p) = &ssl.password {
            c.set("ssl.key.password", p.clone());
        }
        c.set(
            "ssl.endpoint.identification.algorithm",
            if ssl.check_hostname { "https" } else { "none" },
        );
    }
    if let Some(sasl) = &client.sasl_config {
        c.set("sasl.mechanism", sasl.mechanism.name());
        c.set("sasl.username", sasl.username.clone());
        c.set("sasl.password", sasl.password.clone());
    }
    match &client.broker_version {
        None => c.set("api.version.request", "true"),
        Some(v) => {
            if version_at_least_0_10(v) {
                c.set("api.version.request", "true");
            } else {
                c.set("api.version.request", "false");
                c.set("broker.version.fallback", v.clone());
            }
        }
    }
    c.set("client.id", client.client_id.clone());
    c.set("log.connection.close", "false");
    Ok(c)
}

/// Whether a version string (already validated by `ClientOptions::validate`) is 0.10.0 or newer.
fn version_at_least_0_10(v: &str) -> bool {
    let mut parts = v.split('.').map(|p| p.parse::<u32>().unwrap_or(0));
    let major = parts.next().unwrap_or(0);
    let minor = parts.next().unwrap_or(0);
    (major, minor) >= (0, 10)
}

fn path(p: &std::path::Path, option: &str) -> Result<String> {
    p.to_str()
        .map(str::to_string)
        .ok_or_else(|| Error::config(option, format!("{p:?} is not valid UTF-8")))
}

/// `message.timeout.ms`: long enough for the linger wait plus every attempt with its backoff, never 0 (= forever).
pub fn message_timeout_ms(opts: &ProducerOptions) -> i64 {
    let linger = if opts.sync { 0 } else { opts.linger_ms };
    let attempts = opts.max_retries.saturating_add(1);
    let per_attempt = opts.ack_timeout_ms.saturating_add(opts.retry_backoff_ms);
    linger
        .saturating_add(attempts.saturating_mul(per_attempt))
        .clamp(1, i32::MAX as i64)
}

/// The producer's full configuration: client rows, producer rows, then `extra`.
pub fn producer_config(
    client: &ClientOptions,
    opts: &ProducerOptions,
    extra: &[(String, String)],
) -> Result<NativeConfig> {
    opts.validate()?;
    let mut c = client_config(client)?;
    c.set("compression.codec", opts.compression.name());
    c.set(
        "message.send.max.retries",
        ranged(
            "max_retries",
            opts.max_retries,
            0,
            i32::MAX as i64,
            "message.send.max.retries",
        )?,
    );
    let backoff = ranged(
        "retry_backoff_ms",
        opts.retry_backoff_ms,
        1,
        300_000,
        "retry.backoff.ms",
    )?;
    c.set("retry.backoff.ms", backoff.clone());
    c.set("retry.backoff.max.ms", backoff);
    c.set("request.required.acks", opts.wire_acks().to_string());
    c.set(
        "request.timeout.ms",
        ranged(
            "ack_timeout_ms",
            opts.ack_timeout_ms,
            1,
            900_000,
            "request.timeout.ms",
        )?,
    );
    c.set(
        "queue.buffering.max.messages",
        ranged(
            "max_queued_messages",
            opts.max_queued_messages,
            1,
            i32::MAX as i64,
            "queue.buffering.max.messages",
        )?,
    );
    c.set(
        "batch.num.messages",
        opts.effective_min_queued().clamp(1, 1_000_000).to_string(),
    );
    let linger = ranged(
        "linger_ms",
        opts.linger_ms,
        0,
        900_000,
        "queue.buffering.max.ms",
    )?;
    c.set(
        "queue.buffering.max.ms",
        if opts.sync { "0".to_string() } else { linger },
    );
    c.set(
        "message.max.bytes",
        ranged(
            "max_request_size",
            opts.max_request_size,
            1000,
            1_000_000_000,
            "message.max.bytes",
        )?,
    );
    c.set("message.timeout.ms", message_timeout_ms(opts).to_string());
    c.set("delivery.report.only.error", "false");
    c.apply_extra(extra)?;
    Ok(c)
}

/// The consumer's full configuration. `group_id` is the consumer group, or a unique unused id when there is none.
pub fn consumer_config(
    client: &ClientOptions,
    opts: &ConsumerOptions,
    group_id: &str,
    extra: &[(String, String)],
) -> Result<NativeConfig> {
    opts.validate()?;
    let mut c = client_config(client)?;
    c.set("group.id", group_id);
    c.set(
        "fetch.message.max.bytes",
        ranged(
            "fetch_message_max_bytes",
            opts.fetch_message_max_bytes,
            1,
            1_000_000_000,
            "fetch.message.max.bytes",
        )?,
    );
    c.set("enable.auto.commit", "false");
    c.set(
        "queued.min.messages",
        ranged(
            "queued_max_messages",
            opts.queued_max_messages,
            1,
            10_000_000,
            "queued.min.messages",
        )?,
    );
    c.set(
        "queued.max.messages.kbytes",
        prefetch_kbytes(opts).to_string(),
    );
    c.set("fetch.queue.backoff.ms", "10");
    c.set(
        "fetch.min.bytes",
        ranged(
            "fetch_min_bytes",
            opts.fetch_min_bytes,
            1,
            100_000_000,
            "fetch.min.bytes",
        )?,
    );
    c.set(
        "fetch.error.backoff.ms",
        ranged(
            "fetch_error_backoff_ms",
            opts.fetch_error_backoff_ms,
            0,
            300_000,
            "fetch.error.backoff.ms",
        )?,
    );
    c.set(
        "fetch.wait.max.ms",
        ranged(
            "fetch_wait_max_ms",
            opts.fetch_wait_max_ms,
            0,
            300_000,
            "fetch.wait.max.ms",
        )?,
    );
    // librdkafka resets out-of-range positions itself. (With `error`, ferrokafka could reset and commit as
    // PyKafka does, but a partition stopped by that error cannot be sought, only re-assigned, and rapid
    // re-assignment trips librdkafka#5573 — an abort.)
    c.set(
        "auto.offset.reset",
        match opts.auto_offset_reset {
            OffsetType::Earliest => "smallest",
            OffsetType::Latest => "largest",
        },
    );
    c.set(
        "isolation.level",
        if opts.read_committed {
            "read_committed"
        } else {
            "read_uncommitted"
        },
    );
    c.set("enable.auto.offset.store", "false");
    c.set("enable.partition.eof", "false");
    c.apply_extra(extra)?;
    Ok(c)
}

/// `queued.max.messages.kbytes`: PyKafka's product, capped at 64 MiB but never below one full fetch.
pub fn prefetch_kbytes(opts: &ConsumerOptions) -> i64 {
    let wanted = opts
        .queued_max_messages
        .saturating_mul(opts.fetch_message_max_bytes)
        / 1024;
    let one_fetch = (opts.fetch_message_max_bytes + 1023) / 1024;
    wanted
        .min(PREFETCH_KBYTES_CAP.max(one_fetch))
        .clamp(1, 2_097_151)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ferrokafka_core::options::{SaslConfig, SaslMechanism, SslConfig};

    /// Field names of a struct from its derived `Debug` output (`Name { a: .., b: .. }`), top level only.
    fn field_names(debug: &str) -> Vec<String> {
        let inner = &debug[debug.find('{').map_or(0, |i| i + 1)..];
        let mut names = Vec::new();
        let mut depth = 0i32;
        let mut token = String::new();
        let mut in_str = false;
        for ch in inner.chars() {
            match ch {
                '"' => in_str = !in_str,
                _ if in_str => {}
                '{' | '(' | '[' => depth += 1,
                '}' | ')' | ']' => depth -= 1,
                ':' if depth == 0 => {
                    let t = token.trim().trim_start_matches(',').trim();
                    if !t.is_empty() {
                        names.push(t.to_string());
                    }
                    token.clear();
                    continue;
                }
                ',' if depth == 0 => {
                    token.clear();
                    continue;
                }
                _ => {}
            }
            if depth == 0 && !in_str && ch != '"' {
                token.push(ch);
            }
        }
        names
    }

    #[test]
    fn every_option_field_has_a_row() {
        let check = |scope: Scope, debug: String| {
            for f in field_names(&debug) {
                assert!(
                    MAPPING.iter().any(|r| r.scope == scope && r.option == f),
                    "{scope:?} option {f} is missing from MAPPING"
                );
            }
        };
        assert!(field_names(&format!("{:?}", ProducerOptions::default())).len() >= 15);
        check(Scope::Client, format!("{:?}", ClientOptions::default()));
        check(Scope::Producer, format!("{:?}", ProducerOptions::default()));
        check(Scope::Consumer, format!("{:?}", ConsumerOptions::default()));
    }

    #[test]
    fn every_property_set_is_in_the_table() {
        let mut client = ClientOptions::new("a:1");
        client.ssl_config = Some(SslConfig {
            certfile: Some("c.pem".into()),
            keyfile: Some("k.pem".into()),
            password: Some("pw".into()),
            ..SslConfig::new("ca.pem")
        });
        client.sasl_config = Some(SaslConfig {
            mechanism: SaslMechanism::ScramSha512,
            username: "u".into(),
            password: "p".into(),
        });
        client.broker_version = Some("0.9.0".into());
        let p = producer_config(&client, &ProducerOptions::default(), &[]).unwrap();
        let k = consumer_config(&client, &ConsumerOptions::default(), "g", &[]).unwrap();
        for (key, _) in p.entries().iter().chain(k.entries()) {
            assert!(
                MAPPING
                    .iter()
                    .any(|r| r.property.split(", ").any(|x| x == key)),
                "{key} is set but not documented in MAPPING"
            );
        }
        assert_eq!(p.get("security.protocol"), Some("sasl_ssl"));
        assert_eq!(p.get("sasl.mechanism"), Some("SCRAM-SHA-512"));
        assert_eq!(p.get("api.version.request"), Some("false"));
        assert_eq!(p.get("broker.version.fallback"), Some("0.9.0"));
        assert_eq!(
            p.get("ssl.endpoint.identification.algorithm"),
            Some("https")
        );
        let shown = format!("{p:?}");
        assert!(
            !shown.contains("\"pw\"") && !shown.contains("\"p\""),
            "{shown}"
        );
        assert!(shown.contains("<redacted>"));
    }

    #[test]
    fn producer_defaults_map_like_pykafka() {
        let p = producer_config(
            &ClientOptions::new("h:9092"),
            &ProducerOptions::default(),
            &[],
        )
        .unwrap();
        assert_eq!(p.get("bootstrap.servers"), Some("h:9092"));
        assert_eq!(p.get("queue.buffering.max.ms"), Some("5000"));
        assert_eq!(p.get("batch.num.messages"), Some("70000"));
        assert_eq!(p.get("queue.buffering.max.messages"), Some("100000"));
        assert_eq!(p.get("message.send.max.retries"), Some("3"));
        assert_eq!(p.get("request.required.acks"), Some("1"));
        assert_eq!(p.get("message.max.bytes"), Some("1000012"));
        // 5000 + 4 × (10000 + 100)
        assert_eq!(p.get("message.timeout.ms"), Some("45400"));
        assert_eq!(p.get("security.protocol"), Some("plaintext"));
        let sync = ProducerOptions {
            sync: true,
            max_retries: 0,
            ..Default::default()
        };
        let p = producer_config(&ClientOptions::new("h:9092"), &sync, &[]).unwrap();
        assert_eq!(p.get("batch.num.messages"), Some("1"));
        assert_eq!(p.get("queue.buffering.max.ms"), Some("0"));
        assert_eq!(p.get("message.timeout.ms"), Some("10100"));
    }

    #[test]
    fn out_of_range_values_name_the_ferrokafka_option() {
        let cases: Vec<(&str, ProducerOptions)> = vec![
            (
                "linger_ms",
                ProducerOptions {
                    linger_ms: 900_001,
                    ..Default::default()
                },
            ),
            (
                "max_request_size",
                ProducerOptions {
                    max_request_size: 999,
                    ..Default::default()
                },
            ),
            (
                "ack_timeout_ms",
                ProducerOptions {
                    ack_timeout_ms: 0,
                    ..Default::default()
                },
            ),
            (
                "max_queued_messages",
                ProducerOptions {
                    max_queued_messages: 0,
                    ..Default::default()
                },
            ),
            (
                "retry_backoff_ms",
                ProducerOptions {
                    retry_backoff_ms: 300_001,
                    ..Default::default()
                },
            ),
        ];
        for (name, o) in cases {
            let e = producer_config(&ClientOptions::new("h:1"), &o, &[]).unwrap_err();
            assert!(
                matches!(&e, Error::Config { option, .. } if option == name),
                "{name}: {e}"
            );
        }
        let mut c = ClientOptions::new("h:1");
        c.socket_timeout_ms = 5;
        assert!(producer_config(&c, &ProducerOptions::default(), &[]).is_err());
        let mut c = ClientOptions::new("h:1");
        c.zookeeper_hosts = Some("zk:2181".into());
        assert!(client_config(&c)
            .unwrap_err()
            .to_string()
            .contains("zookeeper_hosts"));
        let mut c = ClientOptions::new("h:1");
        c.source_address = "10.0.0.1:0".into();
        assert!(client_config(&c)
            .unwrap_err()
            .to_string()
            .contains("source_address"));
    }

    #[test]
    fn consumer_prefetch_is_bounded_and_offsets_are_ours() {
        let o = ConsumerOptions::default();
        let k = consumer_config(&ClientOptions::new("h:1"), &o, "g", &[]).unwrap();
        assert_eq!(k.get("queued.min.messages"), Some("2000"));
        assert_eq!(k.get("queued.max.messages.kbytes"), Some("65536"));
        assert_eq!(k.get("enable.auto.commit"), Some("false"));
        assert_eq!(k.get("enable.auto.offset.store"), Some("false"));
        assert_eq!(k.get("auto.offset.reset"), Some("smallest"));
        assert_eq!(k.get("isolation.level"), Some("read_uncommitted"));
        let small = ConsumerOptions {
            queued_max_messages: 10,
            fetch_message_max_bytes: 10_240,
            ..Default::default()
        };
        assert_eq!(prefetch_kbytes(&small), 100);
    }

    #[test]
    fn passthrough_applies_last_but_not_over_owned_properties() {
        let extra = vec![
            ("linger.ms".to_string(), "7".to_string()),
            ("socket.keepalive.enable".into(), "true".into()),
        ];
        let p = producer_config(
            &ClientOptions::new("h:1"),
            &ProducerOptions::default(),
            &extra,
        )
        .unwrap();
        assert_eq!(p.get("linger.ms"), Some("7"));
        assert_eq!(p.get("socket.keepalive.enable"), Some("true"));
        let bad = vec![("enable.auto.commit".to_string(), "true".to_string())];
        assert!(consumer_config(
            &ClientOptions::new("h:1"),
            &ConsumerOptions::default(),
            "g",
            &bad
        )
        .is_err());
    }

    #[test]
    fn ipv6_hosts_are_bracketed() {
        assert_eq!(
            bootstrap_servers(&ClientOptions::new("[::1]:9092,b:1")).unwrap(),
            "[::1]:9092,b:1"
        );
    }

    #[test]
    fn markdown_has_a_line_per_row() {
        let md = mapping_markdown();
        assert_eq!(md.lines().count(), MAPPING.len() + 2);
    }
}

#[cfg(test)]
mod readme {
    /// native/README.md and the repository's README.md carry the rendered table between markers;
    /// `FERROKAFKA_BLESS=1` rewrites both.
    #[test]
    fn readme_tables_match_the_code() {
        let here = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        for path in [here.join("README.md"), here.join("../README.md")] {
            let text = std::fs::read_to_string(&path).expect("README present");
            let (start, end) = ("<!-- mapping:start -->\n", "<!-- mapping:end -->");
            let a = text.find(start).expect("start marker") + start.len();
            let b = text.find(end).expect("end marker");
            let table = super::mapping_markdown();
            if std::env::var("FERROKAFKA_BLESS").is_ok_and(|v| v == "1") {
                let updated = format!("{}{}{}", &text[..a], table, &text[b..]);
                std::fs::write(&path, updated).expect("write README");
                continue;
            }
            assert_eq!(
                &text[a..b],
                table,
                "{} table is stale: run with FERROKAFKA_BLESS=1",
                path.display()
            );
        }
    }
}
