//! librdkafka's client-level events (errors, statistics, log lines), served on a thread of their own.
//!
//! rdkafka forwards librdkafka's main queue into the consumer queue, but the batch reads of queue.rs serve
//! that queue with librdkafka's legacy callbacks, which rdkafka never sets: errors went to stderr, statistics
//! nowhere, and `ConsumerCtx` never saw either. So the main queue is taken back and polled here, through the
//! event API, into the context: `health()` then follows the brokers whether or not anyone consumes, as the
//! pure engine's background fetchers do.

use std::ffi::CStr;
use std::ptr::NonNull;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use rdkafka::bindings as rd;
use rdkafka::client::ClientContext;
use rdkafka::config::RDKafkaLogLevel;
use rdkafka::consumer::{BaseConsumer, Consumer as _};
use rdkafka::error::KafkaError;

use crate::context::ConsumerCtx;

/// How long one poll of the main queue waits; also how soon the thread notices it should end.
const POLL_MS: i32 = 200;

/// Ends the event thread when dropped (with the consumer); the thread then releases its queue handle and its
/// reference to the client.
pub(super) struct EventThread {
    stop: Arc<AtomicBool>,
}

impl Drop for EventThread {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Release);
    }
}

/// The main queue's handle, ours to destroy.
struct MainQueue(NonNull<rd::rd_kafka_queue_t>);

// SAFETY: librdkafka queue handles are thread-safe; this one is used and destroyed by the event thread only.
unsafe impl Send for MainQueue {}

impl Drop for MainQueue {
    fn drop(&mut self) {
        // SAFETY: the handle came from `rd_kafka_queue_get_main` and is destroyed once, while the client (the
        // thread's `Arc`, dropped after this) is alive.
        unsafe { rd::rd_kafka_queue_destroy(self.0.as_ptr()) }
    }
}

/// Takes the main queue out of the consumer queue and serves it on a thread until the returned value drops.
/// `None` when the thread cannot start (then the events stay forwarded, as before).
pub(super) fn serve(consumer: &Arc<BaseConsumer<ConsumerCtx>>) -> Option<EventThread> {
    let rk = consumer.client().native_ptr();
    // SAFETY: the client handle is valid while `consumer` lives; the queue reference is ours to destroy.
    let main = MainQueue(NonNull::new(unsafe { rd::rd_kafka_queue_get_main(rk) })?);
    let stop = Arc::new(AtomicBool::new(false));
    let (flag, client) = (Arc::clone(&stop), Arc::clone(consumer));
    // SAFETY: both handles are valid; a NULL destination removes the forwarding.
    unsafe { rd::rd_kafka_queue_forward(main.0.as_ptr(), std::ptr::null_mut()) };
    let started = std::thread::Builder::new()
        .name("ferrokafka-events".into())
        .spawn(move || {
            while !flag.load(Ordering::Acquire) {
                // SAFETY: the queue handle is live until `main` drops below.
                let event = unsafe { rd::rd_kafka_queue_poll(main.0.as_ptr(), POLL_MS) };
                if let Some(event) = NonNull::new(event) {
                    // SAFETY: a live event from the poll, destroyed once right after.
                    unsafe {
                        handle(client.context(), event.as_ptr());
                        rd::rd_kafka_event_destroy(event.as_ptr());
                    }
                }
            }
            drop(main);
            drop(client);
        });
    match started {
        Ok(_) => Some(EventThread { stop }),
        Err(e) => {
            tracing::warn!(
                "no librdkafka event thread ({e}): health() will not follow the brokers"
            );
            // SAFETY: as above: forward the main queue to the consumer queue again.
            unsafe { rd::rd_kafka_poll_set_consumer(rk) };
            None
        }
    }
}

/// One event into the context.
///
/// # Safety
/// `event` must be a live event from `rd_kafka_queue_poll`.
unsafe fn handle(ctx: &ConsumerCtx, event: *mut rd::rd_kafka_event_t) {
    // SAFETY (every call below): `event` is live (caller); the strings it returns live as long as it does and
    // are copied before it goes.
    match unsafe { rd::rd_kafka_event_type(event) } {
        rd::RD_KAFKA_EVENT_ERROR => {
            let code = unsafe { rd::rd_kafka_event_error(event) };
            let reason = unsafe { text(rd::rd_kafka_event_error_string(event)) };
            ctx.error(KafkaError::Global(code.into()), reason.trim());
        }
        rd::RD_KAFKA_EVENT_STATS => {
            let json = unsafe { rd::rd_kafka_event_stats(event) };
            if !json.is_null() {
                ctx.stats_raw(unsafe { CStr::from_ptr(json) }.to_bytes());
            }
        }
        rd::RD_KAFKA_EVENT_LOG => {
            let (mut fac, mut msg, mut level) = (std::ptr::null(), std::ptr::null(), 0);
            if unsafe { rd::rd_kafka_event_log(event, &mut fac, &mut msg, &mut level) } == 0 {
                let (fac, msg) = unsafe { (text(fac), text(msg)) };
                crate::context::log(log_level(level), &fac, &msg);
            }
        }
        _ => {}
    }
}

/// A C string librdkafka owns, copied ("" for NULL).
///
/// # Safety
/// `s` must be NULL or a valid NUL-terminated string.
unsafe fn text(s: *const std::ffi::c_char) -> String {
    if s.is_null() {
        return String::new();
    }
    // SAFETY: non-NULL and NUL-terminated (caller).
    unsafe { CStr::from_ptr(s) }.to_string_lossy().into_owned()
}

/// syslog levels, as librdkafka uses them.
fn log_level(level: i32) -> RDKafkaLogLevel {
    match level {
        0 => RDKafkaLogLevel::Emerg,
        1 => RDKafkaLogLevel::Alert,
        2 => RDKafkaLogLevel::Critical,
        3 => RDKafkaLogLevel::Error,
        4 => RDKafkaLogLevel::Warning,
        5 => RDKafkaLogLevel::Notice,
        6 => RDKafkaLogLevel::Info,
        _ => RDKafkaLogLevel::Debug,
    }
}
