//! Kite Connect: signs as Kite does, and the kit of its tests.

use brokerhooks::WebhookRequest;
use brokerhooks::providers::kite::{SECRET_VARIABLE, checksum_hex};
use serde_json::{Value, json};

use crate::provider_kit::{BenchCase, ProviderKit, TimestampKit, primary, one_event};
use crate::api_gateway_event::Delivery;
use crate::local_secrets::LocalSecrets;
use crate::negative_matrix::{NegativeKit, Slot, WrongSecret};

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

/// Kite's kit: the checksum in the body, the order id varied.
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
        template: "03-complete.json",
        set: set_timestamps,
        fallback: "occurred_at,signed_timestamp",
        signed_time_at_the_end: true,
    },
};

fn sign_local(payload: &Value, secrets: &LocalSecrets) -> Result<Delivery, String> {
    sign(payload, primary(secrets, SECRET_VARIABLE)?)
}

fn vary(template: &Value, n: usize) -> Result<Value, String> {
    let mut payload = template.clone();
    payload["order_id"] = json!(format!("9{n:014}"));
    Ok(payload)
}

fn set_timestamps(payload: &mut Value, at: &str) {
    payload["exchange_update_timestamp"] = json!(at);
    payload["order_timestamp"] = json!(at);
}

/// A realistic Kite postback of about 2 KB, signed with the local secret.
fn bench_case(secrets: &LocalSecrets) -> BenchCase {
    let (order_id, ts) = ("261122000112233", "2026-11-22 09:15:02");
    let secret = secrets.primary(SECRET_VARIABLE).unwrap_or_default();
    let body = json!({
        "user_id": "AB1234", "app_id": 1234, "placed_by": "AB1234", "order_id": order_id,
        "exchange_order_id": "1100000012345678", "parent_order_id": null, "status": "COMPLETE",
        "status_message": null, "status_message_raw": null, "order_timestamp": ts,
        "exchange_update_timestamp": "2026-11-22 09:18:11", "exchange_timestamp": "2026-11-22 09:15:02",
        "variety": "regular", "exchange": "NSE", "tradingsymbol": "INFY", "instrument_token": 408065,
        "order_type": "LIMIT", "transaction_type": "BUY", "validity": "DAY", "validity_ttl": 0, "product": "CNC",
        "quantity": 10, "disclosed_quantity": 0, "price": 1480.5, "trigger_price": 0, "average_price": 1480.35,
        "filled_quantity": 10, "pending_quantity": 0, "cancelled_quantity": 0, "unfilled_quantity": 0,
        "market_protection": 0, "auction_number": null, "tag": "rebalance-2026-11", "tags": ["rebalance-2026-11", "sip", "bench"],
        "guid": "84931Xq2kT7pLmN",
        "meta": {"iceberg": {"leg": 1, "legs": 1, "leg_quantity": 10, "total_quantity": 10, "remaining_quantity": 0},
                 "notes": "x".repeat(900)},
        "checksum": checksum_hex(order_id, ts, secret),
    })
    .to_string();
    BenchCase {
        name: "kite",
        request: WebhookRequest::post("/webhooks/kite", body),
        events: 1,
    }
}
