//! The queue message: one per distinct event.
//!
//! ```
//! use brokerhooks_models::{Envelope, TypedEvent};
//!
//! let body = r#"{"id":"e1","provider":"kite","type":"COMPLETE","subject":"220303000308932",
//!   "occurred_at":"2022-03-03T03:54:25Z","received_at":"2022-03-03T03:54:26Z",
//!   "payload":{"order_id":"220303000308932","order_timestamp":"2022-03-03 09:24:25",
//!              "status":"COMPLETE","average_price":376.35}}"#;
//! let envelope: Envelope = serde_json::from_str(body).unwrap();
//! match envelope.typed().unwrap() {
//!     TypedEvent::Kite(postback) => {
//!         assert_eq!(postback.average_price.unwrap().to_string(), "376.35");
//!     }
//!     other => panic!("{other:?}"),
//! }
//! ```

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::fallback::UNPARSED_TYPE;
use crate::raw_json::RawJson;

/// A brokerhooks queue message body. The receiver writes exactly these seven keys; a
/// reader ignores any other, so a consumer keeps working when a later receiver adds one
/// (a missing key is an error). `payload` is the provider's event JSON, kept as its
/// original text so decimals read exactly.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Envelope {
    /// The provider's own event id (Upvest `id`, SnapTrade `webhookId`), else the hex
    /// SHA-256 of the event's canonical JSON. The same for every redelivery.
    pub id: String,
    /// `kite`, `smallcase`, `snaptrade`, `upvest`, `onemetric`, or a name this version
    /// does not know.
    pub provider: String,
    /// The provider's event type, or `UNPARSED` when none could be read.
    #[serde(rename = "type")]
    pub event_type: String,
    /// The entity the event is about (FIFO message group), or `unknown`.
    pub subject: String,
    /// When the event happened, by the provider's documented timestamp, else the
    /// receive time.
    #[serde(with = "time::serde::rfc3339")]
    #[cfg_attr(
        feature = "schema",
        schemars(with = "String", extend("format" = "date-time"))
    )]
    pub occurred_at: OffsetDateTime,
    /// When the receiver got the delivery.
    #[serde(with = "time::serde::rfc3339")]
    #[cfg_attr(
        feature = "schema",
        schemars(with = "String", extend("format" = "date-time"))
    )]
    pub received_at: OffsetDateTime,
    /// The provider's event JSON, unchanged (characters SQS refuses are `\u` escapes).
    pub payload: RawJson,
}

impl Envelope {
    /// Parses the payload text into a provider model, e.g. `KitePostback`. The typed
    /// entry point over every provider is `typed()` ([`crate::TypedEvent`]).
    pub fn payload_as<T: DeserializeOwned>(&self) -> Result<T, serde_json::Error> {
        self.payload.parse()
    }

    /// Whether the receiver could read no type (`type` is [`UNPARSED_TYPE`]).
    pub fn is_unparsed(&self) -> bool {
        self.event_type == UNPARSED_TYPE
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    const BODY: &str = r#"{"id":"abc","provider":"kite","type":"COMPLETE","subject":"42","occurred_at":"2022-03-03T03:54:25Z","received_at":"2022-03-03T03:54:26.5Z","payload":{"b":1.50, "a":"x"}}"#;

    #[test]
    fn reads_the_seven_keys_and_keeps_the_payload_text() {
        let envelope: Envelope = serde_json::from_str(BODY).unwrap();
        assert_eq!(envelope.id, "abc");
        assert_eq!(envelope.event_type, "COMPLETE");
        assert_eq!(envelope.occurred_at, datetime!(2022-03-03 03:54:25 UTC));
        assert_eq!(envelope.received_at, datetime!(2022-03-03 03:54:26.5 UTC));
        assert_eq!(envelope.payload.get(), r#"{"b":1.50, "a":"x"}"#);
        assert!(!envelope.is_unparsed());
        // The payload goes back out byte for byte.
        let again = serde_json::to_string(&envelope).unwrap();
        assert!(
            again.ends_with(r#","payload":{"b":1.50, "a":"x"}}"#),
            "{again}"
        );
        assert_eq!(serde_json::from_str::<Envelope>(&again).unwrap(), envelope);
    }

    #[test]
    fn an_eighth_key_is_ignored_and_a_missing_one_is_an_error() {
        let extra = BODY.replacen(r#"{"id""#, r#"{"extra":{"a":[1]},"id""#, 1);
        assert_eq!(
            serde_json::from_str::<Envelope>(&extra).unwrap(),
            serde_json::from_str::<Envelope>(BODY).unwrap()
        );
        let missing = BODY.replacen(r#""subject":"42","#, "", 1);
        assert!(serde_json::from_str::<Envelope>(&missing).is_err());
    }

    #[test]
    fn debug_does_not_print_the_payload() {
        let envelope: Envelope = serde_json::from_str(BODY).unwrap();
        let debug = format!("{envelope:?}");
        assert!(debug.contains("RawJson(<19 bytes>)"), "{debug}");
        assert!(!debug.contains("1.50"), "{debug}");
    }
}
