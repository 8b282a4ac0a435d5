//! ferrokafka options → librdkafka properties: one table ([`MAPPING`], in `mapping.rs`) that documents every
//! option, the code that applies it ([`producer_config`], [`consumer_config`], in `apply.rs`), and the property
//! set it produces ([`NativeConfig`], in `properties.rs`).
//!
//! Starts from PyKafka's own mapping (`pykafka/rdkafka/producer.py` / `simple_consumer.py`), fixes its
//! drift (PyKafka passes Python bools as "True", computes `message.timeout.ms` = 0 for `max_retries=0`, and
//! leaves librdkafka defaults that differ from PyKafka's, like `isolation.level=read_committed`), and range-checks
//! every value so a bad option fails with `ErrorKind::Config` naming the *ferrokafka* option, not a librdkafka key.
//! Every option field is in the table: mapped, handled by ferrokafka's wrapper, without effect, or rejected.

mod apply;
mod mapping;
mod properties;

pub use apply::{
    bootstrap_servers, client_config, consumer_config, message_timeout_ms, prefetch_kbytes,
    producer_config, PREFETCH_KBYTES_CAP,
};
pub use mapping::{mapping_markdown, MappingRow, Scope, MAPPING};
pub use properties::{is_secret, NativeConfig};
