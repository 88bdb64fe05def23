//! JSON log lines on stdout, one object per line, for the receivers and the consumers.
//! What goes in a line is up to the caller: provider, event id, outcome, fixed reason
//! texts; never secrets, signatures, payload values or personal data.

pub mod emf;

use std::io::Write as _;

use tracing::field::{Field, Visit};
use tracing::{Event, Subscriber};
use tracing_subscriber::EnvFilter;
use tracing_subscriber::filter::filter_fn;
use tracing_subscriber::layer::{Context, Layer, SubscriberExt};
use tracing_subscriber::util::SubscriberInitExt;

/// Installs the JSON subscriber once; later calls are no-ops. `RUST_LOG` overrides the
/// level of the JSON lines; the EMF lines ([`emf::EMF_TARGET`]) are written whatever it
/// says, as they are (their metrics must not depend on the log level).
pub fn init() {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let json_lines = tracing_subscriber::fmt::layer()
        .json()
        .flatten_event(true)
        .with_current_span(false)
        .with_span_list(false)
        .with_target(false)
        .with_ansi(false)
        .with_filter(filter)
        // Events only: a line never shows span context, so a span (lambda_runtime opens two
        // per invocation) would be built, formatted and entered for nothing.
        .with_filter(filter_fn(|metadata| {
            metadata.is_event() && metadata.target() != emf::EMF_TARGET
        }));
    let emf_lines = EmfLines.with_filter(filter_fn(|metadata| {
        metadata.is_event() && metadata.target() == emf::EMF_TARGET
    }));
    let _ = tracing_subscriber::registry()
        .with(json_lines)
        .with(emf_lines)
        .try_init();
}

/// Writes an EMF event's `line` to stdout as it is, one line.
struct EmfLines;

impl<S: Subscriber> Layer<S> for EmfLines {
    fn on_event(&self, event: &Event<'_>, _: Context<'_, S>) {
        event.record(&mut RawLine);
    }
}

struct RawLine;

impl Visit for RawLine {
    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "line" {
            let mut out = std::io::stdout().lock();
            let _ = out.write_all(value.as_bytes());
            let _ = out.write_all(b"\n");
        }
    }

    fn record_debug(&mut self, _: &Field, _: &dyn std::fmt::Debug) {}
}
