//! SnapTrade webhooks. Envelope `type` = `eventType`.
//!
//! One model for both schemas: the API-key schema (`clientId`, `brokerageAuthorizationId`)
//! and the OAuth-app schema (`schemaVersion: "oauth_v1"`, `oauthClientId`, `connectionId`).
//! Tolerant: unknown fields are ignored and every field but `eventType` and
//! `eventTimestamp` may be absent or null. The deprecated `webhookSecret` field never
//! reaches the queue (the receiver cuts it out of the payload) and is not modelled.

use rust_decimal::Decimal;
use serde::{Deserialize, Deserializer};

use crate::exact_decimal;
#[cfg(feature = "schema")]
use crate::exact_decimal::DecimalSchema;
use crate::raw_json::RawJson;

use crate::payload_error::ModelMismatch;

/// What [`crate::TypedEvent::SnapTrade`] holds.
pub type Event = SnapTradeWebhook;

/// Every documented `eventType` reads as a [`SnapTradeWebhook`]; others have no model.
pub fn route(event_type: &str, payload: &str) -> Option<Result<Event, ModelMismatch>> {
    KNOWN_EVENT_TYPES
        .contains(&event_type)
        .then(|| serde_json::from_str(payload).map_err(ModelMismatch::of("SnapTradeWebhook")))
}

/// This provider's JSON Schema files.
#[cfg(feature = "schema")]
pub fn schemas() -> Vec<crate::schema::file::SchemaFile> {
    use crate::schema::file::SchemaFile;
    vec![SchemaFile::of::<SnapTradeWebhook>("snaptrade-webhook.json")]
}

/// The `schemaVersion` of OAuth-app payloads.
pub const OAUTH_SCHEMA_VERSION: &str = "oauth_v1";

/// One webhook notification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SnapTradeWebhook {
    /// `oauth_v1` for OAuth-app payloads; absent in the API-key schema.
    pub schema_version: Option<String>,
    /// The notification id (the envelope `id`).
    pub webhook_id: Option<String>,
    /// The id as SnapTrade's OpenAPI spells it; trade events carry both spellings, with
    /// different values.
    pub webook_id: Option<String>,
    /// API-key schema.
    pub client_id: Option<String>,
    /// OAuth-app schema: which of the customer's apps the notification targets.
    pub oauth_client_id: Option<String>,
    /// ISO 8601 with microseconds and offset, e.g. `2022-05-31T11:16:54.658533+00:00`.
    pub event_timestamp: String,
    /// API-key schema: your SnapTrade user id; OAuth schema: the Personal user's UUID.
    pub user_id: Option<String>,
    /// `eventType` and the fields that come with it.
    pub event: SnapTradeEvent,
}

impl SnapTradeWebhook {
    pub fn is_oauth(&self) -> bool {
        self.schema_version.as_deref() == Some(OAUTH_SCHEMA_VERSION)
    }
}

/// The event types this version models, as SnapTrade writes them.
pub const KNOWN_EVENT_TYPES: [&str; 17] = [
    "USER_REGISTERED",
    "USER_DELETED",
    "CONNECTION_ATTEMPTED",
    "CONNECTION_ADDED",
    "CONNECTION_DELETED",
    "CONNECTION_BROKEN",
    "CONNECTION_FIXED",
    "CONNECTION_UPDATED",
    "CONNECTION_FAILED",
    "NEW_ACCOUNT_AVAILABLE",
    "ACCOUNT_TRANSACTIONS_INITIAL_UPDATE",
    "ACCOUNT_TRANSACTIONS_UPDATED",
    "ACCOUNT_REMOVED",
    "ACCOUNT_HOLDINGS_UPDATED",
    "TRADE_DETECTION",
    "TRADE_UPDATE",
    "TRADES_PLACED",
];

/// The `eventType` and the fields that come with it.
#[derive(Debug, Clone, PartialEq, Eq)]
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
    /// An event type this version does not know (not one of [`KNOWN_EVENT_TYPES`]).
    Unknown {
        event_type: String,
    },
}

impl SnapTradeEvent {
    /// The `eventType` this event was read from.
    pub fn event_type(&self) -> &str {
        match self {
            SnapTradeEvent::UserRegistered => "USER_REGISTERED",
            SnapTradeEvent::UserDeleted => "USER_DELETED",
            SnapTradeEvent::ConnectionAttempted(_) => "CONNECTION_ATTEMPTED",
            SnapTradeEvent::ConnectionAdded(_) => "CONNECTION_ADDED",
            SnapTradeEvent::ConnectionDeleted(_) => "CONNECTION_DELETED",
            SnapTradeEvent::ConnectionBroken(_) => "CONNECTION_BROKEN",
            SnapTradeEvent::ConnectionFixed(_) => "CONNECTION_FIXED",
            SnapTradeEvent::ConnectionUpdated(_) => "CONNECTION_UPDATED",
            SnapTradeEvent::ConnectionFailed(_) => "CONNECTION_FAILED",
            SnapTradeEvent::NewAccountAvailable(_) => "NEW_ACCOUNT_AVAILABLE",
            SnapTradeEvent::AccountTransactionsInitialUpdate(_) => {
                "ACCOUNT_TRANSACTIONS_INITIAL_UPDATE"
            }
            SnapTradeEvent::AccountTransactionsUpdated(_) => "ACCOUNT_TRANSACTIONS_UPDATED",
            SnapTradeEvent::AccountRemoved(_) => "ACCOUNT_REMOVED",
            SnapTradeEvent::AccountHoldingsUpdated(_) => "ACCOUNT_HOLDINGS_UPDATED",
            SnapTradeEvent::TradeDetection(_) => "TRADE_DETECTION",
            SnapTradeEvent::TradeUpdate(_) => "TRADE_UPDATE",
            SnapTradeEvent::TradesPlaced(_) => "TRADES_PLACED",
            SnapTradeEvent::Unknown { event_type } => event_type,
        }
    }
}

/// The brokerage connection an event is about.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConnectionRef {
    pub brokerage_id: Option<String>,
    /// API-key schema.
    pub brokerage_authorization_id: Option<String>,
    /// OAuth-app schema (replaces `brokerageAuthorizationId`).
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
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectionAttempt {
    pub connection: ConnectionRef,
    pub connection_attempted_result: Option<ConnectionAttemptedResult>,
    /// OAuth-app payloads carry e.g. `{"sessionId": …}`; undocumented, so kept as text.
    pub details: Option<RawJson>,
}

/// Documented values of `connectionAttemptedResult`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
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

/// Any string: the documented values and whatever SnapTrade adds later.
#[cfg(feature = "schema")]
impl schemars::JsonSchema for ConnectionAttemptedResult {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "ConnectionAttemptedResult".into()
    }

    // Inline: a plain string field in generated code, not a wrapper class.
    fn inline_schema() -> bool {
        true
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "string",
            "description": "SUCCESS, AUTH_EXPIRED, INVALID_AUTH_CODE, AUTH_NOT_IN_PROGRESS, DIFFERENT_ACCOUNT, UNCAUGHT_ERROR, INVALID_CREDENTIALS, INVALID_MFA_CODE, NO_DATA, or a value added later."
        })
    }
}

/// The brokerage account an event is about, and its connection.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AccountRef {
    pub account_id: Option<String>,
    pub connection: ConnectionRef,
}

/// ACCOUNT_HOLDINGS_UPDATED.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HoldingsUpdate {
    pub account: AccountRef,
    pub details: Option<HoldingsSyncDetails>,
}

/// Which parts of a holdings sync succeeded.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
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

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct SyncOutcome {
    #[serde(default)]
    pub success: Option<bool>,
    /// Null on success; its shape on failure is not documented.
    #[serde(default)]
    pub error: Option<RawJson>,
}

/// TRADE_DETECTION and TRADE_UPDATE.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TradeActivity {
    pub account: AccountRef,
    pub details: Option<TradeDetails>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct TradeDetails {
    #[serde(default)]
    pub orders: Option<Vec<TradeOrder>>,
    /// TRADE_DETECTION only.
    #[serde(default, deserialize_with = "exact_decimal::optional")]
    #[cfg_attr(feature = "schema", schemars(with = "Option<DecimalSchema>"))]
    pub detection_lag_seconds: Option<Decimal>,
}

/// An order as the trade webhooks report it. Prices are decimal strings (e.g.
/// `"6.8400000000"`), read exactly with their scale.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct TradeOrder {
    #[serde(default)]
    pub legs: Option<Vec<TradeLeg>>,
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub order_role: Option<RawJson>,
    #[serde(default)]
    pub order_type: Option<String>,
    #[serde(default, deserialize_with = "exact_decimal::optional")]
    #[cfg_attr(feature = "schema", schemars(with = "Option<DecimalSchema>"))]
    pub stop_price: Option<Decimal>,
    #[serde(default, deserialize_with = "exact_decimal::optional")]
    #[cfg_attr(feature = "schema", schemars(with = "Option<DecimalSchema>"))]
    pub limit_price: Option<Decimal>,
    #[serde(default)]
    pub time_placed: Option<String>,
    #[serde(default)]
    pub time_executed: Option<String>,
    #[serde(default)]
    pub time_in_force: Option<String>,
    #[serde(default)]
    pub trailing_stop: Option<RawJson>,
    #[serde(default)]
    pub price_currency: Option<String>,
    #[serde(default, deserialize_with = "exact_decimal::optional")]
    #[cfg_attr(feature = "schema", schemars(with = "Option<DecimalSchema>"))]
    pub execution_price: Option<Decimal>,
    #[serde(default)]
    pub brokerage_order_id: Option<String>,
    #[serde(default)]
    pub brokerage_group_order_id: Option<RawJson>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct TradeLeg {
    #[serde(default)]
    pub action: Option<String>,
    #[serde(default)]
    pub leg_id: Option<RawJson>,
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub instrument: Option<TradeInstrument>,
    #[serde(default, deserialize_with = "exact_decimal::optional")]
    #[cfg_attr(feature = "schema", schemars(with = "Option<DecimalSchema>"))]
    pub total_quantity: Option<Decimal>,
    #[serde(default, deserialize_with = "exact_decimal::optional")]
    #[cfg_attr(feature = "schema", schemars(with = "Option<DecimalSchema>"))]
    pub execution_price: Option<Decimal>,
    #[serde(default, deserialize_with = "exact_decimal::optional")]
    #[cfg_attr(feature = "schema", schemars(with = "Option<DecimalSchema>"))]
    pub filled_quantity: Option<Decimal>,
    #[serde(default, deserialize_with = "exact_decimal::optional")]
    #[cfg_attr(feature = "schema", schemars(with = "Option<DecimalSchema>"))]
    pub canceled_quantity: Option<Decimal>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
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

/// The notification as it arrives: flat, with `details` kept as text until `eventType`
/// says which shape it has (so its decimals are parsed from the original text; serde's
/// tagged enums and `flatten` would lose it).
#[derive(Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
struct SnapTradeWire {
    #[serde(default)]
    schema_version: Option<String>,
    #[serde(default)]
    webhook_id: Option<String>,
    #[serde(default)]
    webook_id: Option<String>,
    #[serde(default)]
    client_id: Option<String>,
    #[serde(default)]
    oauth_client_id: Option<String>,
    event_timestamp: String,
    #[serde(default)]
    user_id: Option<String>,
    /// One of the known types (see the models) or a newer one.
    event_type: String,
    #[serde(default)]
    brokerage_id: Option<String>,
    #[serde(default)]
    brokerage_authorization_id: Option<String>,
    #[serde(default)]
    connection_id: Option<String>,
    #[serde(default)]
    account_id: Option<String>,
    #[serde(default)]
    connection_attempted_result: Option<ConnectionAttemptedResult>,
    /// Its shape depends on `eventType`: see the variants of the JSON Schema.
    #[serde(default)]
    details: Option<RawJson>,
}

impl<'de> Deserialize<'de> for SnapTradeWebhook {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let wire = SnapTradeWire::deserialize(deserializer)?;
        let connection = ConnectionRef {
            brokerage_id: wire.brokerage_id,
            brokerage_authorization_id: wire.brokerage_authorization_id,
            connection_id: wire.connection_id,
        };
        let account = AccountRef {
            account_id: wire.account_id,
            connection: connection.clone(),
        };
        let details = wire.details;
        let event = match wire.event_type.as_str() {
            "USER_REGISTERED" => SnapTradeEvent::UserRegistered,
            "USER_DELETED" => SnapTradeEvent::UserDeleted,
            "CONNECTION_ATTEMPTED" => SnapTradeEvent::ConnectionAttempted(ConnectionAttempt {
                connection,
                connection_attempted_result: wire.connection_attempted_result,
                details,
            }),
            "CONNECTION_ADDED" => SnapTradeEvent::ConnectionAdded(connection),
            "CONNECTION_DELETED" => SnapTradeEvent::ConnectionDeleted(connection),
            "CONNECTION_BROKEN" => SnapTradeEvent::ConnectionBroken(connection),
            "CONNECTION_FIXED" => SnapTradeEvent::ConnectionFixed(connection),
            "CONNECTION_UPDATED" => SnapTradeEvent::ConnectionUpdated(connection),
            "CONNECTION_FAILED" => SnapTradeEvent::ConnectionFailed(connection),
            "NEW_ACCOUNT_AVAILABLE" => SnapTradeEvent::NewAccountAvailable(account),
            "ACCOUNT_TRANSACTIONS_INITIAL_UPDATE" => {
                SnapTradeEvent::AccountTransactionsInitialUpdate(account)
            }
            "ACCOUNT_TRANSACTIONS_UPDATED" => SnapTradeEvent::AccountTransactionsUpdated(account),
            "ACCOUNT_REMOVED" => SnapTradeEvent::AccountRemoved(account),
            "ACCOUNT_HOLDINGS_UPDATED" => SnapTradeEvent::AccountHoldingsUpdated(HoldingsUpdate {
                account,
                details: details.map(|raw| raw.parse_within()).transpose()?,
            }),
            "TRADE_DETECTION" => SnapTradeEvent::TradeDetection(TradeActivity {
                account,
                details: details.map(|raw| raw.parse_within()).transpose()?,
            }),
            "TRADE_UPDATE" => SnapTradeEvent::TradeUpdate(TradeActivity {
                account,
                details: details.map(|raw| raw.parse_within()).transpose()?,
            }),
            "TRADES_PLACED" => SnapTradeEvent::TradesPlaced(account),
            _ => SnapTradeEvent::Unknown {
                event_type: wire.event_type,
            },
        };
        Ok(SnapTradeWebhook {
            schema_version: wire.schema_version,
            webhook_id: wire.webhook_id,
            webook_id: wire.webook_id,
            client_id: wire.client_id,
            oauth_client_id: wire.oauth_client_id,
            event_timestamp: wire.event_timestamp,
            user_id: wire.user_id,
            event,
        })
    }
}

/// The JSON Schema says what the deserializer does: `details` is read by `eventType`.
/// Code generators cannot see that in a union of `details` shapes (they pick a shape by
/// its fields), so the webhook is a `oneOf` of one variant per `details` shape, each
/// constraining `eventType` by a pattern; the patterns exclude each other, so exactly one
/// variant fits.
#[cfg(feature = "schema")]
mod webhook_schema {
    use std::borrow::Cow;
    use std::marker::PhantomData;

    use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};

    use super::{HoldingsSyncDetails, SnapTradeWebhook, SnapTradeWire, TradeDetails};

    /// The event types whose `details` has its own variant.
    const HOLDINGS: [&str; 1] = ["ACCOUNT_HOLDINGS_UPDATED"];
    const TRADES: [&str; 2] = ["TRADE_DETECTION", "TRADE_UPDATE"];
    const CONNECTION_ATTEMPT: [&str; 1] = ["CONNECTION_ATTEMPTED"];

    fn one_of(types: &[&str]) -> String {
        format!("^({})$", types.join("|"))
    }

    /// Any other `eventType`, known or not (a lookahead: generators hand it to an engine
    /// that supports it, e.g. pydantic's `python-re`).
    fn none_of(types: &[&[&str]]) -> String {
        format!("^(?!({})$)", types.concat().join("|"))
    }

    trait Variant {
        const NAME: &'static str;
        const DESCRIPTION: &'static str;
        fn event_type_pattern() -> String;
        fn details_schema(generator: &mut SchemaGenerator) -> Schema;
    }

    /// One variant of the webhook: the wire fields, with `eventType` and `details` narrowed.
    struct WebhookVariant<V>(PhantomData<V>);

    impl<V: Variant> JsonSchema for WebhookVariant<V> {
        fn schema_name() -> Cow<'static, str> {
            V::NAME.into()
        }

        fn json_schema(generator: &mut SchemaGenerator) -> Schema {
            let mut schema = SnapTradeWire::json_schema(generator);
            let details = V::details_schema(generator);
            schema.insert("description".into(), V::DESCRIPTION.into());
            if let Some(properties) = schema
                .get_mut("properties")
                .and_then(serde_json::Value::as_object_mut)
            {
                properties.insert(
                    "eventType".into(),
                    json_schema!({"type": "string", "pattern": V::event_type_pattern()}).to_value(),
                );
                properties.insert("details".into(), details.to_value());
            }
            schema
        }
    }

    struct Holdings;

    impl Variant for Holdings {
        const NAME: &'static str = "SnapTradeHoldingsWebhook";
        const DESCRIPTION: &'static str =
            "ACCOUNT_HOLDINGS_UPDATED: `details` says which parts of the holdings sync succeeded.";

        fn event_type_pattern() -> String {
            one_of(&HOLDINGS)
        }

        fn details_schema(generator: &mut SchemaGenerator) -> Schema {
            generator.subschema_for::<Option<HoldingsSyncDetails>>()
        }
    }

    struct Trades;

    impl Variant for Trades {
        const NAME: &'static str = "SnapTradeTradeWebhook";
        const DESCRIPTION: &'static str =
            "TRADE_DETECTION and TRADE_UPDATE: `details` holds the orders.";

        fn event_type_pattern() -> String {
            one_of(&TRADES)
        }

        fn details_schema(generator: &mut SchemaGenerator) -> Schema {
            generator.subschema_for::<Option<TradeDetails>>()
        }
    }

    struct ConnectionAttempt;

    impl Variant for ConnectionAttempt {
        const NAME: &'static str = "SnapTradeConnectionAttemptWebhook";
        const DESCRIPTION: &'static str = "CONNECTION_ATTEMPTED: `details`, in OAuth-app payloads, is an undocumented object (e.g. `sessionId`), kept whole.";

        fn event_type_pattern() -> String {
            one_of(&CONNECTION_ATTEMPT)
        }

        fn details_schema(_: &mut SchemaGenerator) -> Schema {
            json_schema!({"type": ["object", "null"]})
        }
    }

    struct Other;

    impl Variant for Other {
        const NAME: &'static str = "SnapTradeOtherWebhook";
        const DESCRIPTION: &'static str =
            "Every other event type, documented or added later: no `details` is read.";

        fn event_type_pattern() -> String {
            none_of(&[&HOLDINGS, &TRADES, &CONNECTION_ATTEMPT])
        }

        fn details_schema(_: &mut SchemaGenerator) -> Schema {
            json_schema!(true)
        }
    }

    impl JsonSchema for SnapTradeWebhook {
        fn schema_name() -> Cow<'static, str> {
            "SnapTradeWebhook".into()
        }

        fn json_schema(generator: &mut SchemaGenerator) -> Schema {
            json_schema!({
                "description": "One SnapTrade webhook (API-key or OAuth-app schema). Its `details` is read by `eventType`: one variant per shape.",
                "oneOf": [
                    generator.subschema_for::<WebhookVariant<Holdings>>(),
                    generator.subschema_for::<WebhookVariant<Trades>>(),
                    generator.subschema_for::<WebhookVariant<ConnectionAttempt>>(),
                    generator.subschema_for::<WebhookVariant<Other>>(),
                ]
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_event_types_name_their_variants() {
        for event_type in KNOWN_EVENT_TYPES {
            let body = format!(
                r#"{{"eventType":"{event_type}","eventTimestamp":"2026-11-20T14:01:07.101111+00:00"}}"#
            );
            let webhook: SnapTradeWebhook = serde_json::from_str(&body).unwrap();
            assert_eq!(webhook.event.event_type(), event_type);
            assert!(!matches!(webhook.event, SnapTradeEvent::Unknown { .. }));
        }
        let later: SnapTradeWebhook = serde_json::from_str(
            r#"{"eventType":"PORTFOLIO_REBALANCED","eventTimestamp":"2026-11-20T14:01:07+00:00"}"#,
        )
        .unwrap();
        assert_eq!(
            later.event,
            SnapTradeEvent::Unknown {
                event_type: "PORTFOLIO_REBALANCED".to_owned()
            }
        );
    }
}
