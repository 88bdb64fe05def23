//! Kite postbacks through the real pipeline, DynamoDB and SQS adapters and AWS SDK,
//! against the local emulator the test command starts.

use std::sync::Arc;

use brokerhooks::aws::SqsQueue;
use brokerhooks::config::ConfigSource;
use brokerhooks::config::secret_list::SecretList;
use brokerhooks::edge::function::FunctionService;
use brokerhooks::providers::kite::{KiteProvider, checksum_hex};
use brokerhooks::text::canonical_json::content_id;
use brokerhooks::{Answer, Pipeline, Provider, WebhookRequest};
use brokerhooks_testkit::answers::accepted;
use brokerhooks_testkit::drift_check::{Drift, assert_delivered_once};
use brokerhooks_testkit::emulator::{Emulator, EmulatorPipeline, sdk_config, test_settings};
use brokerhooks_testkit::log_capture::CapturedLogs;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

const SECRET: &str = "integration-kite-secret";

fn postback(status: &str, filled: i64) -> Value {
    let order_id = "261122000000042";
    let ts = "2026-11-22 09:30:00";
    json!({
        "order_id": order_id, "order_timestamp": ts, "status": status,
        "exchange_update_timestamp": "2026-11-22 09:31:15", "tradingsymbol": "INFY",
        "filled_quantity": filled, "pending_quantity": 10 - filled, "user_id": "AB1234",
        "checksum": checksum_hex(order_id, ts, SECRET),
    })
}

fn request(body: &Value) -> WebhookRequest {
    WebhookRequest::post("/webhooks/kite", body.to_string())
}

type KitePipeline = EmulatorPipeline<KiteProvider>;

async fn stack(fifo: bool) -> Option<(Emulator, KitePipeline, String, String)> {
    let provider = KiteProvider::new(SecretList::parse(SECRET).unwrap());
    Emulator::pipeline_on_fresh_stack(provider, fifo, test_settings).await
}

#[tokio::test]
async fn a_valid_postback_becomes_exactly_one_message_with_the_envelope() {
    let Some((emulator, pipeline, table, queue)) = stack(true).await else {
        return;
    };
    let body = postback("COMPLETE", 10);
    let before = time::OffsetDateTime::now_utc()
        .replace_nanosecond(0)
        .unwrap();
    assert_eq!(pipeline.handle(&request(&body)).await, accepted(1, 0));

    let messages = emulator.drain(&queue).await;
    assert_eq!(messages.len(), 1);
    let message = &messages[0];
    let envelope: Value = serde_json::from_str(&message.body).unwrap();
    let id = content_id(&body);
    let received_at = envelope["received_at"].as_str().unwrap().to_owned();
    assert_eq!(
        envelope,
        json!({
            "id": id, "provider": "kite", "type": "COMPLETE", "subject": "261122000000042",
            "occurred_at": "2026-11-22T04:01:15Z", "received_at": received_at, "payload": body,
        })
    );
    let received =
        time::OffsetDateTime::parse(&received_at, &time::format_description::well_known::Rfc3339)
            .unwrap();
    assert!(received >= before && received - before < time::Duration::seconds(60));
    assert_eq!(
        message.attributes.get("provider").map(String::as_str),
        Some("kite")
    );
    assert_eq!(
        message.attributes.get("type").map(String::as_str),
        Some("COMPLETE")
    );
    assert_eq!(message.group_id.as_deref(), Some("kite:261122000000042"));
    assert_eq!(
        message.dedup_id.as_deref(),
        Some(hex::encode(Sha256::digest(format!("kite:{id}"))).as_str())
    );

    // The claim, and the mark of the order state it reports (for the reconciler).
    let items = emulator.table_items(&table).await;
    assert_eq!(items.len(), 2, "{items:?}");
    let claim = items
        .iter()
        .find(|i| i["pk"] == format!("kite#{id}"))
        .unwrap();
    assert_eq!(claim["status"], "ENQUEUED");
    // Kept DEDUPE_TTL_SECONDS and the 5-minute future tolerance past the later of
    // receipt and order_timestamp (here the receipt).
    let expires_at: i64 = claim["expires_at"].parse().unwrap();
    assert!((expires_at - received.unix_timestamp() - 2_592_000 - 300).abs() <= 1);
    let mark = items.iter().find(|i| i["pk"] != claim["pk"]).unwrap();
    assert!(mark["pk"].starts_with("kite#state:"), "{mark:?}");
    assert_eq!(mark["marked_by"], "delivery");
    assert_eq!(mark["content_key"], format!("kite#{id}"));
    assert_eq!(mark["expires_at"], claim["expires_at"]);
}

#[tokio::test]
async fn a_reformatted_redelivery_is_a_duplicate_and_a_new_status_is_not() {
    let Some((emulator, pipeline, _, queue)) = stack(true).await else {
        return;
    };
    let body = postback("UPDATE", 4);
    assert_eq!(pipeline.handle(&request(&body)).await, accepted(1, 0));
    let pretty = WebhookRequest::post(
        "/webhooks/kite",
        serde_json::to_string_pretty(&body).unwrap(),
    );
    assert_eq!(pipeline.handle(&pretty).await, accepted(0, 1));
    assert_eq!(
        pipeline.handle(&request(&postback("COMPLETE", 10))).await,
        accepted(1, 0)
    );
    let types: Vec<String> = emulator
        .drain(&queue)
        .await
        .iter()
        .map(|m| {
            serde_json::from_str::<Value>(&m.body).unwrap()["type"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    assert_eq!(types, ["UPDATE", "COMPLETE"]);
}

#[tokio::test]
async fn fifty_concurrent_identical_deliveries_give_one_message() {
    let Some((emulator, pipeline, table, queue)) = stack(true).await else {
        return;
    };
    let pipeline = Arc::new(pipeline);
    let body = postback("COMPLETE", 10);
    let tasks: Vec<_> = (0..50)
        .map(|_| {
            let pipeline = pipeline.clone();
            let request = request(&body);
            tokio::spawn(async move { pipeline.handle(&request).await })
        })
        .collect();
    let mut accepted_count = 0;
    for task in tasks {
        let answer = task.await.unwrap();
        match answer.status {
            200 if answer.body == r#"{"accepted":1,"duplicates":0}"# => accepted_count += 1,
            200 => assert_eq!(answer.body, r#"{"accepted":0,"duplicates":1}"#),
            409 => {}
            other => panic!("unexpected status {other}: {}", answer.body),
        }
    }
    assert_eq!(accepted_count, 1);
    assert_eq!(emulator.drain(&queue).await.len(), 1);
    // One claim, one state mark.
    assert_eq!(emulator.table_items(&table).await.len(), 2);
    assert_eq!(pipeline.handle(&request(&body)).await, accepted(0, 1));
}

#[tokio::test]
async fn a_wrong_checksum_writes_nothing() {
    let Some((emulator, pipeline, table, queue)) = stack(true).await else {
        return;
    };
    let mut body = postback("COMPLETE", 10);
    body["checksum"] = json!(checksum_hex(
        "261122000000042",
        "2026-11-22 09:30:00",
        "another-secret"
    ));
    let answer = pipeline.handle(&request(&body)).await;
    assert_eq!(
        answer,
        Answer {
            status: 401,
            body: r#"{"error":"checksum mismatch"}"#.to_owned()
        }
    );
    assert!(emulator.table_items(&table).await.is_empty());
    assert!(emulator.drain(&queue).await.is_empty());
}

#[tokio::test]
async fn sqs_unavailable_answers_503_releases_the_claim_and_a_retry_succeeds() {
    let Some((emulator, good, table, queue)) = stack(true).await else {
        return;
    };
    // An SQS client pointed at a port nothing listens on.
    let dead = sdk_config("http://127.0.0.1:9").await;
    let (store, _) = emulator.adapters(&table, &queue);
    let broken = Pipeline::new(
        KiteProvider::new(SecretList::parse(SECRET).unwrap()),
        store,
        SqsQueue::new(aws_sdk_sqs::Client::new(&dead), &queue, true),
        test_settings(&table, &queue),
    );
    let body = postback("COMPLETE", 10);
    let answer = broken.handle(&request(&body)).await;
    assert_eq!(
        answer,
        Answer {
            status: 503,
            body: r#"{"error":"storage or queue unavailable; retry later"}"#.to_owned()
        }
    );
    // The claim released; the state's mark stays, naming the claim that is gone, so a
    // reconciler run takes the state over (Kite will not retry).
    let items = emulator.table_items(&table).await;
    assert_eq!(items.len(), 1, "claim released: {items:?}");
    assert!(items[0]["pk"].starts_with("kite#state:"));
    assert_eq!(items[0]["marked_by"], "delivery");
    assert!(emulator.drain(&queue).await.is_empty());

    assert_eq!(good.handle(&request(&body)).await, accepted(1, 0));
    assert_eq!(emulator.drain(&queue).await.len(), 1);
}

#[tokio::test]
async fn a_standard_queue_gets_plain_sends() {
    let Some((emulator, pipeline, _, queue)) = stack(false).await else {
        return;
    };
    assert_eq!(
        pipeline.handle(&request(&postback("COMPLETE", 10))).await,
        accepted(1, 0)
    );
    let messages = emulator.drain(&queue).await;
    assert_eq!(messages.len(), 1);
    assert_eq!(messages[0].group_id, None);
}

#[tokio::test]
async fn a_missing_secret_makes_the_function_answer_500_and_say_which() {
    let (logs, _guard) = CapturedLogs::install();
    let Some(emulator) = Emulator::from_env().await else {
        return;
    };
    let (table, queue) = emulator.fresh_stack(true).await;
    let config = ConfigSource::from_pairs([
        ("EVENTS_TABLE", table.as_str()),
        ("EVENTS_QUEUE_URL", queue.as_str()),
    ]);
    let service = FunctionService::<KiteProvider>::build(config, &emulator.config).await;
    let body = postback("COMPLETE", 10);
    for _ in 0..2 {
        let answer = service.handle(&request(&body)).await;
        assert_eq!(
            answer,
            Answer {
                status: 500,
                body: r#"{"error":"function is misconfigured"}"#.to_owned()
            }
        );
    }
    assert!(emulator.table_items(&table).await.is_empty());
    let text = logs.text();
    assert_eq!(
        text.matches("required variable KITE_API_SECRET is missing or empty")
            .count(),
        3,
        "{text}"
    );

    // Configured, the same service builder serves.
    let config = ConfigSource::from_pairs([
        ("EVENTS_TABLE", table.as_str()),
        ("EVENTS_QUEUE_URL", queue.as_str()),
        ("KITE_API_SECRET", SECRET),
        ("MAX_EVENT_AGE_SECONDS", "0"),
    ]);
    let service = FunctionService::<KiteProvider>::build(config, &emulator.config).await;
    assert_eq!(service.handle(&request(&body)).await, accepted(1, 0));
    assert_eq!(KiteProvider::NAME, "kite");
}

/// `postback` edited, then signed again: what Kite would send if its format drifted.
fn drifted(edit: impl FnOnce(&mut serde_json::Map<String, Value>)) -> Value {
    let mut body = postback("COMPLETE", 10);
    let object = body.as_object_mut().unwrap();
    edit(object);
    let field = |name: &str| object[name].as_str().unwrap().to_owned();
    let checksum = checksum_hex(&field("order_id"), &field("order_timestamp"), SECRET);
    object.insert("checksum".to_owned(), json!(checksum));
    body
}

fn drift(
    name: &'static str,
    body: Value,
    event_type: &'static str,
    occurred_at: Option<&'static str>,
    fallback: Option<&'static str>,
) -> Drift {
    let mut tampered = body.clone();
    tampered["order_id"] = json!("261122000000043");
    Drift {
        name,
        request: request(&body),
        tampered: request(&tampered),
        tampered_reason: "checksum mismatch",
        id: content_id(&body),
        event_type,
        subject: "261122000000042",
        occurred_at,
        fallback,
    }
}

#[tokio::test]
async fn authentic_drifted_postbacks_are_enqueued_once_with_their_fallbacks() {
    let Some((emulator, pipeline, table, queue)) = stack(true).await else {
        return;
    };
    let other_format = |b: &mut serde_json::Map<String, Value>| {
        b.insert("order_timestamp".into(), json!("22/11/2026 09:30:00"));
    };
    let drifts = [
        drift(
            "no status",
            drifted(|b| {
                b.remove("status");
            }),
            "UNPARSED",
            Some("2026-11-22T04:01:15Z"),
            Some("type"),
        ),
        drift(
            "order_timestamp in another format",
            drifted(other_format),
            "COMPLETE",
            Some("2026-11-22T04:01:15Z"),
            Some("signed_timestamp"),
        ),
        drift(
            "order_timestamp in another format, no exchange time",
            drifted(|b| {
                other_format(b);
                b.remove("exchange_update_timestamp");
            }),
            "COMPLETE",
            None,
            Some("occurred_at,signed_timestamp"),
        ),
        drift(
            "an unknown status is no drift",
            drifted(|b| {
                b.insert("status".into(), json!("AMO REQ RECEIVED"));
            }),
            "AMO REQ RECEIVED",
            Some("2026-11-22T04:01:15Z"),
            None,
        ),
    ];
    for drift in &drifts {
        assert_delivered_once(&pipeline, &emulator, &table, &queue, drift).await;
    }
}
