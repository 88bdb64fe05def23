use serde_json::Value;

use brokerhooks::providers::smallcase::{SignedFields, checksum_hex};

use crate::api_gateway_event::Delivery;

/// Sets `checksum` over `timestamp` and the id the payload's kind is signed with (the
/// verifier's own choice, so the two cannot drift apart), replacing any checksum the
/// template carries.
pub fn sign(payload: &Value, api_secret: &str) -> Result<Delivery, String> {
    let mut payload = payload.clone();
    let object = payload
        .as_object_mut()
        .ok_or("smallcase payload must be an object")?;
    let signed = SignedFields::locate(object).map_err(|e| format!("smallcase payload: {e}"))?;
    let checksum = checksum_hex(signed.timestamp, signed.id, api_secret);
    object.insert("checksum".to_owned(), Value::String(checksum));
    Ok(Delivery::post("/webhooks/smallcase", payload.to_string()))
}
