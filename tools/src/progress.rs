//! Progress bars on stderr for long operations, only when stderr is a terminal: piped or captured stderr
//! gets nothing extra, so scripts see exactly one error line or nothing.

use std::io::IsTerminal;

use indicatif::{ProgressBar, ProgressStyle};

/// A bar of `total` steps (a spinner with a count when `total` is `None`); hidden unless stderr is a tty.
pub fn bar(total: Option<u64>, what: &str) -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let (pb, template) = match total {
        Some(n) => (
            ProgressBar::new(n),
            "{msg} [{bar:30}] {pos}/{len} ({per_sec}, eta {eta})",
        ),
        None => (
            ProgressBar::new_spinner(),
            "{spinner} {msg}: {pos} ({per_sec})",
        ),
    };
    if let Ok(style) = ProgressStyle::with_template(template) {
        pb.set_style(style.progress_chars("=> "));
    }
    pb.set_message(what.to_string());
    pb
}

/// [`bar`] for commands that write messages to stdout: hidden when stdout is a terminal too, so the bar
/// never interleaves with the messages.
pub fn bar_beside_stdout(total: Option<u64>, what: &str) -> ProgressBar {
    match std::io::stdout().is_terminal() {
        true => ProgressBar::hidden(),
        false => bar(total, what),
    }
}
