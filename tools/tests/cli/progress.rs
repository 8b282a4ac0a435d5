//! The progress bar: drawn on stderr when it is a terminal (a pty from util-linux `script`), absent otherwise.

use std::process::Command;

use crate::common::{kafka, run, run_in, topic};

#[test]
fn progress_bar_only_when_stderr_is_a_terminal() {
    let name = topic("cli-progress", 1);
    run_in(&["produce", &name], b"a\nb\nc\nd\ne\n").ok();
    // Not a terminal: stdout has the messages, stderr nothing.
    let out = run(&["consume", &name, "-c", "5"]).ok();
    assert_eq!(out.text(), "a\nb\nc\nd\ne\n");

    let dir = std::env::temp_dir().join(ferrokafka_testkit::unique_name("cli-progress-out"));
    let inner = format!(
        "'{}' -b {} consume {name} -c 5 > '{}'",
        env!("CARGO_BIN_EXE_kafka-tools"),
        kafka().bootstrap(),
        dir.display()
    );
    let tty = Command::new("script")
        .args(["-qec", &inner, "/dev/null"])
        .output()
        .expect("util-linux `script` runs the command on a pseudo-terminal");
    assert!(tty.status.success(), "{tty:?}");
    let drawn = String::from_utf8_lossy(&tty.stdout);
    assert!(
        drawn.contains("consumed [") && drawn.contains("/5"),
        "no bar drawn: {drawn:?}"
    );
    assert_eq!(
        std::fs::read_to_string(&dir).expect("messages"),
        "a\nb\nc\nd\ne\n"
    );
    let _ = std::fs::remove_file(&dir);
}
