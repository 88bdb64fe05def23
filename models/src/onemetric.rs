//! OneMetric webhook events. Envelope `type` = `event_type.sub_type`, or `event_type`
//! alone for an event without `sub_type` (`NEWS_ALERT`).
//!
//! OneMetric publishes two documents that disagree (timestamp format, sub-types, `user`);
//! this model reads both.

use std::fmt;

use rust_decimal::Decimal;
use serde::{Deserialize, Deserializer};
use serde_json::Value;
use time::macros::format_description;
use time::{OffsetDateTime, PrimitiveDateTime};

use crate::exact_decimal;
#[cfg(feature = "schema")]
use crate::exact_decimal::DecimalSchema;

use crate::payload_error::ModelMismatch;

/// What [`crate::TypedEvent::OneMetric`] holds.
pub type Event = OneMetricEvent;

/// Every documented `event_type.sub_type` pair reads as a [`OneMetricEvent`]; others have
/// no model.
pub fn route(event_type: &str, payload: &str) -> Option<Result<Event, ModelMismatch>> {
    OneMetricEventKind::from_envelope_type(event_type)
        .map(|_| serde_json::from_str(payload).map_err(ModelMismatch::of("OneMetricEvent")))
}

/// This provider's JSON Schema files.
#[cfg(feature = "schema")]
pub fn schemas() -> Vec<crate::schema::file::SchemaFile> {
    use crate::schema::file::SchemaFile;
    vec![SchemaFile::of::<OneMetricEvent>("onemetric-event.json")]
}

/// One event. Tolerant: unknown fields are ignored; `sub_type`, `details` and `user` may
/// be absent or null (market and news alerts carry no user).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct OneMetricEvent {
    pub event_type: String,
    #[serde(default)]
    pub sub_type: Option<String>,
    /// `YYYY-MM-DD HH:MM:SS` (UTC) or ISO 8601 with `Z`; `time()` reads both.
    /// Not signed.
    pub time_stamp: String,
    #[serde(default)]
    pub details: Option<OneMetricDetails>,
    #[serde(default)]
    pub user: Option<OneMetricUser>,
}

impl OneMetricEvent {
    /// The documented kind this event is, or `None` for one OneMetric added later.
    pub fn kind(&self) -> Option<OneMetricEventKind> {
        OneMetricEventKind::from_pair(&self.event_type, self.sub_type.as_deref())
    }

    /// `time_stamp` as an instant, in either documented format.
    pub fn time(&self) -> Option<OffsetDateTime> {
        parse_time_stamp(&self.time_stamp)
    }
}

/// `YYYY-MM-DD HH:MM:SS` read as UTC, or RFC 3339.
pub fn parse_time_stamp(text: &str) -> Option<OffsetDateTime> {
    let plain = format_description!("[year]-[month]-[day] [hour]:[minute]:[second]");
    PrimitiveDateTime::parse(text, plain)
        .map(PrimitiveDateTime::assume_utc)
        .or_else(|_| OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339))
        .ok()
}

macro_rules! kinds {
    ($($variant:ident => ($event_type:literal, $sub_type:expr),)*) => {
        /// The `event_type` / `sub_type` pairs OneMetric documents (both documents).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum OneMetricEventKind {
            $($variant,)*
        }

        impl OneMetricEventKind {
            pub const ALL: &[OneMetricEventKind] = &[$(OneMetricEventKind::$variant,)*];

            /// `(event_type, sub_type)` as OneMetric writes them.
            pub const fn pair(self) -> (&'static str, Option<&'static str>) {
                match self {
                    $(OneMetricEventKind::$variant => ($event_type, $sub_type),)*
                }
            }
        }
    };
}

kinds! {
    PriceAlert => ("MARKET_GENERATED_ALERT", Some("PRICE_ALERT")),
    VolumeAlert => ("MARKET_GENERATED_ALERT", Some("VOLUME_ALERT")),
    PreviousHighAlert => ("MARKET_GENERATED_ALERT", Some("MARKET_PREV_HIGH_ALERT")),
    RsiOversold => ("MARKET_GENERATED_ALERT", Some("RSI_OVERSOLD")),
    RsiOverbought => ("MARKET_GENERATED_ALERT", Some("RSI_OVERBOUGHT")),
    Average20Alert => ("MARKET_GENERATED_ALERT", Some("MARKET_AVG_20_ALERT")),
    Average50Alert => ("MARKET_GENERATED_ALERT", Some("MARKET_AVG_50_ALERT")),
    NewsAlert => ("NEWS_ALERT", None),
    Login => ("USER_ACTIVITY", Some("LOGIN")),
    Logout => ("USER_ACTIVITY", Some("LOGOUT")),
    NewPurchase => ("TRANSACTION", Some("NEW_PURCHASE")),
    Refund => ("TRANSACTION", Some("REFUND")),
    StockAdded => ("STOCK_WATCHLIST", Some("STOCK_ADDED")),
    StockRemoved => ("STOCK_WATCHLIST", Some("STOCK_REMOVED")),
    ProfileDetailsUpdated => ("USER_PROFILE", Some("DETAILS_UPDATED")),
}

impl OneMetricEventKind {
    pub fn from_pair(event_type: &str, sub_type: Option<&str>) -> Option<Self> {
        Self::ALL
            .iter()
            .copied()
            .find(|kind| kind.pair() == (event_type, sub_type))
    }

    /// The envelope `type`: `event_type.sub_type`, or `event_type` without a sub-type.
    pub fn envelope_type(self) -> String {
        match self.pair() {
            (event_type, Some(sub_type)) => format!("{event_type}.{sub_type}"),
            (event_type, None) => event_type.to_owned(),
        }
    }

    /// The kind an envelope `type` names; `None` for a type this version does not know.
    pub fn from_envelope_type(envelope_type: &str) -> Option<Self> {
        Self::ALL
            .iter()
            .copied()
            .find(|kind| kind.envelope_type() == envelope_type)
    }
}

/// The `details` fields OneMetric documents, all optional (which ones appear depends on
/// the kind). Prices, volumes and amounts are exact decimals.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct OneMetricDetails {
    /// Market alerts and watchlists.
    #[serde(default)]
    pub symbol: Option<String>,
    /// Last traded price.
    #[serde(default, deserialize_with = "exact_decimal::optional")]
    #[cfg_attr(feature = "schema", schemars(with = "Option<DecimalSchema>"))]
    pub ltp: Option<Decimal>,
    #[serde(default, deserialize_with = "exact_decimal::optional")]
    #[cfg_attr(feature = "schema", schemars(with = "Option<DecimalSchema>"))]
    pub close: Option<Decimal>,
    #[serde(default, deserialize_with = "exact_decimal::optional")]
    #[cfg_attr(feature = "schema", schemars(with = "Option<DecimalSchema>"))]
    pub high: Option<Decimal>,
    #[serde(default, deserialize_with = "exact_decimal::optional")]
    #[cfg_attr(feature = "schema", schemars(with = "Option<DecimalSchema>"))]
    pub low: Option<Decimal>,
    #[serde(default, deserialize_with = "exact_decimal::optional")]
    #[cfg_attr(feature = "schema", schemars(with = "Option<DecimalSchema>"))]
    pub volume: Option<Decimal>,
    #[serde(default, deserialize_with = "exact_decimal::optional")]
    #[cfg_attr(feature = "schema", schemars(with = "Option<DecimalSchema>"))]
    pub alert_threshold: Option<Decimal>,
    #[serde(default, deserialize_with = "exact_decimal::optional")]
    #[cfg_attr(feature = "schema", schemars(with = "Option<DecimalSchema>"))]
    pub price_change_percentage: Option<Decimal>,
    /// Watchlist events.
    #[serde(default)]
    pub watchlist_name: Option<String>,
    /// Transaction events.
    #[serde(default)]
    pub transaction_id: Option<String>,
    #[serde(default)]
    pub plan: Option<String>,
    #[serde(default, deserialize_with = "exact_decimal::optional")]
    #[cfg_attr(feature = "schema", schemars(with = "Option<DecimalSchema>"))]
    pub amount: Option<Decimal>,
    #[serde(default)]
    pub currency: Option<String>,
    #[serde(default)]
    pub reason: Option<String>,
    /// Profile events: names of the fields that changed.
    #[serde(default)]
    pub updated_fields: Option<Vec<String>>,
}

/// The user an event is about. `Debug` shows the id only: name and email are personal
/// data and must not end up in logs by accident.
#[derive(Clone, PartialEq, Eq, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct OneMetricUser {
    /// A string in OneMetric's examples; a number is read as its decimal text.
    #[serde(default, deserialize_with = "string_or_number")]
    #[cfg_attr(feature = "schema", schemars(with = "Option<IdSchema>"))]
    pub id: Option<String>,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
}

impl fmt::Debug for OneMetricUser {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OneMetricUser")
            .field("id", &self.id)
            .field("name", &self.name.as_ref().map(|_| "<redacted>"))
            .field("email", &self.email.as_ref().map(|_| "<redacted>"))
            .finish()
    }
}

// Only for the JSON Schema.
/// A string, or a number read as its decimal text.
#[cfg(feature = "schema")]
#[derive(schemars::JsonSchema)]
#[schemars(untagged, rename = "StringOrNumber")]
#[allow(dead_code)]
enum IdSchema {
    Text(String),
    Number(i64),
}

/// Strings as they are, numbers as their JSON text; other values (or `""`) are `None`.
fn string_or_number<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<String>, D::Error> {
    Ok(match Option::<Value>::deserialize(deserializer)? {
        Some(Value::String(s)) if !s.is_empty() => Some(s),
        Some(Value::Number(n)) => Some(n.to_string()),
        _ => None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn both_documents_time_stamps_read() {
        assert_eq!(
            parse_time_stamp("2024-10-01 10:20:00"),
            Some(datetime!(2024-10-01 10:20:00 UTC))
        );
        assert_eq!(
            parse_time_stamp("2024-10-01T10:20:00Z"),
            Some(datetime!(2024-10-01 10:20:00 UTC))
        );
        assert_eq!(parse_time_stamp("01/10/2024 10:20"), None);
    }

    #[test]
    fn kinds_round_trip_through_the_envelope_type() {
        for kind in OneMetricEventKind::ALL {
            let (event_type, sub_type) = kind.pair();
            assert_eq!(
                OneMetricEventKind::from_envelope_type(&kind.envelope_type()),
                Some(*kind)
            );
            assert_eq!(
                OneMetricEventKind::from_pair(event_type, sub_type),
                Some(*kind)
            );
        }
        assert_eq!(OneMetricEventKind::NewsAlert.envelope_type(), "NEWS_ALERT");
        assert_eq!(
            OneMetricEventKind::from_envelope_type("MARKET_GENERATED_ALERT"),
            None
        );
    }

    #[test]
    fn the_second_documents_news_alert_reads() {
        let event: OneMetricEvent = serde_json::from_str(
            r#"{"event_type":"NEWS_ALERT","time_stamp":"2024-10-01T10:20:00Z","details":{"symbol":"ABC","high":31,"low":29}}"#,
        )
        .unwrap();
        assert_eq!(event.kind(), Some(OneMetricEventKind::NewsAlert));
        assert_eq!(event.time(), Some(datetime!(2024-10-01 10:20:00 UTC)));
        let details = event.details.unwrap();
        assert_eq!(details.high.unwrap().to_string(), "31");
        assert_eq!(event.user, None);
    }

    #[test]
    fn user_debug_hides_name_and_email() {
        let user: OneMetricUser = serde_json::from_str(
            r#"{"id":42,"name":"Jane Smith","email":"janesmith@example.com"}"#,
        )
        .unwrap();
        assert_eq!(user.id.as_deref(), Some("42"));
        let debug = format!("{user:?}");
        assert!(
            !debug.contains("Jane") && !debug.contains("janesmith"),
            "{debug}"
        );
        assert!(debug.contains("<redacted>"), "{debug}");
    }
}
