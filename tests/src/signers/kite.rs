use serde_json::Value;

use brokerhooks::providers::kite::checksum_hex;

use crate::api_gateway_event::Delivery;

/// Sets `checksum` from `order_id`, `order_timestamp` and the secret; Kite labels its
/// JSON body as a form, which is how the delivery is built.
pub fn sign(payload: &Value, api_secret: &str) -> Result<Delivery, String> {
    let mut payload = payload.clone();
    let object = payload
        .as_object_mut()
        .ok_or("kite payload must be an object")?;
    let field = |name: &str| {
        object
            .get(name)
            .and_then(Value::as_str)
            .map(str::to_owned)
            .ok_or_else(|| format!("kite payload lacks {name}"))
    };
    let checksum = checksum_hex(&field("order_id")?, &field("order_timestamp")?, api_secret);
    object.insert("checksum".to_owned(), Value::String(checksum));
    Ok(body_delivery(&payload))
}

/// The compact body as a Kite postback arrives.
pub fn body_delivery(payload: &Value) -> Delivery {
    Delivery::post("/webhooks/kite", payload.to_string())
        .with_header("content-type", "application/x-www-form-urlencoded")
}
