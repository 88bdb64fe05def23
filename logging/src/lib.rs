//! JSON log lines on stdout, one object per line, for the receivers and the consumers.
//! What goes in a line is up to the caller: provider, event id, outcome, fixed reason
//! texts; never secrets, signatures, payload values or personal data.

pub mod emf;

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
