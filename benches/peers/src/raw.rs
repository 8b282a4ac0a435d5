//! The ceiling: a client that does nothing but send record batches it encoded once, before the clock starts.
//! Produce v3 (RecordBatch v2, uncompressed), ~`max_request_size` per request, partitions in turn, up to 5
//! requests in flight on one connection (the single broker leads every partition). What the broker ingests
//! here is the most any client can reach.

use std::io::{BufReader, Read, Write};
use std::net::TcpStream;
use std::sync::mpsc;
use std::time::Instant;

use crate::args::Cli;
use crate::{payload, Outcome, RunResult};

const IN_FLIGHT: usize = 5;

fn varint(out: &mut Vec<u8>, v: i64) {
    let mut z = ((v << 1) ^ (v >> 63)) as u64;
    while z >= 0x80 {
        out.push((z as u8) | 0x80);
        z >>= 7;
    }
    out.push(z as u8);
}

/// A RecordBatch v2 of `count` keyless records carrying `value`.
fn record_batch(value: &[u8], count: usize) -> Vec<u8> {
    let mut records = Vec::with_capacity(count * (value.len() + 12));
    let mut body = Vec::with_capacity(value.len() + 12);
    for i in 0..count {
        body.clear();
        body.push(0); // attributes
        varint(&mut body, 0); // timestamp delta
        varint(&mut body, i as i64); // offset delta
        varint(&mut body, -1); // no key
        varint(&mut body, value.len() as i64);
        body.extend_from_slice(value);
        varint(&mut body, 0); // no headers
        varint(&mut records, body.len() as i64);
        records.extend_from_slice(&body);
    }
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64);
    // From attributes on: the part the CRC covers.
    let mut tail = Vec::with_capacity(records.len() + 64);
    tail.extend_from_slice(&0i16.to_be_bytes()); // attributes: no compression
    tail.extend_from_slice(&(count as i32 - 1).to_be_bytes()); // last offset delta
    tail.extend_from_slice(&now.to_be_bytes()); // base timestamp
    tail.extend_from_slice(&now.to_be_bytes()); // max timestamp
    tail.extend_from_slice(&(-1i64).to_be_bytes()); // producer id
    tail.extend_from_slice(&(-1i16).to_be_bytes()); // producer epoch
    tail.extend_from_slice(&(-1i32).to_be_bytes()); // base sequence
    tail.extend_from_slice(&(count as i32).to_be_bytes());
    tail.extend_from_slice(&records);
    let mut batch = Vec::with_capacity(tail.len() + 21);
    batch.extend_from_slice(&0i64.to_be_bytes()); // base offset
    batch.extend_from_slice(&((tail.len() + 9) as i32).to_be_bytes()); // length after this field
    batch.extend_from_slice(&(-1i32).to_be_bytes()); // partition leader epoch
    batch.push(2); // magic
    batch.extend_from_slice(&crc32c::crc32c(&tail).to_be_bytes());
    batch.extend_from_slice(&tail);
    batch
}

fn string(out: &mut Vec<u8>, s: &str) {
    out.extend_from_slice(&(s.len() as i16).to_be_bytes());
    out.extend_from_slice(s.as_bytes());
}

/// A whole Produce v3 request (size prefix included) for one partition; the correlation id is patched in later.
fn produce_request(cli: &Cli, partition: i32, batch: &[u8]) -> Vec<u8> {
    let mut r = Vec::with_capacity(batch.len() + 64);
    r.extend_from_slice(&0i32.to_be_bytes()); // size, set below
    r.extend_from_slice(&0i16.to_be_bytes()); // Produce
    r.extend_from_slice(&3i16.to_be_bytes()); // v3
    r.extend_from_slice(&0i32.to_be_bytes()); // correlation id, patched per send
    string(&mut r, "raw-ceiling");
    r.extend_from_slice(&(-1i16).to_be_bytes()); // no transactional id
    r.extend_from_slice(&cli.acks.to_be_bytes());
    r.extend_from_slice(&30_000i32.to_be_bytes());
    r.extend_from_slice(&1i32.to_be_bytes());
    string(&mut r, &cli.topic);
    r.extend_from_slice(&1i32.to_be_bytes());
    r.extend_from_slice(&partition.to_be_bytes());
    r.extend_from_slice(&(batch.len() as i32).to_be_bytes());
    r.extend_from_slice(batch);
    let size = (r.len() - 4) as i32;
    r[..4].copy_from_slice(&size.to_be_bytes());
    r
}

/// Reads one Produce v3 response and fails on any partition error.
fn read_response(conn: &mut impl Read, expected: i32) -> Result<(), String> {
    let mut len = [0u8; 4];
    conn.read_exact(&mut len)
        .map_err(|e| format!("read: {e}"))?;
    let mut body = vec![0u8; i32::from_be_bytes(len).max(0) as usize];
    conn.read_exact(&mut body)
        .map_err(|e| format!("read: {e}"))?;
    let mut at = 0usize;
    let mut take = |n: usize| -> Result<&[u8], String> {
        let s = body.get(at..at + n).ok_or("short Produce response")?;
        at += n;
        Ok(s)
    };
    let int = |b: &[u8]| i32::from_be_bytes([b[0], b[1], b[2], b[3]]);
    let corr = int(take(4)?);
    if corr != expected {
        return Err(format!("response {corr} where {expected} was due"));
    }
    for _ in 0..int(take(4)?) {
        let name_len = i16::from_be_bytes(take(2)?.try_into().map_err(|_| "short")?);
        take(name_len.max(0) as usize)?;
        for _ in 0..int(take(4)?) {
            let partition = int(take(4)?);
            let code = i16::from_be_bytes(take(2)?.try_into().map_err(|_| "short")?);
            take(16)?; // base offset, log append time
            if code != 0 {
                return Err(format!("partition {partition}: Kafka error {code}"));
            }
        }
    }
    Ok(())
}

pub fn produce(cli: &Cli) -> RunResult {
    let value = payload(cli.size as usize);
    let per_record = value.len() + 12;
    let per_batch = ((cli.max_request_size as usize).saturating_sub(200) / per_record).max(1);
    let total = cli.messages as usize;
    // Every request encoded before the clock starts: full batches share one encoding.
    let full = record_batch(&value, per_batch.min(total));
    let rest = total % per_batch;
    let last = (rest > 0 && total > per_batch).then(|| record_batch(&value, rest));
    let mut requests = Vec::new();
    let mut sent = 0usize;
    let mut partition = 0;
    while sent < total {
        let (batch, n) = match (&last, total - sent) {
            (Some(last), left) if left < per_batch => (last, left),
            _ => (&full, per_batch.min(total)),
        };
        requests.push(produce_request(cli, partition, batch));
        sent += n;
        partition = (partition + 1) % cli.partitions;
    }
    let conn = TcpStream::connect(&cli.bootstrap).map_err(|e| format!("connect: {e}"))?;
    conn.set_nodelay(true)
        .map_err(|e| format!("nodelay: {e}"))?;
    let mut reader = BufReader::new(conn.try_clone().map_err(|e| format!("clone: {e}"))?);
    let acks = cli.acks;
    let (tx, rx) = mpsc::sync_channel::<i32>(IN_FLIGHT - 1);
    let start = Instant::now();
    let responses = std::thread::spawn(move || -> Result<(), String> {
        if acks == 0 {
            return Ok(());
        }
        for corr in rx {
            read_response(&mut reader, corr)?;
        }
        Ok(())
    });
    let mut writer = conn;
    for (i, mut request) in requests.into_iter().enumerate() {
        let corr = i as i32;
        request[8..12].copy_from_slice(&corr.to_be_bytes());
        writer
            .write_all(&request)
            .map_err(|e| format!("write: {e}"))?;
        if acks != 0 && tx.send(corr).is_err() {
            break; // the reader failed: its error is reported below
        }
    }
    drop(tx);
    responses
        .join()
        .map_err(|_| "the response reader panicked".to_string())??;
    Ok(Outcome {
        seconds: start.elapsed().as_secs_f64(),
        ..Outcome::default()
    })
}
