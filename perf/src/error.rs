//! The harness's error: a client error from ferrokafka, or a failure of the harness itself (a child process,
//! its output, a file), which ferrokafka's error type has no kind for.

use std::fmt;

/// What stopped a measurement.
#[derive(Debug)]
pub enum Error {
    /// ferrokafka failed (build, produce, consume).
    Client(ferrokafka_core::Error),
    /// The harness failed: a child process, its output, a file; the message says what and where.
    Harness(String),
}

impl From<ferrokafka_core::Error> for Error {
    fn from(e: ferrokafka_core::Error) -> Self {
        Error::Client(e)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Client(e) => e.fmt(f),
            Error::Harness(m) => f.write_str(m),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Client(e) => Some(e),
            Error::Harness(_) => None,
        }
    }
}
