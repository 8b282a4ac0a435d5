//! Fuzzing entry points, shared by the cargo-fuzz targets in `pure/fuzz/` and by the seed-corpus test that runs
//! in normal CI (so the targets' code path is exercised without nightly).

use bytes::Bytes;

use super::error::ProtocolResult;
use super::messages::{decode_response_frame, ApiKey};

/// Picks the API and version from the first two bytes of fuzz input; returns `(key, version, frame)`.
///
/// Byte 0 selects an API from [`ApiKey::ALL`]; byte 1 a version from 0 to one past the newest (so the
/// unsupported-version path is reached too). The rest is a response frame without its size prefix.
pub fn split_input(data: &[u8]) -> Option<(ApiKey, i16, Bytes)> {
    let (&k, rest) = data.split_first()?;
    let (&v, frame) = rest.split_first()?;
    let key = ApiKey::ALL[usize::from(k) % ApiKey::ALL.len()];
    let version = i16::from(v) % (key.versions().max + 2);
    Some((key, version, Bytes::copy_from_slice(frame)))
}

/// The `decode_response` fuzz target: decode a response frame of any API at any version. Must never panic.
/// Returns `None` for inputs too short to select an API.
pub fn decode_response_input(data: &[u8]) -> Option<ProtocolResult<i32>> {
    let (key, version, frame) = split_input(data)?;
    Some(decode_response_frame(key, version, frame))
}

/// Builds a seed-corpus entry: the two selector bytes followed by `frame` (a response frame without its size).
pub fn corpus_entry(key: ApiKey, version: i16, frame: &[u8]) -> Vec<u8> {
    let index = ApiKey::ALL.iter().position(|k| *k == key).unwrap_or(0);
    let mut out = Vec::with_capacity(frame.len() + 2);
    out.push(index as u8);
    out.push(version as u8);
    out.extend_from_slice(frame);
    out
}
