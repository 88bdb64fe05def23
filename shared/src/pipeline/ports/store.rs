//! The idempotency store: claim an event before sending it, mark it enqueued after,
//! release the claim when the send fails (the claims of `brokerhooks-claims`, completed
//! as `ENQUEUED`); and, for providers that ask for it, bind a signed text to one reading
//! of it before claiming.
//!
//! One item per event, keyed `pk = "<provider>#<event id>"`:
//! `status` (`IN_PROGRESS` or `ENQUEUED`), `claim_token`, `lease_expires_at` and
//! `expires_at` (epoch seconds; also the table's TTL attribute). Expiry is checked in
//! the conditions, because TTL deletion lags by up to two days.
//!
//! One item per signature binding, keyed `pk = "<provider>#signed:<hex SHA-256 of the
//! signed text>"`: `kind` (how the signed text was read) and `expires_at`. Every key
//! starts with `<provider>#`, so IAM can confine each function to its own items.

use std::future::Future;

pub use brokerhooks_claims::{
    Claim, ClaimOutcome, ClaimStore, STATUS_IN_PROGRESS, StoreError, StoredClaim, new_claim_token,
};

/// The status of an event's item once its message is on the queue (the claims' completed
/// status).
pub const STATUS_ENQUEUED: &str = "ENQUEUED";

/// One delivery's binding of a signed text to the way it was read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Binding {
    /// `<provider>#signed:<hex SHA-256 of the signed text>` ([`binding_key`]).
    pub key: String,
    /// How the verifier read the signed text (kind of message, fields); see
    /// [`crate::pipeline::SignedReading`].
    pub kind: String,
    /// Epoch seconds at binding time.
    pub now: i64,
    /// When (epoch seconds) the binding is forgotten ([`retention::kept_until`]).
    pub expires_at: i64,
}

/// The table key of a binding of a signed text (given as its hex SHA-256), under the
/// events' key prefix (`<provider>#`, see `crate::pipeline::origin::Origin::key_prefix`).
pub fn binding_key(key_prefix: &str, signed_hex: &str) -> String {
    format!("{key_prefix}signed:{signed_hex}")
}

/// The key of an order state's mark: `<prefix>state:<state key>`, one item per state a
/// provider's own record can prove (`EventDraft::state_key`), shared by the deliveries
/// and the reconciler of that provider.
pub fn state_mark_key(key_prefix: &str, state_key: &str) -> String {
    format!("{key_prefix}state:{state_key}")
}

/// `marked_by` of a mark a delivery wrote (with `content_key`, its event's claim).
pub const MARKED_BY_DELIVERY: &str = "delivery";
/// `marked_by` of a mark a reconciler wrote (with a claim's `status`, `claim_token` and
/// `lease_expires_at`).
pub const MARKED_BY_RECONCILIATION: &str = "reconciliation";

/// A delivered event's mark on the state it reports, so that a reconciler does not
/// deliver that state again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StateMark {
    /// [`state_mark_key`].
    pub key: String,
    /// The event's own claim: a reconciler checks it was completed.
    pub content_key: String,
    /// Epoch seconds now.
    pub now: i64,
    /// As the event's claim.
    pub expires_at: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StateMarkOutcome {
    /// This delivery is the first to report the state.
    Marked,
    /// Another delivery of the state (the same state with other content, such as Kite's
    /// repeated CANCEL postbacks) marked it first: this one is delivered too.
    MarkedByAnotherDelivery,
    /// A reconciler recovered the state (or is recovering it) from the provider's own
    /// record: this delivery is a duplicate.
    Reconciled,
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

/// The receiver's store: event claims plus signature bindings, in one table.
/// Implemented for DynamoDB and in memory.
pub trait IdempotencyStore: Send + Sync {
    /// The event claims, completed as [`STATUS_ENQUEUED`].
    type Claims: ClaimStore;

    fn claims(&self) -> &Self::Claims;

    /// One conditional write: records `binding` unless its key is bound, unexpired, to
    /// another kind. Writing the same kind again succeeds (a redelivery), so a retried
    /// write whose first answer was lost is harmless.
    fn bind(
        &self,
        binding: &Binding,
    ) -> impl Future<Output = Result<BindingOutcome, StoreError>> + Send;

    /// One conditional write: marks the state unless a mark exists (unexpired), and says
    /// who marked it.
    fn mark_state(
        &self,
        mark: &StateMark,
    ) -> impl Future<Output = Result<StateMarkOutcome, StoreError>> + Send;
}

impl<T: IdempotencyStore> IdempotencyStore for std::sync::Arc<T> {
    type Claims = T::Claims;

    fn claims(&self) -> &T::Claims {
        (**self).claims()
    }
    fn bind(
        &self,
        binding: &Binding,
    ) -> impl Future<Output = Result<BindingOutcome, StoreError>> + Send {
        (**self).bind(binding)
    }
    fn mark_state(
        &self,
        mark: &StateMark,
    ) -> impl Future<Output = Result<StateMarkOutcome, StoreError>> + Send {
        (**self).mark_state(mark)
    }
}
