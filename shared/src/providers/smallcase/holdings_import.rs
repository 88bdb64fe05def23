use serde::{Deserialize, Serialize};

/// A holdings import webhook, envelope type `HOLDINGS_IMPORT`: sent when a user completes
/// a holdings import. Tolerant: unknown fields are ignored, absent or null fields are `None`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HoldingsImport {
    pub transaction_id: String,
    pub smallcase_auth_id: String,
    pub timestamp: String,
    #[serde(default)]
    pub checksum: Option<String>,
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
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ImportedSmallcases {
    #[serde(default)]
    pub public: Option<Vec<PublicSmallcase>>,
    #[serde(default)]
    pub private: Option<PrivateSmallcases>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
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

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SmallcaseStats {
    #[serde(default)]
    pub current_value: Option<f64>,
    #[serde(default)]
    pub total_returns: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Constituent {
    #[serde(default)]
    pub ticker: Option<String>,
    #[serde(default)]
    pub shares: Option<i64>,
}

/// `smallcases.private`: an object with aggregate `stats` in one sample, an empty array
/// in the other (its items are undocumented, so they stay untyped).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum PrivateSmallcases {
    List(Vec<serde_json::Value>),
    Summary(PrivateSmallcaseSummary),
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PrivateSmallcaseSummary {
    #[serde(default)]
    pub stats: Option<SmallcaseStats>,
}

/// `securities` comes in two shapes across the samples; both parse.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum ImportedSecurities {
    /// An array with one object per security (holdings and positions per exchange).
    PerSecurity(Vec<SecurityHoldings>),
    /// An object whose `holdings` array lists ticker and shares.
    HoldingsList(HoldingsList),
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SecurityHoldings {
    #[serde(default)]
    pub holdings: Option<QuantityAtPrice>,
    #[serde(default)]
    pub positions: Option<ExchangePositions>,
    #[serde(default)]
    pub transactable_quantity: Option<i64>,
    #[serde(default)]
    pub smallcase_quantity: Option<i64>,
    #[serde(default)]
    pub nse_ticker: Option<String>,
    #[serde(default)]
    pub bse_ticker: Option<String>,
    #[serde(default)]
    pub isin: Option<String>,
    #[serde(default)]
    pub name: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct QuantityAtPrice {
    #[serde(default)]
    pub quantity: Option<i64>,
    #[serde(default)]
    pub average_price: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExchangePositions {
    #[serde(default)]
    pub nse: Option<QuantityAtPrice>,
    #[serde(default)]
    pub bse: Option<QuantityAtPrice>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HoldingsList {
    pub holdings: Vec<HeldSecurity>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HeldSecurity {
    #[serde(default)]
    pub ticker: Option<String>,
    #[serde(default)]
    pub shares: Option<i64>,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub exchange: Option<String>,
    #[serde(default)]
    pub average_price: Option<f64>,
}
