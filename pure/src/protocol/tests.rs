//! Hand-checked golden frames, header-version rules, and the encode rules for fields a version lacks.

use bytes::{Bytes, BytesMut};

use super::frame::{decode_request, decode_response, encode_request, frame_length, split_frame};
use super::messages::api_versions_response::ApiVersion;
use super::messages::metadata_request::MetadataRequestTopic;
use super::messages::*;
use super::*;

fn hex(s: &str) -> Vec<u8> {
    let s: String = s.split_whitespace().collect();
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

#[test]
fn api_versions_v0_request_golden() {
    let frame = encode_request(&ApiVersionsRequest::default(), 0, 1, Some("test")).unwrap();
    // size 14 | key 18 | version 0 | correlation 1 | client id "test" (int16 length) | empty body
    assert_eq!(
        &frame[..],
        &hex("0000000e 0012 0000 00000001 0004 74657374")[..]
    );
}

#[test]
fn api_versions_v3_request_golden() {
    let req = ApiVersionsRequest {
        client_software_name: "ferrokafka".into(),
        client_software_version: "0.1.0".into(),
        ..Default::default()
    };
    let frame = encode_request(&req, 3, 7, Some("test")).unwrap();
    // Header v2: the client id keeps its int16 length (flexibleVersions "none"), then an empty tagged section.
    // Body: compact strings (length+1 as uvarint), then an empty tagged section.
    let expected = hex("00000021 0012 0003 00000007 0004 74657374 00
         0b 666572726f6b61666b61 06 302e312e30 00");
    assert_eq!(&frame[..], &expected[..]);
    let (header, back) = decode_request::<ApiVersionsRequest>(frame.freeze().slice(4..)).unwrap();
    assert_eq!(header.client_id.as_deref(), Some("test"));
    assert_eq!(header.correlation_id, 7);
    assert_eq!(back, req);
}

#[test]
fn metadata_v0_request_golden() {
    let req = MetadataRequest {
        topics: Some(vec![MetadataRequestTopic {
            name: Some("foo".into()),
            ..Default::default()
        }]),
        ..Default::default()
    };
    let frame = encode_request(&req, 0, 2, Some("c")).unwrap();
    // size | key 3 | v0 | corr 2 | "c" | topics: int32 count 1, string "foo"
    assert_eq!(
        &frame[..],
        &hex("00000014 0003 0000 00000002 0001 63 00000001 0003 666f6f")[..]
    );
}

#[test]
fn null_client_id_and_null_topics() {
    // Metadata v1: null topic array (= all topics) is int32 -1; null client id is int16 -1.
    let req = MetadataRequest {
        topics: None,
        ..Default::default()
    };
    let frame = encode_request(&req, 1, 0, None).unwrap();
    assert_eq!(
        &frame[..],
        &hex("0000000e 0003 0001 00000000 ffff ffffffff")[..]
    );
    // v0 cannot express a null array.
    assert!(matches!(
        encode_request(&req, 0, 0, None),
        Err(ProtocolError::Encode { .. })
    ));
}

#[test]
fn api_versions_v0_response_golden() {
    // corr 5 | error 0 | [ {key 0, min 0, max 9}, {key 18, min 0, max 3} ]
    let frame = Bytes::from(hex("00000005 0000 00000002 0000 0000 0009 0012 0000 0003"));
    let (corr, resp) = decode_response::<ApiVersionsRequest>(frame, 0).unwrap();
    assert_eq!(corr, 5);
    assert_eq!(resp.error_code, 0);
    assert_eq!(
        resp.api_keys,
        vec![
            ApiVersion {
                api_key: 0,
                min_version: 0,
                max_version: 9,
                ..Default::default()
            },
            ApiVersion {
                api_key: 18,
                min_version: 0,
                max_version: 3,
                ..Default::default()
            },
        ]
    );
}

#[test]
fn api_versions_v3_response_uses_header_v0_and_keeps_unknown_tags() {
    // Header v0 (no tagged section) even though the body is flexible.
    // corr 9 | error 0 | compact array of 1: key 3 min 0 max 12, no tags | throttle 0 |
    // tagged: 2 fields: tag 1 (FinalizedFeaturesEpoch, int64 = 42), tag 200 (unknown, 2 bytes).
    let frame = Bytes::from(hex("00000009 0000 02 0003 0000 000c 00 00000000
         02 01 08 000000000000002a c801 02 abcd"));
    let (corr, resp) = decode_response::<ApiVersionsRequest>(frame, 3).unwrap();
    assert_eq!(corr, 9);
    assert_eq!(resp.api_keys.len(), 1);
    assert_eq!(resp.api_keys[0].max_version, 12);
    assert_eq!(resp.finalized_features_epoch, 42);
    assert_eq!(
        resp.unknown_tagged_fields,
        vec![(200, Bytes::from_static(&[0xab, 0xcd]))]
    );
    // Re-encoding writes the known and unknown tags back in tag order.
    let mut out = BytesMut::new();
    resp.encode(&mut out, 3).unwrap();
    assert!(out.ends_with(&hex("02 01 08 000000000000002a c801 02 abcd")));
}

#[test]
fn header_versions() {
    assert_eq!(MetadataRequest::request_header_version(8), 1);
    assert_eq!(MetadataRequest::request_header_version(9), 2);
    assert_eq!(MetadataRequest::response_header_version(8), 0);
    assert_eq!(MetadataRequest::response_header_version(9), 1);
    assert_eq!(ApiVersionsRequest::request_header_version(3), 2);
    assert_eq!(ApiVersionsRequest::response_header_version(3), 0);
    assert_eq!(SaslHandshakeRequest::request_header_version(1), 1);
}

#[test]
fn metadata_v0_response_golden() {
    // corr 1 | brokers [ {1, "h", 9092} ] | topics [ {err 0, "t", partitions [ {err 0, p 0, leader 1, [1], [1]} ]} ]
    let frame = Bytes::from(hex(
        "00000001 00000001 00000001 0001 68 00002384
         00000001 0000 0001 74 00000001 0000 00000000 00000001 00000001 00000001 00000001 00000001",
    ));
    let (corr, resp) = decode_response::<MetadataRequest>(frame, 0).unwrap();
    assert_eq!(corr, 1);
    assert_eq!(resp.brokers[0].host, "h");
    assert_eq!(resp.brokers[0].port, 9092);
    assert_eq!(resp.brokers[0].rack, None);
    assert_eq!(resp.controller_id, -1, "absent in v0: the spec default");
    let t = &resp.topics[0];
    assert_eq!(t.name.as_deref(), Some("t"));
    assert_eq!(t.partitions[0].leader_id, 1);
    assert_eq!(t.partitions[0].replica_nodes, vec![1]);
    assert_eq!(t.partitions[0].leader_epoch, -1);
}

#[test]
fn absent_fields_follow_the_java_rule() {
    // AllowAutoTopicCreation is v4+, not ignorable, default true: false cannot be sent at v3.
    let req = MetadataRequest {
        allow_auto_topic_creation: false,
        ..Default::default()
    };
    let mut out = BytesMut::new();
    assert!(matches!(
        req.encode(&mut out, 3),
        Err(ProtocolError::Encode { .. })
    ));
    assert!(req.encode(&mut BytesMut::new(), 4).is_ok());
    // The default value is fine at any version.
    assert!(MetadataRequest::default()
        .encode(&mut BytesMut::new(), 0)
        .is_ok());
    // An ignorable field is dropped silently: MetadataResponse.ThrottleTimeMs (v3+).
    let resp = MetadataResponse {
        throttle_time_ms: 100,
        ..Default::default()
    };
    assert!(resp.encode(&mut BytesMut::new(), 0).is_ok());
    // Unknown tagged fields cannot be written at a non-flexible version.
    let req = MetadataRequest {
        unknown_tagged_fields: vec![(5, Bytes::new())],
        ..Default::default()
    };
    assert!(req.encode(&mut BytesMut::new(), 8).is_err());
    assert!(req.encode(&mut BytesMut::new(), 9).is_ok());
}

#[test]
fn versions_out_of_range_are_unsupported() {
    assert!(matches!(
        MetadataRequest::default().encode(&mut BytesMut::new(), 99),
        Err(ProtocolError::Unsupported { .. })
    ));
    assert!(matches!(
        decode_response::<MetadataRequest>(Bytes::new(), -1),
        Err(ProtocolError::Unsupported { .. })
    ));
}

#[test]
fn frame_size_guard() {
    assert_eq!(frame_length([0, 0, 0, 5], 10).unwrap(), 5);
    assert!(matches!(
        frame_length([0x7f, 0xff, 0xff, 0xff], DEFAULT_MAX),
        Err(ProtocolError::FrameTooLarge { .. })
    ));
    assert!(matches!(
        frame_length([0xff, 0, 0, 0], 10),
        Err(ProtocolError::Invalid { .. })
    ));
    let mut buf = BytesMut::from(&hex("00000002 abcd 000000")[..]);
    assert_eq!(
        split_frame(&mut buf, 10).unwrap().unwrap(),
        Bytes::from_static(&[0xab, 0xcd])
    );
    assert_eq!(split_frame(&mut buf, 10).unwrap(), None);
    assert_eq!(&buf[..], &[0, 0, 0]);
}

const DEFAULT_MAX: usize = frame::DEFAULT_MAX_FRAME_SIZE;

#[test]
fn api_keys() {
    assert_eq!(ApiKey::from_i16(3), Some(ApiKey::Metadata));
    assert_eq!(ApiKey::Metadata.name(), "Metadata");
    assert_eq!(ApiKey::SaslAuthenticate as i16, 36);
    assert_eq!(ApiKey::try_from(999).ok(), None);
    for k in ApiKey::ALL {
        assert_eq!(ApiKey::from_i16(k as i16), Some(k));
    }
    assert_eq!(
        VersionRange::new(0, 12).highest_common(VersionRange::new(0, 13)),
        Some(12)
    );
    assert_eq!(
        VersionRange::new(0, 2).highest_common(VersionRange::new(3, 13)),
        None
    );
}
