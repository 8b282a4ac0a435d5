//! Every client runs as a child process under one small Python launcher that reports the child's CPU time
//! (user + sys) and peak RSS from `getrusage(RUSAGE_CHILDREN)` — the same measurement for ferrokafka, the JVM
//! and PyKafka, and no `unsafe` here.

use std::process::Command;

use crate::error::Error;
use serde::Deserialize;

const LAUNCHER: &str = r#"
import json, resource, subprocess, sys, time
start = time.time()
p = subprocess.run(sys.argv[1:], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
r = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({"code": p.returncode, "stdout": p.stdout, "stderr": p.stderr[-4000:],
                  "cpu_seconds": r.ru_utime + r.ru_stime, "peak_rss_kb": r.ru_maxrss,
                  "wall_seconds": time.time() - start}))
"#;

/// What a measured child printed and used.
#[derive(Debug, Deserialize)]
pub struct Measured {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
    pub cpu_seconds: f64,
    pub peak_rss_kb: u64,
    pub wall_seconds: f64,
}

/// Runs `cmd` (program, arguments, environment) under the launcher; fails if it exits non-zero.
pub fn measure(cmd: &Command) -> Result<Measured, Error> {
    let mut launcher = Command::new("python3");
    launcher.arg("-c").arg(LAUNCHER).arg(cmd.get_program());
    launcher.args(cmd.get_args());
    for (k, v) in cmd.get_envs() {
        match v {
            Some(v) => launcher.env(k, v),
            None => launcher.env_remove(k),
        };
    }
    let what = format!("{:?}", cmd.get_program());
    let out = launcher
        .output()
        .map_err(|e| Error::Harness(format!("running python3 to measure {what}: {e}")))?;
    let text = String::from_utf8_lossy(&out.stdout);
    let measured: Measured = serde_json::from_str(text.trim()).map_err(|e| {
        Error::Harness(format!(
            "the launcher's report for {what} is not JSON ({e}): {text} {}",
            String::from_utf8_lossy(&out.stderr)
        ))
    })?;
    if measured.code != 0 {
        return Err(Error::Harness(format!(
            "{what} exited with {}: {}{}",
            measured.code, measured.stdout, measured.stderr
        )));
    }
    Ok(measured)
}
