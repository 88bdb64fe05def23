//! Closing a claim within the invocation's time.
//!
//! Once the message is on the queue, the completion write (mark ENQUEUED) is the one step
//! whose failure leaves a trap: the item would stay IN_PROGRESS, and a redelivery after
//! the lease would claim and send the event again. So it is retried, with back-off, until
//! the answer is due (the receiver's `Deadline::answer_by`); the delivery is accepted
//! either way, because the message is on the queue.

use std::time::Duration;

use tokio::time::Instant;

use crate::{Claim, ClaimStore, StoreError};

/// Pause after the first failed completion write; it doubles up to [`MAX_RETRY_DELAY`].
/// (Each write is itself an SDK call that retries within `AWS_RETRY_SECONDS`.)
pub const FIRST_RETRY_DELAY: Duration = Duration::from_millis(100);
pub const MAX_RETRY_DELAY: Duration = Duration::from_secs(1);

/// How a completion ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Completion {
    /// The item says ENQUEUED; `attempts` writes were made.
    Enqueued { attempts: u32 },
    /// Another invocation took the claim over (our lease ran out): nothing of ours to mark.
    ClaimLost,
    /// The answer became due first: the item stays IN_PROGRESS until its lease ends.
    GaveUp { attempts: u32 },
}

impl Completion {
    /// One log line when the completion needed retries or did not happen (never content).
    pub fn log(&self, provider: &str, event_id: &str) {
        match *self {
            Completion::Enqueued { attempts: 1 } => {}
            Completion::Enqueued { attempts } => {
                tracing::info!(
                    provider,
                    event_id,
                    attempts,
                    "marked enqueued after retries"
                )
            }
            Completion::ClaimLost => {
                tracing::warn!(provider, event_id, "claim lost before completion")
            }
            Completion::GaveUp { attempts } => tracing::warn!(
                provider,
                event_id,
                attempts,
                "could not mark enqueued before the answer was due; the claim stays until its lease ends"
            ),
        }
    }
}

/// Marks `claim` enqueued, retrying failed writes until `answer_by`.
///
/// Retrying is safe: the write is conditional on our claim token, so a repeat of a write
/// that succeeded (its answer lost) succeeds again, and a claim taken over fails it.
pub async fn complete_within<S: ClaimStore>(
    store: &S,
    claim: &Claim,
    answer_by: Instant,
) -> Completion {
    let mut delay = FIRST_RETRY_DELAY;
    let mut attempts = 0;
    loop {
        let remaining = answer_by.saturating_duration_since(Instant::now());
        if remaining.is_zero() {
            return Completion::GaveUp { attempts };
        }
        attempts += 1;
        match tokio::time::timeout(remaining, store.complete(claim)).await {
            Ok(Ok(())) => return Completion::Enqueued { attempts },
            Ok(Err(StoreError::ClaimLost)) => return Completion::ClaimLost,
            Ok(Err(error)) => {
                tracing::debug!(key = %claim.key, attempts, error = %error, "completion write failed")
            }
            Err(_) => return Completion::GaveUp { attempts },
        }
        if Instant::now() + delay >= answer_by {
            return Completion::GaveUp { attempts };
        }
        tokio::time::sleep(delay).await;
        delay = (delay * 2).min(MAX_RETRY_DELAY);
    }
}

/// Releases `claim` with one write that must end by `answer_by`; if it cannot, the lease
/// frees the event later.
pub async fn release_within<S: ClaimStore>(
    store: &S,
    claim: &Claim,
    answer_by: Instant,
) -> Result<(), StoreError> {
    let due = || StoreError::Unavailable("release cut short: the answer is due".to_owned());
    let remaining = answer_by.saturating_duration_since(Instant::now());
    if remaining.is_zero() {
        return Err(due());
    }
    tokio::time::timeout(remaining, store.release(claim))
        .await
        .unwrap_or_else(|_| Err(due()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{ClaimOutcome, MemoryClaims, STATUS_IN_PROGRESS, StoredClaim};

    const STATUS_ENQUEUED: &str = "ENQUEUED";

    fn claim(token: &str) -> Claim {
        Claim {
            key: "test#e1".to_owned(),
            token: token.to_owned(),
            now: 1_000,
            lease_expires_at: 1_030,
            expires_at: 5_000,
        }
    }

    async fn claimed_store() -> MemoryClaims {
        let store = MemoryClaims::new().completed_status(STATUS_ENQUEUED);
        assert_eq!(store.claim(&claim("ours")).await, Ok(ClaimOutcome::Claimed));
        store
    }

    fn status(store: &MemoryClaims) -> &'static str {
        store
            .item("test#e1")
            .map(|i: StoredClaim| i.status)
            .unwrap()
    }

    #[tokio::test(start_paused = true)]
    async fn a_completion_that_fails_five_times_is_retried_until_it_holds() {
        let store = claimed_store().await;
        store.fail_next_completions(5);
        let answer_by = Instant::now() + Duration::from_secs(9);
        let outcome = complete_within(&store, &claim("ours"), answer_by).await;
        assert_eq!(outcome, Completion::Enqueued { attempts: 6 });
        assert_eq!(status(&store), STATUS_ENQUEUED);
        // 100 + 200 + 400 + 800 + 1000 ms of back-off, all before the answer is due.
        assert!(Instant::now() < answer_by);
    }

    #[tokio::test(start_paused = true)]
    async fn it_gives_up_when_the_answer_is_due_and_leaves_the_claim_to_its_lease() {
        let store = claimed_store().await;
        store.fail_next_completions(1_000);
        let start = Instant::now();
        let answer_by = start + Duration::from_secs(3);
        let outcome = complete_within(&store, &claim("ours"), answer_by).await;
        // Writes at 0, 0.1, 0.3, 0.7, 1.5 and 2.5 s; the next pause would pass 3 s.
        assert_eq!(outcome, Completion::GaveUp { attempts: 6 });
        assert!(Instant::now() <= answer_by);
        assert_eq!(status(&store), STATUS_IN_PROGRESS);
    }

    #[tokio::test(start_paused = true)]
    async fn a_claim_taken_over_is_not_retried() {
        let store = claimed_store().await;
        let outcome = complete_within(
            &store,
            &claim("someone-else"),
            Instant::now() + Duration::from_secs(9),
        )
        .await;
        assert_eq!(outcome, Completion::ClaimLost);
        assert_eq!(store.calls(), 2, "the claim and one completion write");
        assert_eq!(status(&store), STATUS_IN_PROGRESS);
    }

    #[tokio::test(start_paused = true)]
    async fn nothing_is_written_once_the_answer_is_due() {
        let store = claimed_store().await;
        let answer_by = Instant::now();
        assert_eq!(
            complete_within(&store, &claim("ours"), answer_by).await,
            Completion::GaveUp { attempts: 0 }
        );
        assert!(
            release_within(&store, &claim("ours"), answer_by)
                .await
                .is_err()
        );
        assert_eq!(store.calls(), 1, "only the claim");
        assert_eq!(
            release_within(&store, &claim("ours"), answer_by + Duration::from_secs(1)).await,
            Ok(())
        );
        assert!(store.is_empty());
    }
}
