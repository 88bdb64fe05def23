//! SnapTrade: signs as SnapTrade does, and the kit of its tests.

use brokerhooks::providers::snaptrade::{
    CONSUMER_KEY_VARIABLE, WEBHOOK_SECRET_VARIABLE, canonical_form, signature_base64,
};
use serde_json::{Value, json};

use crate::provider_kit::{
    BenchCase, ProviderKit, TimestampKit, primary, sample_request, one_event,
};
use crate::api_gateway_event::Delivery;
use crate::local_secrets::LocalSecrets;
use crate::negative_matrix::{NegativeKit, Slot, WrongSecret};

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

/// SnapTrade's kit: the `Signature` header, the webhook id varied.
pub const KIT: ProviderKit = ProviderKit {
    sign: sign_local,
    vary,
    events_per_delivery: one_event,
    negative: NegativeKit {
        slot: Slot::Header("signature"),
        wrong_secret: WrongSecret::Variable(CONSUMER_KEY_VARIABLE),
        sign_bytes: Some(sign_bytes),
        empty_body_status: 401,
    },
    bench: bench_case,
    timestamps: TimestampKit {
        template: "04-connection-added.json",
        set: set_timestamps,
        fallback: "occurred_at,signed_timestamp",
        signed_time_at_the_end: false,
    },
};

fn sign_local(payload: &Value, secrets: &LocalSecrets) -> Result<Delivery, String> {
    sign(
        payload,
        primary(secrets, CONSUMER_KEY_VARIABLE)?,
        secrets.primary(WEBHOOK_SECRET_VARIABLE),
    )
}

fn vary(template: &Value, n: usize) -> Result<Value, String> {
    let mut payload = template.clone();
    payload["webhookId"] = json!(format!("00000000-0000-4000-8000-{n:012}"));
    Ok(payload)
}

fn sign_bytes(body: &[u8], secrets: &LocalSecrets) -> Delivery {
    let key = secrets.primary(CONSUMER_KEY_VARIABLE).unwrap_or_default();
    delivery(body.to_vec(), &signature_base64(key, body))
}

fn set_timestamps(payload: &mut Value, at: &str) {
    payload["eventTimestamp"] = json!(at);
}

fn bench_case(_: &LocalSecrets) -> BenchCase {
    BenchCase {
        name: "snaptrade",
        request: sample_request("snaptrade", "16-trade-update.json"),
        events: 1,
    }
}
