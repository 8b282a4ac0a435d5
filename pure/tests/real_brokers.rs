//! Every generated API against real brokers (Kafka 4.1 and 3.9 from the testkit): a request at the lowest and
//! at the highest version both the broker (per its ApiVersions answer) and this code speak gets a response that
//! decodes completely (correlation id matched, no bytes left over).
//!
//! A tiny blocking TCP helper stands in for the connection layer: one connection per request, so a broker that
//! closes the connection after an error cannot affect the next request.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use bytes::{BufMut, Bytes, BytesMut};
use ferrokafka_pure::protocol::frame::{encode_request, frame_length, DEFAULT_MAX_FRAME_SIZE};
use ferrokafka_pure::protocol::messages::*;
use ferrokafka_pure::protocol::primitives::{put_varint, put_varlong};
use ferrokafka_pure::protocol::versions::kafka4_min_version;
use ferrokafka_pure::protocol::{ApiKey, Decoder, Message, Request, Uuid, VersionRange};
use ferrokafka_testkit::{shared_kafka39, shared_kafka4, unique_name, KafkaCluster};

/// Sends `req` at `version` on a fresh connection and decodes the whole response frame.
fn call<R: Request>(addr: &str, req: &R, version: i16) -> Result<R::Response, String> {
    let mut stream = TcpStream::connect(addr).map_err(|e| format!("connect: {e}"))?;
    stream
        .set_read_timeout(Some(Duration::from_secs(60)))
        .map_err(|e| e.to_string())?;
    let correlation_id = 0x5eed;
    let frame = encode_request(
        req,
        version,
        correlation_id,
        Some("ferrokafka-protocol-test"),
    )
    .map_err(|e| format!("encode: {e}"))?;
    stream
        .write_all(&frame)
        .map_err(|e| format!("write: {e}"))?;
    let mut prefix = [0u8; 4];
    stream
        .read_exact(&mut prefix)
        .map_err(|e| format!("read size: {e}"))?;
    let size = frame_length(prefix, DEFAULT_MAX_FRAME_SIZE).map_err(|e| e.to_string())?;
    let mut body = vec![0u8; size];
    stream
        .read_exact(&mut body)
        .map_err(|e| format!("read body: {e}"))?;
    let mut d = Decoder::new(Bytes::from(body));
    let header = ResponseHeader::decode(&mut d, R::response_header_version(version))
        .map_err(|e| format!("header: {e}"))?;
    if header.correlation_id != correlation_id {
        return Err(format!(
            "correlation id {} != {correlation_id}",
            header.correlation_id
        ));
    }
    let resp = R::Response::decode(&mut d, version).map_err(|e| format!("decode: {e}"))?;
    if !d.is_empty() {
        return Err(format!("{} bytes left after the body", d.remaining()));
    }
    Ok(resp)
}

/// A one-record RecordBatch (magic 2), hand-built so this test does not depend on the records module.
fn record_batch(value: &[u8]) -> Bytes {
    let mut record = BytesMut::new();
    record.put_i8(0); // attributes
    put_varlong(&mut record, 0); // timestamp delta
    put_varint(&mut record, 0); // offset delta
    put_varint(&mut record, -1); // null key
    put_varint(&mut record, value.len() as i32);
    record.put_slice(value);
    put_varint(&mut record, 0); // no headers
    let mut records = BytesMut::new();
    put_varint(&mut records, record.len() as i32);
    records.put_slice(&record);

    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64);
    let mut after_crc = BytesMut::new();
    after_crc.put_i16(0); // attributes
    after_crc.put_i32(0); // last offset delta
    after_crc.put_i64(now); // base timestamp
    after_crc.put_i64(now); // max timestamp
    after_crc.put_i64(-1); // producer id
    after_crc.put_i16(-1); // producer epoch
    after_crc.put_i32(-1); // base sequence
    after_crc.put_i32(1); // record count
    after_crc.put_slice(&records);

    let mut batch = BytesMut::new();
    batch.put_i64(0); // base offset
    batch.put_i32((4 + 1 + 4 + after_crc.len()) as i32); // batch length: from partition leader epoch on
    batch.put_i32(-1); // partition leader epoch
    batch.put_i8(2); // magic
    batch.put_u32(crc32c::crc32c(&after_crc));
    batch.put_slice(&after_crc);
    batch.freeze()
}

/// Topics and ids the requests need, made once per broker.
struct Fixture {
    topic: String,
    topic_id: Uuid,
}

fn fixture(kafka: &KafkaCluster, addr: &str) -> Fixture {
    let topic = unique_name("protocol");
    kafka.create_topic(&topic, 1).expect("create topic");
    let meta = MetadataRequest {
        topics: Some(vec![metadata_request::MetadataRequestTopic {
            name: Some(topic.clone()),
            ..Default::default()
        }]),
        ..Default::default()
    };
    let max = negotiate(addr)[&ApiKey::Metadata];
    let resp = call(
        addr,
        &meta,
        max.highest_common(MetadataRequest::VERSIONS).unwrap(),
    )
    .expect("metadata");
    Fixture {
        topic,
        topic_id: resp.topics[0].topic_id,
    }
}

/// The broker's version ranges, from ApiVersions v0 (every broker accepts it).
fn negotiate(addr: &str) -> BTreeMap<ApiKey, VersionRange> {
    let resp = call(addr, &ApiVersionsRequest::default(), 0).expect("ApiVersions v0");
    assert_eq!(resp.error_code, 0);
    resp.api_keys
        .iter()
        .filter_map(|k| {
            Some((
                ApiKey::from_i16(k.api_key)?,
                VersionRange::new(k.min_version, k.max_version),
            ))
        })
        .collect()
}

/// Builds a request of `key` valid at `version` and sends it. Fields a version lacks stay at their defaults
/// (or are ignorable), as the encoder requires.
fn exercise(
    kafka: &KafkaCluster,
    addr: &str,
    fx: &Fixture,
    key: ApiKey,
    version: i16,
) -> Result<String, String> {
    let topic = fx.topic.clone();
    let group = unique_name("protocol-group");
    let since = |v: i16, value: i32, default: i32| if version >= v { value } else { default };
    Ok(match key {
        ApiKey::Produce => {
            let r = call(
                addr,
                &ProduceRequest {
                    acks: 1,
                    timeout_ms: 30_000,
                    topic_data: vec![produce_request::TopicProduceData {
                        name: topic,
                        partition_data: vec![produce_request::PartitionProduceData {
                            index: 0,
                            records: Some(record_batch(b"hello")),
                            ..Default::default()
                        }],
                        ..Default::default()
                    }],
                    ..Default::default()
                },
                version,
            )?;
            let p = &r.responses[0].partition_responses[0];
            format!("error {} offset {}", p.error_code, p.base_offset)
        }
        ApiKey::Fetch => {
            let r = call(
                addr,
                &FetchRequest {
                    max_wait_ms: 100,
                    min_bytes: 1,
                    topics: vec![fetch_request::FetchTopic {
                        topic,
                        topic_id: fx.topic_id,
                        partitions: vec![fetch_request::FetchPartition {
                            partition: 0,
                            fetch_offset: 0,
                            partition_max_bytes: 1 << 20,
                            ..Default::default()
                        }],
                        ..Default::default()
                    }],
                    ..Default::default()
                },
                version,
            )?;
            format!("error {} topics {}", r.error_code, r.responses.len())
        }
        ApiKey::ListOffsets => {
            let r = call(
                addr,
                &ListOffsetsRequest {
                    replica_id: -1,
                    topics: vec![list_offsets_request::ListOffsetsTopic {
                        name: topic,
                        partitions: vec![list_offsets_request::ListOffsetsPartition {
                            partition_index: 0,
                            timestamp: -1,
                            ..Default::default()
                        }],
                        ..Default::default()
                    }],
                    ..Default::default()
                },
                version,
            )?;
            format!("error {}", r.topics[0].partitions[0].error_code)
        }
        ApiKey::Metadata => {
            let r = call(
                addr,
                &MetadataRequest {
                    topics: Some(vec![metadata_request::MetadataRequestTopic {
                        name: Some(topic),
                        ..Default::default()
                    }]),
                    ..Default::default()
                },
                version,
            )?;
            format!(
                "brokers {} topic error {}",
                r.brokers.len(),
                r.topics[0].error_code
            )
        }
        ApiKey::OffsetCommit => {
            let r = call(
                addr,
                &OffsetCommitRequest {
                    group_id: group,
                    topics: vec![offset_commit_request::OffsetCommitRequestTopic {
                        name: topic,
                        partitions: vec![offset_commit_request::OffsetCommitRequestPartition {
                            partition_index: 0,
                            committed_offset: 0,
                            ..Default::default()
                        }],
                        ..Default::default()
                    }],
                    ..Default::default()
                },
                version,
            )?;
            format!("error {}", r.topics[0].partitions[0].error_code)
        }
        ApiKey::OffsetFetch => {
            let req = if version >= 8 {
                OffsetFetchRequest {
                    groups: vec![offset_fetch_request::OffsetFetchRequestGroup {
                        group_id: group,
                        topics: Some(vec![offset_fetch_request::OffsetFetchRequestTopics {
                            name: topic,
                            partition_indexes: vec![0],
                            ..Default::default()
                        }]),
                        ..Default::default()
                    }],
                    ..Default::default()
                }
            } else {
                OffsetFetchRequest {
                    group_id: group,
                    topics: Some(vec![offset_fetch_request::OffsetFetchRequestTopic {
                        name: topic,
                        partition_indexes: vec![0],
                        ..Default::default()
                    }]),
                    ..Default::default()
                }
            };
            let r = call(addr, &req, version)?;
            format!("error {} groups {}", r.error_code, r.groups.len())
        }
        ApiKey::FindCoordinator => {
            let req = if version >= 4 {
                FindCoordinatorRequest {
                    coordinator_keys: vec![group],
                    ..Default::default()
                }
            } else {
                FindCoordinatorRequest {
                    key: group,
                    ..Default::default()
                }
            };
            let r = call(addr, &req, version)?;
            format!(
                "error {} node {} coordinators {}",
                r.error_code,
                r.node_id,
                r.coordinators.len()
            )
        }
        ApiKey::JoinGroup => {
            let r = call(
                addr,
                &JoinGroupRequest {
                    group_id: group,
                    session_timeout_ms: 10_000,
                    rebalance_timeout_ms: since(1, 10_000, -1),
                    protocol_type: "consumer".into(),
                    protocols: vec![join_group_request::JoinGroupRequestProtocol {
                        name: "range".into(),
                        metadata: Bytes::from_static(&[0, 0, 0, 0, 0, 0, 0, 0, 0, 0]),
                        ..Default::default()
                    }],
                    ..Default::default()
                },
                version,
            )?;
            format!("error {} generation {}", r.error_code, r.generation_id)
        }
        ApiKey::Heartbeat => {
            let r = call(
                addr,
                &HeartbeatRequest {
                    group_id: group,
                    generation_id: 1,
                    member_id: "nobody".into(),
                    ..Default::default()
                },
                version,
            )?;
            format!("error {}", r.error_code)
        }
        ApiKey::LeaveGroup => {
            let req = if version >= 3 {
                LeaveGroupRequest {
                    group_id: group,
                    members: vec![leave_group_request::MemberIdentity {
                        member_id: "nobody".into(),
                        ..Default::default()
                    }],
                    ..Default::default()
                }
            } else {
                LeaveGroupRequest {
                    group_id: group,
                    member_id: "nobody".into(),
                    ..Default::default()
                }
            };
            let r = call(addr, &req, version)?;
            format!("error {}", r.error_code)
        }
        ApiKey::SyncGroup => {
            let r = call(
                addr,
                &SyncGroupRequest {
                    group_id: group,
                    generation_id: 1,
                    member_id: "nobody".into(),
                    ..Default::default()
                },
                version,
            )?;
            format!("error {}", r.error_code)
        }
        ApiKey::DescribeGroups => {
            let r = call(
                addr,
                &DescribeGroupsRequest {
                    groups: vec![group],
                    ..Default::default()
                },
                version,
            )?;
            format!(
                "groups {} state {:?}",
                r.groups.len(),
                r.groups[0].group_state
            )
        }
        ApiKey::ListGroups => {
            let r = call(addr, &ListGroupsRequest::default(), version)?;
            format!("error {} groups {}", r.error_code, r.groups.len())
        }
        ApiKey::SaslHandshake => {
            // On a PLAINTEXT listener the broker answers with ILLEGAL_SASL_STATE: still a well-formed response.
            let r = call(
                addr,
                &SaslHandshakeRequest {
                    mechanism: "PLAIN".into(),
                },
                version,
            )?;
            format!("error {} mechanisms {:?}", r.error_code, r.mechanisms)
        }
        ApiKey::SaslAuthenticate => {
            let r = call(
                addr,
                &SaslAuthenticateRequest {
                    auth_bytes: Bytes::from_static(b"\0user\0secret"),
                    ..Default::default()
                },
                version,
            )?;
            format!("error {}", r.error_code)
        }
        ApiKey::ApiVersions => {
            let r = call(
                addr,
                &ApiVersionsRequest {
                    client_software_name: "ferrokafka".into(),
                    client_software_version: "0.1.0".into(),
                    ..Default::default()
                },
                version,
            )?;
            format!("error {} keys {}", r.error_code, r.api_keys.len())
        }
        ApiKey::CreateTopics => {
            let r = call(
                addr,
                &CreateTopicsRequest {
                    topics: vec![create_topics_request::CreatableTopic {
                        name: unique_name("protocol-create"),
                        num_partitions: 1,
                        replication_factor: 1,
                        ..Default::default()
                    }],
                    timeout_ms: 30_000,
                    ..Default::default()
                },
                version,
            )?;
            format!("error {}", r.topics[0].error_code)
        }
        ApiKey::DeleteTopics => {
            let doomed = unique_name("protocol-delete");
            kafka.create_topic(&doomed, 1).map_err(|e| e.to_string())?;
            let req = if version >= 6 {
                DeleteTopicsRequest {
                    topics: vec![delete_topics_request::DeleteTopicState {
                        name: Some(doomed),
                        ..Default::default()
                    }],
                    timeout_ms: 30_000,
                    ..Default::default()
                }
            } else {
                DeleteTopicsRequest {
                    topic_names: vec![doomed],
                    timeout_ms: 30_000,
                    ..Default::default()
                }
            };
            let r = call(addr, &req, version)?;
            format!("error {}", r.responses[0].error_code)
        }
        ApiKey::DeleteRecords => {
            let r = call(
                addr,
                &DeleteRecordsRequest {
                    topics: vec![delete_records_request::DeleteRecordsTopic {
                        name: topic,
                        partitions: vec![delete_records_request::DeleteRecordsPartition {
                            partition_index: 0,
                            offset: 0,
                            ..Default::default()
                        }],
                        ..Default::default()
                    }],
                    timeout_ms: 30_000,
                    ..Default::default()
                },
                version,
            )?;
            format!("error {}", r.topics[0].partitions[0].error_code)
        }
        ApiKey::InitProducerId => {
            let r = call(
                addr,
                &InitProducerIdRequest {
                    transactional_id: None,
                    transaction_timeout_ms: 60_000,
                    ..Default::default()
                },
                version,
            )?;
            format!("error {} producer {}", r.error_code, r.producer_id)
        }
        ApiKey::OffsetForLeaderEpoch => {
            let r = call(
                addr,
                &OffsetForLeaderEpochRequest {
                    topics: vec![offset_for_leader_epoch_request::OffsetForLeaderTopic {
                        topic,
                        partitions: vec![
                            offset_for_leader_epoch_request::OffsetForLeaderPartition {
                                partition: 0,
                                leader_epoch: 0,
                                ..Default::default()
                            },
                        ],
                        ..Default::default()
                    }],
                    ..Default::default()
                },
                version,
            )?;
            format!("error {}", r.topics[0].partitions[0].error_code)
        }
        ApiKey::DescribeConfigs => {
            let r = call(
                addr,
                &DescribeConfigsRequest {
                    resources: vec![describe_configs_request::DescribeConfigsResource {
                        resource_type: 2, // topic
                        resource_name: topic,
                        configuration_keys: None,
                        ..Default::default()
                    }],
                    ..Default::default()
                },
                version,
            )?;
            format!(
                "error {} configs {}",
                r.results[0].error_code,
                r.results[0].configs.len()
            )
        }
        ApiKey::CreatePartitions => {
            let grow = unique_name("protocol-grow");
            kafka.create_topic(&grow, 1).map_err(|e| e.to_string())?;
            let r = call(
                addr,
                &CreatePartitionsRequest {
                    topics: vec![create_partitions_request::CreatePartitionsTopic {
                        name: grow,
                        count: 2,
                        assignments: None,
                        ..Default::default()
                    }],
                    timeout_ms: 30_000,
                    ..Default::default()
                },
                version,
            )?;
            format!("error {}", r.results[0].error_code)
        }
    })
}

/// `kafka4`: clamp the lowest version to what a 4.x broker accepts. Kafka 4 still *advertises* Produce v0-2 in
/// ApiVersions (so old librdkafka keeps working) but closes the connection on them (KIP-896), so the advertised
/// minimum is not enough; [`kafka4_min_version`] is the table from the reference notes.
fn every_api_at_both_ends(kafka: &KafkaCluster, name: &str, kafka4: bool) {
    let addr = kafka.bootstrap().to_string();
    let broker = negotiate(&addr);
    let fx = fixture(kafka, &addr);
    let mut failures = Vec::new();
    for key in ApiKey::ALL {
        let Some(range) = broker.get(&key) else {
            println!("{name}: {key:?} not offered by the broker");
            continue;
        };
        let ours = key.versions();
        let floor = if kafka4 { kafka4_min_version(key) } else { 0 };
        let accepted = VersionRange::new(range.min.max(floor), range.max);
        let (Some(lo), Some(hi)) = (ours.lowest_common(accepted), ours.highest_common(accepted))
        else {
            failures.push(format!(
                "{key:?}: broker {range:?} and ours {ours:?} do not overlap"
            ));
            continue;
        };
        for version in [lo, hi] {
            match exercise(kafka, &addr, &fx, key, version) {
                Ok(summary) => println!(
                    "{name}: {key:?} v{version} (broker {}-{}): {summary}",
                    range.min, range.max
                ),
                Err(e) => failures.push(format!("{key:?} v{version}: {e}")),
            }
        }
    }
    assert!(failures.is_empty(), "{name}:\n  {}", failures.join("\n  "));
}

#[test]
fn kafka4_every_api_lowest_and_highest_version() {
    every_api_at_both_ends(shared_kafka4(), "kafka 4", true);
}

#[test]
fn kafka39_every_api_lowest_and_highest_version() {
    every_api_at_both_ends(shared_kafka39(), "kafka 3.9", false);
}
