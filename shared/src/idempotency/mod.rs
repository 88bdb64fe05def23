//! The idempotency store: claim an event before sending it, mark it enqueued after,
//! release the claim when the send fails; and, for providers that ask for it, bind a
//! signed text to one reading of it before claiming.
//!
//! One item per event, keyed `pk = "<provider>#<event id>"`:
//! `status` (`IN_PROGRESS` or `ENQUEUED`), `claim_token`, `lease_expires_at` and
//! `expires_at` (epoch seconds; also the table's TTL attribute). Expiry is checked in
//! the conditions, because TTL deletion lags by up to two days.
//!
//! One item per signature binding, keyed `pk = "<provider>#signed:<hex SHA-256 of the
//! signed text>"`: `kind` (how the signed text was read) and `expires_at`. Every key
//! starts with `<provider>#`, so IAM can confine each function to its own items.

mod dynamodb;
mod memory;
pub mod retention;

use std::future::Future;

pub use dynamodb::DynamoDbStore;
pub use memory::{MemoryStore, StoredBinding, StoredClaim};

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

/// One delivery's binding of a signed text to the way it was read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Binding {
    /// `<provider>#signed:<hex SHA-256 of the signed text>` ([`binding_key`]).
    pub key: String,
    /// How the verifier read the signed text (kind of message, fields); see
    /// [`crate::verification::SignatureBinding`].
    pub kind: String,
    /// Epoch seconds at binding time.
    pub now: i64,
    /// When (epoch seconds) the binding is forgotten ([`retention::kept_until`]).
    pub expires_at: i64,
}

/// The table key of a binding of a signed text (given as its hex SHA-256), under the
/// events' key prefix (`<provider>#`, see `crate::origin::Origin::key_prefix`).
pub fn binding_key(key_prefix: &str, signed_hex: &str) -> String {
    format!("{key_prefix}signed:{signed_hex}")
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BindingOutcome {
    /// First seen, seen before with the same kind, or the earlier binding had expired:
    /// the delivery may go on (its `expires_at` is now the one written).
    Bound,
    /// The signed text is bound to another kind until `until` (epoch seconds, when the
    /// store says): the delivery is refused.
    BoundToOtherKind { until: Option<i64> },
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StoreError {
    #[error("idempotency store unavailable: {0}")]
    Unavailable(String),
    /// The claim was taken over (our lease ran out) before we completed it.
    #[error("claim was taken over by another invocation")]
    ClaimLost,
}

/// Storage for event claims and signature bindings. Implemented for DynamoDB and in memory.
pub trait IdempotencyStore: Send + Sync {
    /// One conditional write: records `binding` unless its key is bound, unexpired, to
    /// another kind. Writing the same kind again succeeds (a redelivery), so a retried
    /// write whose first answer was lost is harmless.
    fn bind(
        &self,
        binding: &Binding,
    ) -> impl Future<Output = Result<BindingOutcome, StoreError>> + Send;

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
    fn bind(
        &self,
        binding: &Binding,
    ) -> impl Future<Output = Result<BindingOutcome, StoreError>> + Send {
        (**self).bind(binding)
    }
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
