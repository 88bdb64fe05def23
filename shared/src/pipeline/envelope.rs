//! The normalized envelope: one queue message per distinct event.

use serde::Serialize;
use serde_json::value::RawValue;
use sha2::{Digest, Sha256};
use time::OffsetDateTime;

use crate::pipeline::fallback::{Fallback, Fallbacks, UNKNOWN_SUBJECT, UNPARSED_TYPE};
use crate::pipeline::limits::{MAX_EVENT_TYPE_BYTES, MAX_SUBJECT_BYTES};
use crate::text::sqs_text::{attribute_value, escape_for_sqs_body};
use crate::text::timestamps::format_rfc3339;

/// What a provider's verifier extracts from one event of a verified delivery.
#[derive(Debug, Clone)]
pub struct EventDraft {
    /// The provider's own event id, or the content-derived id (see `canonical_json`);
    /// always usable ([`crate::pipeline::limits::is_usable_event_id`]).
    pub id: String,
    pub event_type: String,
    /// The entity the event is about (order, transaction, account, user…).
    pub subject: String,
    pub occurred_at: OffsetDateTime,
    /// The time the signature covers, when there is one and it could be read (the
    /// freshness rule was applied to it). The event's claim is kept until every time at
    /// which that rule could still accept it has passed (`idempotency::retention`).
    pub signed_at: Option<OffsetDateTime>,
    /// The provider's event JSON, unchanged (SnapTrade: without its legacy `webhookSecret`).
    pub payload: Box<RawValue>,
    /// Envelope fields that could not be read and were given stand-in values.
    pub fallback: Fallbacks,
    /// For a provider whose own record can be reconciled (Kite's order book): the key of
    /// the state this event reports, shared with the reconciler, so that a state is
    /// enqueued once whichever path delivers it first (`providers::kite::order_state`).
    pub state_key: Option<String>,
}

impl EventDraft {
    /// A `type` or `subject` longer than the envelope carries is not read: it takes its
    /// stand-in and fallback, as an absent one does. Both go into the message body, its
    /// attributes (`type`) and the logs, so an unbounded one could push the message past
    /// SQS's limit and fail every retry.
    pub(crate) fn keep_within_limits(&mut self) {
        if self.event_type.len() > MAX_EVENT_TYPE_BYTES {
            self.event_type = UNPARSED_TYPE.to_owned();
            self.fallback.insert(Fallback::EventType);
        }
        if self.subject.len() > MAX_SUBJECT_BYTES {
            self.subject = UNKNOWN_SUBJECT.to_owned();
            self.fallback.insert(Fallback::Subject);
        }
    }
}

/// A queue message as downstream consumers read it: defined once, in the consumer-facing
/// models crate (the tests here check that what the pipeline writes parses as one).
pub use brokerhooks_models::Envelope;

/// The wire form: borrows the payload so its bytes go out exactly as received.
#[derive(Serialize)]
struct EnvelopeWire<'a> {
    id: &'a str,
    provider: &'a str,
    #[serde(rename = "type")]
    event_type: &'a str,
    subject: &'a str,
    occurred_at: String,
    received_at: String,
    payload: &'a RawValue,
}

pub use brokerhooks_models::{EventOrigin, ORIGIN_ATTRIBUTE};

/// A message ready for the queue. Only this crate builds these: the pipeline from
/// verified events, a reconciler from the provider's own record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutgoingMessage {
    pub(crate) provider: String,
    pub(crate) event_type: String,
    /// FIFO message group: provider + ":" + subject.
    pub(crate) group_id: String,
    /// FIFO deduplication id: hex SHA-256 of provider + ":" + event id.
    pub(crate) dedup_id: String,
    /// The `fallback` attribute: tokens of the stand-in fields, `None` when there are none.
    pub(crate) fallback: Option<String>,
    /// The `origin` attribute: how the event reached the queue (`webhook`, Kite's
    /// `postback`, `reconciliation`).
    pub(crate) origin: EventOrigin,
    /// The envelope JSON, with characters SQS refuses escaped (see `sqs_text`).
    pub(crate) body: String,
}

/// SQS limits a MessageGroupId to 128 characters of `[!-~]` (visible ASCII).
const MAX_GROUP_ID: usize = 128;

/// `provider:subject`, or `provider:` + hex SHA-256 of the subject when the subject would
/// make an id SQS refuses (too long, spaces, non-ASCII): a refused send would answer 503
/// on every retry and block the provider.
fn fifo_group_id(provider: &str, subject: &str) -> String {
    let plain = format!("{provider}:{subject}");
    if plain.len() <= MAX_GROUP_ID && plain.bytes().all(|b| b.is_ascii_graphic()) {
        plain
    } else {
        format!(
            "{provider}:{}",
            hex::encode(Sha256::digest(subject.as_bytes()))
        )
    }
}

impl OutgoingMessage {
    pub(crate) fn new(
        provider: &str,
        origin: EventOrigin,
        draft: &EventDraft,
        received_at: OffsetDateTime,
    ) -> Result<Self, serde_json::Error> {
        let body = serde_json::to_string(&EnvelopeWire {
            id: &draft.id,
            provider,
            event_type: &draft.event_type,
            subject: &draft.subject,
            occurred_at: format_rfc3339(draft.occurred_at),
            received_at: format_rfc3339(received_at),
            payload: &draft.payload,
        })?;
        let body = escape_for_sqs_body(body);
        Ok(OutgoingMessage {
            provider: provider.to_owned(),
            event_type: draft.event_type.clone(),
            group_id: fifo_group_id(provider, &draft.subject),
            dedup_id: hex::encode(Sha256::digest(format!("{provider}:{}", draft.id))),
            fallback: (!draft.fallback.is_empty()).then(|| draft.fallback.to_string()),
            origin,
            body,
        })
    }

    pub fn provider(&self) -> &str {
        &self.provider
    }
    pub fn event_type(&self) -> &str {
        &self.event_type
    }
    pub fn group_id(&self) -> &str {
        &self.group_id
    }
    pub fn dedup_id(&self) -> &str {
        &self.dedup_id
    }
    /// The `origin` message attribute.
    pub fn origin(&self) -> EventOrigin {
        self.origin
    }
    /// The `fallback` message attribute, when the event needed one.
    pub fn fallback(&self) -> Option<&str> {
        self.fallback.as_deref()
    }
    /// The envelope JSON: equal to what was received as JSON, not always byte for byte
    /// (characters SQS refuses are written as `\uXXXX` escapes).
    pub fn body(&self) -> &str {
        &self.body
    }

    /// The message attributes as SQS receives them: `provider`, `type`, `origin` and, when
    /// set, `fallback`, each value with the characters SQS refuses replaced (U+FFFD); an
    /// empty value, which SQS refuses, is left out.
    pub fn attributes(&self) -> impl Iterator<Item = (&'static str, std::borrow::Cow<'_, str>)> {
        [
            ("provider", Some(self.provider.as_str())),
            ("type", Some(self.event_type.as_str())),
            (ORIGIN_ATTRIBUTE, Some(self.origin.token())),
            (
                crate::pipeline::fallback::FALLBACK_ATTRIBUTE,
                self.fallback.as_deref(),
            ),
        ]
        .into_iter()
        .filter_map(|(name, value)| Some((name, attribute_value(value.filter(|v| !v.is_empty())?))))
    }

    /// What SQS counts against its message limit: the body, and each attribute's name,
    /// data type (`String`) and value.
    pub fn sqs_bytes(&self) -> usize {
        self.body.len()
            + self
                .attributes()
                .map(|(name, value)| name.len() + "String".len() + value.len())
                .sum::<usize>()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn group_ids_stay_within_what_sqs_accepts() {
        assert_eq!(
            fifo_group_id("kite", "220303000308932"),
            "kite:220303000308932"
        );
        let hashed = format!("onemetric:{}", hex::encode(Sha256::digest("NIFTY 50")));
        assert_eq!(fifo_group_id("onemetric", "NIFTY 50"), hashed);
        assert_eq!(
            fifo_group_id("upvest", &"a".repeat(200)).len(),
            "upvest:".len() + 64
        );
        assert!(fifo_group_id("x", "é").is_ascii());
        assert_eq!(
            fifo_group_id("p", &"b".repeat(126)),
            format!("p:{}", "b".repeat(126))
        );
    }

    #[test]
    fn wire_form_has_exactly_the_seven_keys_and_raw_payload() {
        let draft = EventDraft {
            id: "abc".to_owned(),
            event_type: "COMPLETE".to_owned(),
            subject: "42".to_owned(),
            occurred_at: datetime!(2022-03-03 03:54:25 UTC),
            signed_at: None,
            payload: RawValue::from_string(r#"{"b":1.50, "a":"x"}"#.to_owned()).unwrap(),
            fallback: Fallbacks::NONE,
            state_key: None,
        };
        let message = OutgoingMessage::new(
            "kite",
            EventOrigin::Postback,
            &draft,
            datetime!(2022-03-03 03:54:26.5 UTC),
        )
        .unwrap();
        assert_eq!(
            message.body(),
            r#"{"id":"abc","provider":"kite","type":"COMPLETE","subject":"42","occurred_at":"2022-03-03T03:54:25Z","received_at":"2022-03-03T03:54:26.5Z","payload":{"b":1.50, "a":"x"}}"#
        );
        assert_eq!(message.group_id(), "kite:42");
        assert_eq!(message.dedup_id(), hex::encode(Sha256::digest(b"kite:abc")));
        assert_eq!(message.fallback(), None);
        let parsed: Envelope = serde_json::from_str(message.body()).unwrap();
        assert_eq!(parsed.subject, "42");
        assert_eq!(parsed.occurred_at, datetime!(2022-03-03 03:54:25 UTC));
    }

    #[test]
    fn characters_sqs_refuses_are_escaped_in_payload_and_envelope_fields() {
        let payload = "{\"tag\":\"x\u{FFFF}\",\"n\":1.50}";
        let draft = EventDraft {
            id: "abc".to_owned(),
            event_type: "OPEN\u{FFFE}".to_owned(),
            subject: "42".to_owned(),
            occurred_at: datetime!(2022-03-03 03:54:25 UTC),
            signed_at: None,
            payload: RawValue::from_string(payload.to_owned()).unwrap(),
            fallback: Fallbacks::NONE,
            state_key: None,
        };
        let message = OutgoingMessage::new(
            "kite",
            EventOrigin::Postback,
            &draft,
            datetime!(2022-03-03 03:54:26 UTC),
        )
        .unwrap();
        assert_eq!(
            message.body(),
            r#"{"id":"abc","provider":"kite","type":"OPEN\uFFFE","subject":"42","occurred_at":"2022-03-03T03:54:25Z","received_at":"2022-03-03T03:54:26Z","payload":{"tag":"x\uFFFF","n":1.50}}"#
        );
        let parsed: Envelope = serde_json::from_str(message.body()).unwrap();
        assert_eq!(parsed.event_type, "OPEN\u{FFFE}");
        let received: serde_json::Value = serde_json::from_str(payload).unwrap();
        assert_eq!(
            parsed.payload.parse::<serde_json::Value>().unwrap(),
            received,
            "equal as JSON"
        );
    }

    #[test]
    fn a_type_or_subject_beyond_its_bound_takes_its_stand_in_and_fallback() {
        let draft = |event_type: usize, subject: usize| EventDraft {
            id: "abc".to_owned(),
            event_type: "T".repeat(event_type),
            subject: "s".repeat(subject),
            occurred_at: datetime!(2022-03-03 03:54:25 UTC),
            signed_at: None,
            payload: RawValue::from_string("{}".to_owned()).unwrap(),
            fallback: Fallbacks::NONE.with(Fallback::OccurredAt),
            state_key: None,
        };
        let mut within = draft(MAX_EVENT_TYPE_BYTES, MAX_SUBJECT_BYTES);
        within.keep_within_limits();
        assert_eq!(within.event_type.len(), MAX_EVENT_TYPE_BYTES);
        assert_eq!(within.subject.len(), MAX_SUBJECT_BYTES);
        assert_eq!(within.fallback.to_string(), "occurred_at");
        let mut beyond = draft(MAX_EVENT_TYPE_BYTES + 1, 100_000);
        beyond.keep_within_limits();
        assert_eq!(
            (beyond.event_type.as_str(), beyond.subject.as_str()),
            (UNPARSED_TYPE, UNKNOWN_SUBJECT)
        );
        assert_eq!(beyond.fallback.to_string(), "type,subject,occurred_at");
    }

    #[test]
    fn the_size_sqs_counts_is_the_body_and_every_attribute() {
        let draft = EventDraft {
            id: "abc".to_owned(),
            event_type: "OPEN\u{1}".to_owned(),
            subject: "42".to_owned(),
            occurred_at: datetime!(2022-03-03 03:54:25 UTC),
            signed_at: None,
            payload: RawValue::from_string("{}".to_owned()).unwrap(),
            fallback: Fallbacks::NONE.with(Fallback::Subject),
            state_key: None,
        };
        let message = OutgoingMessage::new(
            "kite",
            EventOrigin::Postback,
            &draft,
            datetime!(2022-03-03 03:54:26 UTC),
        )
        .unwrap();
        let attributes: Vec<(&str, String)> = message
            .attributes()
            .map(|(name, value)| (name, value.into_owned()))
            .collect();
        // The control character becomes U+FFFD (three bytes) in the attribute.
        assert_eq!(
            attributes,
            [
                ("provider", "kite".to_owned()),
                ("type", "OPEN\u{FFFD}".to_owned()),
                ("origin", "postback".to_owned()),
                ("fallback", "subject".to_owned())
            ]
        );
        let expected = message.body().len()
            + ("provider".len() + 6 + 4)
            + ("type".len() + 6 + 7)
            + ("origin".len() + 6 + 8)
            + ("fallback".len() + 6 + 7);
        assert_eq!(message.sqs_bytes(), expected);
    }
}
