//! One broker (or combined broker+controller) process: start, readiness, stop, kill.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use crate::config::Listener;
use crate::error::Result;
use crate::process::Supervised;
use crate::wire;

/// Everything needed to (re)start a node; its data directory survives restarts.
#[derive(Debug, Clone)]
pub(crate) struct NodeSpec {
    pub id: i32,
    pub what: String,
    pub log: PathBuf,
    pub pidfile: PathBuf,
    /// `java` arguments.
    pub args: Vec<String>,
    /// `host:port` per client listener, PLAINTEXT first.
    pub listeners: Vec<(Listener, String)>,
}

impl NodeSpec {
    pub(crate) fn addr(&self, listener: Listener) -> Option<&str> {
        self.listeners
            .iter()
            .find(|(l, _)| *l == listener)
            .map(|(_, a)| a.as_str())
    }

    pub(crate) fn plaintext(&self) -> &str {
        self.addr(Listener::Plaintext).unwrap_or_default()
    }
}

/// A node and, while it runs, its process.
#[derive(Debug)]
pub(crate) struct Node {
    pub spec: NodeSpec,
    pub process: Option<Supervised>,
}

impl Node {
    pub(crate) fn new(spec: NodeSpec) -> Self {
        Node {
            spec,
            process: None,
        }
    }

    /// Spawns the JVM unless it is already running.
    pub(crate) fn start(&mut self) -> Result<()> {
        if let Some(p) = self.process.as_mut() {
            if p.is_running() {
                return Ok(());
            }
        }
        self.process = Some(Supervised::spawn(
            &self.spec.what,
            "java",
            &self.spec.args,
            &self.spec.log,
            &self.spec.pidfile,
        )?);
        Ok(())
    }

    pub(crate) fn is_running(&mut self) -> bool {
        self.process.as_mut().is_some_and(|p| p.is_running())
    }

    pub(crate) fn pid(&self) -> Option<u32> {
        self.process.as_ref().map(|p| p.pid())
    }

    /// One readiness check: `Ok(true)` when ApiVersions works and Metadata lists at least
    /// `brokers` brokers; `Err` when the process has died.
    pub(crate) fn poll_ready(&mut self, brokers: usize) -> Result<bool> {
        let Some(process) = self.process.as_mut() else {
            return Ok(false);
        };
        if !process.is_running() {
            return Err(process.failure("the JVM exited during startup"));
        }
        let addr = self.spec.plaintext();
        let probe = Duration::from_secs(2);
        match wire::api_versions(addr, probe) {
            Ok(v) if v.error_code == 0 && !v.apis.is_empty() => {}
            _ => return Ok(false),
        }
        match wire::metadata(addr, &[], probe) {
            Ok(m) => Ok(m.brokers.len() >= brokers),
            Err(_) => Ok(false),
        }
    }

    /// Polls until ready or `deadline`.
    pub(crate) fn wait_ready(&mut self, brokers: usize, deadline: Instant) -> Result<()> {
        loop {
            if self.poll_ready(brokers)? {
                return Ok(());
            }
            if Instant::now() > deadline {
                return Err(self.not_ready_error());
            }
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    pub(crate) fn not_ready_error(&self) -> crate::error::TestkitError {
        match self.process.as_ref() {
            Some(p) => p.failure("not ready before the startup timeout"),
            None => crate::error::TestkitError::Process {
                what: self.spec.what.clone(),
                reason: "not running".to_string(),
                log: self.spec.log.clone(),
                tail: String::new(),
            },
        }
    }

    /// Whether the node's log says a port was taken (worth retrying with new ports).
    pub(crate) fn bind_failed(&self) -> bool {
        std::fs::read_to_string(&self.spec.log)
            .map(|s| s.contains("Address already in use"))
            .unwrap_or(false)
    }

    /// Graceful stop (TERM, then KILL after `timeout`).
    pub(crate) fn stop(&mut self, timeout: Duration) {
        if let Some(mut p) = self.process.take() {
            p.terminate(timeout);
        }
    }

    /// SIGKILL.
    pub(crate) fn kill(&mut self) {
        if let Some(mut p) = self.process.take() {
            p.kill();
        }
    }
}
