//! How long one AWS call keeps retrying (`AWS_RETRY_SECONDS`), and the SDK settings that
//! make that time real.
//!
//! The SDK's standard strategy also spends a client-side retry quota (a token bucket of
//! 500 per service, shared by the whole process): each retry of a connection or timeout
//! error takes 10 tokens, a retry that is followed by another retry never gives its tokens
//! back, and only a first-attempt success returns one. A few seconds of outage therefore
//! empty it, and afterwards calls stop retrying at once, for as long as the process lives.
//! Every call here is bounded by time instead, so the clients get a bucket without cost
//! ([`unlimited_retry_partition`]).

use std::time::Duration;

use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;

/// Each attempt (connect included) may take this long; DynamoDB and SQS answer in milliseconds.
pub const AWS_ATTEMPT_TIMEOUT: Duration = Duration::from_secs(2);
/// First back-off between attempts; it doubles up to [`MAX_BACKOFF`], with full jitter.
pub const INITIAL_BACKOFF: Duration = Duration::from_millis(100);
pub const MAX_BACKOFF: Duration = Duration::from_secs(1);
/// `AWS_RETRY_SECONDS` when unset, for a provider that retries a 503 (the template's
/// value); a provider may declare its own ([`crate::Provider::DEFAULT_AWS_RETRY_SECONDS`]).
pub const DEFAULT_AWS_RETRY_SECONDS: u64 = 5;
/// The largest accepted `AWS_RETRY_SECONDS`: two calls of it (claim, send) and the
/// completion reserve must fit API Gateway's 30-second integration limit.
pub const MAX_AWS_RETRY_SECONDS: u64 = 13;

/// How long one AWS call, all its attempts and back-offs included, may keep retrying.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryBudget {
    per_call: Duration,
}

impl Default for RetryBudget {
    fn default() -> Self {
        RetryBudget::from_secs(DEFAULT_AWS_RETRY_SECONDS)
    }
}

impl RetryBudget {
    /// At least one second, so there is always time for one full attempt.
    pub fn from_secs(seconds: u64) -> Self {
        RetryBudget {
            per_call: Duration::from_secs(seconds.max(1)),
        }
    }

    pub fn per_call(&self) -> Duration {
        self.per_call
    }

    /// An attempt limit that time, not the count, reaches first: failures that come back at
    /// once (refused connections) retry after 0.5 s on average once the back-off is capped,
    /// about 2 attempts per second after the ramp; ten plus four per second leaves room for
    /// the jitter while still stopping a client that would spin.
    pub fn max_attempts(&self) -> u32 {
        let seconds = u32::try_from(self.per_call.as_secs()).unwrap_or(u32::MAX / 8);
        10 + 4 * seconds
    }

    pub fn retry_config(&self) -> RetryConfig {
        RetryConfig::standard()
            .with_max_attempts(self.max_attempts())
            .with_initial_backoff(INITIAL_BACKOFF)
            .with_max_backoff(MAX_BACKOFF)
    }

    /// The per-call budget is the operation timeout: the call ends then, whatever its attempts.
    pub fn timeout_config(&self) -> TimeoutConfig {
        TimeoutConfig::builder()
            .connect_timeout(AWS_ATTEMPT_TIMEOUT.min(self.per_call))
            .operation_attempt_timeout(AWS_ATTEMPT_TIMEOUT.min(self.per_call))
            .operation_timeout(self.per_call)
            .build()
    }

    /// Applies the budget to a config loader (the function's, or a test's for an emulator).
    pub fn apply(&self, loader: aws_config::ConfigLoader) -> aws_config::ConfigLoader {
        loader
            .retry_config(self.retry_config())
            .timeout_config(self.timeout_config())
    }
}

/// What the completion write gets, margin included, after claim and send each used
/// their whole budget.
pub const COMPLETION_RESERVE: Duration = Duration::from_secs(2);

/// The shortest function timeout with which claim and send can each use `budget` and the
/// completion still gets [`COMPLETION_RESERVE`].
pub fn minimum_function_timeout(budget: RetryBudget) -> Duration {
    budget.per_call() * 2 + COMPLETION_RESERVE
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_budget_is_the_operation_timeout_and_attempts_never_bind_first() {
        let kite = RetryBudget::from_secs(12);
        assert_eq!(kite.per_call(), Duration::from_secs(12));
        assert_eq!(kite.max_attempts(), 58);
        let timeouts = kite.timeout_config();
        assert_eq!(timeouts.operation_timeout(), Some(Duration::from_secs(12)));
        assert_eq!(
            timeouts.operation_attempt_timeout(),
            Some(AWS_ATTEMPT_TIMEOUT)
        );
        assert_eq!(timeouts.connect_timeout(), Some(AWS_ATTEMPT_TIMEOUT));
        let retries = kite.retry_config();
        assert_eq!(retries.max_attempts(), 58);
        assert_eq!(retries.initial_backoff(), INITIAL_BACKOFF);
        assert_eq!(retries.max_backoff(), MAX_BACKOFF);

        // Calls that fail at once (refused connections) spend only the back-off: with the
        // average jitter (half of each capped doubling), all attempts together must take
        // well over the budget, so the time ends the call, not the count.
        for seconds in 1..=MAX_AWS_RETRY_SECONDS {
            let budget = RetryBudget::from_secs(seconds);
            let average_total: f64 = (0..budget.max_attempts() - 1)
                .map(|retry| {
                    let capped = (INITIAL_BACKOFF.as_secs_f64() * 2f64.powi(retry as i32))
                        .min(MAX_BACKOFF.as_secs_f64());
                    capped / 2.0
                })
                .sum();
            assert!(
                average_total > 1.5 * seconds as f64,
                "{seconds} s: {} attempts, {average_total} s of back-off",
                budget.max_attempts()
            );
        }
    }

    #[test]
    fn a_one_second_budget_is_the_least_and_the_default_is_five() {
        let tiny = RetryBudget::from_secs(0);
        assert_eq!(tiny.per_call(), Duration::from_secs(1));
        assert_eq!(
            tiny.timeout_config().operation_attempt_timeout(),
            Some(Duration::from_secs(1))
        );
        assert_eq!(RetryBudget::default().per_call(), Duration::from_secs(5));
    }
}
