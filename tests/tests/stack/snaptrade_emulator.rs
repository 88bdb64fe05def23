//! SnapTrade webhooks through the real pipeline, DynamoDB and SQS adapters and AWS SDK,
//! against the local emulator the test command starts.

use brokerhooks::config::ConfigSource;
use brokerhooks::config::secret_list::SecretList;
use brokerhooks::edge::function::FunctionService;
use brokerhooks::providers::snaptrade::{SnapTradeProvider, canonical_form, signature_base64};
use brokerhooks::text::canonical_json::content_id;
use brokerhooks::{Envelope, Provider, WebhookRequest};
use brokerhooks_models::snaptrade::{SnapTradeEvent, SnapTradeWebhook};
use brokerhooks_testkit::answers::{accepted, refused};
use brokerhooks_testkit::drift_check::{Drift, assert_delivered_once};
use brokerhooks_testkit::emulator::{Emulator, EmulatorPipeline, test_settings};
use brokerhooks_testkit::log_capture::CapturedLogs;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

const KEY: &str = "integration-snaptrade-consumer-key";
const LEGACY: &str = "integration-snaptrade-webhook-secret";
const WEBHOOK_ID: &str = "6fe03e8c-201a-4c3f-92d0-acb825fc89cf";
const ACCOUNT: &str = "ec20134b-72e7-4e72-9b4c-9c7ddd1c479c";

fn payload(event_type: &str) -> Value {
    json!({
        "webhookId": WEBHOOK_ID, "clientId": "PARTNERAPP",
        "eventTimestamp": "2026-11-22T09:30:00.250000+00:00", "userId": "user-0042",
        "eventType": event_type, "webhookSecret": LEGACY, "accountId": ACCOUNT,
        "brokerageAuthorizationId": "795de4e6-260e-45b3-815b-8f601c4cf448",
    })
}

/// What reaches the queue of `payload`: all of it but the legacy secret.
fn enqueued(mut payload: Value) -> Value {
    payload.as_object_mut().unwrap().remove("webhookSecret");
    payload
}

fn unsigned(body: &str) -> WebhookRequest {
    WebhookRequest::post("/webhooks/snaptrade", body)
}

fn signed_over(body: &str, message: &str, key: &str) -> WebhookRequest {
    unsigned(body).with_header("Signature", &signature_base64(key, message.as_bytes()))
}

fn raw_signed(body: &str) -> WebhookRequest {
    signed_over(body, body, KEY)
}

type SnapTradePipeline = EmulatorPipeline<SnapTradeProvider>;

async fn stack(legacy: bool) -> Option<(Emulator, SnapTradePipeline, String, String)> {
    let provider = SnapTradeProvider::new(
        SecretList::parse(KEY),
        legacy.then(|| SecretList::parse(LEGACY)).flatten(),
    )
    .unwrap();
    Emulator::pipeline_on_fresh_stack(provider, true, test_settings).await
}

/// The one envelope now on the queue, parsed.
async fn only_envelope(emulator: &Emulator, queue: &str) -> Envelope {
    let messages = emulator.drain(queue).await;
    assert_eq!(messages.len(), 1);
    serde_json::from_str(&messages[0].body).unwrap()
}

#[tokio::test]
async fn a_raw_body_signature_becomes_exactly_one_message_and_no_secret_is_logged() {
    let (logs, _guard) = CapturedLogs::install();
    let Some((emulator, pipeline, table, queue)) = stack(true).await else {
        return;
    };
    let body = payload("NEW_ACCOUNT_AVAILABLE").to_string();
    assert_eq!(pipeline.handle(&raw_signed(&body)).await, accepted(1, 0));

    let messages = emulator.drain(&queue).await;
    assert_eq!(messages.len(), 1);
    let message = &messages[0];
    let envelope: Value = serde_json::from_str(&message.body).unwrap();
    let received_at = envelope["received_at"].as_str().unwrap().to_owned();
    assert_eq!(
        envelope,
        json!({
            "id": WEBHOOK_ID, "provider": "snaptrade", "type": "NEW_ACCOUNT_AVAILABLE",
            "subject": ACCOUNT, "occurred_at": "2026-11-22T09:30:00.25Z",
            "received_at": received_at, "payload": enqueued(payload("NEW_ACCOUNT_AVAILABLE")),
        })
    );
    // Every other member keeps its bytes: the body minus `,"webhookSecret":"…"`.
    let secret_member = format!(r#","webhookSecret":"{LEGACY}""#);
    assert!(body.contains(&secret_member));
    assert!(
        message.body.contains(&body.replace(&secret_member, "")),
        "{}",
        message.body
    );
    assert!(!message.body.contains("webhookSecret") && !message.body.contains(LEGACY));
    assert_eq!(
        message.attributes.get("type").map(String::as_str),
        Some("NEW_ACCOUNT_AVAILABLE")
    );
    assert_eq!(
        message.group_id.as_deref(),
        Some(format!("snaptrade:{ACCOUNT}").as_str())
    );
    assert_eq!(
        message.dedup_id.as_deref(),
        Some(hex::encode(Sha256::digest(format!("snaptrade:{WEBHOOK_ID}"))).as_str())
    );
    let items = emulator.table_items(&table).await;
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["pk"], format!("snaptrade#{WEBHOOK_ID}"));
    assert_eq!(items[0]["status"], "ENQUEUED");

    // A legacy-authenticated delivery too: the secret never reaches the log.
    let mut other = payload("ACCOUNT_REMOVED");
    other["webhookId"] = json!("second-webhook");
    assert_eq!(
        pipeline.handle(&unsigned(&other.to_string())).await,
        accepted(1, 0)
    );
    let text = logs.text();
    assert!(
        text.contains(WEBHOOK_ID) && text.contains("second-webhook"),
        "{text}"
    );
    assert!(!text.contains(LEGACY), "{text}");
    assert!(!text.contains("webhookSecret"), "{text}");
    assert!(!text.contains("user-0042"), "{text}");
}

#[tokio::test]
async fn canonical_form_and_non_ascii_signatures_are_accepted() {
    let Some((emulator, pipeline, _, queue)) = stack(false).await else {
        return;
    };
    let mut value = payload("TRADE_DETECTION");
    value["details"] = json!({
        "orders": [{"legs": [{"instrument": {"description": "Société Générale – ADR 📈"}}]}],
        "detection_lag_seconds": 0.00004,
    });
    // Sent pretty-printed with raw UTF-8, signed over SnapTrade's canonical form.
    let body = serde_json::to_string_pretty(&value).unwrap();
    let canonical = canonical_form(&body).unwrap();
    assert!(canonical.contains(r#""detection_lag_seconds":4e-05"#));
    assert!(canonical.contains(r#"Soci\u00e9t\u00e9 G\u00e9n\u00e9rale \u2013 ADR \ud83d\udcc8"#));
    assert_eq!(
        pipeline.handle(&signed_over(&body, &canonical, KEY)).await,
        accepted(1, 0)
    );
    let envelope = only_envelope(&emulator, &queue).await;
    assert_eq!(
        envelope.payload.parse::<Value>().unwrap(),
        enqueued(value.clone())
    );
    let model: SnapTradeWebhook = envelope.payload_as().unwrap();
    let SnapTradeEvent::TradeDetection(activity) = model.event else {
        panic!("{:?}", model.event);
    };
    let details = activity.details.unwrap();
    assert_eq!(
        details.detection_lag_seconds,
        Some("0.00004".parse().unwrap())
    );
    let description = details.orders.unwrap()[0].legs.as_ref().unwrap()[0]
        .instrument
        .as_ref()
        .unwrap()
        .description
        .clone();
    assert_eq!(description.as_deref(), Some("Société Générale – ADR 📈"));

    // The same non-ASCII body signed over its raw bytes (another notification).
    value["webhookId"] = json!("raw-non-ascii");
    let body = serde_json::to_string_pretty(&value).unwrap();
    assert_eq!(pipeline.handle(&raw_signed(&body)).await, accepted(1, 0));
    assert_eq!(only_envelope(&emulator, &queue).await.id, "raw-non-ascii");
}

#[tokio::test]
async fn a_wrong_key_writes_nothing() {
    let Some((emulator, pipeline, table, queue)) = stack(true).await else {
        return;
    };
    let mut value = payload("ACCOUNT_REMOVED");
    value["webhookSecret"] = json!("not-the-secret");
    let body = value.to_string();
    assert_eq!(
        pipeline
            .handle(&signed_over(&body, &body, "another-consumer-key"))
            .await,
        refused(401, "signature mismatch")
    );
    assert!(emulator.table_items(&table).await.is_empty());
    assert!(emulator.drain(&queue).await.is_empty());
}

#[tokio::test]
async fn a_missing_header_is_refused_unless_the_legacy_secret_is_configured() {
    let body = payload("CONNECTION_BROKEN").to_string();

    let Some((emulator, without_legacy, table, queue)) = stack(false).await else {
        return;
    };
    assert_eq!(
        without_legacy.handle(&unsigned(&body)).await,
        refused(401, "missing Signature header")
    );
    assert!(emulator.table_items(&table).await.is_empty());
    assert!(emulator.drain(&queue).await.is_empty());

    let Some((emulator, with_legacy, table, queue)) = stack(true).await else {
        return;
    };
    let mut forged = payload("CONNECTION_BROKEN");
    forged["webhookSecret"] = json!("guessed");
    assert_eq!(
        with_legacy.handle(&unsigned(&forged.to_string())).await,
        refused(401, "webhookSecret mismatch")
    );
    assert!(emulator.table_items(&table).await.is_empty());
    assert_eq!(with_legacy.handle(&unsigned(&body)).await, accepted(1, 0));
    let envelope = only_envelope(&emulator, &queue).await;
    assert_eq!(
        (envelope.id.as_str(), envelope.event_type.as_str()),
        (WEBHOOK_ID, "CONNECTION_BROKEN")
    );
    assert_eq!(
        envelope.payload.parse::<Value>().unwrap(),
        enqueued(payload("CONNECTION_BROKEN"))
    );
}

#[tokio::test]
async fn a_redelivered_webhook_id_with_a_changed_body_is_a_duplicate() {
    let Some((emulator, pipeline, table, queue)) = stack(false).await else {
        return;
    };
    let first = payload("ACCOUNT_TRANSACTIONS_UPDATED").to_string();
    assert_eq!(pipeline.handle(&raw_signed(&first)).await, accepted(1, 0));
    // Same webhookId, different (authentic) content: the provider's id wins.
    let mut changed = payload("ACCOUNT_TRANSACTIONS_UPDATED");
    changed["eventTimestamp"] = json!("2026-11-22T10:00:00.000000+00:00");
    changed["accountId"] = json!("another-account");
    assert_eq!(
        pipeline.handle(&raw_signed(&changed.to_string())).await,
        accepted(0, 1)
    );
    let envelope = only_envelope(&emulator, &queue).await;
    assert_eq!(envelope.subject, ACCOUNT);
    assert_eq!(
        envelope.payload.parse::<Value>().unwrap(),
        enqueued(payload("ACCOUNT_TRANSACTIONS_UPDATED"))
    );
    assert_eq!(emulator.table_items(&table).await.len(), 1);
}

#[tokio::test]
async fn an_unknown_event_type_is_enqueued_with_its_raw_payload() {
    let Some((emulator, pipeline, _, queue)) = stack(false).await else {
        return;
    };
    let body = r#"{"webhookId":"w-future","eventType":"PORTFOLIO_REBALANCED","eventTimestamp":"2026-11-22T09:31:00+00:00","userId":"user-0042","novel":{"weights":[0.25,0.75]}}"#;
    assert_eq!(pipeline.handle(&raw_signed(body)).await, accepted(1, 0));
    let messages = emulator.drain(&queue).await;
    assert_eq!(messages.len(), 1);
    assert_eq!(
        messages[0].body,
        format!(
            r#"{{"id":"w-future","provider":"snaptrade","type":"PORTFOLIO_REBALANCED","subject":"user-0042","occurred_at":"2026-11-22T09:31:00Z","received_at":{},"payload":{body}}}"#,
            serde_json::from_str::<Value>(&messages[0].body).unwrap()["received_at"]
        )
    );
    let envelope: Envelope = serde_json::from_str(&messages[0].body).unwrap();
    let model: SnapTradeWebhook = envelope.payload_as().unwrap();
    assert_eq!(
        model.event,
        SnapTradeEvent::Unknown {
            event_type: "PORTFOLIO_REBALANCED".to_owned()
        }
    );
}

/// A signed notification whose shape drifted; the tampered copy carries one more field.
fn drift(
    name: &'static str,
    body: Value,
    id: Option<&str>,
    event_type: &'static str,
    subject: &'static str,
    occurred_at: Option<&'static str>,
    fallback: Option<&'static str>,
) -> Drift {
    let text = body.to_string();
    let forged = format!(r#"{},"forged":true}}"#, &text[..text.len() - 1]);
    Drift {
        name,
        request: raw_signed(&text),
        tampered: signed_over(&forged, &text, KEY),
        tampered_reason: "signature mismatch",
        id: id.map_or_else(|| content_id(&enqueued(body.clone())), str::to_owned),
        event_type,
        subject,
        occurred_at,
        fallback,
    }
}

#[tokio::test]
async fn a_signed_object_is_always_enqueued_once_with_its_fallbacks() {
    let Some((emulator, pipeline, table, queue)) = stack(false).await else {
        return;
    };
    let at = Some("2026-11-22T09:30:00.25Z");
    let without = |fields: &[&str]| {
        let mut body = payload("ACCOUNT_HOLDINGS_UPDATED");
        for field in fields {
            body.as_object_mut().unwrap().remove(*field);
        }
        body
    };
    let mut naive_time = payload("ACCOUNT_HOLDINGS_UPDATED");
    naive_time["eventTimestamp"] = json!("2026-11-22 09:30:00");
    naive_time["webhookId"] = json!("w-naive-time");
    let mut no_type = without(&["eventType"]);
    no_type["webhookId"] = json!("w-no-type");
    let drifts = [
        drift(
            "no userId or other subject",
            without(&["userId", "accountId", "brokerageAuthorizationId"]),
            Some(WEBHOOK_ID),
            "ACCOUNT_HOLDINGS_UPDATED",
            "unknown",
            at,
            Some("subject"),
        ),
        drift(
            "no webhookId",
            without(&["webhookId"]),
            None,
            "ACCOUNT_HOLDINGS_UPDATED",
            ACCOUNT,
            at,
            Some("id"),
        ),
        drift(
            "eventTimestamp not RFC 3339",
            naive_time,
            Some("w-naive-time"),
            "ACCOUNT_HOLDINGS_UPDATED",
            ACCOUNT,
            None,
            Some("occurred_at,signed_timestamp"),
        ),
        drift(
            "no eventType",
            no_type,
            Some("w-no-type"),
            "UNPARSED",
            ACCOUNT,
            at,
            Some("type"),
        ),
    ];
    for drift in &drifts {
        assert_delivered_once(&pipeline, &emulator, &table, &queue, drift).await;
    }
}

#[tokio::test]
async fn neither_variable_makes_the_function_answer_500_and_name_both() {
    let (logs, _guard) = CapturedLogs::install();
    let Some(emulator) = Emulator::from_env().await else {
        return;
    };
    let (table, queue) = emulator.fresh_stack(true).await;
    let base = [
        ("EVENTS_TABLE", table.as_str()),
        ("EVENTS_QUEUE_URL", queue.as_str()),
        ("MAX_EVENT_AGE_SECONDS", "0"),
    ];
    let service = FunctionService::<SnapTradeProvider>::build(
        ConfigSource::from_pairs(base),
        &emulator.config,
    )
    .await;
    let body = payload("USER_REGISTERED").to_string();
    assert_eq!(
        service.handle(&raw_signed(&body)).await,
        refused(500, "function is misconfigured")
    );
    assert!(emulator.table_items(&table).await.is_empty());
    assert!(
        logs.text().contains(
            "required variable SNAPTRADE_CONSUMER_KEY or SNAPTRADE_WEBHOOK_SECRET is missing or empty"
        ),
        "{}",
        logs.text()
    );

    // Only the legacy secret (comma-separated for rotation) is enough to serve.
    let mut pairs = base.to_vec();
    pairs.push((
        "SNAPTRADE_WEBHOOK_SECRET",
        "old-secret, integration-snaptrade-webhook-secret",
    ));
    let service = FunctionService::<SnapTradeProvider>::build(
        ConfigSource::from_pairs(pairs),
        &emulator.config,
    )
    .await;
    assert_eq!(service.handle(&unsigned(&body)).await, accepted(1, 0));
    assert_eq!(SnapTradeProvider::NAME, "snaptrade");
}

#[tokio::test]
async fn a_repeated_key_under_a_canonical_form_signature_is_refused_and_writes_nothing() {
    let Some((emulator, pipeline, table, queue)) = stack(false).await else {
        return;
    };
    let genuine = serde_json::to_string_pretty(&payload("NEW_ACCOUNT_AVAILABLE")).unwrap();
    let canonical = canonical_form(&genuine).unwrap();
    // A key prepended to the signed body: the canonical form keeps the last duplicate, so
    // it still verifies; a consumer keeping the first would read "mallory".
    let forged = genuine.replacen('{', r#"{"userId":"mallory","#, 1);
    assert_eq!(canonical_form(&forged).unwrap(), canonical);
    assert_eq!(
        pipeline
            .handle(&signed_over(&forged, &canonical, KEY))
            .await,
        refused(401, "duplicate key in a body signed in canonical form")
    );
    assert!(emulator.table_items(&table).await.is_empty());
    assert!(emulator.drain(&queue).await.is_empty());
    assert_eq!(
        pipeline
            .handle(&signed_over(&genuine, &canonical, KEY))
            .await,
        accepted(1, 0)
    );
}

#[tokio::test]
async fn the_production_window_refuses_two_days_and_accepts_three_hours() {
    let Some(emulator) = Emulator::from_env().await else {
        return;
    };
    let (table, queue) = emulator.fresh_stack(true).await;
    // No MAX_EVENT_AGE_SECONDS: SnapTrade's own default.
    let config = ConfigSource::from_pairs([
        ("EVENTS_TABLE", table.as_str()),
        ("EVENTS_QUEUE_URL", queue.as_str()),
        ("SNAPTRADE_CONSUMER_KEY", KEY),
    ]);
    let service = FunctionService::<SnapTradeProvider>::build(config, &emulator.config).await;
    let aged = |age: time::Duration, id: &str| {
        let mut body = payload("ACCOUNT_HOLDINGS_UPDATED");
        body["webhookId"] = json!(id);
        body["eventTimestamp"] = json!(brokerhooks::text::timestamps::format_rfc3339(
            time::OffsetDateTime::now_utc() - age
        ));
        raw_signed(&body.to_string())
    };
    assert_eq!(
        service
            .handle(&aged(time::Duration::days(2), "two-days"))
            .await,
        refused(401, "signed timestamp is too old")
    );
    assert!(emulator.table_items(&table).await.is_empty());
    assert_eq!(
        service
            .handle(&aged(time::Duration::hours(3), "three-hours"))
            .await,
        accepted(1, 0)
    );
    assert_eq!(only_envelope(&emulator, &queue).await.id, "three-hours");
}
