//! One real-broker test per option PyKafka users rely on, split by object, and the option → test table
//! (`tests/README.md`) checked against the option structs.

mod balanced;
mod check_crcs;
mod client;
mod offset_fetch_errors;
mod producer;
mod producer_defaults;
mod simple_consumer;
mod support;
mod table;
mod wire_log;
