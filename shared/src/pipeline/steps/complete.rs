//! Closing each claim: marked enqueued once its message is on the queue, released when
//! the send failed. The retry policy of both writes is the claims crate's
//! ([`brokerhooks_claims::completion`]).

use brokerhooks_claims::completion::{complete_within, release_within};
use futures_util::future::join_all;
use tokio::time::Instant;

use super::claim::Claimed;
use crate::pipeline::audit::Audit;
use crate::pipeline::origin::Origin;
use crate::pipeline::ports::queue::QueueError;
use crate::pipeline::ports::store::IdempotencyStore;
use crate::pipeline::tally::Tally;

/// Marks each sent event enqueued (retrying until `answer_by`) and releases the claim of
/// each event whose send failed; counts accepted and failed events.
pub async fn complete<S: IdempotencyStore>(
    store: &S,
    origin: &Origin,
    claimed: &[Claimed<'_>],
    sent: Vec<Result<(), QueueError>>,
    answer_by: Instant,
    tally: &mut Tally,
    audit: &mut Audit,
) {
    let closings = claimed.iter().zip(sent).map(|(event, result)| async move {
        let draft = event.draft;
        match result {
            Ok(()) => {
                // The message is on the queue, so the delivery counts as accepted
                // whatever the completion does; see README "At-least-once corner".
                complete_within(store.claims(), &event.claim, answer_by)
                    .await
                    .log(origin.name(), &draft.id);
                true
            }
            Err(error) => {
                tracing::error!(provider = origin.name(), event_id = %draft.id, error = %error, "enqueue failed; releasing claim");
                if let Err(release_error) =
                    release_within(store.claims(), &event.claim, answer_by).await
                {
                    tracing::warn!(provider = origin.name(), event_id = %draft.id, error = %release_error, "release failed; the lease will expire");
                }
                false
            }
        }
    });
    for (accepted, event) in join_all(closings).await.into_iter().zip(claimed) {
        if !accepted {
            audit.event(event.draft, "failed");
            tally.failed += 1;
        } else {
            // Its fallback, if any, is in the audit: authentic but not as documented,
            // delivered anyway, the drift visible in the delivery's line.
            audit.event(event.draft, "accepted");
            tally.accepted += 1;
            if !event.draft.fallback.is_empty() {
                tally.unparsed += 1;
            }
        }
    }
}
