//! SASL users and the broker properties that declare them.
//!
//! Every user is valid for every mechanism: PLAIN users are declared in the listener's JAAS
//! config, SCRAM credentials are written into the KRaft metadata log at format time.

/// A SASL mechanism the secured listeners enable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SaslMechanism {
    /// `PLAIN` (passwords in the broker's JAAS config).
    Plain,
    /// `SCRAM-SHA-256`.
    ScramSha256,
    /// `SCRAM-SHA-512`.
    ScramSha512,
}

impl SaslMechanism {
    /// Every mechanism, in a fixed order.
    pub const ALL: [SaslMechanism; 3] = [
        SaslMechanism::Plain,
        SaslMechanism::ScramSha256,
        SaslMechanism::ScramSha512,
    ];

    /// The name clients put in `sasl.mechanism`.
    pub fn name(self) -> &'static str {
        match self {
            SaslMechanism::Plain => "PLAIN",
            SaslMechanism::ScramSha256 => "SCRAM-SHA-256",
            SaslMechanism::ScramSha512 => "SCRAM-SHA-512",
        }
    }
}

/// A username/password pair accepted by every mechanism on the SASL listeners.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SaslUser {
    /// The username.
    pub username: String,
    /// The password.
    pub password: String,
}

/// The fixed users of a secured broker: `alice` and `bob`.
pub(crate) fn default_users() -> Vec<SaslUser> {
    [("alice", "alice-secret"), ("bob", "bob-secret")]
        .into_iter()
        .map(|(u, p)| SaslUser {
            username: u.to_string(),
            password: p.to_string(),
        })
        .collect()
}

/// `StorageTool format` arguments that create the SCRAM credentials.
pub(crate) fn scram_format_args(users: &[SaslUser]) -> Vec<String> {
    let mut args = Vec::new();
    for mech in [SaslMechanism::ScramSha256, SaslMechanism::ScramSha512] {
        for u in users {
            args.push("--add-scram".to_string());
            args.push(format!(
                "{}=[name={},password={}]",
                mech.name(),
                u.username,
                u.password
            ));
        }
    }
    args
}

/// Broker properties enabling all mechanisms on the listener named `listener` (lower case).
pub(crate) fn listener_properties(listener: &str, users: &[SaslUser]) -> Vec<(String, String)> {
    let plain_users: String = users
        .iter()
        .map(|u| format!(" user_{}=\"{}\"", u.username, u.password))
        .collect();
    // The broker's own PLAIN identity is required by the login module even if unused.
    let admin = users.first();
    let (admin_user, admin_pass) = admin
        .map(|u| (u.username.as_str(), u.password.as_str()))
        .unwrap_or(("admin", "admin"));
    let p = format!("listener.name.{listener}.");
    vec![
        (
            format!("{p}sasl.enabled.mechanisms"),
            "PLAIN,SCRAM-SHA-256,SCRAM-SHA-512".to_string(),
        ),
        (
            format!("{p}plain.sasl.jaas.config"),
            format!(
                "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"{admin_user}\" password=\"{admin_pass}\"{plain_users};"
            ),
        ),
        (
            format!("{p}scram-sha-256.sasl.jaas.config"),
            "org.apache.kafka.common.security.scram.ScramLoginModule required;".to_string(),
        ),
        (
            format!("{p}scram-sha-512.sasl.jaas.config"),
            "org.apache.kafka.common.security.scram.ScramLoginModule required;".to_string(),
        ),
    ]
}
