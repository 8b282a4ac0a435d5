//! The perf tool's command line and its produce/consume runs against a real broker (Kafka 4.1 via the testkit).
//! Figures are not asserted (speed lives in `compare`); counts and the JSON shape are.

use std::process::Command;

use ferrokafka_perf::report::Report;
use ferrokafka_testkit::{shared_kafka4, unique_name};

fn perf() -> Command {
    Command::new(env!("CARGO_BIN_EXE_ferrokafka-perf"))
}

#[test]
fn bad_options_are_rejected_naming_the_option() {
    for (args, names) in [
        (&["produce", "--topic", "t", "--size", "0"][..], "--size"),
        (
            &["produce", "--topic", "t", "--compression", "brotli"][..],
            "brotli",
        ),
        (&["produce", "--topic", "t", "--acks", "2"][..], "--acks"),
        (
            &["consume", "--topic", "t", "--messages", "0"][..],
            "--messages",
        ),
        (&["produce", "--size", "10"][..], "--topic"),
    ] {
        let out = perf().args(args).output().expect("runs");
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(names), "{args:?}: {stderr}");
    }
}

#[test]
fn a_size_beyond_the_request_size_is_refused_before_connecting() {
    let out = perf()
        .args(["produce", "--topic", "t", "--bootstrap", "127.0.0.1:1"])
        .args(["--size", "2000000", "--max-request-size", "1000000"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("--size 2000000") && stderr.contains("--max-request-size"),
        "{stderr}"
    );
}

fn run(args: &[&str]) -> Report {
    let out = perf().args(args).arg("--json").output().expect("runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{args:?}: {stdout} {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_str(stdout.lines().last().unwrap_or_default()).expect("one JSON report")
}

#[test]
fn both_engines_produce_and_consume_what_they_report() {
    let cluster = shared_kafka4();
    let topic = unique_name("perf-smoke");
    cluster.create_topic(&topic, 3).expect("create topic");
    let b = cluster.bootstrap();
    for (engine, codec) in [("pure", "lz4"), ("native", "zstd")] {
        let r = run(&[
            "produce",
            "--engine",
            engine,
            "--bootstrap",
            b,
            "--topic",
            &topic,
            "--messages",
            "3000",
            "--size",
            "200",
            "--compression",
            codec,
            "--acks",
            "-1",
        ]);
        assert_eq!(
            (r.mode.as_str(), r.messages, r.size),
            ("produce", 3000, 200)
        );
        assert!(
            r.msgs_per_s > 0.0 && r.cpu_seconds > 0.0 && r.peak_rss_mb > 0.0,
            "{r:?}"
        );
        let (p50, p99, max) = (r.latency_p50_ms, r.latency_p99_ms, r.latency_max_ms);
        assert!(p50.is_some() && p50 <= p99 && p99 <= max, "{r:?}");
    }
    for engine in ["pure", "native"] {
        let r = run(&[
            "consume",
            "--engine",
            engine,
            "--bootstrap",
            b,
            "--topic",
            &topic,
            "--messages",
            "6000",
        ]);
        assert_eq!(
            (r.mode.as_str(), r.messages, r.size),
            ("consume", 6000, 200)
        );
        assert!(r.msgs_per_s > 0.0, "{r:?}");
    }
    // More than the topic holds: a clear failure, not a hang.
    let out = perf()
        .args([
            "consume",
            "--bootstrap",
            b,
            "--topic",
            &topic,
            "--messages",
            "6001",
        ])
        .output()
        .expect("runs");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("ran dry after 6000 of 6001"));
}
