//! PyKafka 2.8.0 (from PyPI) in a private virtualenv under the build's `target/`, for interop tests and the
//! perf tool's comparisons: made on first use, reused afterwards.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;

use crate::error::{IoContext, Result, TestkitError};
use crate::maven::require_tool;

/// The PyKafka release the seed documents.
pub const PYKAFKA_VERSION: &str = "2.8.0";

/// Concurrent tests share one virtualenv: only one of them creates it.
static CREATING: Mutex<()> = Mutex::new(());

/// The `python` of a virtualenv that has PyKafka installed (created with `python3 -m venv` and pip on first
/// use, in `target/pykafka-venv`).
pub fn pykafka_python() -> Result<PathBuf> {
    require_tool("python3", "python3-venv")?;
    let venv = PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../target/pykafka-venv"
    ));
    let python = venv.join("bin").join("python");
    let _guard = CREATING.lock().unwrap_or_else(|e| e.into_inner());
    if has_pykafka(&python) {
        return Ok(python);
    }
    run(
        Command::new("python3").args(["-m", "venv"]).arg(&venv),
        "python3 -m venv",
    )?;
    let spec = format!("pykafka=={PYKAFKA_VERSION}");
    run(
        Command::new(&python).args(["-m", "pip", "install", "-q", &spec]),
        "pip install pykafka",
    )?;
    Ok(python)
}

fn has_pykafka(python: &Path) -> bool {
    Command::new(python)
        .args(["-c", "import pykafka"])
        .output()
        .is_ok_and(|o| o.status.success())
}

fn run(cmd: &mut Command, what: &str) -> Result<()> {
    let out = cmd.output().ctx(|| what.to_string())?;
    if out.status.success() {
        Ok(())
    } else {
        Err(TestkitError::Config(format!(
            "{what} failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        )))
    }
}
