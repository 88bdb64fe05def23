//! Marking the order states the claimed events report (providers whose own record a
//! reconciler reads: Kite), so that a state is enqueued once between the two paths.
//!
//! One conditional write per claimed event that reports a recoverable state. A state a
//! reconciler already recovered makes the event a duplicate: it is not sent, and its
//! claim is completed so a replay is one too. The write is best effort within the time the
//! invocation can spare before the send: an unmarked event is delivered all the same (a
//! reconciler may then deliver its state again, under another id: at least once, never
//! lost).

use brokerhooks_claims::completion::complete_within;
use futures_util::future::join_all;
use tokio::time::Instant;

use super::claim::Claimed;
use crate::pipeline::audit::Audit;
use crate::pipeline::origin::Origin;
use crate::pipeline::ports::store::{
    IdempotencyStore, StateMark, StateMarkOutcome, state_mark_key,
};
use crate::pipeline::tally::Tally;

/// The claimed events to send: those whose state no reconciler has recovered.
pub async fn mark<'a, S: IdempotencyStore>(
    store: &S,
    origin: &Origin,
    claimed: Vec<Claimed<'a>>,
    mark_by: Instant,
    answer_by: Instant,
    tally: &mut Tally,
    audit: &mut Audit,
) -> Vec<Claimed<'a>> {
    let outcomes = join_all(claimed.iter().map(|event| async move {
        let state_key = event.draft.state_key.as_deref()?;
        let mark = StateMark {
            key: state_mark_key(origin.key_prefix(), state_key),
            content_key: event.claim.key.clone(),
            now: event.claim.now,
            expires_at: event.claim.expires_at,
        };
        Some(
            match tokio::time::timeout_at(mark_by, store.mark_state(&mark)).await {
                Ok(Ok(outcome)) => Ok(outcome),
                Ok(Err(error)) => Err(error.to_string()),
                Err(_) => Err("not answered in time".to_owned()),
            },
        )
    }))
    .await;
    let mut to_send = Vec::with_capacity(claimed.len());
    for (event, outcome) in claimed.into_iter().zip(outcomes) {
        match outcome {
            Some(Ok(StateMarkOutcome::Reconciled)) => {
                // Delivered already, by the reconciler: complete our claim as a duplicate.
                complete_within(store.claims(), &event.claim, answer_by)
                    .await
                    .log(origin.name(), &event.draft.id);
                audit.event(event.draft, "duplicate");
                tally.duplicates += 1;
            }
            Some(Err(error)) => {
                tracing::warn!(provider = origin.name(), event_id = %event.draft.id, error = %error, "state not marked; delivering anyway");
                to_send.push(event);
            }
            Some(Ok(_)) | None => to_send.push(event),
        }
    }
    to_send
}
