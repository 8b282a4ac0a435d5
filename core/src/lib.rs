//! Shared vocabulary of both engines: errors, options, messages, delivery reports, partitioners, and the
//! `ProducerApi` / `ConsumerApi` traits they implement. Re-exported by the `ferrokafka` crate.
#![forbid(unsafe_code)]
#![warn(missing_docs)]
// docs.rs (nightly, `--cfg docsrs`): badges for feature-gated items. `doc_auto_cfg` was folded into `doc_cfg`
// in 2025 and is now a hard error (E0557), so `doc_cfg` it is.
#![cfg_attr(docsrs, feature(doc_cfg))]

pub mod admin;
// api.rs belongs to the engine-boundary rework (issue 12), which documents it; until that lands, its three
// undocumented items (CommittedOffset's fields, ConsumerApi::start) must not fail `-D warnings`.
#[allow(missing_docs)]
pub mod api;
pub mod bridge;
pub mod broker_calls;
pub mod commit_metadata;
pub mod compression;
pub mod delivery;
pub mod engine;
pub mod error;
pub mod error_code;
pub mod health;
pub mod message;
pub mod offset_policy;
pub mod options;
pub mod partitioner;
pub mod timeout;

pub use admin::{
    BrokerInfo, GroupDescription, GroupListing, GroupMember, NewTopic, PartitionInfo,
    PartitionOffsets, TopicInfo,
};
pub use api::{CommittedOffset, ConsumerApi, ProducerApi, ResetTarget};
pub use broker_calls::{ClusterMetadata, FetchedMessages};
pub use compression::Compression;
pub use delivery::{DeliveryFuture, DeliveryReports, DeliverySender};
pub use engine::{ConsumerEngine, ProducerEngine};
pub use error::{BrokerRef, Error, ErrorContext, ErrorKind, Result};
pub use error_code::KafkaCode;
pub use health::{Health, HealthTracker};
pub use message::{Delivery, DeliveryReport, Header, Message, OutgoingMessage};
pub use options::{
    wire_ms, ClientOptions, ConsumerOptions, GroupMembershipProtocol, GroupOptions,
    MembershipProtocol, OffsetType, PartitionLeader, PostRebalanceCallback, ProducerOptions,
    RangeProtocol, RebalancedConsumer, ResolvedClient, ResolvedConsumer, ResolvedGroup,
    ResolvedProducer, RoundRobinProtocol, RuntimeHandle, SaslConfig, SaslMechanism, SslConfig,
    PYKAFKA_USER_DATA, RETRY_UNTIL_DELIVERY_TIMEOUT,
};
pub use partitioner::Partitioner;
pub use timeout::Timeout;
