//! Applying the table: options → a [`NativeConfig`], row by row in [`super::MAPPING`]'s order, each value
//! range-checked so a bad option fails with `ErrorKind::Config` naming the ferrokafka option.

use ferrokafka_core::options::{ClientOptions, ConsumerOptions, OffsetType, ProducerOptions};
use ferrokafka_core::{Error, Result};

use super::NativeConfig;

/// Cap on `queued.max.messages.kbytes` (compared, like `queued.min.messages`, with the consumer queue every
/// partition shares): librdkafka's own default, 64 MiB. PyKafka's formula
/// (`queued_max_messages × fetch_message_max_bytes / 1024`) gives 2 GB per partition with its defaults.
pub const PREFETCH_KBYTES_CAP: i64 = 65_536;

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

/// `message.timeout.ms` (librdkafka's name for KIP-91's `delivery.timeout.ms`): `delivery_timeout_ms`.
pub fn message_timeout_ms(opts: &ProducerOptions) -> i64 {
    opts.delivery_timeout_ms
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
    let backoff_max = ranged(
        "retry_backoff_max_ms",
        opts.retry_backoff_max_ms,
        1,
        300_000,
        "retry.backoff.max.ms",
    )?;
    // The reconnects to a broker back off alike (the pure engine reconnects as it retries): with librdkafka's
    // 10 s reconnect cap, messages for a down broker were reported up to 7 s after their delivery timeout.
    c.set("reconnect.backoff.ms", backoff.clone());
    c.set("reconnect.backoff.max.ms", backoff_max.clone());
    c.set("retry.backoff.ms", backoff);
    c.set("retry.backoff.max.ms", backoff_max);
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
    if opts.enable_idempotence {
        c.set("enable.idempotence", "true");
    }
    c.apply_extra(extra)?;
    Ok(c)
}

/// How often librdkafka hands a consumer its statistics, so `health()` turns healthy within about this.
pub const HEALTH_STATS_INTERVAL_MS: i64 = 1_000;

/// The consumer's full configuration. `group_id` is the consumer group, or a unique unused id when there is none;
/// `partitions` the number of partitions it will consume (the prefetch bound is per partition).
pub fn consumer_config(
    client: &ClientOptions,
    opts: &ConsumerOptions,
    group_id: &str,
    partitions: usize,
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
    // PyKafka's bound is per partition; librdkafka compares `queued.min.messages` with the length of the queue
    // a partition's fetch queue forwards to, which for an assigned consumer is the one consumer queue of every
    // partition. Hence the bound times the partitions consumed.
    ranged(
        "queued_max_messages",
        opts.queued_max_messages,
        1,
        10_000_000,
        "queued.min.messages",
    )?;
    c.set(
        "queued.min.messages",
        queued_min_messages(opts, partitions).to_string(),
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
            opts.effective_fetch_wait_ms(client.socket_timeout_ms),
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
    // Set always: librdkafka's default is false, ferrokafka's true on both engines.
    c.set("check.crcs", if opts.check_crcs { "true" } else { "false" });
    c.set("enable.auto.offset.store", "false");
    c.set("enable.partition.eof", "false");
    // The statistics tell `health()` when the fetch brokers are up again (librdkafka reports no recovery).
    c.set(
        "statistics.interval.ms",
        HEALTH_STATS_INTERVAL_MS.to_string(),
    );
    c.apply_extra(extra)?;
    Ok(c)
}

/// `queued.min.messages`: `queued_max_messages` per partition, for `partitions` partitions sharing librdkafka's
/// consumer queue, within librdkafka's limit.
pub fn queued_min_messages(opts: &ConsumerOptions, partitions: usize) -> i64 {
    let partitions = i64::try_from(partitions.max(1)).unwrap_or(i64::MAX);
    opts.queued_max_messages
        .saturating_mul(partitions)
        .clamp(1, 10_000_000)
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
    use crate::config::MAPPING;
    use ferrokafka_core::options::{SaslConfig, SaslMechanism, SslConfig};

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
        let k = consumer_config(&client, &ConsumerOptions::default(), "g", 1, &[]).unwrap();
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
    fn producer_defaults_map_like_pykafka_but_linger() {
        let p = producer_config(
            &ClientOptions::new("h:9092"),
            &ProducerOptions::default(),
            &[],
        )
        .unwrap();
        assert_eq!(p.get("bootstrap.servers"), Some("h:9092"));
        // ferrokafka's 5 ms default (PyKafka: 5000), librdkafka's and Java's own.
        assert_eq!(p.get("queue.buffering.max.ms"), Some("5"));
        assert_eq!(p.get("batch.num.messages"), Some("70000"));
        assert_eq!(p.get("queue.buffering.max.messages"), Some("100000"));
        assert_eq!(p.get("message.send.max.retries"), Some("2147483647"));
        assert_eq!(p.get("retry.backoff.ms"), Some("100"));
        assert_eq!(p.get("retry.backoff.max.ms"), Some("1000"));
        assert_eq!(p.get("reconnect.backoff.max.ms"), Some("1000"));
        assert_eq!(p.get("request.required.acks"), Some("1"));
        assert_eq!(p.get("message.max.bytes"), Some("1000012"));
        assert_eq!(p.get("message.timeout.ms"), Some("120000"));
        assert_eq!(p.get("security.protocol"), Some("plaintext"));
        let sync = ProducerOptions {
            sync: true,
            max_retries: 0,
            delivery_timeout_ms: 10_100,
            ..Default::default()
        };
        let p = producer_config(&ClientOptions::new("h:9092"), &sync, &[]).unwrap();
        assert_eq!(p.get("batch.num.messages"), Some("1"));
        assert_eq!(p.get("queue.buffering.max.ms"), Some("0"));
        assert_eq!(p.get("message.timeout.ms"), Some("10100"));
        assert_eq!(p.get("message.send.max.retries"), Some("0"));
    }

    #[test]
    fn out_of_range_values_name_the_ferrokafka_option() {
        let cases: Vec<(&str, ProducerOptions)> = vec![
            (
                "linger_ms",
                ProducerOptions {
                    linger_ms: 900_001,
                    delivery_timeout_ms: i32::MAX as i64,
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
                    retry_backoff_max_ms: 300_001,
                    ..Default::default()
                },
            ),
            (
                "retry_backoff_max_ms",
                ProducerOptions {
                    retry_backoff_max_ms: 300_001,
                    ..Default::default()
                },
            ),
        ];
        for (name, o) in cases {
            let e = producer_config(&ClientOptions::new("h:1"), &o, &[]).unwrap_err();
            assert!(e.option() == Some(name), "{name}: {e}");
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
        let k = consumer_config(&ClientOptions::new("h:1"), &o, "g", 1, &[]).unwrap();
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
        // The bound is per partition, and librdkafka counts the one queue all partitions share.
        let six = consumer_config(&ClientOptions::new("h:1"), &o, "g", 6, &[]).unwrap();
        assert_eq!(six.get("queued.min.messages"), Some("12000"));
        let huge = ConsumerOptions {
            queued_max_messages: 10_000_000,
            ..Default::default()
        };
        assert_eq!(queued_min_messages(&huge, 1000), 10_000_000);
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
            1,
            &bad
        )
        .is_err());
    }

    #[test]
    fn check_crcs_is_always_set_and_an_explicit_property_wins() {
        let client = ClientOptions::new("h:1");
        let on = consumer_config(&client, &ConsumerOptions::default(), "g", 1, &[]).unwrap();
        assert_eq!(on.get("check.crcs"), Some("true"));
        let off = ConsumerOptions {
            check_crcs: false,
            ..Default::default()
        };
        let k = consumer_config(&client, &off, "g", 1, &[]).unwrap();
        assert_eq!(k.get("check.crcs"), Some("false"));
        let extra = vec![("check.crcs".to_string(), "true".to_string())];
        let k = consumer_config(&client, &off, "g", 1, &extra).unwrap();
        assert_eq!(k.get("check.crcs"), Some("true"));
    }

    #[test]
    fn ipv6_hosts_are_bracketed() {
        assert_eq!(
            bootstrap_servers(&ClientOptions::new("[::1]:9092,b:1")).unwrap(),
            "[::1]:9092,b:1"
        );
    }
}
