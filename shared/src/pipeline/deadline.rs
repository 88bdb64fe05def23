//! The invocation's time: when a delivery must be answered, and how its steps share it.
//!
//! A delivery makes at most two AWS calls in a row that may each use the whole
//! [`RetryBudget`] (claim, then send); the completion write then retries until
//! [`ANSWER_MARGIN`] before the deadline. So a function's timeout must be at least
//! [`minimum_function_timeout`], and `CLAIM_LEASE_SECONDS` must exceed the timeout, so
//! that no claim can be taken over while the invocation holding it still runs. A
//! provider whose verifier asks for a signature binding (smallcase) makes one more call
//! first; it gets only what the invocation can spare ([`Deadline::bind_by`]), so it never
//! eats into the time claim, send and completion are owed.
//!
//! Instants are tokio's: the same as std's in production, and movable in tests.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use tokio::time::Instant;

use crate::config::RetryBudget;
pub use crate::config::retry_budget::{COMPLETION_RESERVE, minimum_function_timeout};

/// Stop waiting this long before the deadline, so the answer (and its log and metric
/// lines) still get out.
pub const ANSWER_MARGIN: Duration = Duration::from_secs(1);
/// Without a Lambda deadline (tests, benchmarks, a direct call) a delivery gets this long.
pub const DEFAULT_INVOCATION_TIME: Duration = Duration::from_secs(10);

/// The least time the signature-binding write gets, however tight the timeout: with less,
/// a delivery that binds could never be accepted.
pub const MIN_BINDING_TIME: Duration = Duration::from_secs(1);

/// When an invocation must have answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Deadline(Instant);

impl Deadline {
    pub fn at(instant: Instant) -> Self {
        Deadline(instant)
    }

    /// `time` from now.
    pub fn after(time: Duration) -> Self {
        Deadline(Instant::now() + time)
    }

    /// Lambda's deadline (epoch milliseconds, wall clock), read once against the
    /// monotonic clock. A deadline already past (or a clock far off) is now.
    pub fn from_epoch_millis(epoch_millis: u64) -> Self {
        let now_wall = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or(Duration::ZERO);
        let remaining = Duration::from_millis(epoch_millis).saturating_sub(now_wall);
        Deadline::after(remaining)
    }

    /// Without a Lambda deadline (tests, benchmarks, a direct call):
    /// [`DEFAULT_INVOCATION_TIME`] from now.
    pub fn without_lambda() -> Self {
        Deadline::after(DEFAULT_INVOCATION_TIME)
    }

    pub fn instant(&self) -> Instant {
        self.0
    }

    pub fn remaining(&self) -> Duration {
        self.0.saturating_duration_since(Instant::now())
    }

    /// When the pipeline stops waiting: [`ANSWER_MARGIN`] before the deadline.
    pub fn answer_by(&self) -> Instant {
        self.0.checked_sub(ANSWER_MARGIN).unwrap_or(self.0)
    }

    /// When a state-mark write, made between claim and send, must have been answered:
    /// what the send (a whole retry budget) and the completion ([`COMPLETION_RESERVE`])
    /// are owed is kept back, but no sooner than [`MIN_BINDING_TIME`] after `now` (nor
    /// later than [`Deadline::answer_by`]): a function given less time than the template
    /// gives it, as `cargo lambda watch` does, still marks. The mark is best effort: past
    /// this it is skipped.
    pub fn mark_by(&self, budget: RetryBudget, now: Instant) -> Instant {
        let spare = self
            .0
            .checked_sub(budget.per_call() + COMPLETION_RESERVE)
            .unwrap_or(now);
        spare.max(now + MIN_BINDING_TIME).min(self.answer_by())
    }

    /// When a signature-binding write, made before the claim, must have been answered:
    /// [`minimum_function_timeout`] before the deadline (what claim, send and completion
    /// are owed), but no sooner than [`MIN_BINDING_TIME`] after `now`. With the template's
    /// smallcase defaults (15 s timeout, `AWS_RETRY_SECONDS` 5) that is 3 s.
    pub fn bind_by(&self, budget: RetryBudget, now: Instant) -> Instant {
        let spare = self
            .0
            .checked_sub(minimum_function_timeout(budget))
            .unwrap_or(now);
        spare.max(now + MIN_BINDING_TIME)
    }
}

/// What is wrong with a function whose invocations get `function_time` (the timeout),
/// given its lease and AWS budget: fixed texts for the log, empty when all is well.
pub fn timing_problems(
    function_time: Duration,
    claim_lease: Duration,
    budget: RetryBudget,
) -> Vec<&'static str> {
    // The remaining time seen at the start of an invocation is a few milliseconds under
    // the configured timeout: compare whole seconds, rounded up.
    let timeout = Duration::from_secs(function_time.as_millis().div_ceil(1000) as u64);
    let mut problems = Vec::new();
    if timeout >= claim_lease {
        problems.push(
            "the function timeout is not below CLAIM_LEASE_SECONDS: a claim can be taken over while its invocation still runs",
        );
    }
    if timeout < minimum_function_timeout(budget) {
        problems.push(
            "the function timeout is below 2 x AWS_RETRY_SECONDS + 2 s: an AWS outage can time the function out before it answers",
        );
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kite_fits_api_gateway_and_the_default_lease() {
        let kite = RetryBudget::from_secs(12);
        assert_eq!(minimum_function_timeout(kite), Duration::from_secs(26));
        assert!(minimum_function_timeout(kite) <= Duration::from_secs(29));
        assert_eq!(
            timing_problems(Duration::from_millis(28_996), Duration::from_secs(30), kite),
            Vec::<&str>::new()
        );
        let largest = RetryBudget::from_secs(crate::config::MAX_AWS_RETRY_SECONDS);
        assert!(minimum_function_timeout(largest) <= Duration::from_secs(29));
    }

    #[test]
    fn a_timeout_at_or_over_the_lease_or_under_the_budget_is_named() {
        let budget = RetryBudget::from_secs(5);
        let lease = Duration::from_secs(30);
        assert_eq!(
            timing_problems(Duration::from_millis(28_999), lease, budget),
            Vec::<&str>::new()
        );
        assert_eq!(
            timing_problems(Duration::from_millis(29_001), lease, budget).len(),
            1,
            "a 30 s timeout with a 30 s lease"
        );
        let over = timing_problems(
            Duration::from_millis(29_001),
            Duration::from_secs(29),
            budget,
        );
        assert_eq!(over.len(), 1);
        assert!(over[0].contains("CLAIM_LEASE_SECONDS"));
        let under = timing_problems(Duration::from_millis(10_500), lease, budget);
        assert_eq!(under.len(), 1);
        assert!(under[0].contains("AWS_RETRY_SECONDS"));
        assert_eq!(
            timing_problems(Duration::from_millis(11_999), lease, budget),
            Vec::<&str>::new(),
            "12 s is exactly 2 x 5 + 2"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn deadlines_answer_a_margin_early_and_default_without_lambda() {
        let start = Instant::now();
        let default = Deadline::without_lambda();
        assert_eq!(default.instant(), start + DEFAULT_INVOCATION_TIME);
        assert_eq!(default.answer_by(), start + Duration::from_secs(9));
        let lambda = Deadline::after(Duration::from_secs(29));
        tokio::time::advance(Duration::from_secs(30)).await;
        assert_eq!(lambda.remaining(), Duration::ZERO);
    }

    #[tokio::test(start_paused = true)]
    async fn the_binding_write_gets_only_the_time_claim_send_and_completion_can_spare() {
        let now = Instant::now();
        let budget = RetryBudget::from_secs(5);
        let smallcase = Deadline::after(Duration::from_secs(15));
        assert_eq!(smallcase.bind_by(budget, now), now + Duration::from_secs(3));
        // Without a Lambda deadline: 10 s, the default 3 s budget: 2 s.
        let default = Deadline::without_lambda();
        assert_eq!(
            default.bind_by(RetryBudget::from_secs(3), now),
            now + Duration::from_secs(2)
        );
        // A timeout of exactly the minimum still leaves the floor.
        let tight = Deadline::after(Duration::from_secs(12));
        assert_eq!(tight.bind_by(budget, now), now + MIN_BINDING_TIME);
        let past = Deadline::at(now);
        assert_eq!(past.bind_by(budget, now), now + MIN_BINDING_TIME);
    }

    #[tokio::test(start_paused = true)]
    async fn a_state_mark_gets_what_send_and_completion_do_not_need_but_at_least_a_second() {
        let now = Instant::now();
        let kite = RetryBudget::from_secs(12);
        // The template's Kite timeout (26 s): 26 - 12 - 2.
        let deployed = Deadline::after(Duration::from_secs(26));
        assert_eq!(deployed.mark_by(kite, now), now + Duration::from_secs(12));
        // cargo lambda watch's short deadline: the floor.
        let watch = Deadline::after(Duration::from_secs(3));
        assert_eq!(watch.mark_by(kite, now), now + MIN_BINDING_TIME);
        // Never past the answer.
        let past = Deadline::at(now);
        assert_eq!(past.mark_by(kite, now), past.answer_by());
    }

    #[tokio::test]
    async fn lambda_epoch_deadlines_become_remaining_time() {
        let measured = std::time::Instant::now();
        let now_ms = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_millis() as u64;
        let remaining = Deadline::from_epoch_millis(now_ms + 15_000).remaining();
        // Whatever time passed in between is all the difference (plus the millisecond cut).
        let passed = measured.elapsed() + Duration::from_millis(1);
        assert!(remaining <= Duration::from_secs(15), "{remaining:?}");
        assert!(
            remaining + passed >= Duration::from_secs(15),
            "{remaining:?}"
        );
        assert_eq!(Deadline::from_epoch_millis(0).remaining(), Duration::ZERO);
    }
}
