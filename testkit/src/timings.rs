//! Startup timings, appended to `$FERROKAFKA_TESTKIT_TIMINGS` when set (CI prints the file).

use std::io::Write;
use std::time::Duration;

/// Notes how long `what` took; never fails the caller.
pub(crate) fn record(what: &str, took: Duration) {
    let line = format!("{what}: {:.1}s", took.as_secs_f64());
    eprintln!("[ferrokafka-testkit] {line}");
    let Some(path) = std::env::var_os("FERROKAFKA_TESTKIT_TIMINGS") else {
        return;
    };
    if let Ok(mut f) = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
    {
        let _ = writeln!(f, "{line}");
    }
}
