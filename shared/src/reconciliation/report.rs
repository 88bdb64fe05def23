//! What one reconciler run did, as counted in its one log line and metrics line.

use std::time::Duration;

/// A run's counts; several runs' (or sessions') add up.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RunReport {
    /// Sessions read.
    pub sessions: usize,
    /// Sessions the provider refused (expired or revoked tokens): skipped.
    pub sessions_rejected: usize,
    /// Sessions whose record could not be read at all (provider down, answers not
    /// understood): nothing of them was reconciled this run.
    pub sessions_unreachable: usize,
    /// Orders read from the record.
    pub orders_read: usize,
    /// Orders with a state newer than their checkpoint, looked at this run.
    pub orders_checked: usize,
    /// States no delivery had enqueued, enqueued now: each is a lost postback.
    pub reconciled: usize,
    /// States found enqueued already (by a delivery or an earlier run).
    pub already_delivered: usize,
    /// States a delivery or another run is on now: left to them.
    pub in_flight: usize,
    /// States that could not be enqueued (store or queue trouble): the next run retries.
    pub failed: usize,
    /// Orders left for the next run because the run's time was up.
    pub deferred: usize,
    /// Requests made to the provider.
    pub requests: u64,
}

impl RunReport {
    pub fn add(&mut self, other: &RunReport) {
        self.sessions += other.sessions;
        self.sessions_rejected += other.sessions_rejected;
        self.sessions_unreachable += other.sessions_unreachable;
        self.orders_read += other.orders_read;
        self.orders_checked += other.orders_checked;
        self.reconciled += other.reconciled;
        self.already_delivered += other.already_delivered;
        self.in_flight += other.in_flight;
        self.failed += other.failed;
        self.deferred += other.deferred;
        self.requests += other.requests;
    }

    /// Whether the run left something it could not do (the next run catches up).
    pub fn incomplete(&self) -> bool {
        self.sessions_unreachable > 0 || self.failed > 0 || self.deferred > 0
    }
}

/// A run's report and how long it took.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RunOutcome {
    pub report: RunReport,
    pub duration: Duration,
}
