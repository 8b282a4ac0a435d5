//! This process's (or a broker's) CPU seconds and peak RSS, from /proc (no `unsafe` getrusage).

/// Linux reports /proc times in USER_HZ, which is 100 on every supported architecture.
const USER_HZ: f64 = 100.0;

/// User + system CPU seconds of this process so far; 0 when /proc is unreadable.
pub fn cpu_seconds() -> f64 {
    cpu_seconds_in("/proc/self/stat").unwrap_or(0.0)
}

/// User + system CPU seconds of process `pid` so far (a broker the tool started); `None` when unreadable.
pub fn cpu_seconds_of(pid: u32) -> Option<f64> {
    cpu_seconds_in(&format!("/proc/{pid}/stat"))
}

fn cpu_seconds_in(stat_path: &str) -> Option<f64> {
    let stat = std::fs::read_to_string(stat_path).ok()?;
    // Fields after the command name, which is in parentheses and may hold spaces.
    let rest = stat.rsplit_once(')').map(|(_, r)| r)?;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // utime and stime are fields 14 and 15 of the full line: 11 and 12 after the state field.
    let ticks = |i: usize| fields.get(i).and_then(|f| f.parse::<f64>().ok());
    Some((ticks(11)? + ticks(12)?) / USER_HZ)
}

/// Peak resident set size (VmHWM) in bytes; 0 when /proc is unreadable.
pub fn peak_rss_bytes() -> u64 {
    let Ok(status) = std::fs::read_to_string("/proc/self/status") else {
        return 0;
    };
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .map_or(0, |kb| kb * 1024)
}
