//! One clock read per message: `produce()` reads the monotonic clock once and derives the wall-clock
//! timestamp from it (and the layout cache reuses the same instant), instead of three reads per message.
//!
//! Each producing thread keeps its own calibration (a monotonic instant and the wall time at that instant),
//! taken again every second so that the derived timestamps follow wall-clock adjustments.

use std::cell::Cell;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// How long a thread's calibration is used before the wall clock is read again.
const RECALIBRATE_AFTER: Duration = Duration::from_secs(1);

thread_local! {
    static CALIBRATION: Cell<Option<(Instant, i64)>> = const { Cell::new(None) };
}

fn wall_ms_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

/// The wall-clock milliseconds at `now` (an instant this thread just read).
pub(crate) fn wall_ms_at(now: Instant) -> i64 {
    CALIBRATION.with(|c| {
        if let Some((base, base_ms)) = c.get() {
            if let Some(elapsed) = now.checked_duration_since(base) {
                if elapsed < RECALIBRATE_AFTER {
                    return base_ms.saturating_add(elapsed.as_millis() as i64);
                }
            }
        }
        let ms = wall_ms_now();
        c.set(Some((now, ms)));
        ms
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derived_timestamps_follow_the_wall_clock() {
        let before = wall_ms_now();
        let first = wall_ms_at(Instant::now());
        std::thread::sleep(Duration::from_millis(30));
        let second = wall_ms_at(Instant::now());
        let after = wall_ms_now();
        assert!(
            before <= first && first <= after,
            "{before} {first} {after}"
        );
        assert!(second >= first + 30, "{first} then {second}");
        assert!(second <= after + 1, "{second} after {after}");
    }
}
