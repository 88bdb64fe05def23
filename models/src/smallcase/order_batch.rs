use rust_decimal::Decimal;
use serde::Deserialize;

use crate::exact_decimal;
#[cfg(feature = "schema")]
use crate::exact_decimal::DecimalSchema;

/// A securities (stock or basket) order batch webhook, envelope type `SECURITIES_ORDER`.
///
/// Sent when a batch is placed and again on each batch status change, so several per
/// `transactionId` are normal. smallcase advises against relying on the batch `status`
/// (PLACED, COMPLETED, MARKEDCOMPLETE, UNPLACED, …): use each order's `status` and
/// `filled_quantity`. Tolerant: unknown fields are ignored, absent or null fields are
/// `None`. The `checksum` is not modelled (verified by the receiver; kept out of logs).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct OrderBatch {
    pub batch_id: String,
    pub transaction_id: String,
    pub smallcase_auth_id: String,
    /// ISO 8601 UTC with milliseconds, as signed.
    pub timestamp: String,
    #[serde(default)]
    pub status: Option<String>,
    /// `regular` or `amo`.
    #[serde(default)]
    pub variety: Option<String>,
    #[serde(default, deserialize_with = "exact_decimal::optional")]
    #[cfg_attr(feature = "schema", schemars(with = "Option<DecimalSchema>"))]
    pub buy_amount: Option<Decimal>,
    #[serde(default, deserialize_with = "exact_decimal::optional")]
    #[cfg_attr(feature = "schema", schemars(with = "Option<DecimalSchema>"))]
    pub sell_amount: Option<Decimal>,
    /// smallcase does not say whether this counts the batch's orders or sums their
    /// quantities (every sample order has quantity 1): a decimal either way.
    #[serde(default, deserialize_with = "exact_decimal::optional")]
    #[cfg_attr(feature = "schema", schemars(with = "Option<DecimalSchema>"))]
    pub quantity: Option<Decimal>,
    /// As `quantity`, for what was filled.
    #[serde(default, deserialize_with = "exact_decimal::optional")]
    #[cfg_attr(feature = "schema", schemars(with = "Option<DecimalSchema>"))]
    pub filled: Option<Decimal>,
    /// Only on final batch states.
    #[serde(default)]
    pub completed_date: Option<String>,
    /// Orders that reached the broker.
    #[serde(default)]
    pub orders: Option<Vec<SecurityOrder>>,
    /// Orders that could not be placed (status ERROR, with `error_code`).
    #[serde(default)]
    pub unplaced: Option<Vec<SecurityOrder>>,
    /// e.g. `kite-leprechaun`, `groww`, `iifl`.
    #[serde(default)]
    pub broker: Option<String>,
}

/// One order of a batch, in `orders` or `unplaced`. The fields after `trigger_price`
/// appear once the order is final.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct SecurityOrder {
    /// PLACED, COMPLETE, CANCELLED, ERROR, …
    #[serde(default)]
    pub status: Option<String>,
    /// May be fractional.
    #[serde(default, deserialize_with = "exact_decimal::optional")]
    #[cfg_attr(feature = "schema", schemars(with = "Option<DecimalSchema>"))]
    pub quantity: Option<Decimal>,
    #[serde(default)]
    pub tradingsymbol: Option<String>,
    /// BUY or SELL.
    #[serde(default)]
    pub transaction_type: Option<String>,
    #[serde(default)]
    pub exchange: Option<String>,
    /// MARKET, LIMIT, SL, SLM.
    #[serde(default)]
    pub order_type: Option<String>,
    #[serde(default)]
    pub product: Option<String>,
    #[serde(default)]
    pub error_code: Option<String>,
    #[serde(default)]
    pub status_message: Option<String>,
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
    pub filled_quantity: Option<Decimal>,
    #[serde(default)]
    pub exchange_order_id: Option<String>,
    /// Labelled `Z` but observed 5h30 behind the batch timestamp (IST wall-clock time):
    /// do not trust its zone.
    #[serde(default)]
    pub order_timestamp: Option<String>,
}
