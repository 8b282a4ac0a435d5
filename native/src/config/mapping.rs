//! The option → property table: every ferrokafka option with the librdkafka properties it sets, or why it sets
//! none. README's mapping table is rendered from it, and a test keeps the two identical.

/// Which options struct a row belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// `ClientOptions`: connection, security and protocol options, for every producer and consumer.
    Client,
    /// `ProducerOptions`.
    Producer,
    /// `ConsumerOptions`.
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
    /// The options struct the row's option belongs to.
    pub scope: Scope,
    /// The ferrokafka field (`ssl_config.cafile` for nested fields), or `-` for a property ferrokafka always sets.
    pub option: &'static str,
    /// librdkafka properties set from it; empty when none.
    pub property: &'static str,
    /// How the value converts, or "ferrokafka" / "no effect" / "rejected".
    pub conversion: &'static str,
    /// Why, where the mapping differs from PyKafka or librdkafka's defaults (README's notes column).
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
    row(C, "runtime", "", "no effect", "the caller's tokio runtime runs ferrokafka's own tasks (metadata, group logic); librdkafka keeps its threads"),
    row(C, "-", "log.connection.close", "`false`", "as PyKafka: idle disconnects are not errors"),
    row(P, "compression", "compression.codec", "`none`/`gzip`/`snappy`/`lz4`/`zstd`", ""),
    row(P, "max_retries", "message.send.max.retries", "integer, 0..=2147483647; default 2147483647", "attempts = max_retries + 1, as PyKafka; the default leaves `delivery_timeout_ms` the only bound"),
    row(P, "retry_backoff_ms", "retry.backoff.ms, reconnect.backoff.ms", "integer, 1..=300000", "the first backoff; it doubles per retry (KIP-580). Reconnects back off alike, as the pure engine's"),
    row(P, "retry_backoff_max_ms", "retry.backoff.max.ms, reconnect.backoff.max.ms", "integer, 1..=300000, ≥ `retry_backoff_ms`", "the backoff's cap; librdkafka's 10 s reconnect cap reported messages for a down broker up to 7 s after their delivery timeout"),
    row(P, "delivery_timeout_ms", "message.timeout.ms", "integer, ≥ `linger_ms + ack_timeout_ms`", "KIP-91's `delivery.timeout.ms` (librdkafka's alias of `message.timeout.ms`)"),
    row(P, "required_acks", "request.required.acks", "-1, 0, 1; 2+ → -1", "as PyKafka and librdkafka"),
    row(P, "ack_timeout_ms", "request.timeout.ms", "integer, 1..=900000", "0 is rejected (librdkafka's minimum is 1)"),
    row(P, "max_queued_messages", "queue.buffering.max.messages", "integer, 1..=2147483647", "librdkafka's bound is per producer, PyKafka's per broker; also the per-thread delivery-report bound"),
    row(P, "min_queued_messages", "batch.num.messages", "`effective_min_queued()` (1 when sync), clamped to 1..=1000000", "librdkafka sends a batch when it holds this many, like PyKafka's flush trigger"),
    row(P, "linger_ms", "queue.buffering.max.ms", "integer, 0..=900000; 0 when sync", "default 5, librdkafka's own (PyKafka: 5000)"),
    row(P, "queue_empty_timeout_ms", "", "no effect", "librdkafka's broker threads wake on enqueue; there is no idle wait to tune"),
    row(P, "block_on_queue_full", "", "ferrokafka", "on `_QUEUE_FULL`: wait for space (async: tokio sleep) or fail with `ProducerQueueFull`"),
    row(P, "max_request_size", "message.max.bytes", "integer, 1000..=1000000000", "also checked by ferrokafka before enqueueing: oversize → `MessageSizeTooLarge` report"),
    row(P, "sync", "", "ferrokafka", "produce waits for the delivery, bounded by `pending_timeout_ms`"),
    row(P, "delivery_reports", "", "ferrokafka", "per-thread `DeliveryReports`, capacity `max_queued_messages`"),
    row(P, "pending_timeout_ms", "", "ferrokafka", "bounds sync waits and `stop()`'s flush; unsent messages are then purged and reported failed"),
    row(P, "auto_start", "", "ferrokafka", ""),
    row(P, "enable_idempotence", "enable.idempotence", "`true` when set (default: not set, librdkafka's false)", "needs `required_acks` -1, checked before librdkafka sees it"),
    row(P, "-", "delivery.report.only.error", "`false`", "every message gets a report"),
    row(P, "partitioner (builder)", "", "ferrokafka; default: murmur2 for keyed messages, librdkafka's sticky partitioner for keyless ones", "a given `Partitioner` picks the partition and librdkafka gets an explicit id; with none, keyed messages get `Murmur2Partitioner`'s id (Java's and librdkafka's `murmur2_random` placement) and keyless ones go to `RD_KAFKA_PARTITION_UA` (librdkafka's sticky partitioner, KIP-480: whole batches, ~40× larger than round-robin's)"),
    row(K, "consumer_group", "group.id", "the group; a unique unused `ferrokafka-native-*` id when None", "librdkafka needs a group.id to assign; no JoinGroup is ever sent"),
    row(K, "partitions", "", "ferrokafka", "manual `assign` of these ids (all when None)"),
    row(K, "fetch_message_max_bytes", "fetch.message.max.bytes", "integer, 1..=1000000000", "librdkafka grows it for a larger message instead of failing as PyKafka does"),
    row(K, "num_consumer_fetchers", "", "no effect", "librdkafka fetches with one thread per broker (PyKafka's rdkafka consumer ignores it too)"),
    row(K, "auto_commit_enable", "enable.auto.commit", "always `false`; ferrokafka commits", "ferrokafka owns offsets, as PyKafka"),
    row(K, "auto_commit_interval_ms", "", "ferrokafka", "a commit thread commits last consumed + 1 at this interval and on stop"),
    row(K, "queued_max_messages", "queued.min.messages, queued.max.messages.kbytes", "min.messages = value × the partitions consumed, 1..=10000000; kbytes = value × fetch_message_max_bytes / 1024, capped at max(65536, one fetch)", "PyKafka's bound is per partition, and librdkafka compares both properties with the one consumer queue every assigned partition forwards to, so the value alone (PyKafka's own rdkafka mapping) would bound all partitions together: with 6 partitions the fetcher then waited for a 2000-message queue to drain and read ~20% slower; while consuming, ferrokafka also holds one batch of at most min(value, 512) messages taken from librdkafka's queue"),
    row(K, "fetch_min_bytes", "fetch.min.bytes", "integer, 1..=100000000", ""),
    row(K, "fetch_error_backoff_ms", "fetch.error.backoff.ms", "integer, 0..=300000", ""),
    row(K, "fetch_wait_max_ms", "fetch.wait.max.ms", "integer, 0..=300000", "capped at `max(socket_timeout_ms − 1000, socket_timeout_ms / 2)` (both engines)"),
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
    row(K, "check_crcs", "check.crcs", "`true` / `false`", "set always: librdkafka defaults to false; ferrokafka defaults to true on both engines"),
    row(K, "-", "enable.auto.offset.store", "`false`", "ferrokafka owns offsets"),
    row(K, "-", "enable.partition.eof", "`false`", "EOF is not a message (PyKafka skips it)"),
    row(K, "-", "fetch.queue.backoff.ms", "`10`", "librdkafka's 1000 ms default idles a partition for a second each time its prefetch is full, capping a partition near 8k msgs/s; the pure engine refetches as soon as there is room"),
    row(K, "-", "statistics.interval.ms", "`1000`", "`health()` turns healthy again when the statistics show the fetch brokers up (librdkafka reports no recovery); with 0 it stays unhealthy after an outage"),
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

#[cfg(test)]
mod tests {
    use super::*;
    use ferrokafka_core::options::{ClientOptions, ConsumerOptions, ProducerOptions};

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
