use serde::Deserialize;

/// A mutual-fund holdings import webhook, envelope type `MF_HOLDINGS_IMPORT`.
///
/// smallcase publishes no sample of this payload, so only the fields its checksum and
/// envelope rest on are typed; the rest of the provider's JSON is in the envelope's
/// `payload` until a real delivery shows its shape.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct MfHoldingsImport {
    pub transaction_id: String,
    /// ISO 8601 UTC with milliseconds, as signed.
    pub timestamp: String,
    #[serde(default)]
    pub smallcase_auth_id: Option<String>,
    #[serde(default)]
    pub broker: Option<String>,
}
