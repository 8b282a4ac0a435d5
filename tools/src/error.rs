//! Why a command failed, as the one line printed on stderr, and the exit status that goes with it.

use std::fmt;

/// A failure of a subcommand. `Usage` errors (bad argument values) exit 2, like clap's own; the rest exit 1.
#[derive(Debug)]
pub enum CliError {
    /// A bad argument or option value, found after parsing (a malformed offset, JSON, config line ...).
    /// The library's `Config` / `InvalidInput` errors are bad arguments too.
    Usage(String),
    /// The cluster or the library said no (unreachable broker, unknown topic, auth failure ...).
    Kafka(ferrokafka::Error),
    /// Reading stdin or a file, or writing the output, failed.
    Io {
        what: String,
        source: std::io::Error,
    },
    /// Anything else, already phrased for the user.
    Other(String),
}

impl CliError {
    pub fn usage(message: impl Into<String>) -> Self {
        CliError::Usage(message.into())
    }

    pub fn io(what: impl Into<String>, source: std::io::Error) -> Self {
        CliError::Io {
            what: what.into(),
            source,
        }
    }

    pub fn exit_code(&self) -> u8 {
        match self {
            CliError::Usage(_) => 2,
            CliError::Kafka(e)
                if matches!(
                    e.kind(),
                    ferrokafka::ErrorKind::Config | ferrokafka::ErrorKind::InvalidInput
                ) =>
            {
                2
            }
            _ => 1,
        }
    }

    /// Output to a closed pipe (`kafka-tools consume t | head`): the reader is done, which is not a failure.
    pub fn is_broken_pipe(&self) -> bool {
        matches!(self, CliError::Io { source, .. } if source.kind() == std::io::ErrorKind::BrokenPipe)
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = match self {
            CliError::Usage(m) | CliError::Other(m) => m.clone(),
            CliError::Kafka(e) => with_causes(e),
            CliError::Io { what, source } => format!("{what}: {source}"),
        };
        // One line, whatever the underlying message contains.
        f.write_str(&text.split_whitespace().collect::<Vec<_>>().join(" "))
    }
}

/// `e` and each of its `source()`s, joined by `": "`: the library's `Display` leaves causes to `source()`.
fn with_causes(e: &ferrokafka::Error) -> String {
    let mut text = e.to_string();
    let mut next = std::error::Error::source(e);
    while let Some(cause) = next {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        next = cause.source();
    }
    text
}

impl From<ferrokafka::Error> for CliError {
    fn from(e: ferrokafka::Error) -> Self {
        CliError::Kafka(e)
    }
}

pub type CliResult<T> = Result<T, CliError>;
