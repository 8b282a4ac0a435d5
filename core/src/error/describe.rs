//! `Display` for [`Error`]: one readable line naming what failed and where, and nothing `source()` says.
//!
//! The Rust API guidelines' convention (C-GOOD-ERR): a report such as anyhow's `{:#}` prints each error of
//! the chain once, joined by `": "`, so this line never repeats its cause. A failed produce's last attempt is
//! `source()`, not part of this line; a reason that a source's own text already contains (librdkafka's
//! description of its code) is left out.

use std::fmt;

use super::{Detail, Error};

impl Error {
    /// `reason` unless it is empty or a source down the chain already says it.
    fn own<'a>(&self, reason: &'a str) -> Reason<'a> {
        let said = || {
            let mut next = std::error::Error::source(self);
            while let Some(s) = next {
                if s.to_string().contains(reason) {
                    return true;
                }
                next = s.source();
            }
            false
        };
        Reason((!reason.is_empty() && !said()).then_some(reason))
    }
}

impl Error {
    /// The whole chain on one line, each error once and joined by `": "` (what anyhow's `{:#}` prints):
    /// for log lines and messages that should carry the causes. `Display` alone gives this error only.
    pub fn report(&self) -> Report<'_> {
        Report(self)
    }
}

/// [`Error::report`]'s `Display`.
#[derive(Debug, Clone, Copy)]
pub struct Report<'a>(&'a Error);

impl fmt::Display for Report<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)?;
        let mut next = std::error::Error::source(self.0);
        while let Some(cause) = next {
            write!(f, ": {cause}")?;
            next = cause.source();
        }
        Ok(())
    }
}

/// Raw bytes for an error message: hex, then the bytes as ASCII (`.` for the unprintable), so a peer that
/// is not a Kafka broker shows what it speaks: `48 54 54 50 ("HTTP")`.
pub fn hex_ascii(bytes: &[u8]) -> String {
    let hex: Vec<String> = bytes.iter().map(|b| format!("{b:02x}")).collect();
    let ascii: String = bytes
        .iter()
        .map(|&b| {
            if b.is_ascii_graphic() || b == b' ' {
                char::from(b)
            } else {
                '.'
            }
        })
        .collect();
    format!("{} ({ascii:?})", hex.join(" "))
}

/// `": reason"` when there is a reason of this error's own to print.
struct Reason<'a>(Option<&'a str>);

impl fmt::Display for Reason<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(r) => write!(f, ": {r}"),
            None => Ok(()),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ctx = &self.0.context;
        match &self.0.detail {
            Detail::Kafka { code, message } => {
                return write!(f, "{code} at {ctx}{}", self.own(message.as_deref().unwrap_or("")))
            }
            Detail::SocketDisconnected { reason } => {
                return write!(f, "socket disconnected from {ctx}{}", self.own(reason))
            }
            Detail::Protocol { detail } => return write!(f, "protocol error at {ctx}{}", self.own(detail)),
            Detail::Tls { reason } => return write!(f, "TLS error with {ctx}{}", self.own(reason)),
            Detail::Authentication { mechanism, reason } => {
                return write!(
                    f,
                    "SASL {mechanism} authentication failed with {ctx}{}",
                    self.own(reason)
                )
            }
            Detail::LeaderNotFound { leader } => {
                return write!(f, "leader {leader} of {ctx} is not a known broker")
            }
            Detail::UnknownTopic { reason } => return write!(f, "{ctx} does not exist: {reason}"),
            Detail::ProducerQueueFull { queued } => {
                return write!(
                    f,
                    "producer queue full for {ctx}: {queued} messages queued (max_queued_messages)"
                )
            }
            Detail::ProducerStopped => return write!(f, "producer for {ctx} is stopped"),
            Detail::ConsumerStopped => return write!(f, "consumer for {ctx} is stopped"),
            Detail::MessageSizeTooLarge { size, max } => {
                return write!(
                    f,
                    "message of {size} bytes for {ctx} exceeds the maximum of {max} bytes"
                )
            }
            // The last attempt's error is source(): it follows in a report, so it is not repeated here.
            Detail::ProduceFailure { attempts, .. } => {
                return write!(f, "produce to {ctx} failed after {attempts} attempt(s)")
            }
            Detail::DeliveryOutcomeUnknown { attempts, .. } => {
                return write!(
                    f,
                    "delivery to {ctx} has an unknown outcome after {attempts} attempt(s): the message may \
                     have been written"
                )
            }
            Detail::DeliveryTimeout {
                after,
                attempts,
                in_doubt,
                ..
            } => {
                write!(
                    f,
                    "delivery to {ctx} timed out after {} ms (delivery_timeout_ms)",
                    after.as_millis()
                )?;
                if let Some(n) = attempts {
                    write!(f, ", {n} attempt(s)")?;
                }
                if *in_doubt {
                    f.write_str(": the message may have been written")?;
                }
                return Ok(());
            }
            Detail::MessageSetDecodeFailure { offset, reason } => {
                return write!(
                    f,
                    "message set decode failure at {ctx}, offset {offset}{}",
                    self.own(reason)
                )
            }
            Detail::OffsetRequestFailed { reason } => {
                return write!(f, "offset request failed at {ctx}{}", self.own(reason))
            }
            Detail::PartitionOwned { owner } => {
                return write!(
                    f,
                    "partition {} of topic {:?} is still owned by {owner:?} in group {:?}",
                    ctx.partition.unwrap_or(-1),
                    ctx.topic.as_deref().unwrap_or(""),
                    ctx.group.as_deref().unwrap_or("")
                )
            }
            Detail::InvalidState { what } => return write!(f, "invalid state at {ctx}: {what}"),
            // The kinds below do not name a context in their sentence: it follows when there is one.
            Detail::NoBrokersAvailable { hosts, reason } => {
                write!(f, "no brokers available among {hosts}{}", self.own(reason))?
            }
            // librdkafka does not say which limit expired: no "after 0 ms" then.
            Detail::Timeout { what, after } if after.is_zero() => {
                write!(f, "timed out waiting for {what}")?
            }
            Detail::Timeout { what, after } => write!(
                f,
                "timed out after {} ms waiting for {what}",
                after.as_millis()
            )?,
            Detail::Config { option, reason } => {
                write!(f, "invalid option {option}{}", self.own(reason))?
            }
            Detail::InvalidInput { what, reason } => write!(f, "invalid {what}{}", self.own(reason))?,
            Detail::EngineUnavailable { reason } => {
                write!(f, "engine unavailable{}", self.own(reason))?
            }
            Detail::DeliveryReportsDisabled => f.write_str(
                "delivery reports are disabled for this producer (enable delivery_reports)",
            )?,
            Detail::Native {
                code,
                name,
                message,
            } => write!(f, "librdkafka error {name} ({code}){}", self.own(message))?,
            Detail::ZooKeeperUnavailable { hosts, reason } => {
                write!(f, "ZooKeeper {hosts} unavailable{}", self.own(reason))?
            }
            Detail::BackgroundTaskFailed { what, reason } => {
                write!(f, "background {what} failed{}", self.own(reason))?
            }
        }
        if !ctx.is_empty() {
            write!(f, " ({ctx})")?;
        }
        Ok(())
    }
}
