//! The claim rule, once: what an existing item means for a new claim. The in-memory store
//! applies it whole; the DynamoDB store writes its condition as a conditional put
//! ([`WRITE_CONDITION`]) and reads the item DynamoDB returns on a failed condition with
//! it, so both stores decide alike.

use crate::{Claim, ClaimOutcome, STATUS_IN_PROGRESS};

/// An item as a claim sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Existing<'a> {
    pub status: Option<&'a str>,
    pub token: Option<&'a str>,
    /// `None` when the item has no lease (a completed one).
    pub lease_expires_at: Option<i64>,
    pub expires_at: Option<i64>,
}

/// The DynamoDB condition equivalent to [`may_overwrite`]: no item, an expired one, or
/// an in-progress claim whose lease has run out (`:now` and `:in_progress` bound by the
/// caller). Expiry is checked here because TTL deletion lags by up to two days.
pub const WRITE_CONDITION: &str = "attribute_not_exists(pk) OR expires_at <= :now \
     OR (#status = :in_progress AND lease_expires_at <= :now)";

/// Whether `claim` may replace `existing`: it has expired, or it is an in-progress claim
/// whose lease has run out.
pub fn may_overwrite(existing: &Existing<'_>, claim: &Claim) -> bool {
    let expired = existing.expires_at.is_some_and(|at| at <= claim.now);
    let lease_over = existing.status == Some(STATUS_IN_PROGRESS)
        && existing.lease_expires_at.is_some_and(|at| at <= claim.now);
    expired || lease_over
}

/// What an item that `claim` may not replace means: a duplicate when its work completed
/// (`completed` is the store's completed status), the claim itself when it carries our
/// token (our own write succeeded and only its answer was lost, then retried), else work
/// in flight elsewhere.
pub fn outcome_of_existing(
    existing: &Existing<'_>,
    claim: &Claim,
    completed: &str,
) -> ClaimOutcome {
    if existing.status == Some(completed) {
        ClaimOutcome::AlreadyCompleted
    } else if existing.token == Some(claim.token.as_str()) {
        ClaimOutcome::Claimed
    } else {
        ClaimOutcome::InProgress
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claim(token: &str, now: i64) -> Claim {
        Claim {
            key: "p#e".to_owned(),
            token: token.to_owned(),
            now,
            lease_expires_at: now + 30,
            expires_at: now + 3600,
        }
    }

    fn item<'a>(status: &'a str, token: &'a str, lease: Option<i64>, expires: i64) -> Existing<'a> {
        Existing {
            status: Some(status),
            token: Some(token),
            lease_expires_at: lease,
            expires_at: Some(expires),
        }
    }

    #[test]
    fn an_item_is_replaced_only_when_expired_or_its_lease_ran_out() {
        let ours = claim("t", 1_000);
        assert!(may_overwrite(&item("ENQUEUED", "x", None, 1_000), &ours));
        assert!(!may_overwrite(&item("ENQUEUED", "x", None, 1_001), &ours));
        assert!(may_overwrite(
            &item(STATUS_IN_PROGRESS, "x", Some(1_000), 9_999),
            &ours
        ));
        assert!(!may_overwrite(
            &item(STATUS_IN_PROGRESS, "x", Some(1_001), 9_999),
            &ours
        ));
        // A completed item keeps no lease: only its expiry frees it.
        assert!(!may_overwrite(
            &item("ENQUEUED", "x", Some(1), 9_999),
            &ours
        ));
    }

    #[test]
    fn existing_items_are_read_correctly() {
        let ours = claim("t", 1_000);
        let read = |status, token| {
            let existing = Existing {
                status,
                token,
                lease_expires_at: None,
                expires_at: None,
            };
            outcome_of_existing(&existing, &ours, "ENQUEUED")
        };
        assert_eq!(
            read(Some("ENQUEUED"), Some("t")),
            ClaimOutcome::AlreadyCompleted
        );
        assert_eq!(
            read(Some(STATUS_IN_PROGRESS), Some("t")),
            ClaimOutcome::Claimed
        );
        assert_eq!(
            read(Some(STATUS_IN_PROGRESS), Some("other")),
            ClaimOutcome::InProgress
        );
        assert_eq!(read(None, None), ClaimOutcome::InProgress);
        // Another store's completed status is not ours: that item is not a duplicate.
        assert_eq!(
            read(Some(crate::STATUS_COMPLETED), Some("other")),
            ClaimOutcome::InProgress
        );
    }
}
