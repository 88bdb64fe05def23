//! smallcase Gateway: signs as smallcase does, and the kit of its tests.

use brokerhooks::providers::smallcase::{SECRET_VARIABLE, SignedFields, checksum_hex};
use serde_json::{Value, json};

use crate::provider_kit::{
    BenchCase, ProviderKit, TimestampKit, primary, sample_request, one_event,
};
use crate::api_gateway_event::Delivery;
use crate::local_secrets::LocalSecrets;
use crate::negative_matrix::{NegativeKit, Slot, WrongSecret};

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

/// smallcase's kit: the checksum in the body, the transaction id varied.
pub const KIT: ProviderKit = ProviderKit {
    sign: sign_local,
    vary,
    events_per_delivery: one_event,
    negative: NegativeKit {
        slot: Slot::BodyField("checksum"),
        wrong_secret: WrongSecret::Variable(SECRET_VARIABLE),
        sign_bytes: None,
        empty_body_status: 400,
    },
    bench: bench_case,
    timestamps: TimestampKit {
        template: "01-order-placed.json",
        set: set_timestamps,
        fallback: "occurred_at,signed_timestamp",
        signed_time_at_the_end: false,
    },
};

fn sign_local(payload: &Value, secrets: &LocalSecrets) -> Result<Delivery, String> {
    sign(payload, primary(secrets, SECRET_VARIABLE)?)
}

fn vary(template: &Value, n: usize) -> Result<Value, String> {
    let mut payload = template.clone();
    payload["transactionId"] = json!(format!("TRX_storm{n:024}"));
    Ok(payload)
}

fn set_timestamps(payload: &mut Value, at: &str) {
    payload["timestamp"] = json!(at);
}

fn bench_case(_: &LocalSecrets) -> BenchCase {
    BenchCase {
        name: "smallcase",
        request: sample_request("smallcase", "04-order-completed.json"),
        events: 1,
    }
}
