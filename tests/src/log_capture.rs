//! Captures the JSON logs the functions write, so tests can assert on them (and on what
//! they must never contain), each test seeing only what its own code logged.
//!
//! Why not a thread-local subscriber per test (`tracing::subscriber::set_default`):
//! `tracing` caches, per call site and for the whole process, whether any subscriber is
//! interested, and computes it on the thread that first reaches the call site. When a
//! test without a subscriber reaches a `tracing::error!` first, that site is cached as
//! "never" and a capturing test on another thread silently loses the line: which test
//! fails depends on test order and thread placement.
//!
//! So one subscriber is installed for the whole process, once, and it is always
//! interested (DEBUG and above). It keeps a line only when it was logged inside a
//! capture's span, into that capture's buffer: a line logged by another test, or by
//! nobody's test, goes nowhere. A test keeps the span entered with the guard
//! [`CapturedLogs::install`] returns; its `#[tokio::test]` body runs on that thread, and
//! so does every future it awaits.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, Once, OnceLock, Weak};

use serde_json::{Map, Value};
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id};
use tracing::{Event, Subscriber};
use tracing_subscriber::layer::{Context, Layer, SubscriberExt};
use tracing_subscriber::registry::LookupSpan;

/// The name of a capture's span, and its one field (the capture's number).
const SPAN_NAME: &str = "brokerhooks_testkit::log_capture";
const CAPTURE_FIELD: &str = "capture";

type Buffer = Arc<Mutex<Vec<u8>>>;
/// The open captures by number, until their span takes its buffer.
type Sinks = HashMap<u64, Weak<Mutex<Vec<u8>>>>;

/// The logs captured for one test.
#[derive(Clone, Default)]
pub struct CapturedLogs(Buffer);

/// Keeps the capture's span entered on the test's thread; captures until dropped.
pub type CaptureGuard = tracing::span::EnteredSpan;

impl CapturedLogs {
    /// Starts capturing what the calling test logs, at DEBUG and above, in the functions'
    /// JSON format (one object per line, the event's fields at the top level). Keep the
    /// guard alive for as long as logs should be captured.
    pub fn install() -> (Self, CaptureGuard) {
        install_process_subscriber();
        let logs = CapturedLogs::default();
        static NEXT: AtomicU64 = AtomicU64::new(1);
        let number = NEXT.fetch_add(1, Ordering::Relaxed);
        sinks().insert(number, Arc::downgrade(&logs.0));
        let span = tracing::info_span!(target: SPAN_NAME, SPAN_NAME, capture = number);
        (logs, span.entered())
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap_or_else(|p| p.into_inner())).into_owned()
    }
}

/// The open captures by number; a span looks its buffer up when it is created.
fn sinks() -> std::sync::MutexGuard<'static, Sinks> {
    static SINKS: OnceLock<Mutex<Sinks>> = OnceLock::new();
    SINKS
        .get_or_init(Mutex::default)
        .lock()
        .unwrap_or_else(|p| p.into_inner())
}

fn install_process_subscriber() {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        let subscriber = tracing_subscriber::registry()
            .with(tracing_subscriber::filter::LevelFilter::DEBUG)
            .with(CaptureLayer);
        // Test binaries install no other global subscriber; if one did, captures would
        // stay empty and the tests asserting on them fail loudly, which is the point.
        let _ = tracing::subscriber::set_global_default(subscriber);
    });
}

/// The buffer a capture span writes to (stored in the span's extensions).
struct Sink(Buffer);

struct CaptureLayer;

impl<S> Layer<S> for CaptureLayer
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    fn on_new_span(&self, attributes: &Attributes<'_>, id: &Id, context: Context<'_, S>) {
        if attributes.metadata().name() != SPAN_NAME {
            return;
        }
        let mut number = CaptureNumber(None);
        attributes.record(&mut number);
        let buffer = number
            .0
            .and_then(|number| sinks().remove(&number))
            .and_then(|weak| weak.upgrade());
        if let (Some(buffer), Some(span)) = (buffer, context.span(id)) {
            span.extensions_mut().insert(Sink(buffer));
        }
    }

    fn on_event(&self, event: &Event<'_>, context: Context<'_, S>) {
        let Some(scope) = context.event_scope(event) else {
            return;
        };
        let buffer = scope
            .from_root()
            .find_map(|span| span.extensions().get::<Sink>().map(|sink| sink.0.clone()));
        let Some(buffer) = buffer else {
            return;
        };
        if event.metadata().target() == brokerhooks_logging::emf::EMF_TARGET {
            // A finished EMF line (a delivery's one line): kept as the functions write it.
            let mut raw = RawLine(None);
            event.record(&mut raw);
            if let Some(mut text) = raw.0 {
                text.push('\n');
                buffer
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .extend_from_slice(text.as_bytes());
            }
            return;
        }
        let mut line = Map::new();
        line.insert(
            "timestamp".to_owned(),
            Value::String(time::OffsetDateTime::now_utc().to_string()),
        );
        line.insert(
            "level".to_owned(),
            Value::String(event.metadata().level().to_string()),
        );
        event.record(&mut JsonFields(&mut line));
        line.insert(
            "target".to_owned(),
            Value::String(event.metadata().target().to_owned()),
        );
        let mut text = Value::Object(line).to_string();
        text.push('\n');
        buffer
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .extend_from_slice(text.as_bytes());
    }
}

/// Reads an EMF event's `line`.
struct RawLine(Option<String>);

impl Visit for RawLine {
    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "line" {
            self.0 = Some(value.to_owned());
        }
    }
    fn record_debug(&mut self, _: &Field, _: &dyn std::fmt::Debug) {}
}

/// Reads the capture span's number.
struct CaptureNumber(Option<u64>);

impl Visit for CaptureNumber {
    fn record_u64(&mut self, field: &Field, value: u64) {
        if field.name() == CAPTURE_FIELD {
            self.0 = Some(value);
        }
    }
    fn record_debug(&mut self, _: &Field, _: &dyn std::fmt::Debug) {}
}

/// An event's fields as JSON values, as the functions' JSON formatter writes them:
/// numbers and booleans as such, `%display` and `?debug` values as strings.
struct JsonFields<'a>(&'a mut Map<String, Value>);

impl Visit for JsonFields<'_> {
    fn record_f64(&mut self, field: &Field, value: f64) {
        self.0.insert(field.name().to_owned(), Value::from(value));
    }
    fn record_i64(&mut self, field: &Field, value: i64) {
        self.0.insert(field.name().to_owned(), Value::from(value));
    }
    fn record_u64(&mut self, field: &Field, value: u64) {
        self.0.insert(field.name().to_owned(), Value::from(value));
    }
    fn record_bool(&mut self, field: &Field, value: bool) {
        self.0.insert(field.name().to_owned(), Value::from(value));
    }
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name().to_owned(), Value::from(value));
    }
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.0
            .insert(field.name().to_owned(), Value::from(format!("{value:?}")));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_capture_holds_what_its_own_thread_logged_inside_it_and_nothing_else() {
        let (logs, guard) = CapturedLogs::install();
        tracing::info!(provider = "kite", accepted = 2, ok = true, reason = %"fixed", "delivery accepted");
        // Another capture on another thread, concurrently: neither sees the other's lines.
        let other = std::thread::spawn(|| {
            let (logs, _guard) = CapturedLogs::install();
            tracing::warn!(provider = "upvest", "elsewhere");
            logs.text()
        })
        .join()
        .unwrap();
        // Logged outside any capture: goes nowhere.
        std::thread::spawn(|| tracing::error!(provider = "smallcase", "nobody's"))
            .join()
            .unwrap();
        tracing::trace!("below DEBUG");
        drop(guard);
        tracing::info!("after the guard");
        let text = logs.text();
        assert_eq!(text.lines().count(), 1, "{text}");
        let line: Value = serde_json::from_str(text.lines().next().unwrap()).unwrap();
        assert_eq!(line["message"], "delivery accepted");
        assert_eq!(line["level"], "INFO");
        assert_eq!(line["provider"], "kite");
        assert_eq!(line["accepted"], 2);
        assert_eq!(line["ok"], true);
        assert_eq!(line["reason"], "fixed");
        assert!(text.contains(r#""provider":"kite""#), "{text}");
        assert_eq!(other.lines().count(), 1, "{other}");
        assert!(other.contains(r#""message":"elsewhere""#), "{other}");
    }
}

#[cfg(test)]
mod emf_capture {
    use super::*;

    #[test]
    fn an_emf_line_is_captured_as_written() {
        let (logs, guard) = CapturedLogs::install();
        brokerhooks_logging::emf::EmfLine::new("ns", r#"[["provider"]]"#)
            .text("message", "delivery accepted")
            .text("provider", "kite")
            .count("accepted", 1)
            .emit();
        drop(guard);
        let text = logs.text();
        assert_eq!(text.lines().count(), 1, "{text}");
        let line: Value = serde_json::from_str(text.trim_end()).unwrap();
        assert_eq!(line["message"], "delivery accepted");
        assert_eq!(line["accepted"], 1);
    }
}
