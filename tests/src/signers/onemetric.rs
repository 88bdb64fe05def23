use serde_json::Value;

use brokerhooks::providers::onemetric::TOKEN_PARAMETER;

use crate::api_gateway_event::Delivery;

/// OneMetric signs nothing: the delivery goes to the registered URL, which carries the
/// token in its query string. The body is the compact JSON of the payload.
pub fn sign(payload: &Value, token: &str) -> Result<Delivery, String> {
    if !payload.is_object() {
        return Err("onemetric payload must be an object".to_owned());
    }
    let mut delivery = Delivery::post("/webhooks/onemetric", payload.to_string());
    delivery.query = Some(token_query(token));
    Ok(delivery)
}

/// `token=<token>`, percent-encoding everything but RFC 3986 unreserved characters.
pub fn token_query(token: &str) -> String {
    let mut query = format!("{TOKEN_PARAMETER}=");
    for byte in token.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
            query.push(char::from(byte));
        } else {
            query.push_str(&format!("%{byte:02X}"));
        }
    }
    query
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_token_goes_into_the_query_encoded() {
        assert_eq!(token_query("a+b/c=d é"), "token=a%2Bb%2Fc%3Dd%20%C3%A9");
        let delivery = sign(&serde_json::json!({"b": 1, "a": 2}), "t-1").unwrap();
        assert_eq!(delivery.query.as_deref(), Some("token=t-1"));
        assert_eq!(delivery.path, "/webhooks/onemetric");
        assert_eq!(delivery.body, br#"{"a":2,"b":1}"#);
        let mut request = delivery.to_request();
        request.query = Some(token_query("a+b/c=d é"));
        assert_eq!(request.query_param("token").as_deref(), Some("a+b/c=d é"));
    }
}
