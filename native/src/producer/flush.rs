//! A flush that really overrides `linger.ms`.
//!
//! librdkafka sends a lingering batch early only while some `rd_kafka_flush` call is running (its
//! `rk_flushing` flag). The rdkafka crate's `flush` calls `rd_kafka_flush(rk, 0)` and then polls, so the flag
//! is up for an instant: a broker thread that wakes a moment late (a loaded machine, a partition whose
//! leader arrives after the flush began) sees no flush and sits out the whole linger. Seen in CI as a
//! 60 s-linger message still queued after a 30 s `stop()`.
//!
//! Here one `rd_kafka_flush` runs for the whole wait on a helper thread, keeping the flag up, while the
//! caller serves delivery events (the producer uses librdkafka's event API, whose flush only waits for the
//! message count to reach zero and serves nothing itself).

use std::time::{Duration, Instant};

use rdkafka::producer::{BaseProducer, Producer as _, ProducerContext};

/// How long one poll of the caller waits for delivery events.
const POLL_SLICE: Duration = Duration::from_millis(50);

/// Waits until every message of `producer` is delivered or failed, or until `deadline` (`None`: no limit).
/// Returns whether the queue emptied.
pub(super) fn flush_until<C: ProducerContext>(
    producer: &BaseProducer<C>,
    deadline: Option<Instant>,
) -> bool {
    if producer.in_flight_count() == 0 {
        return true;
    }
    // librdkafka takes -1 for "no limit"; a finite wait is clamped to what an int holds.
    let flush_ms: i32 = match deadline {
        None => -1,
        Some(d) => {
            let left = d.saturating_duration_since(Instant::now()).as_millis();
            i32::try_from(left).unwrap_or(i32::MAX)
        }
    };
    std::thread::scope(|scope| {
        let holder = scope.spawn(|| {
            // SAFETY: the handle is valid for the whole call: `producer` is borrowed for the scope, which
            // joins this thread before returning. librdkafka's flush is thread-safe and, in event mode, only
            // waits on the message count.
            unsafe { rdkafka::bindings::rd_kafka_flush(producer.client().native_ptr(), flush_ms) }
        });
        let emptied = loop {
            if producer.in_flight_count() == 0 {
                break true;
            }
            let slice = match deadline {
                None => POLL_SLICE,
                Some(d) => {
                    let left = d.saturating_duration_since(Instant::now());
                    if left.is_zero() {
                        break false;
                    }
                    left.min(POLL_SLICE)
                }
            };
            producer.poll(slice);
        };
        // The holder returns once the count is zero or its own (same) deadline passed: a few ms at most.
        let _ = holder.join();
        emptied
    })
}
