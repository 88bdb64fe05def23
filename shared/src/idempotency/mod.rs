//! The idempotency store: claim an event before sending it, mark it enqueued after,
//! release the claim when the send fails.
//!
//! One item per event, keyed `pk = "<provider>#<event id>"`:
//! `status` (`IN_PROGRESS` or `ENQUEUED`), `claim_token`, `lease_expires_at` and
//! `expires_at` (epoch seconds; also the table's TTL attribute). Expiry is checked in
//! the claim's condition, because TTL deletion lags by up to two days.

mod dynamodb;
mod memory;

use std::future::Future;

pub use dynamodb::DynamoDbStore;
pub use memory::{MemoryStore, StoredClaim};

pub const STATUS_IN_PROGRESS: &str = "IN_PROGRESS";
pub const STATUS_ENQUEUED: &str = "ENQUEUED";

/// One invocation's claim on one event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claim {
    /// `<provider>#<event id>`.
    pub key: String,
    /// Unique per claim attempt; only its holder may complete or release it.
    pub token: String,
    /// Epoch seconds at claim time.
    pub now: i64,
    /// Until when (epoch seconds) this claim blocks other invocations.
    pub lease_expires_at: i64,
    /// When (epoch seconds) the event id is forgotten.
    pub expires_at: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClaimOutcome {
    /// This invocation now owns the event and must send it.
    Claimed,
    /// The event was enqueued earlier: a duplicate.
    AlreadyEnqueued,
    /// Another invocation holds an unexpired lease on it.
    InProgress,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StoreError {
    #[error("idempotency store unavailable: {0}")]
    Unavailable(String),
    /// The claim was taken over (our lease ran out) before we completed it.
    #[error("claim was taken over by another invocation")]
    ClaimLost,
}

/// Storage for event claims. Implemented for DynamoDB and in memory.
pub trait IdempotencyStore: Send + Sync {
    /// One conditional write: succeeds when no item exists, the item has expired, or it
    /// is an in-progress claim whose lease has run out.
    fn claim(&self, claim: &Claim)
    -> impl Future<Output = Result<ClaimOutcome, StoreError>> + Send;

    /// Marks the event enqueued, if `claim` still holds it.
    fn mark_enqueued(&self, claim: &Claim) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Deletes the claim, if `claim` still holds it, so a retry can succeed at once.
    fn release(&self, claim: &Claim) -> impl Future<Output = Result<(), StoreError>> + Send;
}

impl<T: IdempotencyStore> IdempotencyStore for std::sync::Arc<T> {
    fn claim(
        &self,
        claim: &Claim,
    ) -> impl Future<Output = Result<ClaimOutcome, StoreError>> + Send {
        (**self).claim(claim)
    }
    fn mark_enqueued(&self, claim: &Claim) -> impl Future<Output = Result<(), StoreError>> + Send {
        (**self).mark_enqueued(claim)
    }
    fn release(&self, claim: &Claim) -> impl Future<Output = Result<(), StoreError>> + Send {
        (**self).release(claim)
    }
}
