//! Helpers of the PyKafka-era tests: pinned clients, the versions a pinned connection picks, the magic byte
//! of what a broker sends back for the pinned Fetch version, and a producer per codec.

use std::collections::BTreeMap;
use std::time::Duration;

use ferrokafka::{Compression, KafkaClient, OutgoingMessage, Result};
use ferrokafka_pure::consumer::{COMMIT_VERSIONS, FETCH_VERSIONS, OFFSET_FETCH_VERSIONS};
use ferrokafka_pure::group::membership::{
    HEARTBEAT_VERSIONS, JOIN_VERSIONS, LEAVE_VERSIONS, SYNC_VERSIONS,
};
use ferrokafka_pure::protocol::messages::fetch_request::{FetchPartition, FetchTopic};
use ferrokafka_pure::protocol::messages::{
    FetchRequest, FindCoordinatorRequest, HeartbeatRequest, JoinGroupRequest, LeaveGroupRequest,
    ListOffsetsRequest, OffsetCommitRequest, OffsetFetchRequest, ProduceRequest, SyncGroupRequest,
};
use ferrokafka_pure::protocol::VersionRange;
use ferrokafka_testkit::KafkaCluster;

use crate::common;

/// The pins of the matrix: PyKafka's own tables (0.8.2, 0.9.0 = PyKafka's default), 0.10.x (message
/// format v1) and none (negotiated).
pub const PINS: [Option<&str>; 5] = [
    Some("0.8.2"),
    Some("0.9.0"),
    Some("0.10.0"),
    Some("0.10.1"),
    None,
];

/// The versions the pure engine must pick under each pin from a broker offering every version (3.9.1):
/// PyKafka's 0.8/0.9 tables, the 0.10.x releases' own ranges. A missing API has no version under the pin.
pub fn expected_pinned(pin: &str) -> BTreeMap<&'static str, i16> {
    let group = |join| {
        [
            ("JoinGroup", join),
            ("SyncGroup", 0),
            ("Heartbeat", 0),
            ("LeaveGroup", 0),
        ]
    };
    let mut out: BTreeMap<&str, i16> = [("FindCoordinator", 0), ("OffsetFetch", 1)].into();
    let rows: Vec<(&str, i16)> = match pin {
        "0.8.2" => vec![
            ("Produce", 0),
            ("Fetch", 0),
            ("ListOffsets", 0),
            ("OffsetCommit", 1),
        ],
        "0.9.0" => [
            ("Produce", 0),
            ("Fetch", 1),
            ("ListOffsets", 0),
            ("OffsetCommit", 1),
        ]
        .into_iter()
        .chain(group(0))
        .collect(),
        "0.10.0" => [
            ("Produce", 2),
            ("Fetch", 2),
            ("ListOffsets", 0),
            ("OffsetCommit", 2),
        ]
        .into_iter()
        .chain(group(0))
        .collect(),
        "0.10.1" => [
            ("Produce", 2),
            ("Fetch", 3),
            ("ListOffsets", 1),
            ("OffsetCommit", 2),
        ]
        .into_iter()
        .chain(group(1))
        .collect(),
        other => panic!("no expectation for pin {other}"),
    };
    out.extend(rows);
    out
}

pub const CODECS: [Compression; 5] = [
    Compression::None,
    Compression::Gzip,
    Compression::Snappy,
    Compression::Lz4,
    Compression::Zstd,
];

pub fn pinned_client(cluster: &KafkaCluster, pin: Option<&str>) -> KafkaClient {
    let mut o = common::options(cluster);
    o.broker_version = pin.map(str::to_string);
    KafkaClient::with_options(o).expect("pinned client connects")
}

/// The message format a pin puts on the wire: magic 0 below 0.10, 1 for 0.10.x, 2 when negotiated.
pub fn expected_magic(pin: Option<&str>) -> i8 {
    match pin {
        Some(v) if v.starts_with("0.8") || v.starts_with("0.9") => 0,
        Some(v) if v.starts_with("0.10") => 1,
        _ => 2,
    }
}

/// The version the pure engine picks for each API on the leader of `topic`/0, with the engine's own ranges.
pub fn chosen_versions(client: &KafkaClient, topic: &str) -> BTreeMap<&'static str, i16> {
    client.topic(topic).expect("topic metadata");
    let cluster = client.cluster().clone();
    let t = topic.to_string();
    client.runtime_handle().block_on(async move {
        let conn = cluster
            .leader(&t, 0)
            .expect("leader")
            .connection()
            .await
            .expect("connection");
        let mut out = BTreeMap::new();
        let mut put = |name, v: Result<i16>| {
            if let Ok(v) = v {
                out.insert(name, v);
            }
        };
        put("Produce", conn.version_of::<ProduceRequest>(None));
        put(
            "Fetch",
            conn.version_of::<FetchRequest>(Some(FETCH_VERSIONS)),
        );
        put(
            "ListOffsets",
            conn.version_of::<ListOffsetsRequest>(Some(VersionRange::new(0, 10))),
        );
        put(
            "OffsetCommit",
            conn.version_of::<OffsetCommitRequest>(Some(COMMIT_VERSIONS)),
        );
        put(
            "OffsetFetch",
            conn.version_of::<OffsetFetchRequest>(Some(OFFSET_FETCH_VERSIONS)),
        );
        put(
            "JoinGroup",
            conn.version_of::<JoinGroupRequest>(Some(JOIN_VERSIONS)),
        );
        put(
            "SyncGroup",
            conn.version_of::<SyncGroupRequest>(Some(SYNC_VERSIONS)),
        );
        put(
            "Heartbeat",
            conn.version_of::<HeartbeatRequest>(Some(HEARTBEAT_VERSIONS)),
        );
        put(
            "LeaveGroup",
            conn.version_of::<LeaveGroupRequest>(Some(LEAVE_VERSIONS)),
        );
        put(
            "FindCoordinator",
            conn.version_of::<FindCoordinatorRequest>(None),
        );
        out
    })
}

/// One Fetch of `topic`/`partition` from offset 0 at the version `client`'s pin allows; returns the version
/// and the magic byte of the first entry (byte 16 in message sets and record batches alike).
pub fn raw_fetch_magic(client: &KafkaClient, topic: &str, partition: i32) -> (i16, i8) {
    client.topic(topic).expect("topic metadata");
    let cluster = client.cluster().clone();
    let t = topic.to_string();
    client.runtime_handle().block_on(async move {
        let leader = cluster.leader(&t, partition).expect("leader");
        let (version, resp) = leader
            .request(Some(FETCH_VERSIONS), |_| FetchRequest {
                max_wait_ms: 500,
                min_bytes: 1,
                max_bytes: 1 << 20,
                topics: vec![FetchTopic {
                    topic: t.clone(),
                    partitions: vec![FetchPartition {
                        partition,
                        fetch_offset: 0,
                        partition_max_bytes: 1 << 20,
                        ..Default::default()
                    }],
                    ..Default::default()
                }],
                ..Default::default()
            })
            .await
            .expect("raw fetch");
        let p = &resp.responses[0].partitions[0];
        assert_eq!(
            p.error_code, 0,
            "raw fetch of {t}/{partition} at v{version}"
        );
        let records = p.records.clone().unwrap_or_default();
        assert!(records.len() > 16, "records returned at Fetch v{version}");
        (version, records[16] as i8)
    })
}

/// Produces `n` messages "{codec}-{i}" keyed "k{i}" with `codec`, spread over the partitions; waits for
/// every delivery. `Err` is the first failed delivery (or a refused build).
pub fn produce_codec(
    client: &KafkaClient,
    topic: &str,
    codec: Compression,
    n: usize,
    rdkafka: bool,
) -> Result<Vec<String>> {
    let producer = client
        .topic(topic)?
        .producer()
        .compression(codec)
        .linger_ms(20)
        .pending_timeout_ms(30_000)
        .use_rdkafka(rdkafka)
        .build()?;
    let values: Vec<String> = (0..n)
        .map(|i| format!("{}-{i}", codec_name(codec)))
        .collect();
    let futures = values
        .iter()
        .enumerate()
        .map(|(i, v)| {
            producer.produce_with(OutgoingMessage::new(v.clone()).with_key(format!("k{i}")))
        })
        .collect::<Result<Vec<_>>>()?;
    let delivered: Result<Vec<_>> = futures.into_iter().map(|f| f.wait()).collect();
    let _ = producer.flush(Duration::from_secs(30));
    producer.stop()?;
    delivered.map(|_| values)
}

pub fn codec_name(codec: Compression) -> &'static str {
    match codec {
        Compression::None => "none",
        Compression::Gzip => "gzip",
        Compression::Snappy => "snappy",
        Compression::Lz4 => "lz4",
        Compression::Zstd => "zstd",
        _ => "other",
    }
}
