//! What happened to the events of one delivery: the 200 body's counts and the metrics'.

use serde::Serialize;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Tally {
    /// Newly enqueued by this delivery.
    pub accepted: usize,
    /// Enqueued earlier (or repeated within this delivery).
    pub duplicates: usize,
    #[serde(skip)]
    pub in_progress: usize,
    #[serde(skip)]
    pub failed: usize,
    /// Of `accepted`, how many were enqueued with a fallback (see `fallback`).
    #[serde(skip)]
    pub unparsed: usize,
}
