//! The check every provider's emulator test runs on authentic deliveries whose payload
//! drifted from the documented shape: a tampered copy is refused and writes nothing; the
//! delivery is accepted once, as exactly one message whose envelope fields and `fallback`
//! attribute are the expected ones, counted as `unparsed` when it needed a fallback; its
//! redelivery is a duplicate.

use brokerhooks::pipeline::ports::EventQueue;
use brokerhooks::pipeline::ports::IdempotencyStore;
use brokerhooks::{Pipeline, Provider, Tally, WebhookRequest};
use serde_json::{Value, json};

use crate::answers::{accepted, refused};
use crate::emulator::Emulator;

/// One drifted delivery and what it must become.
#[derive(Debug, Clone)]
pub struct Drift {
    pub name: &'static str,
    pub request: WebhookRequest,
    /// The same delivery altered by someone without the secret, and its 401 reason.
    pub tampered: WebhookRequest,
    pub tampered_reason: &'static str,
    pub id: String,
    pub event_type: &'static str,
    pub subject: &'static str,
    /// `None`: the receive time (the envelope's `received_at`).
    pub occurred_at: Option<&'static str>,
    /// The `fallback` message attribute; `None` when it must be absent.
    pub fallback: Option<&'static str>,
}

/// Runs the check against a pipeline on the emulator's `table` and `queue`, which must
/// hold nothing of this delivery yet.
pub async fn assert_delivered_once<P: Provider, S: IdempotencyStore, Q: EventQueue>(
    pipeline: &Pipeline<P, S, Q>,
    emulator: &Emulator,
    table: &str,
    queue: &str,
    drift: &Drift,
) {
    let name = drift.name;
    let items = emulator.table_items(table).await.len();
    let claims = claim_count(emulator, table).await;
    assert_eq!(
        pipeline.handle(&drift.tampered).await,
        refused(401, drift.tampered_reason),
        "{name}: tampered"
    );
    assert_eq!(
        emulator.table_items(table).await.len(),
        items,
        "{name}: tampered wrote"
    );
    assert!(
        emulator.drain(queue).await.is_empty(),
        "{name}: tampered sent"
    );

    let tally = pipeline
        .process(
            &drift.request,
            brokerhooks::pipeline::deadline::Deadline::without_lambda(),
        )
        .await
        .result
        .unwrap_or_else(|(e, _)| {
            panic!("{name}: {e}");
        });
    let unparsed = usize::from(drift.fallback.is_some());
    assert_eq!(
        tally,
        Tally {
            accepted: 1,
            unparsed,
            ..Tally::default()
        },
        "{name}"
    );
    assert_eq!(
        serde_json::to_string(&tally).unwrap(),
        accepted(1, 0).body,
        "{name}: answer"
    );

    let messages = emulator.drain(queue).await;
    assert_eq!(messages.len(), 1, "{name}");
    let message = &messages[0];
    let envelope: Value = serde_json::from_str(&message.body).unwrap();
    let received_at = envelope["received_at"].clone();
    let mut payload: Value = serde_json::from_slice(&drift.request.body).unwrap();
    if P::NAME == brokerhooks::providers::snaptrade::SnapTradeProvider::NAME {
        // The one documented exception to "payload unchanged": SnapTrade's legacy secret
        // never reaches the queue.
        if let Some(object) = payload.as_object_mut() {
            object.remove(brokerhooks::providers::snaptrade::LEGACY_SECRET_FIELD);
        }
    }
    assert_eq!(
        envelope,
        json!({
            "id": drift.id, "provider": P::NAME, "type": drift.event_type,
            "subject": drift.subject,
            "occurred_at": drift.occurred_at.map_or(received_at.clone(), Value::from),
            "received_at": received_at, "payload": payload,
        }),
        "{name}"
    );
    let attribute = |key: &str| message.attributes.get(key).map(String::as_str);
    assert_eq!(attribute("provider"), Some(P::NAME), "{name}");
    assert_eq!(attribute("type"), Some(drift.event_type), "{name}");
    assert_eq!(attribute("fallback"), drift.fallback, "{name}");
    assert_eq!(
        attribute("origin"),
        Some(P::DELIVERY_ORIGIN.token()),
        "{name}"
    );
    assert_eq!(message.attributes.len(), 3 + unparsed, "{name}");

    let key = format!("{}#{}", P::NAME, drift.id);
    let stored = emulator.table_items(table).await;
    // One claim more (smallcase may also have written the binding of its checksum).
    assert_eq!(claim_count(emulator, table).await, claims + 1, "{name}");
    assert!(
        stored
            .iter()
            .any(|item| item["pk"] == key && item["status"] == "ENQUEUED"),
        "{name}"
    );

    assert_eq!(
        pipeline.handle(&drift.request).await,
        accepted(0, 1),
        "{name}: redelivery"
    );
    assert!(
        emulator.drain(queue).await.is_empty(),
        "{name}: redelivery sent"
    );
}

/// Claim items in the table (signature bindings, which have no `status`, left out).
async fn claim_count(emulator: &Emulator, table: &str) -> usize {
    emulator
        .table_items(table)
        .await
        .iter()
        .filter(|item| item.contains_key("status"))
        .count()
}
