//! `KafkaClient` options (PyKafka §1.1) plus SASL, which PyKafka lacks.

use std::fmt;
use std::path::PathBuf;

use super::{positive, RuntimeHandle};
use crate::error::{Error, Result};

/// TLS settings (PyKafka's `SslConfig`). With TLS set, every host in `hosts` is an SSL port.
#[derive(Clone, PartialEq, Eq)]
pub struct SslConfig {
    /// PEM file of the CA(s) that sign the brokers' certificates.
    pub cafile: PathBuf,
    /// PEM client certificate, for brokers that require client authentication.
    pub certfile: Option<PathBuf>,
    /// PEM client key (PKCS#8, PKCS#1 or SEC1); may be encrypted PKCS#8 with `password`.
    pub keyfile: Option<PathBuf>,
    /// Passphrase of an encrypted `keyfile`.
    pub password: Option<String>,
    /// Check the broker's hostname against its certificate. PyKafka does not; we do unless told otherwise.
    pub check_hostname: bool,
}

impl SslConfig {
    /// Trust `cafile`, check hostnames, no client certificate.
    pub fn new(cafile: impl Into<PathBuf>) -> Self {
        SslConfig {
            cafile: cafile.into(),
            ..Default::default()
        }
    }
}

/// The same as [`SslConfig::new`] with an empty `cafile`: hostnames are checked (turn it off explicitly).
impl Default for SslConfig {
    fn default() -> Self {
        SslConfig {
            cafile: PathBuf::new(),
            certfile: None,
            keyfile: None,
            password: None,
            check_hostname: true,
        }
    }
}

impl fmt::Debug for SslConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SslConfig")
            .field("cafile", &self.cafile)
            .field("certfile", &self.certfile)
            .field("keyfile", &self.keyfile)
            .field("password", &self.password.as_ref().map(|_| "<redacted>"))
            .field("check_hostname", &self.check_hostname)
            .finish()
    }
}

/// A SASL mechanism both engines implement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SaslMechanism {
    /// `PLAIN`: the password travels as is, so use it over TLS.
    Plain,
    /// `SCRAM-SHA-256` (salted challenge-response; the password never travels).
    ScramSha256,
    /// `SCRAM-SHA-512`.
    ScramSha512,
}

impl SaslMechanism {
    /// The name on the wire and in librdkafka's `sasl.mechanism`.
    pub fn name(self) -> &'static str {
        match self {
            SaslMechanism::Plain => "PLAIN",
            SaslMechanism::ScramSha256 => "SCRAM-SHA-256",
            SaslMechanism::ScramSha512 => "SCRAM-SHA-512",
        }
    }
}

/// SASL credentials. Over plaintext unless `ssl_config` is also set (SASL_SSL).
#[derive(Clone, PartialEq, Eq)]
pub struct SaslConfig {
    /// How to authenticate.
    pub mechanism: SaslMechanism,
    /// The SASL user.
    pub username: String,
    /// The user's password; redacted in `Debug`.
    pub password: String,
}

impl fmt::Debug for SaslConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SaslConfig")
            .field("mechanism", &self.mechanism)
            .field("username", &self.username)
            .field("password", &"<redacted>")
            .finish()
    }
}

/// PyKafka's `KafkaClient` arguments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientOptions {
    /// Comma-separated `host:port` bootstrap brokers.
    pub hosts: String,
    /// ZooKeeper connect string; when set, brokers are read from `/brokers/ids` and take precedence over `hosts`.
    pub zookeeper_hosts: Option<String>,
    /// Per-request socket timeout.
    pub socket_timeout_ms: i64,
    /// Socket timeout for offset commit/fetch responses (the offsets channel).
    pub offsets_channel_socket_timeout_ms: i64,
    /// Hide internal topics (`__consumer_offsets`, ...) from `topics()`.
    pub exclude_internal_topics: bool,
    /// `host:port` to bind outgoing sockets to; empty = any.
    pub source_address: String,
    /// TLS to the brokers (the SSL listener); `None` = plaintext.
    pub ssl_config: Option<SslConfig>,
    /// SASL authentication (SASL_PLAINTEXT, or SASL_SSL together with `ssl_config`); `None` = none.
    pub sasl_config: Option<SaslConfig>,
    /// `None` = negotiate with ApiVersions (our default). `Some("0.9.0")` pins protocol versions as PyKafka does.
    pub broker_version: Option<String>,
    /// Client id sent in every request header.
    pub client_id: String,
    /// Run the pure engine's I/O on this (multi-thread) tokio runtime instead of starting one of ferrokafka's
    /// own (`None`, the default). Set it with [`ClientOptions::runtime`].
    pub runtime: Option<RuntimeHandle>,
}

impl Default for ClientOptions {
    fn default() -> Self {
        ClientOptions {
            hosts: "127.0.0.1:9092".to_string(),
            zookeeper_hosts: None,
            socket_timeout_ms: 30_000,
            offsets_channel_socket_timeout_ms: 10_000,
            exclude_internal_topics: true,
            source_address: String::new(),
            ssl_config: None,
            sasl_config: None,
            broker_version: None,
            client_id: "ferrokafka".to_string(),
            runtime: None,
        }
    }
}

impl ClientOptions {
    /// Defaults with these bootstrap hosts.
    pub fn new(hosts: impl Into<String>) -> Self {
        ClientOptions {
            hosts: hosts.into(),
            ..Default::default()
        }
    }

    /// Run on the caller's tokio runtime: no ferrokafka runtime is started, and the pure engine's tasks
    /// (connections, fetchers, the producer's sender) are spawned on `handle`. It must be a multi-thread
    /// runtime (blocking calls move their worker aside with `block_in_place`); a current-thread handle is
    /// refused with a `Config` error by `KafkaClient::with_options` / `connect`.
    pub fn runtime(mut self, handle: tokio::runtime::Handle) -> Self {
        self.runtime = Some(RuntimeHandle::new(handle));
        self
    }

    /// The bootstrap hosts as `(host, port)` pairs; an error names the bad entry.
    pub fn parse_hosts(&self) -> Result<Vec<(String, u16)>> {
        parse_host_list(&self.hosts)
    }

    /// Check every option; the error names the first bad one.
    pub fn validate(&self) -> Result<()> {
        self.parse_hosts()?;
        positive("socket_timeout_ms", self.socket_timeout_ms)?;
        positive(
            "offsets_channel_socket_timeout_ms",
            self.offsets_channel_socket_timeout_ms,
        )?;
        if !self.source_address.is_empty() {
            parse_host_list(&self.source_address)
                .map_err(|e| Error::config("source_address", e.to_string()))?;
        }
        if let Some(v) = &self.broker_version {
            parse_broker_version(v)?;
        }
        if let Some(r) = &self.runtime {
            r.validate()?;
        }
        Ok(())
    }
}

/// `"h1:p1,h2:p2"` → pairs. IPv6 as `[::1]:9092`.
pub fn parse_host_list(hosts: &str) -> Result<Vec<(String, u16)>> {
    let mut out = Vec::new();
    for entry in hosts.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        let entry = entry.split('/').next().unwrap_or(entry);
        let (host, port) = split_host_port(entry).map_err(|why| Error::config("hosts", why))?;
        if host.is_empty() {
            return Err(Error::config("hosts", format!("{entry:?} has no host")));
        }
        let port: u16 = port.parse().map_err(|_| {
            Error::config(
                "hosts",
                format!("{entry:?}: port {port:?} is not a number 0-65535"),
            )
        })?;
        out.push((host.to_string(), port));
    }
    if out.is_empty() {
        return Err(Error::config("hosts", format!("{hosts:?} names no broker")));
    }
    Ok(out)
}

/// `host:port` or `[ipv6]:port` → `(host, port)` as text; the error says what is wrong with `entry`. A bracket
/// must be closed right before `:port`, and an IPv6 address needs its brackets (else the port is ambiguous).
pub fn split_host_port(entry: &str) -> std::result::Result<(&str, &str), String> {
    if let Some(rest) = entry.strip_prefix('[') {
        let (host, after) = rest
            .split_once(']')
            .ok_or_else(|| format!("{entry:?}: '[' is never closed by ']'"))?;
        let port = after
            .strip_prefix(':')
            .ok_or_else(|| format!("{entry:?}: expected :port right after ']'"))?;
        return Ok((host, port));
    }
    let (host, port) = entry
        .rsplit_once(':')
        .ok_or_else(|| format!("{entry:?} is not host:port"))?;
    if host.contains(':') || host.contains(']') {
        return Err(format!(
            "{entry:?}: an IPv6 address needs brackets, as in [::1]:9092"
        ));
    }
    Ok((host, port))
}

/// `"0.10.2"` → `(0, 10, 2)`; the error names the bad value.
pub fn parse_broker_version(v: &str) -> Result<(u32, u32, u32)> {
    let bad = || {
        Error::config(
            "broker_version",
            format!("{v:?} is not a version like 0.10.2 or 3.9.0"),
        )
    };
    let mut parts = v.split('.').map(|p| p.parse::<u32>().map_err(|_| bad()));
    let major = parts.next().ok_or_else(bad)??;
    let minor = parts.next().unwrap_or(Ok(0))?;
    let patch = parts.next().unwrap_or(Ok(0))?;
    Ok((major, minor, patch))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_parse_or_say_which_entry_is_bad() {
        let o = ClientOptions::new("a:1, b:2,[::1]:9092");
        assert_eq!(
            o.parse_hosts().unwrap(),
            vec![("a".into(), 1), ("b".into(), 2), ("::1".into(), 9092)]
        );
        for bad in ["[::1", "[::1:9092", "::1:9092", "[::1]9092", "a]:1"] {
            let e = ClientOptions::new(bad).validate().unwrap_err();
            assert!(e.kind() == crate::ErrorKind::Config, "{bad}: {e}");
            assert!(e.to_string().contains(bad), "{bad}: {e}");
        }
        let e = ClientOptions::new("a:1,b").validate().unwrap_err();
        assert!(e.to_string().contains("\"b\" is not host:port"), "{e}");
        assert!(ClientOptions::new("a:99999").validate().is_err());
        assert!(ClientOptions::new(" , ").validate().is_err());
        let mut o = ClientOptions::new("a:1");
        o.broker_version = Some("0.10.x".into());
        assert!(o.validate().is_err());
        assert_eq!(parse_broker_version("0.9").unwrap(), (0, 9, 0));
        o.socket_timeout_ms = 0;
        o.broker_version = None;
        assert!(o
            .validate()
            .unwrap_err()
            .to_string()
            .contains("socket_timeout_ms"));
    }

    #[test]
    fn secrets_are_redacted_in_debug() {
        let s = SaslConfig {
            mechanism: SaslMechanism::ScramSha256,
            username: "alice".into(),
            password: "hunter2".into(),
        };
        assert!(!format!("{s:?}").contains("hunter2"));
    }
}
