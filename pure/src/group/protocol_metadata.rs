//! The consumer protocol's payloads as PyKafka writes them (§4.4):
//! `ConsumerGroupProtocolMetadata` = `int16 version | [string topic] | bytes user_data` (version 0,
//! user data `b"testuserdata"`), and `MemberAssignment` = `int16 version | [string topic [int32 partition]]`
//! (version 1, no user data written; an empty buffer is an empty assignment).

use bytes::{Buf, BufMut, Bytes, BytesMut};

use ferrokafka_core::{Error, ErrorContext};

/// PyKafka's literal default user data.
pub const USER_DATA: &[u8] = b"testuserdata";

/// JoinGroup protocol metadata subscribing to `topics`.
pub fn encode_metadata(topics: &[&str]) -> Bytes {
    let mut b = BytesMut::new();
    b.put_i16(0);
    b.put_i32(topics.len() as i32);
    for t in topics {
        put_string(&mut b, t);
    }
    b.put_i32(USER_DATA.len() as i32);
    b.put_slice(USER_DATA);
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

/// A MemberAssignment (version 1) giving `partitions` of each topic.
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
    b.freeze()
}

/// `(topic, partitions)` pairs of a MemberAssignment; an empty buffer is no assignment. Trailing user data
/// (written by Java clients) is ignored.
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
    Error::Protocol {
        detail: format!("malformed {what}: {detail}"),
        context: ErrorContext::group(group),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metadata_bytes_are_pykafkas() {
        let got = encode_metadata(&["ab"]);
        let mut want = vec![0, 0, 0, 0, 0, 1, 0, 2, b'a', b'b', 0, 0, 0, 12];
        want.extend_from_slice(b"testuserdata");
        assert_eq!(&got[..], &want[..]);
        assert_eq!(decode_metadata(&got, "g").unwrap(), vec!["ab".to_string()]);
    }

    #[test]
    fn assignment_bytes_are_pykafkas() {
        let got = encode_assignment(&[("t", vec![0, 2])]);
        let want = [
            0, 1, 0, 0, 0, 1, 0, 1, b't', 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 2,
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
        let err = decode_assignment(&full[..full.len() - 2], "g1").unwrap_err();
        assert!(matches!(err, Error::Protocol { .. }), "{err}");
        assert!(err.to_string().contains("g1"), "{err}");
    }
}
