//! Runs `rustfmt` over generated source, so the output is formatted exactly as `cargo fmt` would.

use std::io::Write as _;
use std::process::{Command, Stdio};

use crate::Result;

/// Formats Rust source with `rustfmt` (edition 2021, the workspace's settings).
pub fn format_rust(src: &str) -> Result<String> {
    let mut child = Command::new(std::env::var("RUSTFMT").unwrap_or_else(|_| "rustfmt".into()))
        .args(["--edition", "2021", "--emit", "stdout", "--quiet"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run rustfmt: {e}"))?;
    let mut stdin = child.stdin.take().ok_or("no rustfmt stdin")?;
    let src_owned = src.to_string();
    let writer = std::thread::spawn(move || stdin.write_all(src_owned.as_bytes()));
    let output = child.wait_with_output().map_err(|e| e.to_string())?;
    writer
        .join()
        .map_err(|_| "rustfmt writer panicked".to_string())?
        .map_err(|e| e.to_string())?;
    if !output.status.success() {
        return Err(format!(
            "rustfmt failed: {}\n--- source ---\n{src}",
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    String::from_utf8(output.stdout).map_err(|e| e.to_string())
}
