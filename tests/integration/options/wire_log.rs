//! A recording proxy in front of one real broker: clients bootstrap through it, every request they send is
//! kept (header and raw body), and Metadata and FindCoordinator answers are rewritten to name the proxy, so
//! later connections (librdkafka's too) come through it as well. Tests read what a client really put on the wire.

use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicI16, AtomicI32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use bytes::Bytes;
use ferrokafka_pure::protocol::frame::{decode_request, decode_response, encode_response};
use ferrokafka_pure::protocol::messages::{
    ApiVersionsRequest, FetchRequest, FindCoordinatorRequest, MetadataRequest, OffsetFetchRequest,
    ProduceRequest,
};
use ferrokafka_pure::protocol::{Message, Request};

/// One request as the broker received it.
#[derive(Debug, Clone)]
pub struct Seen {
    pub api_key: i16,
    pub client_id: Option<String>,
    /// The frame without its size prefix (header + body), for `decode_request`.
    pub frame: Bytes,
    /// When the proxy read it.
    pub at: Instant,
}

impl Seen {
    /// Decodes the request as `R` (panics naming the API if it is not one).
    pub fn decode<R: Request>(&self) -> R {
        decode_request::<R>(self.frame.clone())
            .unwrap_or_else(|e| panic!("request {}: {e}", self.api_key))
            .1
    }
}

/// The proxy; it lives (accepting) as long as the test binary.
pub struct WireLog {
    addr: String,
    seen: Arc<Mutex<Vec<Seen>>>,
    faults: Faults,
}

/// Faults the proxy injects: swallow Produce requests, or answer every partition of a Produce (the broker did
/// append; the client is told otherwise, as after a lost acknowledgement) or of a Fetch with an error code,
/// or one partition of an OffsetFetch answer with an error code, or corrupt fetched bytes.
#[derive(Clone, Default)]
struct Faults {
    drop_produce: Arc<AtomicBool>,
    produce_error: Arc<AtomicI16>,
    fetch_error: Arc<AtomicI16>,
    fetch_corrupt_marker: Arc<Mutex<Option<Vec<u8>>>>,
    offset_fetch_error: Arc<AtomicI16>,
    offset_fetch_partition: Arc<AtomicI32>,
}

impl WireLog {
    /// Listens on a free loopback port and forwards to `upstream` (`host:port`).
    pub fn start(upstream: &str) -> WireLog {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind the proxy");
        let local = listener.local_addr().expect("proxy address");
        let seen = Arc::new(Mutex::new(Vec::new()));
        let faults = Faults::default();
        let (upstream, log, injected) = (upstream.to_string(), seen.clone(), faults.clone());
        std::thread::spawn(move || {
            for client in listener.incoming().flatten() {
                let Ok(broker) = TcpStream::connect(&upstream) else {
                    continue;
                };
                relay(client, broker, local.port(), log.clone(), injected.clone());
            }
        });
        WireLog {
            addr: local.to_string(),
            seen,
            faults,
        }
    }

    /// While true, Produce requests are logged but never reach the broker (so never answered).
    pub fn drop_produce(&self, on: bool) {
        self.faults.drop_produce.store(on, Ordering::SeqCst);
    }

    /// While non-zero, every partition of every Produce answer carries this error code.
    pub fn fail_produce(&self, error_code: i16) {
        self.faults
            .produce_error
            .store(error_code, Ordering::SeqCst);
    }

    /// While non-zero, every partition of every Fetch answer carries this error code and no records.
    pub fn fail_fetch(&self, error_code: i16) {
        self.faults.fetch_error.store(error_code, Ordering::SeqCst);
    }

    /// While set, every Fetch answer has the first byte of each occurrence of `marker` inverted, as a
    /// corruption on the way would: records whose value holds the marker then fail their batch's CRC.
    pub fn corrupt_fetched(&self, marker: Option<&[u8]>) {
        *self.faults.fetch_corrupt_marker.lock().expect("lock") = marker.map(<[u8]>::to_vec);
    }

    /// While non-zero, partition `partition` of every OffsetFetch answer (any version, v8+ groups form
    /// included) carries this error code, offset -1 and no metadata; other partitions are left alone.
    pub fn fail_offset_fetch(&self, partition: i32, error_code: i16) {
        self.faults
            .offset_fetch_partition
            .store(partition, Ordering::SeqCst);
        self.faults
            .offset_fetch_error
            .store(error_code, Ordering::SeqCst);
    }

    /// The bootstrap address clients use.
    pub fn bootstrap(&self) -> &str {
        &self.addr
    }

    /// The requests of API `api_key` seen so far.
    pub fn requests(&self, api_key: i16) -> Vec<Seen> {
        let seen = self.seen.lock().expect("wire log lock");
        seen.iter()
            .filter(|s| s.api_key == api_key)
            .cloned()
            .collect()
    }
}

fn read_frame(s: &mut TcpStream) -> Option<Vec<u8>> {
    let mut size = [0u8; 4];
    s.read_exact(&mut size).ok()?;
    let len = usize::try_from(i32::from_be_bytes(size)).ok()?;
    let mut frame = vec![0u8; len];
    s.read_exact(&mut frame).ok()?;
    Some(frame)
}

fn write_frame(s: &mut TcpStream, frame: &[u8]) -> Option<()> {
    let len = i32::try_from(frame.len()).ok()?;
    s.write_all(&len.to_be_bytes()).ok()?;
    s.write_all(frame).ok()
}

/// Two threads: requests are logged and forwarded; answers are forwarded, Metadata ones rewritten.
fn relay(
    mut client: TcpStream,
    mut broker: TcpStream,
    port: u16,
    log: Arc<Mutex<Vec<Seen>>>,
    faults: Faults,
) {
    let versions: Arc<Mutex<HashMap<i32, (i16, i16)>>> = Arc::default();
    let (Ok(mut client_back), Ok(mut broker_back)) = (client.try_clone(), broker.try_clone())
    else {
        return;
    };
    let (pending, inject) = (versions.clone(), faults.clone());
    std::thread::spawn(move || {
        while let Some(frame) = read_frame(&mut client) {
            let mut forward = true;
            if frame.len() >= 10 {
                let api_key = i16::from_be_bytes([frame[0], frame[1]]);
                let version = i16::from_be_bytes([frame[2], frame[3]]);
                let correlation = i32::from_be_bytes([frame[4], frame[5], frame[6], frame[7]]);
                let id_len = i16::from_be_bytes([frame[8], frame[9]]);
                let client_id = usize::try_from(id_len)
                    .ok()
                    .and_then(|n| frame.get(10..10 + n))
                    .map(|b| String::from_utf8_lossy(b).into_owned());
                pending
                    .lock()
                    .expect("lock")
                    .insert(correlation, (api_key, version));
                log.lock().expect("lock").push(Seen {
                    api_key,
                    client_id,
                    frame: Bytes::from(frame.clone()),
                    at: Instant::now(),
                });
                forward = !(api_key == 0 && inject.drop_produce.load(Ordering::SeqCst));
            }
            if forward && write_frame(&mut broker, &frame).is_none() {
                break;
            }
        }
        let _ = broker.shutdown(std::net::Shutdown::Both);
    });
    std::thread::spawn(move || {
        while let Some(frame) = read_frame(&mut broker_back) {
            let correlation = frame
                .get(..4)
                .map(|b| i32::from_be_bytes([b[0], b[1], b[2], b[3]]));
            let asked = correlation.and_then(|c| versions.lock().expect("lock").remove(&c));
            let out = match asked {
                Some((3, version)) => rewrite_metadata(&frame, version, port).unwrap_or(frame),
                Some((0, version)) => {
                    let code = faults.produce_error.load(Ordering::SeqCst);
                    fail_produce(&frame, version, code).unwrap_or(frame)
                }
                Some((1, version)) => {
                    let code = faults.fetch_error.load(Ordering::SeqCst);
                    let mut out = fail_fetch(&frame, version, code).unwrap_or(frame);
                    if let Some(marker) = &*faults.fetch_corrupt_marker.lock().expect("lock") {
                        invert_marker_starts(&mut out, marker);
                    }
                    out
                }
                Some((9, version)) => {
                    let code = faults.offset_fetch_error.load(Ordering::SeqCst);
                    let partition = faults.offset_fetch_partition.load(Ordering::SeqCst);
                    fail_offset_fetch(&frame, version, partition, code).unwrap_or(frame)
                }
                Some((10, version)) => rewrite_coordinator(&frame, version, port).unwrap_or(frame),
                Some((18, version)) => cap_metadata_version(&frame, version).unwrap_or(frame),
                _ => frame,
            };
            if write_frame(&mut client_back, &out).is_none() {
                break;
            }
        }
        let _ = client_back.shutdown(std::net::Shutdown::Both);
    });
}

/// The Produce answer with `code` in every partition (unchanged when `code` is 0).
fn fail_produce(frame: &[u8], version: i16, code: i16) -> Option<Vec<u8>> {
    if code == 0 {
        return None;
    }
    let (correlation, mut resp) =
        decode_response::<ProduceRequest>(Bytes::copy_from_slice(frame), version).ok()?;
    for p in resp
        .responses
        .iter_mut()
        .flat_map(|t| t.partition_responses.iter_mut())
    {
        (p.error_code, p.base_offset) = (code, -1);
    }
    let out = encode_response::<ProduceRequest>(&resp, version, correlation).ok()?;
    Some(out[4..].to_vec())
}

/// The Fetch answer with `code` and no records in every partition (unchanged when `code` is 0).
fn fail_fetch(frame: &[u8], version: i16, code: i16) -> Option<Vec<u8>> {
    if code == 0 {
        return None;
    }
    let (correlation, mut resp) =
        decode_response::<FetchRequest>(Bytes::copy_from_slice(frame), version).ok()?;
    for p in resp
        .responses
        .iter_mut()
        .flat_map(|t| t.partitions.iter_mut())
    {
        p.error_code = code;
        p.records = None;
    }
    let out = encode_response::<FetchRequest>(&resp, version, correlation).ok()?;
    Some(out[4..].to_vec())
}

/// Inverts the first byte of every occurrence of `marker` in `frame`.
fn invert_marker_starts(frame: &mut [u8], marker: &[u8]) {
    if marker.is_empty() {
        return;
    }
    let mut at = 0;
    while let Some(found) = frame
        .get(at..)
        .and_then(|rest| rest.windows(marker.len()).position(|w| w == marker))
    {
        frame[at + found] ^= 0xff;
        at += found + marker.len();
    }
}

/// The OffsetFetch answer with `code`, offset -1 and no metadata for `partition` (unchanged when `code` is 0).
fn fail_offset_fetch(frame: &[u8], version: i16, partition: i32, code: i16) -> Option<Vec<u8>> {
    if code == 0 {
        return None;
    }
    let (correlation, mut resp) =
        decode_response::<OffsetFetchRequest>(Bytes::copy_from_slice(frame), version).ok()?;
    // v0-v7 answer one group in `topics`; v8+ answer per group in `groups`.
    for p in resp.topics.iter_mut().flat_map(|t| t.partitions.iter_mut()) {
        if p.partition_index == partition {
            (p.error_code, p.committed_offset, p.metadata) = (code, -1, None);
        }
    }
    for p in resp
        .groups
        .iter_mut()
        .flat_map(|g| g.topics.iter_mut())
        .flat_map(|t| t.partitions.iter_mut())
    {
        if p.partition_index == partition {
            (p.error_code, p.committed_offset, p.metadata) = (code, -1, None);
        }
    }
    let out = encode_response::<OffsetFetchRequest>(&resp, version, correlation).ok()?;
    Some(out[4..].to_vec())
}

/// The FindCoordinator answer naming the proxy (librdkafka would move its broker to the real address).
fn rewrite_coordinator(frame: &[u8], version: i16, port: u16) -> Option<Vec<u8>> {
    let (correlation, mut resp) =
        decode_response::<FindCoordinatorRequest>(Bytes::copy_from_slice(frame), version).ok()?;
    if resp.port != 0 {
        (resp.host, resp.port) = ("127.0.0.1".to_string(), i32::from(port));
    }
    for c in &mut resp.coordinators {
        (c.host, c.port) = ("127.0.0.1".to_string(), i32::from(port));
    }
    let out = encode_response::<FindCoordinatorRequest>(&resp, version, correlation).ok()?;
    Some(out[4..].to_vec())
}

/// The ApiVersions answer with Metadata capped at the highest version this crate decodes, so the
/// Metadata answers can be rewritten (librdkafka would otherwise ask one version higher).
fn cap_metadata_version(frame: &[u8], version: i16) -> Option<Vec<u8>> {
    let (correlation, mut resp) =
        decode_response::<ApiVersionsRequest>(Bytes::copy_from_slice(frame), version).ok()?;
    let highest = <MetadataRequest as Message>::VERSIONS.max;
    for api in resp.api_keys.iter_mut().filter(|a| a.api_key == 3) {
        api.max_version = api.max_version.min(highest);
    }
    let out = encode_response::<ApiVersionsRequest>(&resp, version, correlation).ok()?;
    Some(out[4..].to_vec())
}

/// The Metadata answer with every broker at the proxy's port on 127.0.0.1.
fn rewrite_metadata(frame: &[u8], version: i16, port: u16) -> Option<Vec<u8>> {
    let (correlation, mut resp) =
        decode_response::<MetadataRequest>(Bytes::copy_from_slice(frame), version).ok()?;
    for broker in &mut resp.brokers {
        broker.host = "127.0.0.1".to_string();
        broker.port = i32::from(port);
    }
    let out = encode_response::<MetadataRequest>(&resp, version, correlation).ok()?;
    Some(out[4..].to_vec())
}
