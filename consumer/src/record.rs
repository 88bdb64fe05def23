//! What a handler receives for one SQS record: the envelope in its body, and what SQS
//! says about the message (the receiver's message attributes, how often it was received,
//! its message id), as Powertools hands a record handler the whole record.

use std::collections::BTreeMap;
use std::ops::Deref;

use aws_lambda_events::event::sqs::SqsMessage;
use brokerhooks_models::{Envelope, EventOrigin, FALLBACK_ATTRIBUTE, Fallback, ORIGIN_ATTRIBUTE};

/// The SQS system attribute counting the receives of a message.
pub const RECEIVE_COUNT_ATTRIBUTE: &str = "ApproximateReceiveCount";

/// One record: an [`Envelope`] (it dereferences to it: `record.typed()`, `record.id`)
/// plus the message's SQS context.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    pub envelope: Envelope,
    /// SQS's message id (what `batchItemFailures` names).
    pub message_id: String,
    /// How often SQS has handed this message out, this time included (1 on the first
    /// delivery; `ApproximateReceiveCount`). A record nearing the queue's
    /// `maxReceiveCount` goes to the dead-letter queue on its next failure.
    pub receive_count: u32,
    /// The string message attributes the receiver set: `provider`, `type`, `origin`, and
    /// `fallback` when it used stand-ins.
    pub attributes: BTreeMap<String, String>,
}

impl Record {
    pub(crate) fn new(envelope: Envelope, message: &SqsMessage) -> Self {
        let attributes = message
            .message_attributes
            .iter()
            .filter_map(|(name, attribute)| Some((name.clone(), attribute.string_value.clone()?)))
            .collect();
        Record {
            envelope,
            message_id: message.message_id.clone().unwrap_or_default(),
            receive_count: message
                .attributes
                .get(RECEIVE_COUNT_ATTRIBUTE)
                .and_then(|count| count.parse().ok())
                .unwrap_or(1),
            attributes,
        }
    }

    /// A string message attribute, e.g. `record.attribute("provider")`.
    pub fn attribute(&self, name: &str) -> Option<&str> {
        self.attributes.get(name).map(String::as_str)
    }

    /// The stand-ins the receiver used for this event (its `fallback` attribute, format
    /// drift: README, "Fallbacks"), in the documented order; empty for an event read as
    /// documented. A token this version does not know is left out.
    pub fn fallback(&self) -> Vec<Fallback> {
        self.attribute(FALLBACK_ATTRIBUTE)
            .map(|value| Fallback::parse_attribute(value).flatten().collect())
            .unwrap_or_default()
    }

    /// How the event reached the queue (its `origin` attribute): a provider's webhook, a
    /// Kite postback, or [`EventOrigin::Reconciliation`] for an order state a reconciler
    /// recovered from Kite's order book because its postback was lost (same payload
    /// shape: handle it alike). `None` for a message without the attribute or with a value
    /// this version does not know.
    pub fn origin(&self) -> Option<EventOrigin> {
        self.attribute(ORIGIN_ATTRIBUTE)
            .and_then(EventOrigin::parse)
    }
}

impl Deref for Record {
    type Target = Envelope;

    fn deref(&self) -> &Envelope {
        &self.envelope
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_record_carries_the_messages_context() {
        let message: SqsMessage = serde_json::from_value(json!({
            "messageId": "m-1", "body": "{}",
            "attributes": {"ApproximateReceiveCount": "3"},
            "messageAttributes": {
                "provider": {"dataType": "String", "stringValue": "kite"},
                "origin": {"dataType": "String", "stringValue": "reconciliation"},
                "fallback": {"dataType": "String", "stringValue": "occurred_at,signed_timestamp,later"},
                "blob": {"dataType": "Binary", "binaryValue": "AQI="},
            },
        }))
        .unwrap();
        let envelope: Envelope = serde_json::from_value(json!({
            "id": "e1", "provider": "kite", "type": "COMPLETE", "subject": "1",
            "occurred_at": "2026-11-20T03:45:02Z", "received_at": "2026-11-20T03:45:03Z",
            "payload": {}
        }))
        .unwrap();
        let record = Record::new(envelope, &message);
        assert_eq!(record.message_id, "m-1");
        assert_eq!(record.receive_count, 3);
        assert_eq!(record.attribute("provider"), Some("kite"));
        assert_eq!(record.attribute("blob"), None);
        assert_eq!(
            record.fallback(),
            [Fallback::OccurredAt, Fallback::SignedTimestamp]
        );
        assert_eq!(record.id, "e1");
        assert_eq!(record.origin(), Some(EventOrigin::Reconciliation));

        let bare: SqsMessage = serde_json::from_value(json!({"body": "{}"})).unwrap();
        let record = Record::new(record.envelope.clone(), &bare);
        assert_eq!((record.message_id.as_str(), record.receive_count), ("", 1));
        assert!(record.fallback().is_empty());
        assert_eq!(record.origin(), None);
    }
}
