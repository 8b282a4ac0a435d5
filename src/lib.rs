//! # ferrokafka
//!
//! A programmer-friendly Kafka client after [PyKafka](https://github.com/Parsely/pykafka): PyKafka's objects,
//! options, defaults and semantics, in a blocking API and an async one, over two engines — a pure-Rust
//! engine and librdkafka — behind one API.
//!
//! ## Producing
//!
//! ```no_run
//! use std::time::Duration;
//! use ferrokafka::{KafkaClient, OutgoingMessage};
//!
//! let client = KafkaClient::new("127.0.0.1:9092")?;
//! let topic = client.topic("events")?;
//! // Default options: batches wait at most 5 ms (PyKafka's 5000 is `.linger_ms(5000)`), and a keyed message goes
//! // where the Java client and librdkafka put it (murmur2), so one key keeps one partition.
//! let producer = topic.producer().build()?;
//! producer.produce("hello")?;
//! let delivery = producer.produce_with(OutgoingMessage::new("keyed").with_key("user-7"))?.wait()?;
//! println!("user-7 lives on partition {}", delivery.partition_id);
//! producer.flush(Duration::from_secs(5))?;
//! producer.stop()?;
//! # Ok::<(), ferrokafka::Error>(())
//! ```
//!
//! ## Consuming
//!
//! A [`SimpleConsumer`] reads some or all partitions with positions it keeps itself (offsets optionally
//! committed to a group); a [`BalancedConsumer`] joins a Kafka-managed group and reads its share. Both
//! implement [`ConsumerApi`], iterate like PyKafka's consumers, and stream.
//!
//! ```no_run
//! let client = ferrokafka::KafkaClient::new("127.0.0.1:9092")?;
//! let topic = client.topic("events")?;
//! let consumer = topic.balanced_consumer("analytics").consumer_timeout_ms(5_000).build()?;
//! for message in consumer.iter() {
//!     let message = message?;
//!     println!("{} {} {:?}", message.partition_id, message.offset, message.value);
//! }
//! consumer.stop()?;
//! # Ok::<(), ferrokafka::Error>(())
//! ```
//!
//! ## Choosing an engine
//!
//! Every builder takes `.use_rdkafka(true)` to run on librdkafka instead of the pure-Rust engine; the
//! options, partitioners, offset rules and errors are the same, and the cross-engine conformance tests hold
//! them to it. The group protocol of a balanced consumer is always ferrokafka's own.
//!
//! ## Errors
//!
//! Every call returns [`Error`], one opaque type for both engines (an `Arc` inside: cheap to clone). Match on
//! [`Error::kind`] (an [`ErrorKind`], named after PyKafka's exceptions), read the broker's code with
//! [`Error::code`], ask [`Error::is_retriable`] whether trying again can help, and see where it happened in
//! [`Error::context`]. The cause is [`std::error::Error::source`]: the io error of a refused connection, the
//! rustls error of a failed handshake, librdkafka's `KafkaError`, a failed produce's last attempt. `Display`
//! describes the error alone and never repeats its source (the Rust API guidelines' C-GOOD-ERR): print the
//! whole chain with e.g. `format!("{:#}", anyhow::Error::from(e))`.
//!
//! ```no_run
//! use ferrokafka::{ErrorKind, KafkaClient, KafkaCode};
//!
//! match KafkaClient::new("127.0.0.1:9092").and_then(|c| c.topic("events")) {
//!     Ok(topic) => println!("{} partitions", topic.partitions().len()),
//!     // The brokers do not auto-create it: at once, not retriable (`e.code()` says UNKNOWN_TOPIC_OR_PARTITION too).
//!     Err(e) if e.kind() == ErrorKind::UnknownTopicOrPartition => println!("no such topic"),
//!     Err(e) if e.code() == Some(KafkaCode::UnknownTopicOrPartition) => println!("not there yet"),
//!     Err(e) if e.kind() == ErrorKind::NoBrokersAvailable => {
//!         eprintln!("{e} (caused by: {:?})", std::error::Error::source(&e))
//!     }
//!     Err(e) => eprintln!("{e}; retry may help: {}", e.is_retriable()),
//! }
//! ```
//!
//! ## Logging and health
//!
//! What the client rides through (a broker down, a leader moving, a retried fetch) is reported only as
//! `tracing` events (targets `ferrokafka_pure`, `ferrokafka_native`, `librdkafka`): nothing is printed unless
//! the application installs a subscriber, e.g. `tracing_subscriber::fmt().with_env_filter(EnvFilter::new("warn"))
//! .init()`. Through an outage a consumer's `consume` just returns `Ok(None)`; its
//! [`SimpleConsumer::health`] / [`BalancedConsumer::health`] say whether the brokers answer ([`Health`]).
//!
//! ## Features
//!
//! | feature | default | what |
//! | --- | --- | --- |
//! | `native` | on | the librdkafka engine (`.use_rdkafka(true)`); builds librdkafka from source, needs a C toolchain |
//! | `pure-only` | off | marker for builds without librdkafka (`--no-default-features --features pure-only`); `use_rdkafka(true)` then fails with [`ErrorKind::EngineUnavailable`] |
//!
//! ## Blocking or async
//!
//! Every blocking operation has an `_async` twin (`topic_async`, `build_async`, `commit_offsets_async`,
//! `stop_async` …), both generated from one definition. Blocking calls work from plain threads and inside a
//! multi-thread runtime; the `_async` forms never block a tokio worker and work from any runtime. Each client
//! owns a small background tokio runtime where all broker I/O runs, unless it is given the caller's with
//! [`ClientOptions::runtime`].
//!
//! **Cancel-safety** is stated on every `_async` method: a dropped `consume_async` or stream takes no message,
//! a dropped `produce_async` either queued its message or produced nothing, and a dropped commit, flush, stop
//! or build runs to its end in the background.
//!
//! **Timeouts**: new calls take a [`Timeout`] (`Now`, `After(Duration)` — a `Duration` converts — or `Never`),
//! e.g. [`SimpleConsumer::consume_within`], [`Producer::delivery_report`]; PyKafka's `block` / `*_ms` forms
//! stay where they read better.
//!
//! **Drop vs stop**: dropping the last handle of a producer or consumer never blocks (even with the brokers
//! down); the flush, final commit or group leave runs in the background. `stop()` / `stop_async()` are the
//! bounded, flushing way out when you need to know it happened; [`Producer::scoped`] is a guard that stops on
//! scope exit (PyKafka's `with`). A producer dropped with messages queued says so at WARN, since an exit
//! before the background flush ends loses them.
//!
//! ```no_run
//! # async fn run() -> ferrokafka::Result<()> {
//! use futures::StreamExt;
//!
//! let client = ferrokafka::KafkaClient::connect(ferrokafka::ClientOptions::new("127.0.0.1:9092")).await?;
//! let topic = client.topic_async("events").await?;
//! let consumer = topic.simple_consumer().consumer_timeout_ms(1_000).build_async().await?;
//! let mut messages = std::pin::pin!(consumer.stream());
//! while let Some(message) = messages.next().await {
//!     println!("{:?}", message?.value);
//! }
//! # Ok(())
//! # }
//! ```
#![forbid(unsafe_code)]
#![warn(missing_docs)]
#![cfg_attr(docsrs, feature(doc_auto_cfg))]

mod background;
mod balanced;
mod broker;
mod client;
mod client_inner;
mod consumer;
mod consumer_common;
mod engine;
mod iter;
mod producer;
mod scoped;
mod setters;
mod topic;
mod twins;
mod unblock;
mod utf8;

pub use balanced::{BalancedConsumer, BalancedConsumerBuilder, BalancedIter};
pub use broker::Broker;
pub use client::{KafkaClient, Topics};
pub use consumer::{Deserializer, SimpleConsumer, SimpleConsumerBuilder, SimpleIter};
pub use iter::Iter;
pub use producer::{Producer, ProducerBuilder, Serializer};
pub use scoped::ScopedProducer;
pub use topic::{OffsetPartitionResponse, OffsetsBefore, Partition, Topic};
pub use unblock::UnblockHandle;
pub use utf8::{deserialize_utf8, serialize_utf8};

pub use ferrokafka_core::{
    BrokerInfo, BrokerRef, ClientOptions, ClusterMetadata, CommittedOffset, Compression,
    ConsumerApi, ConsumerOptions, Error, ErrorContext, ErrorKind, FetchedMessages,
    GroupDescription, GroupListing, GroupMember, GroupMembershipProtocol, GroupOptions, Health,
    KafkaCode, MembershipProtocol, Message, NewTopic, OffsetType, PartitionInfo, PartitionLeader,
    PostRebalanceCallback, RangeProtocol, RebalancedConsumer, ResetTarget, ResolvedClient, Result,
    RoundRobinProtocol, RuntimeHandle, SaslConfig, SaslMechanism, SslConfig, Timeout,
};

// The producer's vocabulary, and PyKafka's partitioners (plus murmur2 and librdkafka's consistent_random).
pub use ferrokafka_core::partitioner;
pub use ferrokafka_core::{
    Delivery, DeliveryFuture, DeliveryReport, Header, OutgoingMessage, Partitioner, ProducerApi,
    ProducerOptions, RETRY_UNTIL_DELIVERY_TIMEOUT,
};
