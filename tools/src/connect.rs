//! From the command line and `--config` to `ClientOptions` (TLS and SASL as `SslConfig` / `SaslConfig`),
//! and the connected client. Command-line values win over the file.

use std::path::PathBuf;

use ferrokafka::{ClientOptions, KafkaClient, SaslConfig, SaslMechanism, SslConfig};

use crate::cli::ConnectionArgs;
use crate::config_file::{self, Settings};
use crate::error::{CliError, CliResult};

/// PyKafka's default broker.
const DEFAULT_BROKER: &str = "localhost:9092";

/// Everything the connection and the producer may take from the command line or the config file.
#[derive(Debug, Default)]
pub struct Resolved {
    pub options: ClientOptions,
    /// Producer settings from the config file (`compression`, `acks`, `linger-ms`, `partitioner`).
    pub producer: Settings,
}

/// Merge the file (if any) under the command line and build the options.
pub fn resolve(args: &ConnectionArgs, broker_version: Option<&str>) -> CliResult<Resolved> {
    let mut s = match &args.config {
        Some(path) => config_file::load(path)?,
        None => Settings::new(),
    };
    let cli: [(&'static str, Option<String>); 10] = [
        ("broker", args.broker.clone()),
        ("broker_version", broker_version.map(str::to_string)),
        (
            "socket-timeout-ms",
            args.socket_timeout_ms.map(|v| v.to_string()),
        ),
        ("client-id", args.client_id.clone()),
        ("ssl-cafile", path_str(&args.ssl_cafile)),
        ("ssl-certfile", path_str(&args.ssl_certfile)),
        ("ssl-keyfile", path_str(&args.ssl_keyfile)),
        ("ssl-password", args.ssl_password.clone()),
        ("sasl-mechanism", args.sasl_mechanism.clone()),
        ("sasl-username", args.sasl_username.clone()),
    ];
    for (k, v) in cli.into_iter().filter_map(|(k, v)| v.map(|v| (k, v))) {
        s.insert(k, v);
    }
    if let Some(p) = &args.sasl_password {
        s.insert("sasl-password", p.clone());
    }
    if args.ssl_no_check_hostname {
        s.insert("ssl-check-hostname", "false".into());
    }
    let producer = ["compression", "acks", "linger-ms", "partitioner"]
        .into_iter()
        .filter_map(|k| s.get(k).map(|v| (k, v.clone())))
        .collect();
    Ok(Resolved {
        options: client_options(&s)?,
        producer,
    })
}

fn path_str(p: &Option<PathBuf>) -> Option<String> {
    p.as_ref().map(|p| p.display().to_string())
}

fn client_options(s: &Settings) -> CliResult<ClientOptions> {
    let mut o = ClientOptions::new(s.get("broker").map_or(DEFAULT_BROKER, String::as_str));
    o.client_id = "kafka-tools".into();
    if let Some(v) = s.get("broker_version") {
        o.broker_version = Some(v.clone());
    }
    if let Some(v) = s.get("client-id") {
        o.client_id = v.clone();
    }
    if let Some(v) = s.get("socket-timeout-ms") {
        o.socket_timeout_ms = v.parse().map_err(|_| {
            CliError::usage(format!("socket-timeout-ms: {v:?} is not a number of ms"))
        })?;
    }
    let protocol = s
        .get("security.protocol")
        .map(|p| p.to_ascii_lowercase())
        .unwrap_or_default();
    if !matches!(
        protocol.as_str(),
        "" | "plaintext" | "ssl" | "sasl_plaintext" | "sasl_ssl"
    ) {
        return Err(CliError::usage(format!(
            "security.protocol: {protocol:?} is not plaintext, ssl, sasl_plaintext or sasl_ssl"
        )));
    }
    o.ssl_config = ssl_config(s, protocol.ends_with("ssl"))?;
    o.sasl_config = sasl_config(s, protocol.starts_with("sasl"))?;
    o.validate()?;
    Ok(o)
}

fn ssl_config(s: &Settings, required: bool) -> CliResult<Option<SslConfig>> {
    let Some(cafile) = s.get("ssl-cafile") else {
        return match required {
            true => Err(CliError::usage(
                "security.protocol asks for TLS but no CA file is given (--ssl-cafile / ssl.ca.location)",
            )),
            false => Ok(None),
        };
    };
    let mut c = SslConfig::new(cafile);
    c.certfile = s.get("ssl-certfile").map(PathBuf::from);
    c.keyfile = s.get("ssl-keyfile").map(PathBuf::from);
    c.password = s.get("ssl-password").cloned();
    if let Some(v) = s.get("ssl-check-hostname") {
        c.check_hostname = match v.to_ascii_lowercase().as_str() {
            "true" | "1" | "yes" | "https" => true,
            "false" | "0" | "no" | "none" | "" => false,
            _ => {
                return Err(CliError::usage(format!(
                    "ssl-check-hostname: {v:?} is not true/false (or https/none)"
                )))
            }
        };
    }
    Ok(Some(c))
}

fn sasl_config(s: &Settings, required: bool) -> CliResult<Option<SaslConfig>> {
    let (mechanism, username, password) = (
        s.get("sasl-mechanism"),
        s.get("sasl-username"),
        s.get("sasl-password"),
    );
    if mechanism.is_none() && username.is_none() && password.is_none() && !required {
        return Ok(None);
    }
    let mechanism = match mechanism.map(|m| m.to_ascii_uppercase()).as_deref() {
        Some("PLAIN") => SaslMechanism::Plain,
        Some("SCRAM-SHA-256") => SaslMechanism::ScramSha256,
        Some("SCRAM-SHA-512") => SaslMechanism::ScramSha512,
        None => {
            return Err(CliError::usage(
                "SASL needs --sasl-mechanism (PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512)",
            ))
        }
        Some(other) => {
            return Err(CliError::usage(format!(
                "--sasl-mechanism: {other:?} is not PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512"
            )))
        }
    };
    let (Some(username), Some(password)) = (username, password) else {
        return Err(CliError::usage(
            "SASL needs both --sasl-username and --sasl-password",
        ));
    };
    Ok(Some(SaslConfig {
        mechanism,
        username: username.clone(),
        password: password.clone(),
    }))
}

/// Connect; the error says which broker list could not be reached and why.
pub fn connect(options: ClientOptions) -> CliResult<KafkaClient> {
    KafkaClient::with_options(options).map_err(CliError::Kafka)
}
