//! Backslash escapes in delimiters, header values and format strings (`\n \t \r \0 \\ \xNN`), so binary
//! separators can be typed on a command line.

use crate::error::{CliError, CliResult};

/// Decode escapes into bytes; `what` names the argument in the error.
pub fn unescape(s: &str, what: &str) -> CliResult<Vec<u8>> {
    let mut out = Vec::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            let mut buf = [0u8; 4];
            out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
            continue;
        }
        match chars.next() {
            Some('n') => out.push(b'\n'),
            Some('t') => out.push(b'\t'),
            Some('r') => out.push(b'\r'),
            Some('0') => out.push(0),
            Some('\\') => out.push(b'\\'),
            Some('x') => {
                let hex: String = chars.by_ref().take(2).collect();
                let byte = u8::from_str_radix(&hex, 16).ok().filter(|_| hex.len() == 2);
                out.push(byte.ok_or_else(|| {
                    CliError::usage(format!(
                        "{what}: \\x{hex} is not \\x followed by two hex digits"
                    ))
                })?);
            }
            other => {
                return Err(CliError::usage(format!(
                    "{what}: unknown escape \\{} (use \\n \\t \\r \\0 \\\\ \\xNN)",
                    other.map(String::from).unwrap_or_default()
                )))
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::unescape;

    #[test]
    fn decodes_escapes_and_rejects_bad_ones() {
        assert_eq!(
            unescape("a\\tb\\n\\0\\xff\\\\", "d").unwrap(),
            b"a\tb\n\0\xff\\"
        );
        assert_eq!(unescape("é", "d").unwrap(), "é".as_bytes());
        assert!(unescape("\\xg1", "d")
            .unwrap_err()
            .to_string()
            .contains("hex"));
        assert!(unescape("\\q", "d")
            .unwrap_err()
            .to_string()
            .contains("\\q"));
    }
}
