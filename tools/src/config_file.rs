//! `--config FILE`: `key=value` lines, so long option lists (TLS, SASL) can live in a file. Keys are
//! kafka-tools' own option names (`ssl-cafile`, with `_` or `-`) or the librdkafka property that maps to
//! the same setting; anything else is an error naming the file and line, never silently ignored.

use std::collections::BTreeMap;
use std::path::Path;

use crate::error::{CliError, CliResult};

/// One canonical setting per recognised key; the value as written (trimmed).
pub type Settings = BTreeMap<&'static str, String>;

/// (canonical name, accepted spellings). The canonical name is also the CLI long option.
const KEYS: &[(&str, &[&str])] = &[
    (
        "broker",
        &[
            "broker",
            "hosts",
            "bootstrap.servers",
            "metadata.broker.list",
        ],
    ),
    (
        "broker_version",
        &["broker_version", "broker.version.fallback"],
    ),
    (
        "socket-timeout-ms",
        &[
            "socket-timeout-ms",
            "socket_timeout_ms",
            "socket.timeout.ms",
        ],
    ),
    ("client-id", &["client-id", "client_id", "client.id"]),
    ("security.protocol", &["security.protocol"]),
    (
        "ssl-cafile",
        &["ssl-cafile", "ssl_cafile", "cafile", "ssl.ca.location"],
    ),
    (
        "ssl-certfile",
        &[
            "ssl-certfile",
            "ssl_certfile",
            "certfile",
            "ssl.certificate.location",
        ],
    ),
    (
        "ssl-keyfile",
        &["ssl-keyfile", "ssl_keyfile", "keyfile", "ssl.key.location"],
    ),
    (
        "ssl-password",
        &["ssl-password", "ssl_password", "ssl.key.password"],
    ),
    (
        "ssl-check-hostname",
        &[
            "ssl-check-hostname",
            "ssl_check_hostname",
            "check_hostname",
            "ssl.endpoint.identification.algorithm",
        ],
    ),
    (
        "sasl-mechanism",
        &[
            "sasl-mechanism",
            "sasl_mechanism",
            "sasl.mechanism",
            "sasl.mechanisms",
        ],
    ),
    (
        "sasl-username",
        &["sasl-username", "sasl_username", "sasl.username"],
    ),
    (
        "sasl-password",
        &["sasl-password", "sasl_password", "sasl.password"],
    ),
    (
        "compression",
        &["compression", "compression.codec", "compression.type"],
    ),
    ("acks", &["acks", "required_acks", "request.required.acks"]),
    ("partitioner", &["partitioner"]),
    (
        "linger-ms",
        &[
            "linger-ms",
            "linger_ms",
            "linger.ms",
            "queue.buffering.max.ms",
        ],
    ),
];

/// The canonical name of a key as written in a config file, if it is one kafka-tools knows.
pub fn canonical(key: &str) -> Option<&'static str> {
    let key = key.trim().to_ascii_lowercase();
    KEYS.iter()
        .find(|(_, spellings)| spellings.contains(&key.as_str()))
        .map(|(name, _)| *name)
}

/// Parse `text` (the contents of `source`, named in errors).
pub fn parse(text: &str, source: &str) -> CliResult<Settings> {
    let mut out = Settings::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let at = || format!("{source}, line {}", i + 1);
        let (key, value) = line.split_once('=').ok_or_else(|| {
            CliError::usage(format!("{}: expected key=value, got {line:?}", at()))
        })?;
        let name = canonical(key).ok_or_else(|| {
            CliError::usage(format!(
                "{}: unknown setting {:?} (known: {})",
                at(),
                key.trim(),
                KEYS.iter().map(|(n, _)| *n).collect::<Vec<_>>().join(", ")
            ))
        })?;
        out.insert(name, value.trim().to_string());
    }
    Ok(out)
}

/// Read and parse a config file.
pub fn load(path: &Path) -> CliResult<Settings> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| CliError::io(format!("reading --config {}", path.display()), e))?;
    parse(&text, &path.display().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn librdkafka_and_own_names_map_to_one_setting() {
        let s = parse(
            "# a comment\n\nbootstrap.servers = h:1\nsasl.mechanisms=PLAIN\nssl_cafile=/ca.pem\n",
            "f",
        )
        .unwrap();
        assert_eq!(s["broker"], "h:1");
        assert_eq!(s["sasl-mechanism"], "PLAIN");
        assert_eq!(s["ssl-cafile"], "/ca.pem");
    }

    #[test]
    fn unknown_keys_and_bad_lines_name_the_line() {
        let e = parse("a.b=1", "f").unwrap_err().to_string();
        assert!(e.contains("f, line 1") && e.contains("\"a.b\""), "{e}");
        let e = parse("\nnovalue", "f").unwrap_err().to_string();
        assert!(e.contains("line 2") && e.contains("key=value"), "{e}");
    }
}
