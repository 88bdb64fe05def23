use serde_json::Value;

use brokerhooks::providers::snaptrade::{canonical_form, signature_base64};

use crate::api_gateway_event::Delivery;

/// Signs a SnapTrade payload with the consumer key (`Signature` header).
///
/// A payload with non-ASCII text is sent pretty-printed as UTF-8 and signed over
/// SnapTrade's canonical form (what its Python verifier HMACs), so the raw-body check
/// fails and only the canonical fallback verifies it; every other payload is sent
/// compact and signed over the raw body. API-key payloads (those with a `webhookSecret`
/// field) carry the local legacy secret there, when one is configured.
pub fn sign(
    payload: &Value,
    consumer_key: &str,
    webhook_secret: Option<&str>,
) -> Result<Delivery, String> {
    let mut payload = payload.clone();
    let object = payload
        .as_object_mut()
        .ok_or("snaptrade payload must be an object")?;
    if let (Some(field), Some(secret)) = (object.get_mut("webhookSecret"), webhook_secret) {
        *field = Value::String(secret.to_owned());
    }
    let compact = payload.to_string();
    let (body, signed) = if compact.is_ascii() {
        (compact.clone(), compact)
    } else {
        let pretty = serde_json::to_string_pretty(&payload).map_err(|e| e.to_string())?;
        let canonical = canonical_form(&pretty).ok_or("no canonical form")?;
        (pretty, canonical)
    };
    Ok(delivery(
        body.into_bytes(),
        &signature_base64(consumer_key, signed.as_bytes()),
    ))
}

/// A SnapTrade delivery of `body` with the given `Signature` header.
pub fn delivery(body: Vec<u8>, signature: &str) -> Delivery {
    Delivery::post("/webhooks/snaptrade", body).with_header("signature", signature)
}
