use serde::{Deserialize, Serialize};

/// A Kite Connect order postback, for consumers reading `Envelope::payload`.
///
/// Tolerant: unknown fields are ignored and every field that samples show as null or
/// absent is optional. `status` is an open set (COMPLETE, UPDATE, CANCELLED, REJECTED,
/// OPEN, TRIGGER PENDING, …).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KitePostback {
    pub order_id: String,
    pub order_timestamp: String,
    pub status: String,
    #[serde(default)]
    pub user_id: Option<String>,
    #[serde(default)]
    pub app_id: Option<i64>,
    #[serde(default)]
    pub checksum: Option<String>,
    #[serde(default)]
    pub placed_by: Option<String>,
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
    #[serde(default)]
    pub transaction_type: Option<String>,
    #[serde(default)]
    pub validity: Option<String>,
    #[serde(default)]
    pub product: Option<String>,
    #[serde(default)]
    pub quantity: Option<i64>,
    #[serde(default)]
    pub disclosed_quantity: Option<i64>,
    #[serde(default)]
    pub filled_quantity: Option<i64>,
    #[serde(default)]
    pub pending_quantity: Option<i64>,
    #[serde(default)]
    pub cancelled_quantity: Option<i64>,
    #[serde(default)]
    pub unfilled_quantity: Option<i64>,
    #[serde(default)]
    pub price: Option<f64>,
    #[serde(default)]
    pub trigger_price: Option<f64>,
    #[serde(default)]
    pub average_price: Option<f64>,
    #[serde(default)]
    pub market_protection: Option<f64>,
    /// An object in current postbacks; a string in some older clients.
    #[serde(default)]
    pub meta: Option<serde_json::Value>,
    #[serde(default)]
    pub tag: Option<String>,
    #[serde(default)]
    pub guid: Option<String>,
}
