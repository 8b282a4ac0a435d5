//! A consumer's view of its brokers: whether its requests are being answered, so a service can report
//! itself unhealthy while `consume` only returns `Ok(None)` (an outage never ends a consumer: the fetchers
//! retry, and the failures are otherwise only logged).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;
use std::time::Instant;

use crate::error::Error;

/// Whether a consumer reaches the brokers it reads from ([`ConsumerEngine::health`](crate::ConsumerEngine::health)).
///
/// Unhealthy from the first failed request to a broker (a refused or broken connection, a timeout, no broker
/// answering metadata; on librdkafka its transport errors such as `-195` / `-187`) until a broker answers a
/// fetch again. Partition-level error codes in an answer do not count: the broker was reached.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum Health {
    /// The last request got an answer, or none has failed yet.
    Healthy,
    /// Requests have been failing since `since`, `failures` times in a row; `last_error` is the latest.
    Unhealthy {
        /// The most recent failure.
        last_error: Error,
        /// When the first failure of this run happened.
        since: Instant,
        /// Failures recorded since the consumer was last healthy (at least 1).
        failures: u32,
    },
}

impl Health {
    /// True for [`Health::Healthy`].
    pub fn is_healthy(&self) -> bool {
        matches!(self, Health::Healthy)
    }

    /// The most recent failure, while unhealthy.
    pub fn last_error(&self) -> Option<&Error> {
        match self {
            Health::Healthy => None,
            Health::Unhealthy { last_error, .. } => Some(last_error),
        }
    }

    /// The less healthy of two (a group member and its internal consumer): the one failing longer.
    pub fn worse(self, other: Health) -> Health {
        match (&self, &other) {
            (Health::Healthy, _) => other,
            (_, Health::Healthy) => self,
            (Health::Unhealthy { since: a, .. }, Health::Unhealthy { since: b, .. }) => {
                if b < a {
                    other
                } else {
                    self
                }
            }
        }
    }
}

/// Records failures and successes from an engine's background tasks or callbacks; cheap to call on every
/// answer (a success while healthy is one atomic load).
#[derive(Debug, Default)]
pub struct HealthTracker {
    failing: AtomicBool,
    state: Mutex<Option<(Error, Instant, u32)>>,
}

impl HealthTracker {
    /// A request failed with `error`.
    pub fn failure(&self, error: &Error) {
        let mut st = self.state.lock().unwrap_or_else(|e| e.into_inner());
        *st = Some(match st.take() {
            Some((_, since, n)) => (error.clone(), since, n.saturating_add(1)),
            None => (error.clone(), Instant::now(), 1),
        });
        self.failing.store(true, Ordering::Release);
    }

    /// A broker answered: healthy again.
    pub fn success(&self) {
        if self.failing.load(Ordering::Acquire) {
            let mut st = self.state.lock().unwrap_or_else(|e| e.into_inner());
            *st = None;
            self.failing.store(false, Ordering::Release);
        }
    }

    /// The state now.
    pub fn get(&self) -> Health {
        match &*self.state.lock().unwrap_or_else(|e| e.into_inner()) {
            None => Health::Healthy,
            Some((e, since, n)) => Health::Unhealthy {
                last_error: e.clone(),
                since: *since,
                failures: *n,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failures_count_up_and_a_success_clears_them() {
        let t = HealthTracker::default();
        assert!(t.get().is_healthy());
        t.success();
        let e = Error::socket_disconnected(crate::BrokerRef::address("127.0.0.1:1"), "refused");
        t.failure(&e);
        t.failure(&Error::no_brokers_available("127.0.0.1:1", "refused"));
        let Health::Unhealthy {
            last_error,
            failures,
            since,
        } = t.get()
        else {
            panic!("unhealthy after failures");
        };
        assert_eq!(failures, 2);
        assert_eq!(last_error.kind(), crate::ErrorKind::NoBrokersAvailable);
        assert!(since <= Instant::now());
        t.success();
        assert!(t.get().is_healthy());
        assert!(t.get().last_error().is_none());
    }

    #[test]
    fn worse_picks_the_one_failing_longer() {
        let first = HealthTracker::default();
        first.failure(&Error::socket_disconnected(
            crate::BrokerRef::address("a:1"),
            "first",
        ));
        let second = HealthTracker::default();
        second.failure(&Error::socket_disconnected(
            crate::BrokerRef::address("b:1"),
            "second",
        ));
        assert!(Health::Healthy.worse(Health::Healthy).is_healthy());
        let w = second.get().worse(first.get());
        assert!(w
            .last_error()
            .is_some_and(|e| e.to_string().contains("first")));
        assert!(!Health::Healthy.worse(second.get()).is_healthy());
    }
}
