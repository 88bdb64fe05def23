use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// A mutual-fund holdings import webhook, envelope type `MF_HOLDINGS_IMPORT`.
///
/// smallcase publishes no sample of this payload, so only the fields its checksum and
/// envelope rely on are typed; everything else is kept as is in `other` until a real
/// delivery shows its shape.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MfHoldingsImport {
    pub transaction_id: String,
    pub timestamp: String,
    #[serde(default)]
    pub checksum: Option<String>,
    #[serde(flatten)]
    pub other: Map<String, Value>,
}
