//! What one delivery came to: whom its events were from, how many were enqueued, were
//! duplicates, are in flight elsewhere or failed, or why it stopped. The edge turns it
//! into the answer, the log line and the metrics ([`crate::edge::answer`]).

use std::time::Duration;

use super::audit::Audit;
use super::error::WebhookError;
use super::origin::Origin;
use super::tally::Tally;

/// Why a delivery stopped, with what was done before.
pub type Stopped = (WebhookError, Tally);

/// One delivery's outcome.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub origin: Origin,
    /// The tally of a delivery answered 200, or why it was not.
    pub result: Result<Tally, Stopped>,
    /// The pipeline's own time for it.
    pub latency: Duration,
    /// What its one log line says of its events.
    pub audit: Audit,
}

/// 503 if any event failed (the provider retries), else 409 if any is in flight
/// elsewhere, else 200 with the tally.
pub fn settle(tally: Tally) -> Result<Tally, Stopped> {
    if tally.failed > 0 {
        Err((WebhookError::Unavailable, tally))
    } else if tally.in_progress > 0 {
        Err((WebhookError::InProgress, tally))
    } else {
        Ok(tally)
    }
}
