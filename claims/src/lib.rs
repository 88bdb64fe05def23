//! brokerhooks-claims: at most one invocation works on an event at a time, and an event
//! whose work completed is not worked on again until its item expires. The receiver
//! claims an event before it enqueues it; a consumer claims one before its handler runs.
//!
//! One item per event, under a key the caller chooses (each user keeps its own prefix, so
//! IAM can confine it to its items): `pk`, `status` ([`STATUS_IN_PROGRESS`], then the
//! store's completed status), `claim_token`, `lease_expires_at` and `expires_at` (epoch
//! seconds; also the table's TTL attribute).
//!
//! 1. **Claim** before the work: one conditional write that succeeds when no item exists,
//!    the item has expired, or it is an in-progress claim whose lease has run out. Expiry
//!    is checked in the condition, because TTL deletion lags by up to two days. A
//!    completed item means a duplicate; an unexpired in-progress one, work in flight
//!    elsewhere.
//! 2. **Complete** after the work succeeded, if our token still holds the claim.
//! 3. **Release** when the work failed: the claim is deleted, if our token still holds it
//!    and it is in progress, so a retry can claim it at once.
//!
//! `DynamoDbClaims` is the store on DynamoDB (feature `dynamodb`, on by default),
//! [`MemoryClaims`] a fake with the same semantics for tests. [`completion`] is how
//! completion and release writes are retried within an invocation's time.

pub mod completion;
pub mod decision;
#[cfg(feature = "dynamodb")]
mod dynamodb;
mod memory;
mod token;

use std::future::Future;

#[cfg(feature = "dynamodb")]
pub use dynamodb::{DynamoDbClaims, Item, put_if};
pub use memory::{MemoryClaims, StoredClaim};
pub use token::new_claim_token;

pub const STATUS_IN_PROGRESS: &str = "IN_PROGRESS";
/// The completed status unless a store is given another (the receiver's items say
/// `ENQUEUED`).
pub const STATUS_COMPLETED: &str = "COMPLETED";

/// One invocation's claim on one event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claim {
    /// The item key, under the user's prefix.
    pub key: String,
    /// Unique per claim attempt ([`new_claim_token`]); only its holder may complete or
    /// release it.
    pub token: String,
    /// Epoch seconds at claim time.
    pub now: i64,
    /// Until when (epoch seconds) this claim blocks other invocations.
    pub lease_expires_at: i64,
    /// When (epoch seconds) the event is forgotten.
    pub expires_at: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClaimOutcome {
    /// This invocation now owns the event and does the work.
    Claimed,
    /// The work on the event completed earlier: a duplicate.
    AlreadyCompleted,
    /// Another invocation holds an unexpired lease on it.
    InProgress,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StoreError {
    #[error("idempotency store unavailable: {0}")]
    Unavailable(String),
    /// Our lease ran out and another invocation claimed the event before we completed it.
    #[error("claim was taken over by another invocation")]
    ClaimLost,
}

/// Storage for claims; see the crate documentation. Implemented for DynamoDB and in memory.
pub trait ClaimStore: Send + Sync {
    /// One conditional write: succeeds when no item exists, the item has expired, or it
    /// is an in-progress claim whose lease has run out.
    fn claim(&self, claim: &Claim)
    -> impl Future<Output = Result<ClaimOutcome, StoreError>> + Send;

    /// Marks the event completed, if `claim` still holds it.
    fn complete(&self, claim: &Claim) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Deletes the claim, if `claim` still holds it and it is in progress.
    fn release(&self, claim: &Claim) -> impl Future<Output = Result<(), StoreError>> + Send;
}

impl<T: ClaimStore> ClaimStore for std::sync::Arc<T> {
    fn claim(
        &self,
        claim: &Claim,
    ) -> impl Future<Output = Result<ClaimOutcome, StoreError>> + Send {
        (**self).claim(claim)
    }
    fn complete(&self, claim: &Claim) -> impl Future<Output = Result<(), StoreError>> + Send {
        (**self).complete(claim)
    }
    fn release(&self, claim: &Claim) -> impl Future<Output = Result<(), StoreError>> + Send {
        (**self).release(claim)
    }
}
