//! Control records: the transaction markers a coordinator writes into control batches.

use crate::protocol::reader::Reader;
use crate::protocol::ProtocolResult;

/// What a control record marks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ControlType {
    /// The producer's open transaction was aborted: its records must be skipped by
    /// read-committed consumers.
    Abort,
    Commit,
    /// A type this client does not know (the Java client ignores these too).
    Unknown(i16),
}

impl ControlType {
    pub fn code(self) -> i16 {
        match self {
            ControlType::Abort => 0,
            ControlType::Commit => 1,
            ControlType::Unknown(c) => c,
        }
    }
}

/// A parsed control record: key `{version i16, type i16}`, value `{version i16, coordinator_epoch i32}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ControlMarker {
    pub version: i16,
    pub kind: ControlType,
    /// From the value, when present and well formed.
    pub coordinator_epoch: Option<i32>,
}

impl ControlMarker {
    /// Parses a control record's key (required) and value (optional).
    pub fn parse(key: &[u8], value: Option<&[u8]>) -> ProtocolResult<ControlMarker> {
        let mut r = Reader::new(key, 0);
        let version = r.i16("control record key version")?;
        let kind = match r.i16("control record type")? {
            0 => ControlType::Abort,
            1 => ControlType::Commit,
            other => ControlType::Unknown(other),
        };
        let coordinator_epoch = value.and_then(|v| {
            let mut r = Reader::new(v, 0);
            r.i16("control value version").ok()?;
            r.i32("coordinator epoch").ok()
        });
        Ok(ControlMarker {
            version,
            kind,
            coordinator_epoch,
        })
    }

    /// The key bytes for this marker (version 0).
    pub fn key_bytes(kind: ControlType) -> [u8; 4] {
        let t = kind.code().to_be_bytes();
        [0, 0, t[0], t[1]]
    }

    /// The value bytes (version 0) for a coordinator epoch.
    pub fn value_bytes(coordinator_epoch: i32) -> [u8; 6] {
        let e = coordinator_epoch.to_be_bytes();
        [0, 0, e[0], e[1], e[2], e[3]]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_markers() {
        let k = ControlMarker::key_bytes(ControlType::Abort);
        let v = ControlMarker::value_bytes(7);
        let m = ControlMarker::parse(&k, Some(&v)).unwrap();
        assert_eq!(m.kind, ControlType::Abort);
        assert_eq!(m.coordinator_epoch, Some(7));
        let m = ControlMarker::parse(&ControlMarker::key_bytes(ControlType::Commit), None).unwrap();
        assert_eq!(m.kind, ControlType::Commit);
        assert!(ControlMarker::parse(&[0, 0, 0], None).is_err());
        assert_eq!(
            ControlMarker::parse(&[0, 1, 0, 9], None).unwrap().kind,
            ControlType::Unknown(9)
        );
    }
}
