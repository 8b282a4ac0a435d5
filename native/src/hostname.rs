//! This machine's host name, for PyKafka's offset-commit metadata (`{"consumer_id": .., "hostname": ..}`).

/// The host name from the environment or the kernel; "localhost" when neither says.
pub fn hostname() -> String {
    std::env::var("HOSTNAME")
        .ok()
        .or_else(|| std::fs::read_to_string("/proc/sys/kernel/hostname").ok())
        .or_else(|| std::fs::read_to_string("/etc/hostname").ok())
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "localhost".to_string())
}

/// PyKafka's commit metadata, byte for byte: `json.dumps({"consumer_id": id, "hostname": h})`.
pub fn commit_metadata(consumer_id: &str) -> String {
    format!(
        "{{\"consumer_id\": {}, \"hostname\": {}}}",
        json_string(consumer_id),
        json_string(&hostname())
    )
}

/// A JSON string literal as Python's `json.dumps` writes it (ASCII-escaped).
fn json_string(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 || (c as u32) > 0x7e => {
                let mut buf = [0u16; 2];
                for u in c.encode_utf16(&mut buf) {
                    out.push_str(&format!("\\u{u:04x}"));
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metadata_is_pykafkas_json() {
        let m = commit_metadata("");
        assert!(
            m.starts_with("{\"consumer_id\": \"\", \"hostname\": \""),
            "{m}"
        );
        assert_eq!(json_string("a\"é"), "\"a\\\"\\u00e9\"");
    }
}
