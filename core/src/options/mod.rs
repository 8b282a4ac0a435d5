//! PyKafka's options, with PyKafka's names and defaults, and one `validate()` per role.
//!
//! The builders keep PyKafka's names and milliseconds (signed where PyKafka gives -1 a meaning, "forever");
//! `resolve()` validates them once into `Resolved*` structs of `Duration`s and counts, which the engines read.

mod client;
mod consumer;
mod group;
mod membership_protocol;
mod producer;
mod resolved;
mod runtime;

pub use client::{
    parse_broker_version, parse_host_list, split_host_port, ClientOptions, SaslConfig,
    SaslMechanism, SslConfig,
};
pub use consumer::{check_commit_offsets, fetch_wait_cap_ms, ConsumerOptions, OffsetType};
pub use group::{GroupOptions, PostRebalanceCallback, RebalancedConsumer};
pub use membership_protocol::{
    GroupMembershipProtocol, MembershipProtocol, PartitionLeader, RangeProtocol,
    RoundRobinProtocol, PYKAFKA_USER_DATA,
};
pub use producer::{ProducerOptions, RETRY_UNTIL_DELIVERY_TIMEOUT};
pub use resolved::{wire_ms, ResolvedClient, ResolvedConsumer, ResolvedGroup, ResolvedProducer};
pub use runtime::RuntimeHandle;

use crate::error::{Error, Result};

/// `value > 0`, else a config error naming the option (PyKafka's `valid_int`).
pub(crate) fn positive(option: &str, value: i64) -> Result<()> {
    if value > 0 {
        Ok(())
    } else {
        Err(Error::config(option, format!("must be > 0, got {value}")))
    }
}

/// `value >= 0`, else a config error naming the option.
pub(crate) fn non_negative(option: &str, value: i64) -> Result<()> {
    if value >= 0 {
        Ok(())
    } else {
        Err(Error::config(option, format!("must be >= 0, got {value}")))
    }
}

/// `value >= -1` (-1 meaning "forever"), else a config error naming the option.
pub(crate) fn at_least_minus_one(option: &str, value: i64) -> Result<()> {
    if value >= -1 {
        Ok(())
    } else {
        Err(Error::config(
            option,
            format!("must be -1 (forever) or >= 0, got {value}"),
        ))
    }
}

/// Topic and group names: ASCII only (PyKafka's UnicodeException), non-empty, Kafka's legal characters for topics.
pub fn validate_name(what: &str, name: &str) -> Result<()> {
    if name.is_empty() {
        return Err(Error::invalid_input(what, "must not be empty"));
    }
    if !name.is_ascii() {
        return Err(Error::invalid_input(what, format!("{name:?} is not ASCII")));
    }
    Ok(())
}

/// Kafka's topic-name rule: 1..=249 characters of `[a-zA-Z0-9._-]`, not `.` or `..`.
pub fn validate_topic_name(name: &str) -> Result<()> {
    validate_name("topic name", name)?;
    if name.len() > 249 {
        return Err(Error::invalid_input(
            "topic name",
            format!("{} characters, max 249", name.len()),
        ));
    }
    if name == "." || name == ".." {
        return Err(Error::invalid_input(
            "topic name",
            format!("{name:?} is reserved"),
        ));
    }
    if let Some(bad) = name
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || "._-".contains(*c)))
    {
        return Err(Error::invalid_input(
            "topic name",
            format!("{name:?} contains {bad:?}; allowed: ASCII letters, digits, '.', '_', '-'"),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_checked() {
        assert!(validate_topic_name("events.v1_a-b").is_ok());
        assert!(validate_topic_name("").is_err());
        assert!(validate_topic_name("..").is_err());
        assert!(validate_topic_name("a b").is_err());
        assert!(validate_topic_name("é").is_err());
        assert!(validate_topic_name(&"x".repeat(250)).is_err());
        assert!(validate_name("consumer group", "grp").is_ok());
    }
}
