//! One integration-test binary: every test against real brokers.
mod producer;
