//! kcat-style produce → consume: keys, values and headers byte for byte (binary included), start
//! positions, stop conditions, formats, JSON, both engines; and PyKafka's consume_topic.

use std::time::{Duration, Instant};

use base64::Engine as _;
use serde_json::Value;

use crate::common::{kafka, run, run_in, topic};

/// Extra arguments selecting each engine this build has.
fn engines() -> Vec<&'static [&'static str]> {
    let mut e: Vec<&'static [&'static str]> = vec![&[]];
    if cfg!(feature = "native") {
        e.push(&["--use-rdkafka"]);
    }
    e
}

fn b64(v: &Value) -> Vec<u8> {
    base64::engine::general_purpose::STANDARD
        .decode(v.as_str().expect("base64 string"))
        .expect("valid base64")
}

fn json_lines(stdout: &[u8]) -> Vec<Value> {
    String::from_utf8(stdout.to_vec())
        .expect("JSON output is UTF-8")
        .lines()
        .map(|l| serde_json::from_str(l).expect("one JSON object per line"))
        .collect()
}

#[test]
fn raw_binary_round_trip_keeps_key_value_and_headers_byte_for_byte() {
    let name = topic("cli-binary", 1);
    let key: Vec<u8> = vec![0xff, 0x00, b'\n', 0x80, b'k'];
    let value: Vec<u8> = (0..=255u8).chain(0..=255u8).collect();
    let mut stdin = key.clone();
    stdin.extend_from_slice(b"|#|");
    stdin.extend_from_slice(&value);
    for engine in engines() {
        let mut args = vec![
            "produce",
            &name,
            "--raw",
            "-K",
            "|#|",
            "-H",
            "bin=\\xff\\x00\\x01",
            "-H",
            "text=hello",
        ];
        args.extend_from_slice(engine);
        run_in(&args, &stdin).ok();
    }
    for engine in engines() {
        let mut args = vec!["consume", &name, "-e", "--json"];
        args.extend_from_slice(engine);
        let msgs = json_lines(&run(&args).ok().stdout);
        assert_eq!(msgs.len(), engines().len(), "{engine:?}");
        for (i, m) in msgs.iter().enumerate() {
            assert_eq!(m["offset"], i as i64);
            assert_eq!(b64(&m["key_base64"]), key);
            assert_eq!(b64(&m["value_base64"]), value);
            assert_eq!(m["headers"][0]["name"], "bin");
            assert_eq!(b64(&m["headers"][0]["value_base64"]), vec![0xff, 0, 1]);
            assert_eq!(
                m["headers"][1],
                serde_json::json!({"name": "text", "value": "hello"})
            );
            assert!(m["timestamp"].as_i64().unwrap() > 1_600_000_000_000);
        }
        // The format string writes raw bytes.
        let mut args = vec!["consume", &name, "-e", "-c", "1", "-f", "%k|%s|%h|%S|%K\\n"];
        args.extend_from_slice(engine);
        let raw = run(&args).ok().stdout;
        let mut expected = key.clone();
        expected.push(b'|');
        expected.extend_from_slice(&value);
        expected.extend_from_slice(b"|bin=\xff\x00\x01,text=hello|512|5\n");
        assert_eq!(raw, expected, "{engine:?}");
    }
}

#[test]
fn lines_with_keys_delimiters_compression_and_acks() {
    let name = topic("cli-lines", 2);
    let json = run_in(
        &[
            "produce", &name, "-K", ":", "-p", "1", "-z", "zstd", "--acks", "all", "--json",
        ],
        b"a:1\nb:2\nnokey\n:empty-key\n",
    )
    .ok()
    .json();
    assert_eq!(json["messages"], 4);
    assert_eq!(
        json["partitions"],
        serde_json::json!([{"partition": 1, "messages": 4, "first_offset": 0, "last_offset": 3}])
    );
    // The last engine of this build (librdkafka when built with `native`).
    let mut args = vec!["produce", &name, "-D", "\\0", "-p", "0", "-z", "gzip"];
    args.extend_from_slice(engines().pop().unwrap_or_default());
    run_in(&args, b"x\ny\0z\0").ok();
    let out = run(&["consume", &name, "-e", "-p", "1", "-f", "%p:%o:%K:%k=%s\\n"]).ok();
    assert_eq!(
        out.text(),
        "1:0:1:a=1\n1:1:1:b=2\n1:2:-1:=nokey\n1:3:0:=empty-key\n"
    );
    let out = run(&["consume", &name, "-e", "-p", "0", "-f", "[%s]"]).ok();
    assert_eq!(out.text(), "[x\ny][z]");
    let summary = run_in(&["produce", &name, "-p", "0"], b"").ok().text();
    assert!(summary.starts_with("Produced 0 messages"), "{summary}");
}

#[test]
fn consume_starts_at_offsets_times_and_group_commits_and_stops_when_told() {
    let name = topic("cli-starts", 1);
    let lines: String = (0..10).map(|i| format!("v{i}\n")).collect();
    run_in(&["produce", &name], lines.as_bytes()).ok();
    let after_first_batch = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    std::thread::sleep(Duration::from_millis(50));
    run_in(&["produce", &name], b"late1\nlate2\n").ok();

    let values = |args: &[&str]| {
        run(args)
            .ok()
            .text()
            .lines()
            .map(str::to_string)
            .collect::<Vec<_>>()
    };
    assert_eq!(
        values(&["consume", &name, "-o", "7", "-e"]),
        ["v7", "v8", "v9", "late1", "late2"]
    );
    assert_eq!(
        values(&["consume", &name, "-o", "-2", "-e"]),
        ["late1", "late2"]
    );
    assert_eq!(
        values(&["consume", &name, "-o", "beginning", "-c", "3"]),
        ["v0", "v1", "v2"]
    );
    let at = format!("s@{after_first_batch}");
    assert_eq!(
        values(&["consume", &name, "-o", &at, "-e"]),
        ["late1", "late2"]
    );
    assert!(values(&["consume", &name, "-o", "end", "-e"]).is_empty());
    let started = Instant::now();
    assert!(values(&["consume", &name, "-o", "end", "--idle-timeout-ms", "500"]).is_empty());
    assert!(started.elapsed() < Duration::from_secs(30));

    // A group: committed on exit, resumed by the next run; --no-commit leaves it.
    let group = ferrokafka_testkit::unique_name("cli-consume-group");
    assert_eq!(
        values(&["consume", &name, "-G", &group, "-c", "4"]),
        ["v0", "v1", "v2", "v3"]
    );
    assert_eq!(
        values(&["consume", &name, "-G", &group, "-c", "2", "--no-commit"]),
        ["v4", "v5"]
    );
    assert_eq!(
        values(&["consume", &name, "-G", &group, "-o", "stored", "-c", "1"]),
        ["v4"]
    );
    let lag = run(&["print_consumer_lag", &name, &group, "--json"])
        .ok()
        .json();
    assert_eq!(lag["partitions"][0]["current_offset"], 5);
    let fresh = ferrokafka_testkit::unique_name("cli-consume-fresh");
    assert!(values(&["consume", &name, "-G", &fresh, "-o", "end", "-e"]).is_empty());
    run(&["consume", &name, "-G", &group, "-o", "7"]).fails(2, "with -G");
}

#[test]
fn consume_topic_writes_only_new_messages_as_pykafka() {
    let name = topic("cli-peek", 1);
    run_in(&["produce", &name], b"old\n").ok();
    let dir = std::env::temp_dir().join(ferrokafka_testkit::unique_name("cli-peek-out"));
    let outfile = dir.to_string_lossy().into_owned();
    let child = std::process::Command::new(env!("CARGO_BIN_EXE_kafka-tools"))
        .args([
            "-b",
            kafka().bootstrap(),
            "consume_topic",
            &name,
            "-l",
            "3",
            "-o",
            &outfile,
        ])
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    let mut child = scopeguard(child);
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut n = 0;
    while child.0.try_wait().expect("wait").is_none() {
        assert!(Instant::now() < deadline, "consume_topic did not finish");
        // New messages until it has its three (it only reads what arrives after it started).
        run_in(&["produce", &name], format!("new{n}\n\n").as_bytes()).ok();
        n += 1;
        std::thread::sleep(Duration::from_millis(300));
    }
    assert!(child.0.wait().expect("status").success());
    let text = std::fs::read_to_string(&dir).expect("outfile written");
    let _ = std::fs::remove_file(&dir);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 3, "{text:?}");
    assert!(
        lines.iter().all(|l| l.starts_with("new")),
        "only new, non-empty values: {text:?}"
    );
    let first: usize = lines[0][3..].parse().unwrap();
    assert_eq!(
        lines,
        [
            format!("new{first}"),
            format!("new{}", first + 1),
            format!("new{}", first + 2)
        ]
    );
}

/// Kills the child if the test fails before it exits.
struct Guard(std::process::Child);

impl Drop for Guard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn scopeguard(c: std::process::Child) -> Guard {
    Guard(c)
}

#[test]
fn keyed_messages_are_placed_by_the_chosen_partitioner() {
    use ferrokafka::partitioner::{ConsistentRandomPartitioner, Murmur2Partitioner};
    use ferrokafka::Partitioner;

    let name = topic("cli-keys", 4);
    let keys = ["alice", "bob", "carol", "dave", "erin"];
    let input: String = keys.iter().map(|k| format!("{k}:v\n")).collect();
    run_in(&["produce", &name, "-K", ":"], input.as_bytes()).ok();
    run_in(
        &["produce", &name, "-K", ":", "--partitioner", "murmur2"],
        input.as_bytes(),
    )
    .ok();
    let msgs = json_lines(&run(&["consume", &name, "-e", "--json"]).ok().stdout);
    assert_eq!(msgs.len(), 10);
    let ids = [0, 1, 2, 3];
    for k in keys {
        let crc = ConsistentRandomPartitioner::new()
            .partition(&ids, Some(k.as_bytes()))
            .unwrap();
        let java = Murmur2Partitioner::new()
            .partition(&ids, Some(k.as_bytes()))
            .unwrap();
        let in_partition = |p: i32| {
            msgs.iter()
                .filter(|m| m["key"] == k && m["partition"] == p)
                .count()
        };
        // Default: librdkafka's (kcat's) placement; --partitioner murmur2: the Java client's.
        if crc == java {
            assert_eq!(in_partition(crc), 2, "{k}");
        } else {
            assert_eq!((in_partition(crc), in_partition(java)), (1, 1), "{k}");
        }
    }
    run_in(&["produce", &name, "--partitioner", "sideways"], b"x\n").fails(2, "--partitioner");
}
