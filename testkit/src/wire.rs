//! Just enough of the Kafka protocol to probe and prepare a broker: ApiVersions v0, Metadata v4,
//! CreateTopics v2. All three are non-flexible versions every supported broker (3.9, 4.x) accepts.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use crate::error::{Result, TestkitError};

const API_VERSIONS: i16 = 18;
const METADATA: i16 = 3;
const CREATE_TOPICS: i16 = 19;
const CLIENT_ID: &str = "ferrokafka-testkit";
/// Responses larger than this are treated as garbage rather than allocated.
const MAX_RESPONSE: usize = 64 * 1024 * 1024;

/// One entry of an ApiVersions response.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ApiVersionRange {
    /// The API key (0 = Produce, 1 = Fetch, 18 = ApiVersions, ...).
    pub api_key: i16,
    /// Lowest version the broker accepts.
    pub min_version: i16,
    /// Highest version the broker accepts.
    pub max_version: i16,
}

/// A decoded ApiVersions v0 response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiVersions {
    /// Kafka error code; 0 = none.
    pub error_code: i16,
    /// Supported version range per API key.
    pub apis: Vec<ApiVersionRange>,
}

impl ApiVersions {
    /// The range for `api_key`, if the broker supports it.
    pub fn get(&self, api_key: i16) -> Option<ApiVersionRange> {
        self.apis.iter().copied().find(|a| a.api_key == api_key)
    }
}

/// A broker as listed in Metadata.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MetadataBroker {
    /// `node.id` / `broker.id`.
    pub node_id: i32,
    /// Advertised host.
    pub host: String,
    /// Advertised port.
    pub port: i32,
}

/// A topic as listed in Metadata.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MetadataTopic {
    /// Kafka error code for the topic; 0 = none.
    pub error_code: i16,
    /// Topic name.
    pub name: String,
    /// `(partition, leader)`; leader −1 = none yet.
    pub partitions: Vec<(i32, i32)>,
}

/// A decoded Metadata v4 response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Metadata {
    /// Live brokers.
    pub brokers: Vec<MetadataBroker>,
    /// Controller id as reported by the broker.
    pub controller_id: i32,
    /// Requested topics.
    pub topics: Vec<MetadataTopic>,
}

/// Sends ApiVersions v0 to `addr` (`host:port`) and decodes the reply.
pub fn api_versions(addr: &str, timeout: Duration) -> Result<ApiVersions> {
    let body = round_trip(addr, API_VERSIONS, 0, &[], timeout)?;
    let mut r = Reader::new(addr, &body);
    let error_code = r.i16()?;
    let n = r.array_len()?;
    let mut apis = Vec::with_capacity(n.min(1024));
    for _ in 0..n {
        apis.push(ApiVersionRange {
            api_key: r.i16()?,
            min_version: r.i16()?,
            max_version: r.i16()?,
        });
    }
    Ok(ApiVersions { error_code, apis })
}

/// Sends Metadata v4 for `topics` (empty = brokers only) without auto-creating anything.
pub fn metadata(addr: &str, topics: &[&str], timeout: Duration) -> Result<Metadata> {
    let mut req = Vec::new();
    put_i32(&mut req, topics.len() as i32);
    for t in topics {
        put_str(&mut req, t);
    }
    req.push(0); // allow_auto_topic_creation = false
    let body = round_trip(addr, METADATA, 4, &req, timeout)?;
    let mut r = Reader::new(addr, &body);
    let _throttle = r.i32()?;
    let mut brokers = Vec::new();
    for _ in 0..r.array_len()? {
        let node_id = r.i32()?;
        let host = r.string()?;
        let port = r.i32()?;
        let _rack = r.nullable_string()?;
        brokers.push(MetadataBroker {
            node_id,
            host,
            port,
        });
    }
    let _cluster_id = r.nullable_string()?;
    let controller_id = r.i32()?;
    let mut out_topics = Vec::new();
    for _ in 0..r.array_len()? {
        let error_code = r.i16()?;
        let name = r.string()?;
        let _internal = r.i8()?;
        let mut partitions = Vec::new();
        for _ in 0..r.array_len()? {
            let _err = r.i16()?;
            let index = r.i32()?;
            let leader = r.i32()?;
            for _ in 0..r.array_len()? {
                r.i32()?; // replicas
            }
            for _ in 0..r.array_len()? {
                r.i32()?; // isr
            }
            partitions.push((index, leader));
        }
        out_topics.push(MetadataTopic {
            error_code,
            name,
            partitions,
        });
    }
    Ok(Metadata {
        brokers,
        controller_id,
        topics: out_topics,
    })
}

/// Kafka's TOPIC_ALREADY_EXISTS error code.
pub const TOPIC_ALREADY_EXISTS: i16 = 36;

/// Sends CreateTopics v2 for one topic; returns the topic's error code and message.
pub fn create_topic(
    addr: &str,
    name: &str,
    partitions: i32,
    replication_factor: i16,
    configs: &[(&str, &str)],
    timeout: Duration,
) -> Result<(i16, Option<String>)> {
    let mut req = Vec::new();
    put_i32(&mut req, 1);
    put_str(&mut req, name);
    put_i32(&mut req, partitions);
    req.extend_from_slice(&replication_factor.to_be_bytes());
    put_i32(&mut req, 0); // no manual assignment
    put_i32(&mut req, configs.len() as i32);
    for (k, v) in configs {
        put_str(&mut req, k);
        put_str(&mut req, v);
    }
    put_i32(&mut req, timeout.as_millis().min(i32::MAX as u128) as i32);
    req.push(0); // validate_only = false
    let body = round_trip(
        addr,
        CREATE_TOPICS,
        2,
        &req,
        timeout + Duration::from_secs(5),
    )?;
    let mut r = Reader::new(addr, &body);
    let _throttle = r.i32()?;
    let n = r.array_len()?;
    if n != 1 {
        return Err(r.err(format!("CreateTopics answered {n} topics for 1")));
    }
    let _name = r.string()?;
    let code = r.i16()?;
    let message = r.nullable_string()?;
    Ok((code, message))
}

/// Writes one request with header v1 and reads the matching response body.
fn round_trip(
    addr: &str,
    api_key: i16,
    version: i16,
    body: &[u8],
    timeout: Duration,
) -> Result<Vec<u8>> {
    let proto = |reason: String| TestkitError::Protocol {
        addr: addr.to_string(),
        reason,
    };
    let sock_addr = addr
        .parse::<std::net::SocketAddr>()
        .or_else(|_| {
            std::net::ToSocketAddrs::to_socket_addrs(addr)
                .ok()
                .and_then(|mut it| it.next())
                .ok_or(())
        })
        .map_err(|_| proto("cannot resolve address".to_string()))?;
    let mut stream = TcpStream::connect_timeout(&sock_addr, timeout)
        .map_err(|e| proto(format!("connect: {e}")))?;
    stream
        .set_read_timeout(Some(timeout))
        .and_then(|_| stream.set_write_timeout(Some(timeout)))
        .map_err(|e| proto(format!("socket options: {e}")))?;
    let correlation_id: i32 = 0x7e57;
    let mut frame = Vec::with_capacity(14 + CLIENT_ID.len() + body.len());
    frame.extend_from_slice(&[0; 4]);
    frame.extend_from_slice(&api_key.to_be_bytes());
    frame.extend_from_slice(&version.to_be_bytes());
    put_i32(&mut frame, correlation_id);
    put_str(&mut frame, CLIENT_ID);
    frame.extend_from_slice(body);
    let len = (frame.len() - 4) as i32;
    frame[..4].copy_from_slice(&len.to_be_bytes());
    stream
        .write_all(&frame)
        .map_err(|e| proto(format!("write: {e}")))?;
    let mut size = [0u8; 4];
    stream
        .read_exact(&mut size)
        .map_err(|e| proto(format!("read: {e}")))?;
    let size = i32::from_be_bytes(size);
    if size < 4 || size as usize > MAX_RESPONSE {
        return Err(proto(format!("implausible response size {size}")));
    }
    let mut resp = vec![0u8; size as usize];
    stream
        .read_exact(&mut resp)
        .map_err(|e| proto(format!("read: {e}")))?;
    let got = i32::from_be_bytes([resp[0], resp[1], resp[2], resp[3]]);
    if got != correlation_id {
        return Err(proto(format!(
            "correlation id {got}, expected {correlation_id}"
        )));
    }
    resp.drain(..4);
    Ok(resp)
}

fn put_i32(buf: &mut Vec<u8>, v: i32) {
    buf.extend_from_slice(&v.to_be_bytes());
}

fn put_str(buf: &mut Vec<u8>, s: &str) {
    buf.extend_from_slice(&(s.len() as i16).to_be_bytes());
    buf.extend_from_slice(s.as_bytes());
}

/// A bounds-checked big-endian reader over a response body.
struct Reader<'a> {
    addr: &'a str,
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn new(addr: &'a str, buf: &'a [u8]) -> Self {
        Reader { addr, buf, pos: 0 }
    }

    fn err(&self, reason: String) -> TestkitError {
        TestkitError::Protocol {
            addr: self.addr.to_string(),
            reason,
        }
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8]> {
        let end = self.pos.checked_add(n).filter(|&e| e <= self.buf.len());
        match end {
            Some(end) => {
                let s = &self.buf[self.pos..end];
                self.pos = end;
                Ok(s)
            }
            None => Err(self.err(format!(
                "response truncated at byte {} (wanted {n} more)",
                self.pos
            ))),
        }
    }

    fn i8(&mut self) -> Result<i8> {
        Ok(self.take(1)?[0] as i8)
    }

    fn i16(&mut self) -> Result<i16> {
        let b = self.take(2)?;
        Ok(i16::from_be_bytes([b[0], b[1]]))
    }

    fn i32(&mut self) -> Result<i32> {
        let b = self.take(4)?;
        Ok(i32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    }

    fn array_len(&mut self) -> Result<usize> {
        let n = self.i32()?;
        if n < 0 {
            return Ok(0);
        }
        let n = n as usize;
        if n > self.buf.len() {
            return Err(self.err(format!("array length {n} exceeds the response")));
        }
        Ok(n)
    }

    fn nullable_string(&mut self) -> Result<Option<String>> {
        let n = self.i16()?;
        if n < 0 {
            return Ok(None);
        }
        let b = self.take(n as usize)?;
        Ok(Some(String::from_utf8_lossy(b).into_owned()))
    }

    fn string(&mut self) -> Result<String> {
        Ok(self.nullable_string()?.unwrap_or_default())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reader_rejects_truncation() {
        let mut r = Reader::new("x", &[0, 1]);
        assert_eq!(r.i16().ok(), Some(1));
        assert!(r.i32().is_err());
    }

    #[test]
    fn reader_rejects_huge_arrays() {
        let buf = i32::MAX.to_be_bytes();
        let mut r = Reader::new("x", &buf);
        assert!(r.array_len().is_err());
    }
}
