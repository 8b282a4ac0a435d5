//! Members of other clients for the mixed-group tests: librdkafka (the `rdkafka` crate's `BaseConsumer`,
//! through `ferrokafka_native::rdkafka`) and Kafka's own Java consumer (`ConsoleConsumer --group`, from the
//! testkit's kafka-tools jars). Each runs on its own thread or process and records what it read and every
//! error it logged, so a test can check the group from outside.

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader};
use std::process::{Child, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use bytes::Buf;

/// What a foreign member read (`(partition, offset, value)`) and the errors it logged.
#[derive(Default)]
pub struct Seen {
    pub messages: Mutex<Vec<(i32, i64, String)>>,
    pub errors: Mutex<Vec<String>>,
}

/// A running member of another client; stopped (leaving the group) on drop.
pub struct ForeignMember {
    pub seen: Arc<Seen>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
    child: Option<Child>,
    /// Whether closing stdin makes the child leave the group and exit (a script), or it must be killed.
    graceful: bool,
}

impl ForeignMember {
    pub fn messages(&self) -> Vec<(i32, i64, String)> {
        self.seen.messages.lock().expect("lock").clone()
    }

    pub fn errors(&self) -> Vec<String> {
        self.seen.errors.lock().expect("lock").clone()
    }

    /// Kills the member's process (-9) without letting it leave: its sessions end only by timing out.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
        self.stop();
    }

    /// Leaves the group and waits for the member's thread (and process) to end.
    pub fn stop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(mut child) = self.child.take() {
            // Closing stdin asks a script member to leave the group; a tool that ignores it is killed.
            drop(child.stdin.take());
            let grace = if self.graceful { 15 } else { 0 };
            let deadline = std::time::Instant::now() + Duration::from_secs(grace);
            while std::time::Instant::now() < deadline {
                if let Ok(Some(_)) = child.try_wait() {
                    break;
                }
                std::thread::sleep(Duration::from_millis(100));
            }
            let _ = child.kill();
            let _ = child.wait();
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for ForeignMember {
    fn drop(&mut self) {
        self.stop();
    }
}

/// A librdkafka `BaseConsumer` subscribed to `topic` in `group` with `assignor` (`range` / `roundrobin`),
/// polled on its own thread; librdkafka's error callbacks and error-level logs are recorded.
#[cfg(feature = "native")]
pub fn rdkafka_member(bootstrap: &str, topic: &str, group: &str, assignor: &str) -> ForeignMember {
    use ferrokafka_native::rdkafka::config::{ClientConfig, RDKafkaLogLevel};
    use ferrokafka_native::rdkafka::consumer::{BaseConsumer, Consumer, ConsumerContext};
    use ferrokafka_native::rdkafka::error::KafkaError;
    use ferrokafka_native::rdkafka::{ClientContext, Message};

    struct Recorder(Arc<Seen>);
    impl ClientContext for Recorder {
        fn log(&self, level: RDKafkaLogLevel, fac: &str, log_message: &str) {
            let severe = matches!(
                level,
                RDKafkaLogLevel::Emerg
                    | RDKafkaLogLevel::Alert
                    | RDKafkaLogLevel::Critical
                    | RDKafkaLogLevel::Error
            );
            if severe {
                let line = format!("librdkafka log {fac}: {log_message}");
                self.0.errors.lock().expect("lock").push(line);
            }
        }
        fn error(&self, error: KafkaError, reason: &str) {
            let line = format!("librdkafka error {error}: {reason}");
            self.0.errors.lock().expect("lock").push(line);
        }
    }
    impl ConsumerContext for Recorder {}

    let seen = Arc::new(Seen::default());
    let consumer: BaseConsumer<Recorder> = ClientConfig::new()
        .set("bootstrap.servers", bootstrap)
        .set("group.id", group)
        .set("partition.assignment.strategy", assignor)
        .set("auto.offset.reset", "earliest")
        .set("session.timeout.ms", "10000")
        .set("heartbeat.interval.ms", "300")
        .set("enable.auto.commit", "true")
        .set("auto.commit.interval.ms", "200")
        .create_with_context(Recorder(seen.clone()))
        .expect("librdkafka consumer");
    consumer.subscribe(&[topic]).expect("subscribe");
    let stop = Arc::new(AtomicBool::new(false));
    let thread = {
        let (seen, stop) = (seen.clone(), stop.clone());
        std::thread::spawn(move || {
            while !stop.load(Ordering::SeqCst) {
                match consumer.poll(Duration::from_millis(100)) {
                    Some(Ok(m)) => {
                        let value = String::from_utf8_lossy(m.payload().unwrap_or_default());
                        let entry = (m.partition(), m.offset(), value.into_owned());
                        seen.messages.lock().expect("lock").push(entry);
                    }
                    Some(Err(e)) => seen.errors.lock().expect("lock").push(e.to_string()),
                    None => {}
                }
            }
            // Dropping the consumer closes it: it leaves the group.
        })
    };
    ForeignMember {
        seen,
        stop,
        thread: Some(thread),
        child: None,
        graceful: false,
    }
}

/// Kafka's Java `ConsoleConsumer` in `group` with Java's `RangeAssignor` / `RoundRobinAssignor` (whose
/// protocol names are `range` / `roundrobin`), printing partition and offset of each message; any stderr
/// line at ERROR level or naming an exception is recorded as an error.
pub fn java_member(bootstrap: &str, topic: &str, group: &str, assignor: &str) -> ForeignMember {
    let strategy = match assignor {
        "range" => "org.apache.kafka.clients.consumer.RangeAssignor",
        "roundrobin" => "org.apache.kafka.clients.consumer.RoundRobinAssignor",
        other => panic!("no Java assignor for {other}"),
    };
    let mut cmd =
        ferrokafka_testkit::kafka_tool_command("org.apache.kafka.tools.consumer.ConsoleConsumer")
            .expect("Kafka's Java tools");
    cmd.args([
        "--bootstrap-server",
        bootstrap,
        "--topic",
        topic,
        "--group",
        group,
    ])
    .args(["--from-beginning", "--timeout-ms", "120000"])
    .args([
        "--consumer-property",
        &format!("partition.assignment.strategy={strategy}"),
    ])
    .args(["--consumer-property", "heartbeat.interval.ms=300"])
    .args(["--consumer-property", "session.timeout.ms=10000"])
    .args(["--consumer-property", "auto.commit.interval.ms=200"])
    .args(["--property", "print.partition=true"])
    .args(["--property", "print.offset=true"])
    .stdin(Stdio::null())
    .stdout(Stdio::piped())
    .stderr(Stdio::piped());
    let child = cmd.spawn().expect("java ConsoleConsumer starts");
    // Its log4j2 configuration writes WARN and above to stderr; the exit summary comes last.
    let benign = |line: &str| line.contains("] WARN ") || line.starts_with("Processed a total of");
    watch_child(child, parse_console_line, benign, false)
}

/// PyKafka 2.8.0's ManagedBalancedConsumer (tests/python/pykafka_group_member.py in the testkit's PyKafka
/// virtualenv) in `group` with `RangeProtocol` / `RoundRobinProtocol`; any log line at ERROR level, or a
/// traceback, is recorded as an error.
pub fn pykafka_member(bootstrap: &str, topic: &str, group: &str, assignor: &str) -> ForeignMember {
    pykafka_script_member(&[bootstrap, topic, group, assignor])
}

/// PyKafka 2.8.0's ZooKeeper-coordinated BalancedConsumer (`managed=False`, `zookeeper_connect=zookeeper`),
/// otherwise as [`pykafka_member`].
pub fn pykafka_zk_member(
    bootstrap: &str,
    zookeeper: &str,
    topic: &str,
    group: &str,
    assignor: &str,
) -> ForeignMember {
    pykafka_script_member(&[bootstrap, topic, group, assignor, zookeeper])
}

fn pykafka_script_member(args: &[&str]) -> ForeignMember {
    let python = ferrokafka_testkit::pykafka_python().expect("PyKafka virtualenv");
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/python/pykafka_group_member.py"
    );
    let child = std::process::Command::new(python)
        .arg(script)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("PyKafka member starts");
    let parse = |line: &str| -> Option<(i32, i64, String)> {
        let (partition, offset, value): (i32, i64, String) = serde_json::from_str(line).ok()?;
        Some((partition, offset, value))
    };
    watch_child(child, parse, |line| line.starts_with("WARNING "), true)
}

/// Records what `child` prints: stdout lines through `parse` as messages (anything else is an error),
/// stderr lines that are not `benign` as errors.
fn watch_child(
    mut child: Child,
    parse: fn(&str) -> Option<(i32, i64, String)>,
    benign: fn(&str) -> bool,
    graceful: bool,
) -> ForeignMember {
    let seen = Arc::new(Seen::default());
    let stdout = child.stdout.take().expect("stdout piped");
    let stderr = child.stderr.take().expect("stderr piped");
    let errors = {
        let seen = seen.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if !benign(&line) {
                    seen.errors
                        .lock()
                        .expect("lock")
                        .push(format!("stderr: {line}"));
                }
            }
        })
    };
    let thread = {
        let seen = seen.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                match parse(&line) {
                    Some(entry) => seen.messages.lock().expect("lock").push(entry),
                    None => seen
                        .errors
                        .lock()
                        .expect("lock")
                        .push(format!("stdout not understood: {line}")),
                }
            }
            let _ = errors.join();
        })
    };
    ForeignMember {
        seen,
        stop: Arc::new(AtomicBool::new(false)),
        thread: Some(thread),
        child: Some(child),
        graceful,
    }
}

/// `Partition:3\tOffset:17\tvalue` → `(3, 17, "value")`.
fn parse_console_line(line: &str) -> Option<(i32, i64, String)> {
    let mut fields = line.splitn(3, '\t');
    let partition = fields.next()?.strip_prefix("Partition:")?.parse().ok()?;
    let offset = fields.next()?.strip_prefix("Offset:")?.parse().ok()?;
    Some((
        partition,
        offset,
        fields.next().unwrap_or_default().to_string(),
    ))
}

/// The partitions of `topic` in a member's assignment, read strictly by Kafka's schema
/// (`ConsumerProtocolAssignment` v0–v3: version, topics with partitions, nullable user data, nothing after):
/// `None` when the bytes do not follow it, which is what breaks Java and librdkafka members.
pub fn strict_assignment(mut buf: &[u8], topic: &str) -> Option<BTreeSet<i32>> {
    if buf.is_empty() {
        return Some(BTreeSet::new());
    }
    let mut out = BTreeSet::new();
    let need = |buf: &&[u8], n: usize| (buf.remaining() >= n).then_some(());
    need(&buf, 6)?;
    let _version = buf.get_i16();
    for _ in 0..buf.get_i32() {
        need(&buf, 2)?;
        let len = usize::try_from(buf.get_i16()).ok()?;
        need(&buf, len + 4)?;
        let name = buf[..len].to_vec();
        buf.advance(len);
        let count = usize::try_from(buf.get_i32()).ok()?;
        need(&buf, count * 4)?;
        for _ in 0..count {
            let p = buf.get_i32();
            if name == topic.as_bytes() {
                out.insert(p);
            }
        }
    }
    need(&buf, 4)?;
    let user_data = buf.get_i32();
    if user_data > 0 {
        need(&buf, user_data as usize)?;
        buf.advance(user_data as usize);
    }
    buf.is_empty().then_some(out)
}

/// The partitions of `topic` in an assignment read as PyKafka writes it (no user data): what ferrokafka's
/// own decoder accepts.
pub fn lenient_assignment(buf: &[u8], topic: &str) -> BTreeSet<i32> {
    let mut with_user_data = buf.to_vec();
    with_user_data.extend_from_slice(&[0, 0, 0, 0]);
    strict_assignment(&with_user_data, topic).unwrap_or_default()
}
