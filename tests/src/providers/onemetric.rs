//! OneMetric: sends as OneMetric does (to the URL carrying the token), and the kit of its
//! tests.

use brokerhooks::providers::onemetric::{TOKEN_PARAMETER, TOKEN_VARIABLE};
use serde_json::{Value, json};

use crate::provider_kit::{
    BenchCase, ProviderKit, TimestampKit, primary, sample_request, one_event,
};
use crate::api_gateway_event::Delivery;
use crate::local_secrets::LocalSecrets;
use crate::negative_matrix::{NegativeKit, Slot, WrongSecret};

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

/// OneMetric's kit: the token in the query, a sequence number added to vary the event.
pub const KIT: ProviderKit = ProviderKit {
    sign: sign_local,
    vary,
    events_per_delivery: one_event,
    negative: NegativeKit {
        slot: Slot::Query("token"),
        wrong_secret: WrongSecret::Variable(TOKEN_VARIABLE),
        sign_bytes: Some(sign_bytes),
        empty_body_status: 400,
    },
    bench: bench_case,
    timestamps: TimestampKit {
        template: "01-market-price-alert.json",
        set: set_timestamps,
        fallback: "occurred_at",
        signed_time_at_the_end: false,
    },
};

fn sign_local(payload: &Value, secrets: &LocalSecrets) -> Result<Delivery, String> {
    sign(payload, primary(secrets, TOKEN_VARIABLE)?)
}

fn vary(template: &Value, n: usize) -> Result<Value, String> {
    let mut payload = template.clone();
    payload["details"]["storm_sequence"] = json!(n);
    Ok(payload)
}

fn sign_bytes(body: &[u8], secrets: &LocalSecrets) -> Delivery {
    let mut delivery = Delivery::post("/webhooks/onemetric", body.to_vec());
    delivery.query = Some(token_query(
        secrets.primary(TOKEN_VARIABLE).unwrap_or_default(),
    ));
    delivery
}

fn set_timestamps(payload: &mut Value, at: &str) {
    payload["time_stamp"] = json!(at);
}

fn bench_case(_: &LocalSecrets) -> BenchCase {
    BenchCase {
        name: "onemetric",
        request: sample_request("onemetric", "05-transaction-new-purchase.json"),
        events: 1,
    }
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
