//! An authenticated Upvest body, `{"payload": [event, …]}`, split into one draft per event.

use serde::Deserialize;
use serde_json::Value;
use serde_json::value::RawValue;
use time::OffsetDateTime;

use super::webhook_subscriptions::WebhookSubscriptions;
use crate::text::canonical_json::content_id;
use crate::pipeline::envelope::EventDraft;
use crate::pipeline::error::WebhookError;
use crate::pipeline::fallback::{Fallback, Fallbacks, UNKNOWN_SUBJECT, UNPARSED_TYPE};
use crate::pipeline::limits::MAX_EVENT_ID_BYTES;
use crate::text::timestamps::parse_rfc3339;

/// Each event is kept as its raw bytes, so the envelope payload is exactly what Upvest sent.
#[derive(Deserialize)]
struct Batch {
    payload: Vec<Box<RawValue>>,
}

/// Splits the body. A body without a `payload` array is a 400; an event whose fields
/// cannot be read is delivered with fallbacks rather than failing the batch, because
/// any non-200 blocks every later delivery to the partner. An event for a subscription
/// that is not ours refuses the whole delivery (401), so nothing of it is written.
pub fn event_drafts(
    body: &[u8],
    received_at: OffsetDateTime,
    subscriptions: &WebhookSubscriptions,
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
    batch
        .payload
        .into_iter()
        .map(|raw| {
            // Already valid JSON; the fallback only keeps this total.
            let value: Value = serde_json::from_str(raw.get())
                .unwrap_or_else(|_| Value::String(raw.get().to_owned()));
            if subscriptions.admits(&value) {
                Ok(event_draft(&value, raw, received_at))
            } else {
                Err(WebhookError::Unauthorized(
                    "event for another webhook subscription",
                ))
            }
        })
        .collect()
}

/// `id` (a non-empty string of at most [`MAX_EVENT_ID_BYTES`], else the content hash),
/// `type` (else `UNPARSED`), `subject` = `object.id` (else the event's own `id`, which is
/// documented and not a fallback, else `unknown`), `occurred_at` = `created_at` (else
/// the receive time). Every stand-in is recorded in `fallback`.
fn event_draft(value: &Value, raw: Box<RawValue>, received_at: OffsetDateTime) -> EventDraft {
    let text = |object: &Value, field: &str| -> Option<String> {
        object
            .get(field)
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
    };
    let mut fallback = Fallbacks::NONE;
    let own_id = text(value, "id").filter(|id| id.len() <= MAX_EVENT_ID_BYTES);
    let subject = value
        .get("object")
        .and_then(|object| text(object, "id"))
        .or_else(|| own_id.clone())
        .unwrap_or_else(|| {
            fallback.insert(Fallback::Subject);
            UNKNOWN_SUBJECT.to_owned()
        });
    let id = own_id.unwrap_or_else(|| {
        fallback.insert(Fallback::EventId);
        content_id(value)
    });
    let event_type = text(value, "type").unwrap_or_else(|| {
        fallback.insert(Fallback::EventType);
        UNPARSED_TYPE.to_owned()
    });
    let occurred_at = text(value, "created_at")
        .and_then(|t| parse_rfc3339(&t))
        .unwrap_or_else(|| {
            fallback.insert(Fallback::OccurredAt);
            received_at
        });
    EventDraft {
        id,
        event_type,
        subject,
        occurred_at,
        // The signature's `created`, per request: set by the verifier.
        signed_at: None,
        payload: raw,
        fallback,
        state_key: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn only_an_object_is_a_batch() {
        let at = datetime!(2026-01-01 00:00:00 UTC);
        let any = WebhookSubscriptions::any();
        for body in [&b"[[]]"[..], b" [{\"id\":\"a\",\"type\":\"T\"}]", b"null"] {
            assert_eq!(
                event_drafts(body, at, &any).map(|d| d.len()),
                Err(WebhookError::bad_request("body has no payload array")),
                "{}",
                String::from_utf8_lossy(body)
            );
        }
        let deep = "[".repeat(100_000) + &"]".repeat(100_000);
        assert_eq!(
            event_drafts(deep.as_bytes(), at, &any).map(|d| d.len()),
            Err(WebhookError::bad_request("body is not valid JSON"))
        );
        assert_eq!(
            event_drafts(b" {\"payload\":[]}", at, &any).map(|d| d.len()),
            Ok(0)
        );
    }

    #[test]
    fn each_field_falls_back_on_its_own() {
        let at = datetime!(2026-01-01 00:00:00 UTC);
        let body = r#"{"payload":[
            {"id":"e1","type":"ORDER.NEW","created_at":"2025-12-31T23:00:00Z","object":{"id":"o1"}},
            {"id":"e2","type":"USER.CREATED","created_at":"yesterday","object":{}},
            {"type":"ORDER.NEW","object":{"id":"o3"}},
            {"id":"e4","object":{"id":""}},
            {"id":42},
            "text"
        ]}"#;
        let drafts = event_drafts(body.as_bytes(), at, &WebhookSubscriptions::any()).unwrap();
        let summary: Vec<(String, &str, &str, OffsetDateTime, String)> = drafts
            .iter()
            .map(|d| {
                (
                    d.id.clone(),
                    d.event_type.as_str(),
                    d.subject.as_str(),
                    d.occurred_at,
                    d.fallback.to_string(),
                )
            })
            .collect();
        let hash = |text: &str| content_id(&serde_json::from_str::<Value>(text).unwrap());
        let expected = [
            (
                "e1".to_owned(),
                "ORDER.NEW",
                "o1",
                datetime!(2025-12-31 23:00:00 UTC),
                "",
            ),
            ("e2".to_owned(), "USER.CREATED", "e2", at, "occurred_at"),
            (
                hash(r#"{"type":"ORDER.NEW","object":{"id":"o3"}}"#),
                "ORDER.NEW",
                "o3",
                at,
                "id,occurred_at",
            ),
            ("e4".to_owned(), "UNPARSED", "e4", at, "type,occurred_at"),
            (
                hash(r#"{"id":42}"#),
                "UNPARSED",
                "unknown",
                at,
                "id,type,subject,occurred_at",
            ),
            (
                hash(r#""text""#),
                "UNPARSED",
                "unknown",
                at,
                "id,type,subject,occurred_at",
            ),
        ];
        assert_eq!(summary.len(), expected.len());
        for (index, (got, want)) in summary.iter().zip(expected).enumerate() {
            assert_eq!(
                got,
                &(want.0, want.1, want.2, want.3, want.4.to_owned()),
                "{index}"
            );
        }
    }

    #[test]
    fn an_event_for_another_subscription_refuses_the_delivery() {
        let at = datetime!(2026-01-01 00:00:00 UTC);
        let ours = WebhookSubscriptions::only(["w1"]);
        let body = |webhook: &str| {
            format!(
                r#"{{"payload":[{{"id":"e1","type":"T","webhook_id":"w1"}},{{"id":"e2","type":"T"{webhook}}},"x"]}}"#
            )
        };
        assert_eq!(
            event_drafts(body("").as_bytes(), at, &ours).map(|d| d.len()),
            Ok(3)
        );
        assert_eq!(
            event_drafts(body(r#","webhook_id":"w2""#).as_bytes(), at, &ours).map(|d| d.len()),
            Err(WebhookError::Unauthorized(
                "event for another webhook subscription"
            ))
        );
        assert_eq!(
            event_drafts(
                body(r#","webhook_id":"w2""#).as_bytes(),
                at,
                &WebhookSubscriptions::any()
            )
            .map(|d| d.len()),
            Ok(3)
        );
    }
}
