//! Claiming every distinct event at once: one conditional write each.

use futures_util::future::join_all;
use time::OffsetDateTime;

use super::prepare::Prepared;
use crate::config::PipelineSettings;
use crate::pipeline::audit::Audit;
use crate::pipeline::envelope::{EventDraft, OutgoingMessage};
use crate::pipeline::origin::Origin;
use crate::pipeline::ports::store::{
    Claim, ClaimOutcome, ClaimStore, IdempotencyStore, new_claim_token,
};
use crate::pipeline::retention;
use crate::pipeline::tally::Tally;

/// One event this invocation claimed, with its message ready to send.
pub struct Claimed<'a> {
    pub draft: &'a EventDraft,
    pub claim: Claim,
    pub message: OutgoingMessage,
}

/// Claims each prepared event. Duplicates, events in flight elsewhere and failed claims
/// are counted and go no further.
pub async fn claim<'a, S: IdempotencyStore>(
    store: &S,
    settings: &PipelineSettings,
    origin: &Origin,
    prepared: Vec<Prepared<'a>>,
    now: OffsetDateTime,
    tally: &mut Tally,
    audit: &mut Audit,
) -> Vec<Claimed<'a>> {
    let now_s = now.unix_timestamp();
    let claims: Vec<Claim> = prepared
        .iter()
        .map(|(draft, _)| Claim {
            key: origin.event_key(&draft.id),
            token: new_claim_token(),
            now: now_s,
            lease_expires_at: now_s + settings.claim_lease.as_secs() as i64,
            // Outlives every instant at which freshness could still accept the event.
            expires_at: retention::kept_until(now, draft.signed_at, settings.dedupe_ttl),
        })
        .collect();
    let outcomes = join_all(claims.iter().map(|claim| store.claims().claim(claim))).await;
    let mut claimed = Vec::new();
    for (((draft, message), claim), outcome) in prepared.into_iter().zip(claims).zip(outcomes) {
        match outcome {
            Ok(ClaimOutcome::Claimed) => claimed.push(Claimed {
                draft,
                claim,
                message,
            }),
            Ok(ClaimOutcome::AlreadyCompleted) => {
                audit.event(draft, "duplicate");
                tally.duplicates += 1;
            }
            Ok(ClaimOutcome::InProgress) => {
                audit.event(draft, "in_progress");
                tally.in_progress += 1;
            }
            Err(error) => {
                tracing::error!(provider = origin.name(), event_id = %draft.id, error = %error, "claim failed");
                audit.event(draft, "failed");
                tally.failed += 1;
            }
        }
    }
    claimed
}
