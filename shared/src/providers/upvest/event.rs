//! Upvest webhook events, for consumers reading `Envelope::payload`
//! (`envelope.payload_as::<UpvestEvent>()`).
//!
//! Tolerant: unknown fields are ignored, optional fields may be absent or null, and the
//! event `type` is an open set: known categories are named, others pass through.

use std::fmt;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer, Serialize};

/// One event of a delivery's `payload` array.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UpvestEvent {
    pub id: String,
    #[serde(rename = "type")]
    pub event_type: EventType,
    /// RFC 3339.
    #[serde(default)]
    pub created_at: Option<String>,
    /// The full resource the event is about.
    #[serde(default)]
    pub object: serde_json::Value,
    /// The subscription that delivered it.
    #[serde(default)]
    pub webhook_id: Option<String>,
}

impl UpvestEvent {
    /// The resource as a model, e.g. [`Order`] for ORDER events.
    pub fn object_as<T: DeserializeOwned>(&self) -> Result<T, serde_json::Error> {
        T::deserialize(&self.object)
    }
}

/// An event type such as `ORDER.FILLED`: `CATEGORY.ACTION`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct EventType(String);

impl EventType {
    pub fn new(text: impl Into<String>) -> Self {
        EventType(text.into())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The part before the first `.`.
    pub fn category(&self) -> EventCategory {
        EventCategory::parse(self.0.split_once('.').map_or(self.0.as_str(), |(c, _)| c))
    }

    /// The part after the first `.` (`FILLED` in `ORDER.FILLED`); empty when there is none.
    pub fn action(&self) -> &str {
        self.0.split_once('.').map_or("", |(_, a)| a)
    }
}

impl fmt::Display for EventType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

macro_rules! categories {
    ($($variant:ident => $text:literal,)*) => {
        /// The resource category of an event type; `Other` keeps unknown ones.
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        pub enum EventCategory {
            $($variant,)*
            Other(String),
        }

        impl EventCategory {
            pub fn parse(text: &str) -> Self {
                match text {
                    $($text => EventCategory::$variant,)*
                    other => EventCategory::Other(other.to_owned()),
                }
            }

            pub fn as_str(&self) -> &str {
                match self {
                    $(EventCategory::$variant => $text,)*
                    EventCategory::Other(other) => other,
                }
            }
        }
    };
}

categories! {
    Account => "ACCOUNT",
    AccountGroup => "ACCOUNT_GROUP",
    AccountLiquidation => "ACCOUNT_LIQUIDATION",
    AccountReturns => "ACCOUNT_RETURNS",
    AccountTransfer => "ACCOUNT_TRANSFER",
    AccountValuation => "ACCOUNT_VALUATION",
    Business => "BUSINESS",
    BusinessCheck => "BUSINESS_CHECK",
    CashBalance => "CASH_BALANCE",
    CashTransaction => "CASH_TRANSACTION",
    CorporateAction => "CORPORATE_ACTION",
    CreditFunding => "CREDIT_FUNDING",
    DirectDebit => "DIRECT_DEBIT",
    Execution => "EXECUTION",
    FeeCollection => "FEE_COLLECTION",
    Instrument => "INSTRUMENT",
    IntradayAccountValuation => "INTRADAY_ACCOUNT_VALUATION",
    Order => "ORDER",
    OrderCancellation => "ORDER_CANCELLATION",
    User => "USER",
}

/// A decimal amount as Upvest sends it (a string such as `"100.00"`); a JSON number is
/// accepted too and kept as its text, so no precision is lost either way.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct DecimalText(pub String);

impl<'de> Deserialize<'de> for DecimalText {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Wire {
            Text(String),
            Number(serde_json::Number),
        }
        Ok(match Wire::deserialize(deserializer)? {
            Wire::Text(text) => DecimalText(text),
            Wire::Number(number) => DecimalText(number.to_string()),
        })
    }
}

/// The `object` of ORDER events.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Order {
    pub id: String,
    #[serde(default)]
    pub created_at: Option<String>,
    #[serde(default)]
    pub updated_at: Option<String>,
    #[serde(default)]
    pub user_id: Option<String>,
    #[serde(default)]
    pub account_group_id: Option<String>,
    #[serde(default)]
    pub account_id: Option<String>,
    #[serde(default)]
    pub instrument_id: Option<String>,
    #[serde(default)]
    pub instrument_id_type: Option<String>,
    /// BUY or SELL.
    #[serde(default)]
    pub side: Option<String>,
    #[serde(default)]
    pub order_type: Option<String>,
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub cash_amount: Option<DecimalText>,
    #[serde(default)]
    pub quantity: Option<DecimalText>,
    #[serde(default)]
    pub filled_quantity: Option<DecimalText>,
    #[serde(default)]
    pub fee: Option<DecimalText>,
    #[serde(default)]
    pub currency: Option<String>,
}

/// The `object` of EXECUTION events.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Execution {
    pub id: String,
    #[serde(default)]
    pub order_id: Option<String>,
    #[serde(default)]
    pub created_at: Option<String>,
    #[serde(default)]
    pub updated_at: Option<String>,
    #[serde(default)]
    pub user_id: Option<String>,
    #[serde(default)]
    pub account_id: Option<String>,
    #[serde(default)]
    pub instrument_id: Option<String>,
    #[serde(default)]
    pub side: Option<String>,
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub quantity: Option<DecimalText>,
    #[serde(default)]
    pub share_price: Option<DecimalText>,
    #[serde(default)]
    pub cash_amount: Option<DecimalText>,
    #[serde(default)]
    pub currency: Option<String>,
    #[serde(default)]
    pub transaction_date: Option<String>,
    #[serde(default)]
    pub settlement_date: Option<String>,
}
