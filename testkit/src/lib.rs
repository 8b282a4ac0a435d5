//! Real Apache Kafka brokers and ZooKeeper as local processes, for tests, examples and
//! benchmarks. No Docker: the jars come from Maven Central (once, into a cache) and run on the
//! local `java`.
//!
//! - [`shared_kafka4`], [`shared_kafka39`], [`shared_kafka39_zk`]: one cluster per test binary;
//!   [`shared_kafka28`], [`shared_kafka11`]: real old brokers (ZooKeeper mode) for compatibility tests.
//! - [`KafkaCluster::start`] with a [`KafkaConfig`]: a private cluster (1 or 3 nodes, SSL, SASL),
//!   with node control (`stop_node`, `kill_node`, `restart_node`) for failure tests.
//! - [`FaultProxy`]: a loopback proxy in front of one broker that truncates, delays, black-holes, duplicates, reorders
//!   or corrupts chosen APIs' responses; [`BlackHole`]: a listener that accepts and never answers.
//! - [`api_versions`], [`metadata`], [`create_topic`](KafkaCluster::create_topic): a few
//!   hand-written requests, so the library needs no Kafka client.
//!
//! JVMs never outlive the test process, even when it is SIGKILLed (see `process.rs`).
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod cds;
mod cluster;
mod config;
mod error;
mod jvm;
mod kraft;
pub mod maven;
mod node;
mod ports;
mod process;
pub mod proxy;
mod python;
mod sasl;
mod shared;
mod timings;
mod tls;
mod tools;
mod wire;
mod zookeeper;

pub use cluster::KafkaCluster;
pub use config::{KafkaConfig, KafkaVersion, Listener};
pub use error::{Result, TestkitError};
pub use ports::free_port;
pub use process::pid_alive;
pub use proxy::{BlackHole, Fault, FaultProxy, Mode, REORDER_WAIT};
pub use python::{pykafka_python, PYKAFKA_VERSION};
pub use sasl::{SaslMechanism, SaslUser};
pub use shared::{
    shared_kafka11, shared_kafka28, shared_kafka39, shared_kafka39_zk, shared_kafka4, unique_name,
};
pub use tls::TlsFiles;
pub use tools::kafka_tool_command;
pub use wire::{
    api_versions, create_topic, metadata, ApiVersionRange, ApiVersions, Metadata, MetadataBroker,
    MetadataTopic, TOPIC_ALREADY_EXISTS,
};
pub use zookeeper::ZooKeeper;
