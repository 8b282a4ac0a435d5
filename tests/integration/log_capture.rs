//! Keeps every WARN and ERROR event ferrokafka logs during the test run (one global `tracing` layer), so a
//! test can assert that nothing it caused was logged: events are matched by a unique name (group, topic)
//! found in their fields, since other tests log concurrently.

use std::fmt::Write;
use std::sync::{Mutex, Once};

use tracing::field::{Field, Visit};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::layer::{Context, Layer, SubscriberExt};

static EVENTS: Mutex<Vec<String>> = Mutex::new(Vec::new());
static INSTALL: Once = Once::new();

struct Capture;

struct Fields(String);

impl Visit for Fields {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        let _ = write!(self.0, " {}={value:?}", field.name());
    }
}

impl<S: Subscriber> Layer<S> for Capture {
    fn on_event(&self, event: &Event<'_>, _ctx: Context<'_, S>) {
        if *event.metadata().level() <= Level::WARN {
            let mut fields = Fields(format!(
                "{} {}:",
                event.metadata().level(),
                event.metadata().target()
            ));
            event.record(&mut fields);
            if let Ok(mut events) = EVENTS.lock() {
                events.push(fields.0);
            }
        }
    }
}

/// Installs the capturing layer (once per test binary).
pub fn install() {
    INSTALL.call_once(|| {
        let subscriber = tracing_subscriber::registry().with(Capture);
        // Another global subscriber may already be set by a test; then nothing is captured, and
        // `mentioning` says so rather than passing silently.
        let _ = tracing::subscriber::set_global_default(subscriber);
    });
}

/// The WARN/ERROR events so far that mention `name`.
pub fn mentioning(name: &str) -> Vec<String> {
    install();
    assert!(
        tracing::dispatcher::has_been_set(),
        "no global tracing subscriber: warnings cannot be checked"
    );
    let events = EVENTS.lock().map(|e| e.clone()).unwrap_or_default();
    events.into_iter().filter(|e| e.contains(name)).collect()
}
