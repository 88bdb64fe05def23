//! Kite Connect order postbacks. Envelope `type` = `status`, an open set; every status
//! reads as a [`KitePostback`].

use rust_decimal::Decimal;
use serde::Deserialize;
use serde_json::{Map, Value};

use crate::exact_decimal;
#[cfg(feature = "schema")]
use crate::exact_decimal::DecimalSchema;

use crate::payload_error::ModelMismatch;

/// What [`crate::TypedEvent::Kite`] holds.
pub type Event = KitePostback;

/// Every Kite status (an open set) reads as a postback.
pub fn route(_event_type: &str, payload: &str) -> Option<Result<Event, ModelMismatch>> {
    Some(serde_json::from_str(payload).map_err(ModelMismatch::of("KitePostback")))
}

/// This provider's JSON Schema files.
#[cfg(feature = "schema")]
pub fn schemas() -> Vec<crate::schema::file::SchemaFile> {
    use crate::schema::file::SchemaFile;
    vec![SchemaFile::of::<KitePostback>("kite-postback.json")]
}

/// One order postback: sent on every order status change (partial fills and
/// modifications arrive as `UPDATE`; duplicates of a status happen).
///
/// Tolerant: unknown fields are ignored and every field but the three the checksum and
/// the envelope rest on may be absent or `null`. Quantities and prices are exact
/// decimals whether Kite writes `470` or `376.35`, and quantities may be fractional.
/// The `checksum` is not modelled: the receiver verified it, and it has no place in logs.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct KitePostback {
    pub order_id: String,
    /// `YYYY-MM-DD HH:MM:SS`, no zone (Indian time).
    pub order_timestamp: String,
    /// COMPLETE, UPDATE, CANCELLED, REJECTED, OPEN, TRIGGER PENDING, …
    pub status: String,
    #[serde(default)]
    pub user_id: Option<String>,
    #[serde(default)]
    pub app_id: Option<i64>,
    #[serde(default)]
    pub placed_by: Option<String>,
    /// `null` until the order reaches the exchange.
    #[serde(default)]
    pub exchange_order_id: Option<String>,
    #[serde(default)]
    pub parent_order_id: Option<String>,
    #[serde(default)]
    pub status_message: Option<String>,
    #[serde(default)]
    pub status_message_raw: Option<String>,
    #[serde(default)]
    pub exchange_update_timestamp: Option<String>,
    #[serde(default)]
    pub exchange_timestamp: Option<String>,
    #[serde(default)]
    pub variety: Option<String>,
    #[serde(default)]
    pub exchange: Option<String>,
    #[serde(default)]
    pub tradingsymbol: Option<String>,
    #[serde(default)]
    pub instrument_token: Option<i64>,
    #[serde(default)]
    pub order_type: Option<String>,
    /// BUY or SELL.
    #[serde(default)]
    pub transaction_type: Option<String>,
    #[serde(default)]
    pub validity: Option<String>,
    #[serde(default)]
    pub product: Option<String>,
    #[serde(default, deserialize_with = "exact_decimal::optional")]
    #[cfg_attr(feature = "schema", schemars(with = "Option<DecimalSchema>"))]
    pub quantity: Option<Decimal>,
    #[serde(default, deserialize_with = "exact_decimal::optional")]
    #[cfg_attr(feature = "schema", schemars(with = "Option<DecimalSchema>"))]
    pub disclosed_quantity: Option<Decimal>,
    #[serde(default, deserialize_with = "exact_decimal::optional")]
    #[cfg_attr(feature = "schema", schemars(with = "Option<DecimalSchema>"))]
    pub filled_quantity: Option<Decimal>,
    #[serde(default, deserialize_with = "exact_decimal::optional")]
    #[cfg_attr(feature = "schema", schemars(with = "Option<DecimalSchema>"))]
    pub pending_quantity: Option<Decimal>,
    #[serde(default, deserialize_with = "exact_decimal::optional")]
    #[cfg_attr(feature = "schema", schemars(with = "Option<DecimalSchema>"))]
    pub cancelled_quantity: Option<Decimal>,
    #[serde(default, deserialize_with = "exact_decimal::optional")]
    #[cfg_attr(feature = "schema", schemars(with = "Option<DecimalSchema>"))]
    pub unfilled_quantity: Option<Decimal>,
    #[serde(default, deserialize_with = "exact_decimal::optional")]
    #[cfg_attr(feature = "schema", schemars(with = "Option<DecimalSchema>"))]
    pub price: Option<Decimal>,
    #[serde(default, deserialize_with = "exact_decimal::optional")]
    #[cfg_attr(feature = "schema", schemars(with = "Option<DecimalSchema>"))]
    pub trigger_price: Option<Decimal>,
    #[serde(default, deserialize_with = "exact_decimal::optional")]
    #[cfg_attr(feature = "schema", schemars(with = "Option<DecimalSchema>"))]
    pub average_price: Option<Decimal>,
    #[serde(default, deserialize_with = "exact_decimal::optional")]
    #[cfg_attr(feature = "schema", schemars(with = "Option<DecimalSchema>"))]
    pub market_protection: Option<Decimal>,
    #[serde(default)]
    pub meta: Option<KiteMeta>,
    #[serde(default)]
    pub tag: Option<String>,
    #[serde(default)]
    pub guid: Option<String>,
}

/// `meta`: an object in current postbacks, a string in some older ones. Free-form (no
/// money in it), so an object is kept as a `serde_json` map.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(untagged)]
pub enum KiteMeta {
    Object(Map<String, Value>),
    Text(String),
}
