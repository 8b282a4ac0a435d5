//! No JVM outlives its owner: not when the owning process is SIGKILLed, not when a test panics.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use ferrokafka_testkit::{pid_alive, KafkaCluster, KafkaConfig};

/// Set in the re-invoked test binary: start a broker, report, wait to be killed.
const CHILD: &str = "FERROKAFKA_TESTKIT_ORPHAN_CHILD";

fn wait_gone(pid: u32, within: Duration) -> bool {
    let deadline = Instant::now() + within;
    while Instant::now() < deadline {
        if !pid_alive(pid) {
            return true;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    !pid_alive(pid)
}

#[test]
fn jvm_dies_with_sigkilled_owner() {
    if std::env::var_os(CHILD).is_some() {
        let cluster = KafkaCluster::start(KafkaConfig::kafka4()).expect("broker");
        let pid = cluster.node_pid(0).expect("node").expect("running");
        println!("JVM_PID={pid}");
        println!("DIR={}", cluster.dir().expect("dir").display());
        loop {
            std::thread::sleep(Duration::from_secs(1));
        }
    }
    let exe = std::env::current_exe().expect("test binary path");
    let mut child = Command::new(exe)
        .args(["--exact", "jvm_dies_with_sigkilled_owner", "--nocapture"])
        .env(CHILD, "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("re-invoke the test binary");
    let stdout = child.stdout.take().expect("stdout");
    let mut pid = None;
    let mut dir = None;
    for line in BufReader::new(stdout).lines() {
        let line = line.expect("child output");
        if let Some(p) = line.strip_prefix("JVM_PID=") {
            pid = p.parse::<u32>().ok();
        }
        if let Some(d) = line.strip_prefix("DIR=") {
            dir = Some(std::path::PathBuf::from(d));
            break;
        }
    }
    let pid = pid.expect("the child reported its JVM pid");
    let dir = dir.expect("the child reported its directory");
    assert!(
        pid_alive(pid),
        "broker JVM {pid} should run while its owner lives"
    );

    child.kill().expect("SIGKILL the owner"); // std sends SIGKILL
    child.wait().expect("reap the owner");

    assert!(
        wait_gone(pid, Duration::from_secs(10)),
        "broker JVM {pid} outlived its SIGKILLed owner"
    );
    let deadline = Instant::now() + Duration::from_secs(10);
    while dir.exists() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(!dir.exists(), "{} was not cleaned up", dir.display());
}

#[test]
fn jvm_dies_with_panicking_test() {
    let (tx, rx) = std::sync::mpsc::channel();
    let result = std::thread::spawn(move || {
        let cluster = KafkaCluster::start(KafkaConfig::kafka39()).expect("broker");
        tx.send(cluster.node_pid(0).expect("node").expect("running"))
            .expect("send pid");
        panic!("deliberate panic with a running broker");
    })
    .join();
    assert!(result.is_err());
    let pid = rx.recv().expect("pid");
    assert!(
        wait_gone(pid, Duration::from_secs(5)),
        "broker JVM {pid} outlived the panicking test"
    );
}
