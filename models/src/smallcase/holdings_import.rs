use rust_decimal::Decimal;
use serde::de::Error as _;
use serde::{Deserialize, Deserializer};

use crate::exact_decimal;
#[cfg(feature = "schema")]
use crate::exact_decimal::DecimalSchema;
use crate::raw_json::RawJson;

/// A holdings import webhook, envelope type `HOLDINGS_IMPORT`: sent when a user completes
/// a holdings import. Tolerant: unknown fields are ignored, absent or null fields are
/// `None`. The `checksum` is not modelled (verified by the receiver; kept out of logs).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct HoldingsImport {
    pub transaction_id: String,
    pub smallcase_auth_id: String,
    /// ISO 8601 UTC with milliseconds, as signed.
    pub timestamp: String,
    #[serde(default)]
    pub smallcases: Option<ImportedSmallcases>,
    #[serde(default)]
    pub securities: Option<ImportedSecurities>,
    #[serde(default)]
    pub updating: Option<bool>,
    #[serde(default)]
    pub last_update: Option<String>,
    #[serde(default)]
    pub snapshot_date: Option<String>,
    #[serde(default)]
    pub notes: Option<String>,
    #[serde(default)]
    pub broker: Option<String>,
}

/// The user's smallcases found in the import.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ImportedSmallcases {
    #[serde(default)]
    pub public: Option<Vec<PublicSmallcase>>,
    #[serde(default)]
    pub private: Option<PrivateSmallcases>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct PublicSmallcase {
    #[serde(default)]
    pub scid: Option<String>,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default, rename = "investmentDetailsURL")]
    pub investment_details_url: Option<String>,
    #[serde(default)]
    pub short_description: Option<String>,
    #[serde(default)]
    pub image_url: Option<String>,
    #[serde(default)]
    pub stats: Option<SmallcaseStats>,
    #[serde(default)]
    pub constituents: Option<Vec<Constituent>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct SmallcaseStats {
    #[serde(default, deserialize_with = "exact_decimal::optional")]
    #[cfg_attr(feature = "schema", schemars(with = "Option<DecimalSchema>"))]
    pub current_value: Option<Decimal>,
    #[serde(default, deserialize_with = "exact_decimal::optional")]
    #[cfg_attr(feature = "schema", schemars(with = "Option<DecimalSchema>"))]
    pub total_returns: Option<Decimal>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Constituent {
    #[serde(default)]
    pub ticker: Option<String>,
    #[serde(default, deserialize_with = "exact_decimal::optional")]
    #[cfg_attr(feature = "schema", schemars(with = "Option<DecimalSchema>"))]
    pub shares: Option<Decimal>,
}

/// `smallcases.private`: an object with aggregate `stats` in one sample, an empty array
/// in the other (its items are undocumented, so they stay raw JSON text).
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema), schemars(untagged))]
pub enum PrivateSmallcases {
    List(Vec<RawJson>),
    Summary(PrivateSmallcaseSummary),
}

/// Told apart by the first character, so the chosen shape is parsed from the original
/// text (decimals stay exact; serde's untagged enums would lose the text).
impl<'de> Deserialize<'de> for PrivateSmallcases {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = RawJson::deserialize(deserializer)?;
        match raw.first_char() {
            Some('[') => raw.parse_within().map(PrivateSmallcases::List),
            Some('{') => raw.parse_within().map(PrivateSmallcases::Summary),
            _ => Err(D::Error::custom(
                "smallcases.private: expected an array or an object",
            )),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct PrivateSmallcaseSummary {
    #[serde(default)]
    pub stats: Option<SmallcaseStats>,
}

/// `securities` comes in two shapes across the samples; both parse.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema), schemars(untagged))]
pub enum ImportedSecurities {
    /// An array with one object per security (holdings and positions per exchange).
    PerSecurity(Vec<SecurityHoldings>),
    /// An object whose `holdings` array lists ticker and shares.
    HoldingsList(HoldingsList),
}

/// Told apart by the first character (see [`PrivateSmallcases`]).
impl<'de> Deserialize<'de> for ImportedSecurities {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = RawJson::deserialize(deserializer)?;
        match raw.first_char() {
            Some('[') => raw.parse_within().map(ImportedSecurities::PerSecurity),
            Some('{') => raw.parse_within().map(ImportedSecurities::HoldingsList),
            _ => Err(D::Error::custom(
                "securities: expected an array or an object",
            )),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct SecurityHoldings {
    #[serde(default)]
    pub holdings: Option<QuantityAtPrice>,
    #[serde(default)]
    pub positions: Option<ExchangePositions>,
    #[serde(default, deserialize_with = "exact_decimal::optional")]
    #[cfg_attr(feature = "schema", schemars(with = "Option<DecimalSchema>"))]
    pub transactable_quantity: Option<Decimal>,
    #[serde(default, deserialize_with = "exact_decimal::optional")]
    #[cfg_attr(feature = "schema", schemars(with = "Option<DecimalSchema>"))]
    pub smallcase_quantity: Option<Decimal>,
    #[serde(default)]
    pub nse_ticker: Option<String>,
    #[serde(default)]
    pub bse_ticker: Option<String>,
    #[serde(default)]
    pub isin: Option<String>,
    #[serde(default)]
    pub name: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct QuantityAtPrice {
    #[serde(default, deserialize_with = "exact_decimal::optional")]
    #[cfg_attr(feature = "schema", schemars(with = "Option<DecimalSchema>"))]
    pub quantity: Option<Decimal>,
    #[serde(default, deserialize_with = "exact_decimal::optional")]
    #[cfg_attr(feature = "schema", schemars(with = "Option<DecimalSchema>"))]
    pub average_price: Option<Decimal>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ExchangePositions {
    #[serde(default)]
    pub nse: Option<QuantityAtPrice>,
    #[serde(default)]
    pub bse: Option<QuantityAtPrice>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct HoldingsList {
    pub holdings: Vec<HeldSecurity>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct HeldSecurity {
    #[serde(default)]
    pub ticker: Option<String>,
    #[serde(default, deserialize_with = "exact_decimal::optional")]
    #[cfg_attr(feature = "schema", schemars(with = "Option<DecimalSchema>"))]
    pub shares: Option<Decimal>,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub exchange: Option<String>,
    #[serde(default, deserialize_with = "exact_decimal::optional")]
    #[cfg_attr(feature = "schema", schemars(with = "Option<DecimalSchema>"))]
    pub average_price: Option<Decimal>,
}
