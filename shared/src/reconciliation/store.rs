//! What a reconciler keeps in the events table: its claims on order states (on the same
//! state marks the deliveries write, so a state is enqueued once between the two paths)
//! and, per order, the state it last reconciled through.
//!
//! A state mark is `<prefix>state:<state key>`. A delivery's says `marked_by = delivery`
//! with its event's claim (`content_key`); a reconciler's says `marked_by =
//! reconciliation` with a claim of its own (`status`, `claim_token`,
//! `lease_expires_at`). A reconciler may recover a state when there is no mark, when the
//! mark has expired, when another run's claim on it has run out of lease, or when the
//! delivery that marked it never completed (its send failed, or it died on the way):
//! then it takes the mark over, on condition it is still that delivery's.

use std::collections::HashMap;
use std::future::Future;

use crate::pipeline::ports::store::StoreError;

/// One run's claim on a state: a claim (the claims crate's record: token, lease, expiry)
/// whose key is the state mark's (`state_mark_key`). Completed and released as any claim.
pub type StateClaim = brokerhooks_claims::Claim;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StateClaimOutcome {
    /// This run recovers the state: send it, then complete the claim.
    Claimed,
    /// A delivery or an earlier run enqueued the state.
    Delivered,
    /// A delivery or another run is on it now: left to them (and to the next run).
    InFlight,
}

/// An order's checkpoint: `<prefix>order:<order id>`.
pub fn checkpoint_key(key_prefix: &str, order_id: &str) -> String {
    format!("{key_prefix}order:{order_id}")
}

/// The reconciler's items; implemented for DynamoDB and in memory.
pub trait ReconcileStore: Send + Sync {
    /// The checkpoints of `keys` that exist: key → the state key the order was
    /// reconciled through.
    fn checkpoints(
        &self,
        keys: &[String],
        now: i64,
    ) -> impl Future<Output = Result<HashMap<String, String>, StoreError>> + Send;

    /// Records that the order was reconciled through state `through`.
    fn set_checkpoint(
        &self,
        key: &str,
        through: &str,
        expires_at: i64,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Claims a state for recovery (see the module documentation for when it may).
    fn claim_state(
        &self,
        claim: &StateClaim,
    ) -> impl Future<Output = Result<StateClaimOutcome, StoreError>> + Send;

    /// Marks the claimed state enqueued, if our claim still holds it.
    fn complete_state(
        &self,
        claim: &StateClaim,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Deletes our claim on the state, so the next run may recover it.
    fn release_state(
        &self,
        claim: &StateClaim,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
}

impl<T: ReconcileStore> ReconcileStore for std::sync::Arc<T> {
    fn checkpoints(
        &self,
        keys: &[String],
        now: i64,
    ) -> impl Future<Output = Result<HashMap<String, String>, StoreError>> + Send {
        (**self).checkpoints(keys, now)
    }
    fn set_checkpoint(
        &self,
        key: &str,
        through: &str,
        expires_at: i64,
    ) -> impl Future<Output = Result<(), StoreError>> + Send {
        (**self).set_checkpoint(key, through, expires_at)
    }
    fn claim_state(
        &self,
        claim: &StateClaim,
    ) -> impl Future<Output = Result<StateClaimOutcome, StoreError>> + Send {
        (**self).claim_state(claim)
    }
    fn complete_state(
        &self,
        claim: &StateClaim,
    ) -> impl Future<Output = Result<(), StoreError>> + Send {
        (**self).complete_state(claim)
    }
    fn release_state(
        &self,
        claim: &StateClaim,
    ) -> impl Future<Output = Result<(), StoreError>> + Send {
        (**self).release_state(claim)
    }
}

/// The sessions a reconciler may use.
pub trait SessionStore: Send + Sync {
    /// Every session not expired at `now` (epoch seconds).
    fn sessions(
        &self,
        now: i64,
    ) -> impl Future<Output = Result<Vec<super::record::Session>, StoreError>> + Send;
}

/// A state mark as a claim finds it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExistingMark<'a> {
    /// A run's claim.
    Reconciliation {
        status: Option<&'a str>,
        token: Option<&'a str>,
        lease_expires_at: Option<i64>,
        expires_at: i64,
    },
    /// A delivery's mark, with its event's claim.
    Delivery {
        content_key: &'a str,
        expires_at: i64,
    },
}

/// What to do about an existing mark: the one rule, for every store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MarkDecision {
    /// Write our claim over it (it expired, or a run's lease ran out).
    Overwrite,
    /// Settled: the outcome.
    Settled(StateClaimOutcome),
    /// A delivery marked it: its event's claim (`content_key`) tells whether it reached
    /// the queue ([`delivery_decision`]).
    AskDelivery(String),
}

/// The rule for a mark that exists; `None` (no mark) may always be written.
pub fn mark_decision(existing: &ExistingMark<'_>, claim: &StateClaim) -> MarkDecision {
    match *existing {
        ExistingMark::Reconciliation { expires_at, .. }
        | ExistingMark::Delivery { expires_at, .. }
            if expires_at <= claim.now =>
        {
            MarkDecision::Overwrite
        }
        ExistingMark::Reconciliation {
            status,
            token,
            lease_expires_at,
            ..
        } => {
            if status == Some(crate::pipeline::ports::store::STATUS_ENQUEUED) {
                MarkDecision::Settled(StateClaimOutcome::Delivered)
            } else if token == Some(claim.token.as_str()) {
                // Our own write landed and only its answer was lost.
                MarkDecision::Settled(StateClaimOutcome::Claimed)
            } else if lease_expires_at.is_some_and(|at| at <= claim.now) {
                MarkDecision::Overwrite
            } else {
                MarkDecision::Settled(StateClaimOutcome::InFlight)
            }
        }
        ExistingMark::Delivery { content_key, .. } => {
            MarkDecision::AskDelivery(content_key.to_owned())
        }
    }
}

/// Whether the delivery that marked a state reached the queue, from its event's claim
/// (`status`, `lease_expires_at`; `None` when the claim is gone): enqueued is delivered,
/// a lease still running is in flight, anything else (released after a failed send,
/// its invocation died, expired) leaves the state to recover: take the mark over.
pub fn delivery_decision(
    content: Option<(Option<&str>, Option<i64>)>,
    now: i64,
) -> Option<StateClaimOutcome> {
    match content {
        Some((Some(status), _)) if status == crate::pipeline::ports::store::STATUS_ENQUEUED => {
            Some(StateClaimOutcome::Delivered)
        }
        Some((_, Some(lease))) if lease > now => Some(StateClaimOutcome::InFlight),
        _ => None,
    }
}
