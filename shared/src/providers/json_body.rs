//! Reading provider JSON bodies without trusting them.

use serde_json::value::RawValue;
use serde_json::{Map, Value};

use crate::pipeline::error::WebhookError;

/// Parses the body as a JSON object (400 otherwise). `serde_json` limits nesting depth,
/// so hostile nesting is a 400 too, not a stack overflow.
pub fn parse_object(body: &[u8]) -> Result<Map<String, Value>, WebhookError> {
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(WebhookError::bad_request("body is not a JSON object")),
        Err(_) => Err(WebhookError::bad_request("body is not valid JSON")),
    }
}

/// The body as a raw JSON value, kept byte for byte (outer whitespace trimmed).
pub fn raw_payload(body: &[u8]) -> Result<Box<RawValue>, WebhookError> {
    let text =
        std::str::from_utf8(body).map_err(|_| WebhookError::bad_request("body is not UTF-8"))?;
    RawValue::from_string(text.trim().to_owned())
        .map_err(|_| WebhookError::bad_request("body is not valid JSON"))
}

/// A required, non-empty string field (400 naming the field otherwise).
pub fn required_str<'a>(
    object: &'a Map<String, Value>,
    field: &str,
) -> Result<&'a str, WebhookError> {
    object
        .get(field)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .ok_or_else(|| WebhookError::bad_request(format!("missing or non-string field {field}")))
}

/// An optional non-empty string field.
pub fn optional_str<'a>(object: &'a Map<String, Value>, field: &str) -> Option<&'a str> {
    object
        .get(field)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
}

/// An optional object field: `None` when absent or of any other type (a shape the
/// envelope cannot read is never a reason to refuse an authentic event).
pub fn optional_object<'a>(
    object: &'a Map<String, Value>,
    field: &str,
) -> Option<&'a Map<String, Value>> {
    object.get(field).and_then(Value::as_object)
}
