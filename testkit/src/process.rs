//! JVMs that cannot outlive the test process, without `unsafe`.
//!
//! Each JVM runs under a small `sh` wrapper in its own process group. The wrapper's stdin is a
//! pipe whose only writer is this process (std opens it close-on-exec, so no other child holds
//! it). When this process ends for any reason, SIGKILL included, the pipe reports EOF and the
//! wrapper terminates the JVM (TERM, then KILL after a grace period). The wrapper also exits
//! as soon as the JVM exits, so a dead broker shows up as a dead child here.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::time::{Duration, Instant};

use crate::error::{IoContext, Result, TestkitError};

/// `$1` = grace in tenths of a second, `$2` = pid file, the rest = the command.
const WRAPPER: &str = r#"
grace=$1; pidfile=$2; shift 2
exec 3<&0 0</dev/null
"$@" &
jpid=$!
echo "$jpid" > "$pidfile.tmp" && mv "$pidfile.tmp" "$pidfile"
(
  while read -r _ <&3; do :; done
  kill -TERM "$jpid" 2>/dev/null
  n=0
  while kill -0 "$jpid" 2>/dev/null; do
    if [ "$n" -ge "$grace" ]; then kill -KILL "$jpid" 2>/dev/null; break; fi
    sleep 0.1; n=$((n+1))
  done
) &
wpid=$!
exec 3<&-
wait "$jpid"
rc=$?
kill "$wpid" 2>/dev/null
echo "[ferrokafka-testkit] process $jpid exited with status $rc"
exit "$rc"
"#;

/// Removes a directory once the test process is gone and the JVMs in it have exited.
const JANITOR: &str = r#"
dir=$1
while read -r line; do [ "$line" = keep ] && exit 0; done
n=0
while [ "$n" -lt 100 ]; do
  alive=0
  for f in "$dir"/*/jvm.pid; do
    [ -f "$f" ] && kill -0 "$(cat "$f")" 2>/dev/null && alive=1
  done
  [ "$alive" = 0 ] && break
  sleep 0.1; n=$((n+1))
done
rm -rf "$dir"
"#;

/// Grace between TERM and KILL when the owner has vanished.
const ORPHAN_GRACE_TENTHS: u32 = 30;

/// A JVM (or any long-running command) tied to the lifetime of this process.
#[derive(Debug)]
pub(crate) struct Supervised {
    what: String,
    wrapper: Child,
    lifeline: Option<ChildStdin>,
    pid: u32,
    log: PathBuf,
    exited: bool,
}

impl Supervised {
    /// Starts `program args` under the wrapper, appending its output to `log`.
    pub(crate) fn spawn(
        what: &str,
        program: &str,
        args: &[String],
        log: &Path,
        pidfile: &Path,
    ) -> Result<Supervised> {
        let _ = std::fs::remove_file(pidfile);
        let mut log_file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(log)
            .ctx(|| format!("opening {}", log.display()))?;
        let _ = writeln!(
            log_file,
            "[ferrokafka-testkit] starting {what}: {program} {}",
            args.join(" ")
        );
        let log_err = log_file
            .try_clone()
            .ctx(|| format!("cloning {}", log.display()))?;
        let mut wrapper = Command::new("sh")
            .arg("-c")
            .arg(WRAPPER)
            .arg("ferrokafka-testkit-wrapper")
            .arg(ORPHAN_GRACE_TENTHS.to_string())
            .arg(pidfile)
            .arg(program)
            .args(args)
            .stdin(Stdio::piped())
            .stdout(log_file)
            .stderr(log_err)
            .process_group(0)
            .spawn()
            .ctx(|| format!("spawning {what}"))?;
        let lifeline = wrapper.stdin.take();
        let deadline = Instant::now() + Duration::from_secs(10);
        let pid = loop {
            if let Some(pid) = std::fs::read_to_string(pidfile)
                .ok()
                .and_then(|s| s.trim().parse::<u32>().ok())
            {
                break pid;
            }
            let exited = wrapper.try_wait().ok().flatten();
            if exited.is_some() || Instant::now() > deadline {
                let _ = wrapper.kill();
                let _ = wrapper.wait();
                return Err(TestkitError::Process {
                    what: what.to_string(),
                    reason: "the process wrapper did not start".to_string(),
                    log: log.to_path_buf(),
                    tail: log_tail(log),
                });
            }
            std::thread::sleep(Duration::from_millis(10));
        };
        Ok(Supervised {
            what: what.to_string(),
            wrapper,
            lifeline,
            pid,
            log: log.to_path_buf(),
            exited: false,
        })
    }

    /// The JVM's process id.
    pub(crate) fn pid(&self) -> u32 {
        self.pid
    }

    /// Whether the JVM is still running (its wrapper exits with it).
    pub(crate) fn is_running(&mut self) -> bool {
        if self.exited {
            return false;
        }
        match self.wrapper.try_wait() {
            Ok(Some(_)) => {
                self.exited = true;
                false
            }
            Ok(None) => true,
            Err(_) => false,
        }
    }

    /// An error for "this process died or never became ready", with the log tail.
    pub(crate) fn failure(&self, reason: impl Into<String>) -> TestkitError {
        TestkitError::Process {
            what: self.what.clone(),
            reason: reason.into(),
            log: self.log.clone(),
            tail: log_tail(&self.log),
        }
    }

    /// Graceful stop: TERM the JVM, wait up to `timeout`, then KILL the whole group.
    pub(crate) fn terminate(&mut self, timeout: Duration) {
        if self.is_running() {
            signal("TERM", &self.pid.to_string());
            let deadline = Instant::now() + timeout;
            while self.is_running() && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(50));
            }
        }
        self.kill();
    }

    /// SIGKILL the JVM and its wrapper (the whole process group) and reap the wrapper.
    pub(crate) fn kill(&mut self) {
        if !self.exited {
            signal("KILL", &format!("-{}", self.wrapper.id()));
            signal("KILL", &self.pid.to_string());
            let _ = self.wrapper.wait();
            self.exited = true;
        }
        self.lifeline = None;
    }
}

impl Drop for Supervised {
    fn drop(&mut self) {
        self.kill();
    }
}

/// A helper process that deletes `dir` after this process (and the JVMs in it) are gone.
#[derive(Debug)]
pub(crate) struct Janitor {
    child: Child,
    lifeline: Option<ChildStdin>,
}

impl Janitor {
    pub(crate) fn spawn(dir: &Path) -> Result<Janitor> {
        let mut child = Command::new("sh")
            .arg("-c")
            .arg(JANITOR)
            .arg("ferrokafka-testkit-janitor")
            .arg(dir)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0)
            .spawn()
            .ctx(|| "spawning the temp-dir janitor".to_string())?;
        let lifeline = child.stdin.take();
        Ok(Janitor { child, lifeline })
    }
}

impl Janitor {
    /// Leaves the directory in place (its logs explain a failure) and ends the janitor.
    pub(crate) fn disarm(mut self) {
        if let Some(mut pipe) = self.lifeline.take() {
            let _ = pipe.write_all(b"keep\n");
        }
    }
}

impl Drop for Janitor {
    fn drop(&mut self) {
        self.lifeline = None;
        let _ = self.child.wait();
    }
}

/// Sends `sig` to `target` (a pid, or `-pgid` for a group) with the shell's `kill`.
pub(crate) fn signal(sig: &str, target: &str) {
    let _ = Command::new("sh")
        .arg("-c")
        .arg("kill -s \"$1\" -- \"$2\" 2>/dev/null")
        .arg("sh")
        .arg(sig)
        .arg(target)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
}

/// Whether `pid` exists and is not a zombie (Linux `/proc`).
pub fn pid_alive(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        // The state follows the parenthesised command name, which may itself contain spaces.
        Ok(stat) => match stat.rfind(')') {
            Some(i) => !matches!(stat[i + 1..].trim_start().chars().next(), Some('Z' | 'X')),
            None => true,
        },
        Err(_) => false,
    }
}

/// The last lines of a log file, for error messages.
pub(crate) fn log_tail(log: &Path) -> String {
    const LINES: usize = 25;
    let text = match std::fs::read(log) {
        Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
        Err(_) => return String::new(),
    };
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(LINES)..].join("\n")
}

/// Runs a short-lived command to completion, output appended to `log`.
pub(crate) fn run_to_end(what: &str, program: &str, args: &[String], log: &Path) -> Result<()> {
    let mut log_file = OpenOptions::new()
        .create(true)
        .append(true)
        .open(log)
        .ctx(|| format!("opening {}", log.display()))?;
    let _ = writeln!(
        log_file,
        "[ferrokafka-testkit] running {what}: {program} {}",
        args.join(" ")
    );
    let log_err: File = log_file
        .try_clone()
        .ctx(|| format!("cloning {}", log.display()))?;
    let status = Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .stdout(log_file)
        .stderr(log_err)
        .status()
        .ctx(|| format!("running {what}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(TestkitError::Process {
            what: what.to_string(),
            reason: format!("exited with {status}"),
            log: log.to_path_buf(),
            tail: log_tail(log),
        })
    }
}
