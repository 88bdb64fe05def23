//! JSON logs on stdout, one line per record: provider, type, event id, outcome; never
//! payload values or personal data.

use tracing_subscriber::EnvFilter;

/// Installs the JSON subscriber once; later calls are no-ops. `RUST_LOG` overrides the level.
pub fn init() {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .json()
        .flatten_event(true)
        .with_current_span(false)
        .with_span_list(false)
        .with_target(false)
        .with_ansi(false)
        .with_env_filter(filter)
        .try_init();
}
