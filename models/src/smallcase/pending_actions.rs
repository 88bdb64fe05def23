use rust_decimal::Decimal;
use serde::Deserialize;

use crate::exact_decimal;
#[cfg(feature = "schema")]
use crate::exact_decimal::DecimalSchema;

/// The pending-actions webhook, envelope type `USER.PENDING_ACTIONS`: sent daily, one per
/// user, repeated until the user acts. Tolerant: unknown fields are ignored, absent or
/// null fields are `None`. The `checksum` is not modelled.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct PendingActions {
    pub event_type: String,
    /// ISO 8601 UTC with milliseconds, as signed.
    pub timestamp: String,
    pub data: PendingActionsData,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct PendingActionsData {
    pub smallcase_auth_id: String,
    #[serde(default)]
    pub investments: Option<Vec<PendingInvestment>>,
}

/// An invested smallcase with one pending action (fix, rebalance or SIP).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct PendingInvestment {
    #[serde(default)]
    pub iscid: Option<String>,
    #[serde(default)]
    pub smallcase_name: Option<String>,
    #[serde(default)]
    pub scid: Option<String>,
    #[serde(default)]
    pub fix_action: Option<FixAction>,
    #[serde(default)]
    pub rebalance_action: Option<RebalanceAction>,
    #[serde(default)]
    pub sip_action: Option<SipAction>,
}

/// A repair order: the unfilled stocks of an earlier transaction, to be placed again.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct FixAction {
    #[serde(default)]
    pub date: Option<String>,
    #[serde(default, deserialize_with = "exact_decimal::optional")]
    #[cfg_attr(feature = "schema", schemars(with = "Option<DecimalSchema>"))]
    pub filled: Option<Decimal>,
    #[serde(default, deserialize_with = "exact_decimal::optional")]
    #[cfg_attr(feature = "schema", schemars(with = "Option<DecimalSchema>"))]
    pub quantity: Option<Decimal>,
    /// BUY or SELL.
    #[serde(default)]
    pub original_label: Option<String>,
}

/// A rebalance update pushed by the smallcase manager.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct RebalanceAction {
    #[serde(default)]
    pub label: Option<String>,
    #[serde(default)]
    pub rationale: Option<String>,
    #[serde(default)]
    pub date: Option<String>,
}

/// A due SIP instalment.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct SipAction {
    /// e.g. `1m`.
    #[serde(default)]
    pub frequency: Option<String>,
    #[serde(default, deserialize_with = "exact_decimal::optional")]
    #[cfg_attr(feature = "schema", schemars(with = "Option<DecimalSchema>"))]
    pub amount: Option<Decimal>,
    #[serde(default)]
    pub scheduled_date: Option<String>,
    /// e.g. `MANUAL`.
    #[serde(default, rename = "type")]
    pub sip_type: Option<String>,
}
