//! How long a call may wait: the one parameter that replaces `block: bool` plus a hidden timeout.

use std::time::Duration;

/// How long a call waits. `Duration` converts into `After`, so `consume_for(Duration::from_secs(1))` reads
/// naturally; PyKafka's millisecond convention (-1 / 0 = forever) converts with [`Timeout::from_ms`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Timeout {
    /// Do not wait: answer with what is ready now.
    Now,
    /// Wait at most this long.
    After(Duration),
    /// Wait until there is an answer.
    Never,
}

impl Timeout {
    /// PyKafka's milliseconds: `<= 0` waits forever (`consumer_timeout_ms = -1`), `> 0` waits that long.
    pub fn from_ms(ms: i64) -> Timeout {
        match u64::try_from(ms) {
            Ok(ms) if ms > 0 => Timeout::After(Duration::from_millis(ms)),
            _ => Timeout::Never,
        }
    }

    /// The bound as a `Duration`; `None` for `Never`, zero for `Now`.
    pub fn duration(self) -> Option<Duration> {
        match self {
            Timeout::Now => Some(Duration::ZERO),
            Timeout::After(d) => Some(d),
            Timeout::Never => None,
        }
    }
}

impl From<Duration> for Timeout {
    fn from(d: Duration) -> Timeout {
        Timeout::After(d)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pykafka_ms_and_durations_convert() {
        assert_eq!(Timeout::from_ms(-1), Timeout::Never);
        assert_eq!(Timeout::from_ms(0), Timeout::Never);
        assert_eq!(
            Timeout::from_ms(250).duration(),
            Some(Duration::from_millis(250))
        );
        assert_eq!(
            Timeout::from(Duration::from_secs(2)),
            Timeout::After(Duration::from_secs(2))
        );
        assert_eq!(Timeout::Now.duration(), Some(Duration::ZERO));
        assert_eq!(Timeout::Never.duration(), None);
    }
}
