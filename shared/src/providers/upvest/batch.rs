//! An authenticated Upvest body, `{"payload": [event, …]}`, split into one draft per event.

use serde::Deserialize;
use serde_json::Value;
use serde_json::value::RawValue;
use time::OffsetDateTime;

use crate::canonical_json::content_id;
use crate::envelope::EventDraft;
use crate::error::WebhookError;
use crate::pipeline::MAX_EVENT_ID_BYTES;
use crate::timestamps::parse_rfc3339;

/// Envelope `type` of an event that cannot be identified; it is still delivered.
pub const UNPARSED_TYPE: &str = "UNPARSED";
/// Envelope `subject` of such an event.
pub const UNPARSED_SUBJECT: &str = "unparsed";

/// Each event is kept as its raw bytes, so the envelope payload is exactly what Upvest sent.
#[derive(Deserialize)]
struct Batch {
    payload: Vec<Box<RawValue>>,
}

/// Splits the body. A body without a `payload` array is a 400; an event that cannot be
/// identified becomes an `UNPARSED` draft rather than failing the batch, because any
/// non-200 blocks every later delivery to the partner.
pub fn event_drafts(
    body: &[u8],
    received_at: OffsetDateTime,
) -> Result<Vec<EventDraft>, WebhookError> {
    // serde would also read a struct from a JSON array (`[[…]]` as `{"payload": […]}`):
    // only an object is a batch.
    if body.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{') {
        return Err(
            // `Value` (unlike `IgnoredAny`) enforces serde_json's nesting limit.
            match serde_json::from_slice::<Value>(body) {
                Ok(_) => WebhookError::bad_request("body has no payload array"),
                Err(_) => WebhookError::bad_request("body is not valid JSON"),
            },
        );
    }
    let batch: Batch = serde_json::from_slice(body).map_err(|e| {
        if e.is_data() {
            WebhookError::bad_request("body has no payload array")
        } else {
            WebhookError::bad_request("body is not valid JSON")
        }
    })?;
    Ok(batch
        .payload
        .into_iter()
        .enumerate()
        .map(|(position, raw)| event_draft(position, raw, received_at))
        .collect())
}

fn event_draft(position: usize, raw: Box<RawValue>, received_at: OffsetDateTime) -> EventDraft {
    // Already valid JSON; the fallback only keeps this total.
    let value: Value =
        serde_json::from_str(raw.get()).unwrap_or_else(|_| Value::String(raw.get().to_owned()));
    let text = |object: &Value, field: &str| -> Option<String> {
        object
            .get(field)
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
    };
    let id = text(&value, "id").filter(|id| id.len() <= MAX_EVENT_ID_BYTES);
    match (id, text(&value, "type")) {
        (Some(id), Some(event_type)) => EventDraft {
            // Without a resource id the event is its own FIFO group.
            subject: value
                .get("object")
                .and_then(|object| text(object, "id"))
                .unwrap_or_else(|| id.clone()),
            occurred_at: text(&value, "created_at")
                .and_then(|t| parse_rfc3339(&t))
                .unwrap_or(received_at),
            id,
            event_type,
            payload: raw,
            fallback: crate::fallback::Fallbacks::NONE,
        },
        _ => {
            let id = content_id(&value);
            tracing::warn!(provider = "upvest", event_id = %id, position, "event without id or type kept as UNPARSED");
            EventDraft {
                id,
                event_type: UNPARSED_TYPE.to_owned(),
                subject: UNPARSED_SUBJECT.to_owned(),
                occurred_at: received_at,
                payload: raw,
                fallback: crate::fallback::Fallbacks::NONE,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn only_an_object_is_a_batch() {
        let at = datetime!(2026-01-01 00:00:00 UTC);
        for body in [&b"[[]]"[..], b" [{\"id\":\"a\",\"type\":\"T\"}]", b"null"] {
            assert_eq!(
                event_drafts(body, at).map(|d| d.len()),
                Err(WebhookError::bad_request("body has no payload array")),
                "{}",
                String::from_utf8_lossy(body)
            );
        }
        let deep = "[".repeat(100_000) + &"]".repeat(100_000);
        assert_eq!(
            event_drafts(deep.as_bytes(), at).map(|d| d.len()),
            Err(WebhookError::bad_request("body is not valid JSON"))
        );
        assert_eq!(
            event_drafts(b" {\"payload\":[]}", at).map(|d| d.len()),
            Ok(0)
        );
    }
}
