//! `Display` for [`Error`]: one readable line naming what failed and where (the cause follows in `source()`).

use std::fmt;

use super::{Detail, Error};

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ctx = &self.0.context;
        match &self.0.detail {
            Detail::Kafka { code, message } => {
                write!(f, "{code} at {ctx}")?;
                if let Some(m) = message {
                    write!(f, ": {m}")?;
                }
                return Ok(());
            }
            Detail::SocketDisconnected { reason } => {
                return write!(f, "socket disconnected from {ctx}: {reason}")
            }
            Detail::Protocol { detail } => return write!(f, "protocol error at {ctx}: {detail}"),
            Detail::Tls { reason } => return write!(f, "TLS error with {ctx}: {reason}"),
            Detail::Authentication { mechanism, reason } => {
                return write!(
                    f,
                    "SASL {mechanism} authentication failed with {ctx}: {reason}"
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
            Detail::ProduceFailure { attempts, cause } => {
                return write!(
                    f,
                    "produce to {ctx} failed after {attempts} attempt(s): {cause}"
                )
            }
            Detail::DeliveryOutcomeUnknown { attempts, cause } => {
                return write!(
                    f,
                    "delivery to {ctx} has an unknown outcome after {attempts} attempt(s): the message may \
                     have been written. Last error: {cause}"
                )
            }
            Detail::MessageSetDecodeFailure { offset, reason } => {
                return write!(
                    f,
                    "message set decode failure at {ctx}, offset {offset}: {reason}"
                )
            }
            Detail::OffsetRequestFailed { reason } => {
                return write!(f, "offset request failed at {ctx}: {reason}")
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
                write!(f, "no brokers available among {hosts}: {reason}")?
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
            Detail::Config { option, reason } => write!(f, "invalid option {option}: {reason}")?,
            Detail::InvalidInput { what, reason } => write!(f, "invalid {what}: {reason}")?,
            Detail::EngineUnavailable { reason } => write!(f, "engine unavailable: {reason}")?,
            Detail::DeliveryReportsDisabled => f.write_str(
                "delivery reports are disabled for this producer (enable delivery_reports)",
            )?,
            Detail::Native {
                code,
                name,
                message,
            } => write!(f, "librdkafka error {name} ({code}): {message}")?,
            Detail::ZooKeeperUnavailable { hosts, reason } => {
                write!(f, "ZooKeeper {hosts} unavailable: {reason}")?
            }
            Detail::BackgroundTaskFailed { what, reason } => {
                write!(f, "background {what} failed: {reason}")?
            }
        }
        if !ctx.is_empty() {
            write!(f, " ({ctx})")?;
        }
        Ok(())
    }
}
