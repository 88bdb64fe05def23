//! Before anything is written: each event within the envelope's limits, each id once,
//! and each event's queue message built and held to SQS's size limit.

use std::collections::HashSet;

use time::OffsetDateTime;

use crate::pipeline::envelope::{EventDraft, EventOrigin, OutgoingMessage};
use crate::pipeline::error::WebhookError;
use crate::pipeline::limits::{SQS_MAX_MESSAGE_BYTES, is_usable_event_id};
use crate::pipeline::origin::Origin;
use crate::pipeline::tally::Tally;

/// An event with its queue message.
pub type Prepared<'a> = (&'a EventDraft, OutgoingMessage);

/// Keeps every draft's `type` and `subject` within the envelope's bounds (stand-ins and
/// fallbacks beyond them).
pub fn keep_within_limits(drafts: &mut [EventDraft]) {
    drafts.iter_mut().for_each(EventDraft::keep_within_limits);
}

/// The distinct events' messages (with `delivery_origin` as their `origin`), in delivery
/// order. A repeat inside the delivery counts
/// as a duplicate. One whose message SQS would refuse for its size is refused now (413),
/// before anything is written: each send, and so each retry, would fail the same way.
pub fn prepare<'a>(
    origin: &Origin,
    delivery_origin: EventOrigin,
    drafts: &'a [EventDraft],
    received_at: OffsetDateTime,
    tally: &mut Tally,
) -> Result<Vec<Prepared<'a>>, WebhookError> {
    distinct_events(origin, drafts, tally)
        .into_iter()
        .map(|draft| {
            let message = OutgoingMessage::new(origin.name(), delivery_origin, draft, received_at)
                // Unreachable for a payload that is valid JSON text.
                .map_err(|_| WebhookError::Unavailable)?;
            if message.sqs_bytes() > SQS_MAX_MESSAGE_BYTES {
                tracing::warn!(provider = origin.name(), event_id = %draft.id, message_bytes = message.sqs_bytes(), "event too large for the queue");
                let limit = SQS_MAX_MESSAGE_BYTES;
                return Err(WebhookError::EventTooLarge { limit });
            }
            Ok((draft, message))
        })
        .collect()
}

/// The delivery's events, each id once: a repeat inside the delivery is a duplicate.
fn distinct_events<'a>(
    origin: &Origin,
    drafts: &'a [EventDraft],
    tally: &mut Tally,
) -> Vec<&'a EventDraft> {
    let mut seen = HashSet::new();
    let mut distinct = Vec::with_capacity(drafts.len());
    for draft in drafts {
        if !is_usable_event_id(&draft.id) {
            // Unreachable: every provider falls back to the content hash. Should one ever
            // break that, the event is authentic, so it is not refused (a 400 would lose
            // it) but left unacknowledged: 503, the provider retries.
            tracing::error!(
                provider = origin.name(),
                id_bytes = draft.id.len(),
                "verifier produced an unusable event id"
            );
            tally.failed += 1;
        } else if seen.insert(draft.id.as_str()) {
            distinct.push(draft);
        } else {
            tally.duplicates += 1;
        }
    }
    distinct
}
