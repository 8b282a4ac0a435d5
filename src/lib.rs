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

mod client;
mod runtime;
mod topic;

pub use client::{
    BrokerInfo, GroupDescription, GroupListing, GroupMember, KafkaClient, NewTopic, Topics,
};
pub use topic::{OffsetPartitionResponse, OffsetsBefore, Partition, Topic};

pub use ferrokafka_core::{
    ClientOptions, Compression, Error, ErrorContext, KafkaCode, OffsetType, Result, SaslConfig,
    SaslMechanism, SslConfig,
};
