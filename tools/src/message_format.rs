//! How `consume` writes a message: a kcat-style format string (raw bytes, binary safe) or one JSON object
//! per line. In JSON, bytes that are valid UTF-8 are strings (`"value"`); others are base64
//! (`"value_base64"`), so nothing is lost; null stays null.

use base64::Engine as _;
use ferrokafka::Message;
use serde_json::{json, Map, Value};

use crate::error::{CliError, CliResult};
use crate::escape::unescape;

#[derive(Debug, Clone, PartialEq)]
enum Piece {
    Text(Vec<u8>),
    Value,
    Key,
    Partition,
    Offset,
    Timestamp,
    Topic,
    Headers,
    ValueLen,
    KeyLen,
}

/// A parsed `-f/--format` string.
#[derive(Debug, Clone)]
pub struct Format(Vec<Piece>);

impl Format {
    pub fn parse(s: &str) -> CliResult<Format> {
        let bytes = unescape(s, "--format")?;
        let mut pieces = Vec::new();
        let mut text = Vec::new();
        let mut it = bytes.into_iter();
        while let Some(b) = it.next() {
            if b != b'%' {
                text.push(b);
                continue;
            }
            let piece = match it.next() {
                Some(b'%') => {
                    text.push(b'%');
                    continue;
                }
                Some(b's') => Piece::Value,
                Some(b'k') => Piece::Key,
                Some(b'p') => Piece::Partition,
                Some(b'o') => Piece::Offset,
                Some(b'T') => Piece::Timestamp,
                Some(b't') => Piece::Topic,
                Some(b'h') => Piece::Headers,
                Some(b'S') => Piece::ValueLen,
                Some(b'K') => Piece::KeyLen,
                other => {
                    return Err(CliError::usage(format!(
                        "--format: unknown token %{} (use %s %k %p %o %T %t %h %S %K %%)",
                        other.map(|c| (c as char).to_string()).unwrap_or_default()
                    )))
                }
            };
            if !text.is_empty() {
                pieces.push(Piece::Text(std::mem::take(&mut text)));
            }
            pieces.push(piece);
        }
        if !text.is_empty() {
            pieces.push(Piece::Text(text));
        }
        Ok(Format(pieces))
    }

    /// Append the formatted message to `out`.
    pub fn write(&self, topic: &str, m: &Message, out: &mut Vec<u8>) {
        let len = |b: Option<&[u8]>| match b {
            Some(b) => b.len().to_string(),
            None => "-1".to_string(),
        };
        for p in &self.0 {
            match p {
                Piece::Text(t) => out.extend_from_slice(t),
                Piece::Value => out.extend_from_slice(m.value.as_deref().unwrap_or_default()),
                Piece::Key => out.extend_from_slice(m.partition_key.as_deref().unwrap_or_default()),
                Piece::Partition => out.extend(m.partition_id.to_string().bytes()),
                Piece::Offset => out.extend(m.offset.to_string().bytes()),
                Piece::Timestamp => out.extend(m.timestamp.unwrap_or(-1).to_string().bytes()),
                Piece::Topic => out.extend_from_slice(topic.as_bytes()),
                Piece::ValueLen => out.extend(len(m.value.as_deref()).bytes()),
                Piece::KeyLen => out.extend(len(m.partition_key.as_deref()).bytes()),
                Piece::Headers => {
                    for (i, h) in m.headers.iter().enumerate() {
                        if i > 0 {
                            out.push(b',');
                        }
                        out.extend_from_slice(h.key.as_bytes());
                        out.push(b'=');
                        out.extend_from_slice(h.value.as_deref().unwrap_or_default());
                    }
                }
            }
        }
    }
}

/// Insert `name` (UTF-8 text) or `name_base64` (anything else); null stays `name: null`.
fn put_bytes(obj: &mut Map<String, Value>, name: &str, bytes: Option<&[u8]>) {
    match bytes.map(std::str::from_utf8) {
        None => {
            obj.insert(name.into(), Value::Null);
        }
        Some(Ok(s)) => {
            obj.insert(name.into(), Value::String(s.into()));
        }
        Some(Err(_)) => {
            let b64 = base64::engine::general_purpose::STANDARD.encode(bytes.unwrap_or_default());
            obj.insert(format!("{name}_base64"), Value::String(b64));
        }
    }
}

/// One message as a JSON object.
pub fn message_json(topic: &str, m: &Message) -> Value {
    let mut obj = Map::new();
    obj.insert("topic".into(), json!(topic));
    obj.insert("partition".into(), json!(m.partition_id));
    obj.insert("offset".into(), json!(m.offset));
    obj.insert("timestamp".into(), json!(m.timestamp));
    put_bytes(&mut obj, "key", m.partition_key.as_deref());
    put_bytes(&mut obj, "value", m.value.as_deref());
    let headers: Vec<Value> = m
        .headers
        .iter()
        .map(|h| {
            let mut o = Map::new();
            o.insert("name".into(), json!(h.key));
            put_bytes(&mut o, "value", h.value.as_deref());
            Value::Object(o)
        })
        .collect();
    obj.insert("headers".into(), Value::Array(headers));
    Value::Object(obj)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ferrokafka::Header;

    fn msg() -> Message {
        Message {
            partition_id: 2,
            offset: 7,
            partition_key: Some(b"k".to_vec().into()),
            value: Some(vec![0xff, 0, b'a'].into()),
            timestamp: Some(5),
            headers: vec![Header::new("h", "v")],
        }
    }

    #[test]
    fn format_tokens_write_raw_bytes() {
        let f = Format::parse("%t/%p@%o %T %k=%s|%S %K [%h] 100%%\\n").unwrap();
        let mut out = Vec::new();
        f.write("t", &msg(), &mut out);
        assert_eq!(out, b"t/2@7 5 k=\xff\0a|3 1 [h=v] 100%\n");
        assert!(Format::parse("%z").is_err());
    }

    #[test]
    fn json_keeps_binary_as_base64() {
        let v = message_json("t", &msg());
        assert_eq!(v["key"], "k");
        assert_eq!(v["value_base64"], "/wBh");
        assert!(v.get("value").is_none());
        assert_eq!(v["headers"][0]["name"], "h");
        assert_eq!(v["headers"][0]["value"], "v");
    }
}
