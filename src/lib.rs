//! ferrokafka: a programmer-friendly Kafka client, after PyKafka.
//!
//! ```no_run
//! let client = ferrokafka::KafkaClient::new("127.0.0.1:9092")?;
//! let topic = client.topic("events")?;
//! for (id, p) in topic.partitions() {
//!     println!("partition {id}: leader {}, replicas {:?}, isr {:?}", p.leader, p.replicas, p.isr);
//! }
//! println!("{:?}", topic.latest_available_offsets()?);
//! # Ok::<(), ferrokafka::Error>(())
//! ```
#![forbid(unsafe_code)]

mod balanced;
mod client;
mod consumer;
mod engine;
mod iter;
mod producer;
mod setters;
mod topic;

pub use balanced::{BalancedConsumer, BalancedConsumerBuilder, BalancedIter};
pub use client::{KafkaClient, Topics};
pub use consumer::{Deserializer, SimpleConsumer, SimpleConsumerBuilder};
pub use iter::Iter;
pub use producer::{Producer, ProducerBuilder, Serializer};
pub use topic::{OffsetPartitionResponse, OffsetsBefore, Partition, Topic};

pub use ferrokafka_core::{
    BrokerInfo, ClientOptions, CommittedOffset, Compression, ConsumerApi, ConsumerOptions, Error,
    ErrorContext, GroupDescription, GroupListing, GroupMember, GroupOptions, KafkaCode,
    MembershipProtocol, Message, NewTopic, OffsetType, PartitionInfo, PostRebalanceCallback,
    ResetTarget, Result, SaslConfig, SaslMechanism, SslConfig,
};

// The producer's vocabulary, and PyKafka's partitioners (plus murmur2 and librdkafka's consistent_random).
pub use ferrokafka_core::partitioner;
pub use ferrokafka_core::{
    Delivery, DeliveryFuture, DeliveryReport, Header, OutgoingMessage, Partitioner, ProducerApi,
    ProducerOptions,
};
