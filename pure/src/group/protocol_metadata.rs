//! The consumer protocol's payloads, as Kafka's schemas (`ConsumerProtocolSubscription` /
//! `ConsumerProtocolAssignment`, versions 0–3) define them, so every client in a mixed group parses them:
//! - subscription metadata = `int16 version | [string topic] | nullable bytes user_data | …` — we write
//!   PyKafka's version 0 with its user data `b"testuserdata"`;
//! - assignment = `int16 version | [string topic [int32 partition]] | nullable bytes user_data` — we write
//!   version 1 as PyKafka does, *with* the user-data field (empty). PyKafka omits it, which makes Java and
//!   librdkafka members fail with a buffer underflow; PyKafka's own decoder ignores the trailing bytes.
//!
//! Reading is lenient: any version, trailing fields of newer versions ignored; an empty assignment buffer is
//! an empty assignment.

use bytes::{Buf, BufMut, Bytes, BytesMut};

use ferrokafka_core::{Error, ErrorContext};

/// PyKafka's literal default user data.
pub use ferrokafka_core::PYKAFKA_USER_DATA as USER_DATA;

/// JoinGroup protocol metadata subscribing to `topics`, carrying the protocol's `user_data`.
pub fn encode_metadata(topics: &[&str], user_data: &[u8]) -> Bytes {
    let mut b = BytesMut::new();
    b.put_i16(0);
    b.put_i32(topics.len() as i32);
    for t in topics {
        put_string(&mut b, t);
    }
    b.put_i32(user_data.len() as i32);
    b.put_slice(user_data);
    b.freeze()
}

/// The topics a member's metadata subscribes to.
pub fn decode_metadata(mut buf: &[u8], group: &str) -> Result<Vec<String>, Error> {
    let bad = |what: &str| malformed(group, "protocol metadata", what);
    if buf.remaining() < 6 {
        return Err(bad("shorter than its header"));
    }
    let _version = buf.get_i16();
    let n = buf.get_i32();
    let mut topics = Vec::new();
    for _ in 0..n.max(0) {
        topics.push(get_string(&mut buf).ok_or_else(|| bad("topic name cut short"))?);
    }
    Ok(topics)
}

/// The members of a joined group that subscribe to `topic`, in the order given: the leader's participants.
/// A member whose metadata cannot be parsed is logged (naming it) and left out, so the group keeps working
/// for the others; it is assigned nothing.
pub fn subscribed_members<'a>(
    members: impl IntoIterator<Item = (&'a str, &'a [u8])>,
    topic: &str,
    group: &str,
) -> Vec<String> {
    members
        .into_iter()
        .filter(|(member, metadata)| match decode_metadata(metadata, group) {
            Ok(topics) => topics.iter().any(|t| t == topic),
            Err(e) => {
                tracing::warn!(group, member, error = %e.report(), "member metadata unreadable: assigning it nothing");
                false
            }
        })
        .map(|(member, _)| member.to_string())
        .collect()
}

/// A MemberAssignment (version 1) giving `partitions` of each topic, with empty user data.
pub fn encode_assignment(assignment: &[(&str, Vec<i32>)]) -> Bytes {
    let mut b = BytesMut::new();
    b.put_i16(1);
    b.put_i32(assignment.len() as i32);
    for (topic, parts) in assignment {
        put_string(&mut b, topic);
        b.put_i32(parts.len() as i32);
        for p in parts {
            b.put_i32(*p);
        }
    }
    // UserData: empty, not null, so readers that predate nullable bytes accept it too.
    b.put_i32(0);
    b.freeze()
}

/// `(topic, partitions)` pairs of a MemberAssignment; an empty buffer is no assignment. The user data and
/// anything after it are ignored (PyKafka writes none; Java and librdkafka write it).
pub fn decode_assignment(mut buf: &[u8], group: &str) -> Result<Vec<(String, Vec<i32>)>, Error> {
    let bad = |what: &str| malformed(group, "member assignment", what);
    if buf.is_empty() {
        return Ok(Vec::new());
    }
    if buf.remaining() < 6 {
        return Err(bad("shorter than its header"));
    }
    let _version = buf.get_i16();
    let n = buf.get_i32();
    let mut out = Vec::new();
    for _ in 0..n.max(0) {
        let topic = get_string(&mut buf).ok_or_else(|| bad("topic name cut short"))?;
        if buf.remaining() < 4 {
            return Err(bad("partition count missing"));
        }
        let count = buf.get_i32().max(0) as usize;
        if buf.remaining() < count * 4 {
            return Err(bad("partition list cut short"));
        }
        out.push((topic, (0..count).map(|_| buf.get_i32()).collect()));
    }
    Ok(out)
}

fn put_string(b: &mut BytesMut, s: &str) {
    b.put_i16(s.len() as i16);
    b.put_slice(s.as_bytes());
}

fn get_string(buf: &mut &[u8]) -> Option<String> {
    if buf.remaining() < 2 {
        return None;
    }
    let len = buf.get_i16();
    let len = usize::try_from(len).ok()?;
    if buf.remaining() < len {
        return None;
    }
    let s = String::from_utf8_lossy(&buf[..len]).into_owned();
    buf.advance(len);
    Some(s)
}

fn malformed(group: &str, what: &str, detail: &str) -> Error {
    Error::protocol(
        format!("malformed {what}: {detail}"),
        ErrorContext::group(group),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use ferrokafka_core::ErrorKind;

    #[test]
    fn metadata_bytes_are_pykafkas() {
        let got = encode_metadata(&["ab"], USER_DATA);
        let mut want = vec![0, 0, 0, 0, 0, 1, 0, 2, b'a', b'b', 0, 0, 0, 12];
        want.extend_from_slice(b"testuserdata");
        assert_eq!(&got[..], &want[..]);
        assert_eq!(decode_metadata(&got, "g").unwrap(), vec!["ab".to_string()]);
    }

    #[test]
    fn assignment_bytes_are_pykafkas() {
        let got = encode_assignment(&[("t", vec![0, 2])]);
        // PyKafka's bytes, plus the empty user data Kafka's schema requires.
        let want = [
            0, 1, 0, 0, 0, 1, 0, 1, b't', 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0,
        ];
        assert_eq!(&got[..], &want[..]);
        assert_eq!(
            decode_assignment(&got, "g").unwrap(),
            vec![("t".to_string(), vec![0, 2])]
        );
    }

    #[test]
    fn an_empty_assignment_buffer_is_no_assignment() {
        assert!(decode_assignment(&[], "g").unwrap().is_empty());
    }

    #[test]
    fn a_cut_assignment_is_a_protocol_error_naming_the_group() {
        let full = encode_assignment(&[("t", vec![0, 2])]);
        // Cut inside the partition list (the last 4 bytes are the user data).
        let err = decode_assignment(&full[..full.len() - 6], "g1").unwrap_err();
        assert!(err.kind() == ErrorKind::Protocol, "{err}");
        assert!(err.to_string().contains("g1"), "{err}");
    }

    /// Reads an assignment exactly as Kafka's schema says, every byte accounted for: what Java's and
    /// librdkafka's parsers require of the leader's bytes.
    fn strict_assignment(mut buf: &[u8]) -> Option<Vec<(String, Vec<i32>)>> {
        let _version = buf.get_i16();
        let mut out = Vec::new();
        for _ in 0..buf.get_i32() {
            let topic = get_string(&mut buf)?;
            let n = buf.get_i32();
            out.push((topic, (0..n).map(|_| buf.get_i32()).collect()));
        }
        let user_data = buf.get_i32();
        if user_data > 0 {
            buf.advance(user_data as usize);
        }
        buf.is_empty().then_some(out)
    }

    #[test]
    fn our_assignment_is_complete_under_kafkas_schema() {
        let got = encode_assignment(&[("t", vec![0, 2]), ("u", vec![])]);
        assert_eq!(
            strict_assignment(&got),
            Some(vec![
                ("t".to_string(), vec![0, 2]),
                ("u".to_string(), vec![])
            ])
        );
    }

    #[test]
    fn unreadable_or_unsubscribed_members_are_left_out() {
        let ours = encode_metadata(&["t"], USER_DATA);
        let other = encode_metadata(&["u"], USER_DATA);
        let members = [
            ("a", &ours[..]),
            ("b", &[0u8, 0, 0][..]),
            ("c", &other[..]),
            ("d", &ours[..]),
        ];
        assert_eq!(subscribed_members(members, "t", "g"), vec!["a", "d"]);
    }

    #[test]
    fn newer_versions_from_other_clients_are_read() {
        // A Java consumer's v3 subscription: topics, user data (null), owned partitions, generation, rack.
        let mut sub = BytesMut::new();
        sub.put_i16(3);
        sub.put_i32(2);
        put_string(&mut sub, "a");
        put_string(&mut sub, "b");
        sub.put_i32(-1);
        sub.put_i32(1);
        put_string(&mut sub, "a");
        sub.put_i32(1);
        sub.put_i32(0);
        sub.put_i32(7);
        sub.put_i16(-1);
        assert_eq!(decode_metadata(&sub, "g").unwrap(), vec!["a", "b"]);

        // A v3 assignment with user data.
        let mut asg = BytesMut::new();
        asg.put_i16(3);
        asg.put_i32(1);
        put_string(&mut asg, "a");
        asg.put_i32(1);
        asg.put_i32(4);
        asg.put_i32(3);
        asg.put_slice(b"xyz");
        assert_eq!(
            decode_assignment(&asg, "g").unwrap(),
            vec![("a".to_string(), vec![4])]
        );
    }
}
