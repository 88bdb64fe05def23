//! The function's edge: a Lambda invocation in, its answer out, each once.
//!
//! [`function`] reads configuration and builds the pipeline once at cold start; per
//! invocation it turns the raw event into a request and a deadline
//! ([`lambda_event`]), calls the pipeline once, and turns its outcome into the HTTP
//! answer, the delivery's log line and its metrics line ([`answer`], [`metrics`]).
//! `reconciler` (feature `kite-api`) is the scheduled reconciler's entry: one run per
//! invocation, its report logged, counted and answered.

pub mod answer;
pub mod function;
pub mod lambda_event;
pub mod metrics;
#[cfg(feature = "kite-api")]
pub mod reconciler;
pub mod timing;

pub use answer::Answer;
pub use function::{FunctionService, run};
