//! SnapTrade webhook payloads, for consumers reading `Envelope::payload`
//! (`envelope.payload_as::<SnapTradeWebhook>()`).
//!
//! One struct for both schemas: the API-key schema (`clientId`, `brokerageAuthorizationId`)
//! and the OAuth-app schema (`schemaVersion: "oauth_v1"`, `oauthClientId`, `connectionId`).
//! Tolerant: unknown fields are ignored and every field may be absent or null. The
//! deprecated `webhookSecret` field is deliberately not modelled, so it cannot leak
//! through a `Debug` print of a parsed payload.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The `schemaVersion` of OAuth-app payloads.
pub const OAUTH_SCHEMA_VERSION: &str = "oauth_v1";

/// One webhook notification.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SnapTradeWebhook {
    /// `oauth_v1` for OAuth-app payloads; absent in the API-key schema.
    #[serde(default)]
    pub schema_version: Option<String>,
    #[serde(default)]
    pub webhook_id: Option<String>,
    /// The id as SnapTrade's OpenAPI spells it; trade events carry both spellings, with
    /// different values (`webhookId` is the one the envelope uses).
    #[serde(default)]
    pub webook_id: Option<String>,
    /// API-key schema.
    #[serde(default)]
    pub client_id: Option<String>,
    /// OAuth-app schema: which of the customer's apps the notification targets.
    #[serde(default)]
    pub oauth_client_id: Option<String>,
    /// ISO 8601 with microseconds and offset, e.g. `2022-05-31T11:16:54.658533+00:00`.
    pub event_timestamp: String,
    /// API-key schema: your SnapTrade user id; OAuth schema: the Personal user's UUID.
    #[serde(default)]
    pub user_id: Option<String>,
    #[serde(flatten)]
    pub event: SnapTradeEvent,
}

impl SnapTradeWebhook {
    pub fn is_oauth(&self) -> bool {
        self.schema_version.as_deref() == Some(OAUTH_SCHEMA_VERSION)
    }
}

/// The `eventType` and the fields that come with it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "eventType", rename_all = "SCREAMING_SNAKE_CASE")]
pub enum SnapTradeEvent {
    UserRegistered,
    UserDeleted,
    ConnectionAttempted(ConnectionAttempt),
    ConnectionAdded(ConnectionRef),
    ConnectionDeleted(ConnectionRef),
    /// Also called "disabled" in SnapTrade's docs.
    ConnectionBroken(ConnectionRef),
    ConnectionFixed(ConnectionRef),
    ConnectionUpdated(ConnectionRef),
    ConnectionFailed(ConnectionRef),
    NewAccountAvailable(AccountRef),
    /// Once, after the first transactions sync of a new account.
    AccountTransactionsInitialUpdate(AccountRef),
    /// After a later sync found new transactions.
    AccountTransactionsUpdated(AccountRef),
    AccountRemoved(AccountRef),
    /// A holdings sync was attempted (sent even when it failed: see `details`).
    AccountHoldingsUpdated(HoldingsUpdate),
    /// Paid, per account: trades detected seconds after execution.
    TradeDetection(TradeActivity),
    /// Beta: status change of a trade placed through SnapTrade.
    TradeUpdate(TradeActivity),
    /// Older (removed from the docs in December 2025): new trades found by a poll.
    TradesPlaced(AccountRef),
    /// An event type this version does not know; the envelope's `type` names it and the
    /// payload is delivered unchanged.
    #[serde(other)]
    Unknown,
}

/// The brokerage connection an event is about.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConnectionRef {
    #[serde(default)]
    pub brokerage_id: Option<String>,
    /// API-key schema.
    #[serde(default)]
    pub brokerage_authorization_id: Option<String>,
    /// OAuth-app schema (replaces `brokerageAuthorizationId`).
    #[serde(default)]
    pub connection_id: Option<String>,
}

impl ConnectionRef {
    /// The connection id, whichever schema carried it.
    pub fn connection(&self) -> Option<&str> {
        self.brokerage_authorization_id
            .as_deref()
            .or(self.connection_id.as_deref())
    }
}

/// A connection attempt and its outcome.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConnectionAttempt {
    #[serde(flatten)]
    pub connection: ConnectionRef,
    #[serde(default)]
    pub connection_attempted_result: Option<ConnectionAttemptedResult>,
    /// OAuth-app payloads carry e.g. `{"sessionId": …}`.
    #[serde(default)]
    pub details: Option<Value>,
}

/// Documented values of `connectionAttemptedResult`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ConnectionAttemptedResult {
    Success,
    AuthExpired,
    InvalidAuthCode,
    AuthNotInProgress,
    DifferentAccount,
    UncaughtError,
    InvalidCredentials,
    InvalidMfaCode,
    NoData,
    /// A value this version does not know.
    #[serde(other)]
    Unknown,
}

/// The brokerage account an event is about, and its connection.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AccountRef {
    #[serde(default)]
    pub account_id: Option<String>,
    #[serde(flatten)]
    pub connection: ConnectionRef,
}

/// ACCOUNT_HOLDINGS_UPDATED.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct HoldingsUpdate {
    #[serde(flatten)]
    pub account: AccountRef,
    #[serde(default)]
    pub details: Option<HoldingsSyncDetails>,
}

/// Which parts of a holdings sync succeeded.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct HoldingsSyncDetails {
    #[serde(default)]
    pub total_value: Option<SyncOutcome>,
    #[serde(default)]
    pub positions: Option<SyncOutcome>,
    #[serde(default)]
    pub balances: Option<SyncOutcome>,
    #[serde(default)]
    pub orders: Option<SyncOutcome>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SyncOutcome {
    #[serde(default)]
    pub success: Option<bool>,
    /// Null on success; its shape on failure is not documented.
    #[serde(default)]
    pub error: Option<Value>,
}

/// TRADE_DETECTION and TRADE_UPDATE.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TradeActivity {
    #[serde(flatten)]
    pub account: AccountRef,
    #[serde(default)]
    pub details: Option<TradeDetails>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TradeDetails {
    #[serde(default)]
    pub orders: Option<Vec<TradeOrder>>,
    /// TRADE_DETECTION only.
    #[serde(default)]
    pub detection_lag_seconds: Option<f64>,
}

/// An order as the trade webhooks report it. Prices and quantities are decimal strings
/// (e.g. `"19.2000000000"`), kept as text so no precision is lost.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TradeOrder {
    #[serde(default)]
    pub legs: Option<Vec<TradeLeg>>,
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub order_role: Option<Value>,
    #[serde(default)]
    pub order_type: Option<String>,
    #[serde(default)]
    pub stop_price: Option<String>,
    #[serde(default)]
    pub limit_price: Option<String>,
    #[serde(default)]
    pub time_placed: Option<String>,
    #[serde(default)]
    pub time_executed: Option<String>,
    #[serde(default)]
    pub time_in_force: Option<String>,
    #[serde(default)]
    pub trailing_stop: Option<Value>,
    #[serde(default)]
    pub price_currency: Option<String>,
    #[serde(default)]
    pub execution_price: Option<String>,
    #[serde(default)]
    pub brokerage_order_id: Option<String>,
    #[serde(default)]
    pub brokerage_group_order_id: Option<Value>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TradeLeg {
    #[serde(default)]
    pub action: Option<String>,
    #[serde(default)]
    pub leg_id: Option<Value>,
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub instrument: Option<TradeInstrument>,
    #[serde(default)]
    pub total_quantity: Option<String>,
    #[serde(default)]
    pub execution_price: Option<String>,
    #[serde(default)]
    pub filled_quantity: Option<String>,
    #[serde(default)]
    pub canceled_quantity: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TradeInstrument {
    #[serde(default)]
    pub symbol: Option<String>,
    #[serde(default)]
    pub figi_code: Option<String>,
    #[serde(default)]
    pub asset_type: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub exchange_mic_code: Option<String>,
}
