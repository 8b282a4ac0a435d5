//! PyKafka's offset-commit metadata, `json.dumps({"consumer_id": id, "hostname": host})`, byte for byte:
//! one implementation, so both engines write the same string.

/// The metadata string for a commit by `consumer_id` from this host.
pub fn commit_metadata(consumer_id: &str) -> String {
    format!(
        "{{\"consumer_id\": {}, \"hostname\": {}}}",
        json_string(consumer_id),
        json_string(&hostname())
    )
}

/// This machine's host name: the kernel's, then `/etc/hostname`, then `$HOSTNAME`; "localhost" if none.
/// The kernel first: `$HOSTNAME` is a shell variable that a process may or may not inherit.
pub fn hostname() -> String {
    ["/proc/sys/kernel/hostname", "/etc/hostname"]
        .iter()
        .find_map(|p| std::fs::read_to_string(p).ok())
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .or_else(|| std::env::var("HOSTNAME").ok().filter(|h| !h.is_empty()))
        .unwrap_or_else(|| "localhost".to_string())
}

/// A JSON string literal as Python's `json.dumps` writes it: ASCII output; control characters and every
/// non-ASCII character escaped as `\uXXXX` (UTF-16 units); DEL (0x7f) is ASCII and kept as is.
fn json_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if (c as u32) < 0x20 || !c.is_ascii() => {
                let mut buf = [0u16; 2];
                for unit in c.encode_utf16(&mut buf) {
                    out.push_str(&format!("\\u{unit:04x}"));
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
        let parsed: serde_json::Value = serde_json::from_str(&m).expect("valid JSON");
        assert_eq!(parsed["hostname"], hostname());
    }

    #[test]
    fn escapes_as_python_json_dumps() {
        // Python: json.dumps('a"é\x7f\x01\U0001F600\b\f') == '"a\\"\\u00e9\x7f\\u0001\\ud83d\\ude00\\b\\f"'
        assert_eq!(
            json_string("a\"é\u{7f}\u{1}😀\u{8}\u{c}"),
            "\"a\\\"\\u00e9\u{7f}\\u0001\\ud83d\\ude00\\b\\f\""
        );
    }
}
