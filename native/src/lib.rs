//! The librdkafka engine.
