//! Characters SQS refuses. moto accepts any message body, so the queue is reached through
//! a stand-in that enforces SQS's rule (testkit `sqs_character_guard`): an authentic
//! delivery with a raw U+FFFF (a user typed it into a Kite order `tag`) must still end on
//! the queue, its payload equal to what was received as JSON, not byte for byte. The
//! stand-in enforces SQS's 1 MiB message limit too: whatever the function accepts fits
//! the queue, or is refused before anything is written.

use std::sync::atomic::Ordering;
use std::time::Duration;

use brokerhooks::aws::SqsQueue;
use brokerhooks::aws::sqs_client;
use brokerhooks::config::RetryBudget;
use brokerhooks::config::secret_list::SecretList;
use brokerhooks::providers::kite::{KiteProvider, checksum_hex};
use brokerhooks::providers::upvest::{UpvestProvider, VERIFY_KEYS_VARIABLE, VerifyKeys};
use brokerhooks::{Pipeline, Provider, WebhookRequest};
use brokerhooks_testkit::answers::accepted;
use brokerhooks_testkit::emulator::{
    Emulator, ReceivedMessage, address_of, sdk_config_with_budget, test_settings,
};
use brokerhooks_testkit::local_secrets::LocalSecrets;
use brokerhooks_testkit::providers::upvest::UpvestSigner;
use brokerhooks_testkit::sqs_character_guard::{
    SQS_MAX_MESSAGE_BYTES, SqsCharacterGuard, sqs_allows,
};
use serde_json::{Value, json};

const SECRET: &str = "sqs-characters-kite-secret";

struct Stack {
    emulator: Emulator,
    guard: SqsCharacterGuard,
    table: String,
    queue: String,
    /// An SQS client that reaches the emulator only through the guard.
    guarded: aws_sdk_sqs::Client,
}

impl Stack {
    /// `None` (the test skips) without the local stack.
    async fn new() -> Option<Self> {
        let emulator = Emulator::from_env().await?;
        let (table, queue) = emulator.fresh_stack(true).await;
        let guard = SqsCharacterGuard::start(address_of(&emulator.endpoint))
            .await
            .unwrap();
        let config = sdk_config_with_budget(&guard.url, RetryBudget::from_secs(3)).await;
        Some(Stack {
            guarded: sqs_client(&config),
            emulator,
            guard,
            table,
            queue,
        })
    }

    /// The production adapters; the queue's through the guard.
    fn pipeline<P: Provider>(
        &self,
        provider: P,
    ) -> Pipeline<P, brokerhooks::aws::DynamoDbStore, SqsQueue> {
        let (store, _) = self.emulator.adapters(&self.table, &self.queue);
        let queue = SqsQueue::new(self.guarded.clone(), &self.queue, true);
        Pipeline::new(
            provider,
            store,
            queue,
            test_settings(&self.table, &self.queue),
        )
    }

    async fn drain(&self) -> Vec<ReceivedMessage> {
        let mut messages = self.emulator.drain(&self.queue).await;
        messages.sort_by(|a, b| a.body.cmp(&b.body));
        messages
    }
}

fn kite_postback(tag: &str, status: &str) -> Value {
    let order_id = "261125000777001";
    let ts = "2026-11-25 09:15:02";
    json!({"order_id": order_id, "order_timestamp": ts, "status": status, "tag": tag,
           "filled_quantity": 1, "checksum": checksum_hex(order_id, ts, SECRET)})
}

#[tokio::test]
async fn the_stand_in_refuses_what_sqs_refuses() {
    let Some(stack) = Stack::new().await else {
        return;
    };
    let error = stack
        .guarded
        .send_message()
        .queue_url(&stack.queue)
        .message_body("tag \u{FFFF}")
        .message_group_id("g")
        .message_deduplication_id("d1")
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        error.as_service_error().and_then(|e| e.meta().code()),
        Some("InvalidMessageContents")
    );

    let entry = |id: &str, body: &str| {
        aws_sdk_sqs::types::SendMessageBatchRequestEntry::builder()
            .id(id)
            .message_body(body)
            .message_group_id("g")
            .message_deduplication_id(id)
            .build()
            .unwrap()
    };
    let output = stack
        .guarded
        .send_message_batch()
        .queue_url(&stack.queue)
        .entries(entry("good", "plain"))
        .entries(entry("bad", "nul \u{0} inside"))
        .send()
        .await
        .unwrap();
    let failed: Vec<(&str, &str, bool)> = output
        .failed()
        .iter()
        .map(|f| (f.id(), f.code(), f.sender_fault()))
        .collect();
    assert_eq!(failed, [("bad", "InvalidMessageContents", true)]);
    let successful: Vec<&str> = output.successful().iter().map(|s| s.id()).collect();
    assert_eq!(successful, ["good"]);
    let bodies: Vec<String> = stack.drain().await.into_iter().map(|m| m.body).collect();
    assert_eq!(bodies, ["plain"]);
    assert_eq!(
        stack.guard.counts().refused_requests.load(Ordering::SeqCst),
        1
    );
    assert_eq!(
        stack.guard.counts().refused_entries.load(Ordering::SeqCst),
        1
    );
}

#[tokio::test]
async fn a_kite_postback_with_a_raw_u_ffff_in_its_tag_is_enqueued_once() {
    let Some(stack) = Stack::new().await else {
        return;
    };
    let pipeline = stack.pipeline(KiteProvider::new(SecretList::parse(SECRET).unwrap()));
    let payload = kite_postback("basket\u{FFFF}9", "COMPLETE");
    let body = payload.to_string();
    assert!(
        body.contains('\u{FFFF}'),
        "the raw character is in the delivery"
    );
    let request = WebhookRequest::post("/webhooks/kite", body);

    assert_eq!(pipeline.handle(&request).await, accepted(1, 0));
    assert_eq!(pipeline.handle(&request).await, accepted(0, 1));

    let messages = stack.drain().await;
    assert_eq!(messages.len(), 1);
    let message = &messages[0];
    assert!(message.body.chars().all(sqs_allows));
    assert!(
        message.body.contains(r#""tag":"basket\uFFFF9""#),
        "{}",
        message.body
    );
    let envelope: Value = serde_json::from_str(&message.body).unwrap();
    assert_eq!(envelope["payload"], payload, "equal as JSON");
    assert_eq!(message.attributes["type"], "COMPLETE");
    assert_eq!(
        stack.guard.counts().refused_requests.load(Ordering::SeqCst),
        0
    );
    assert_eq!(
        stack.guard.counts().passed_messages.load(Ordering::SeqCst),
        1
    );
}

#[tokio::test]
async fn a_refused_character_in_the_type_is_escaped_in_the_body_and_replaced_in_the_attribute() {
    let Some(stack) = Stack::new().await else {
        return;
    };
    let pipeline = stack.pipeline(KiteProvider::new(SecretList::parse(SECRET).unwrap()));
    let payload = kite_postback("t", "OPEN\u{FFFE}");
    let request = WebhookRequest::post("/webhooks/kite", payload.to_string());
    assert_eq!(pipeline.handle(&request).await, accepted(1, 0));
    let messages = stack.drain().await;
    assert_eq!(messages.len(), 1);
    let envelope: Value = serde_json::from_str(&messages[0].body).unwrap();
    assert_eq!(envelope["type"], "OPEN\u{FFFE}");
    assert_eq!(envelope["payload"], payload);
    assert_eq!(messages[0].attributes["type"], "OPEN\u{FFFD}");
}

#[tokio::test]
async fn an_upvest_batch_with_refused_characters_goes_out_in_one_batch_request() {
    let Some(stack) = Stack::new().await else {
        return;
    };
    let secrets = LocalSecrets::load_default().unwrap();
    let keys = VerifyKeys::parse_jwks(secrets.get(VERIFY_KEYS_VARIABLE).unwrap()).unwrap();
    let pipeline = stack.pipeline(UpvestProvider::new(keys, Duration::from_secs(300)));
    let event = |n: u32, note: &str| {
        json!({
            "id": format!("5ea1f0e0-0000-4000-8000-{n:012}"),
            "created_at": "2026-11-25T09:15:00.000Z",
            "type": "ORDER.FILLED",
            "object": {"id": format!("order-{n}"), "status": "FILLED", "note": note},
            "webhook_id": "0b7c9d2e-4f61-4a83-9b5c-6d7e8f9a0b1c",
        })
    };
    let events = [
        event(1, "a\u{FFFF}"),
        event(2, "plain"),
        event(3, "\u{FFFE}b"),
    ];
    let body = json!({ "payload": events }).to_string();
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let delivery = UpvestSigner::local(&secrets)
        .unwrap()
        .sign_body(body, now)
        .unwrap();

    assert_eq!(
        pipeline.handle(&delivery.to_request()).await,
        accepted(3, 0)
    );
    let messages = stack.drain().await;
    assert_eq!(messages.len(), 3);
    let mut payloads: Vec<Value> = messages
        .iter()
        .map(|m| serde_json::from_str::<Value>(&m.body).unwrap()["payload"].clone())
        .collect();
    payloads.sort_by_key(|p| p["id"].as_str().unwrap().to_owned());
    assert_eq!(payloads, events);
    let counts = stack.guard.counts();
    assert_eq!(counts.batch_requests.load(Ordering::SeqCst), 1);
    assert_eq!(counts.refused_entries.load(Ordering::SeqCst), 0);
    assert_eq!(counts.passed_messages.load(Ordering::SeqCst), 3);
}

/// Within `MAX_BODY_BYTES` but with so many raw U+FFFF (3 bytes each, the six bytes
/// `\uFFFF` once escaped) that the envelope would pass SQS's limit: every send would fail,
/// so it is refused up front (413) with nothing written. Just under it, it is enqueued.
#[tokio::test]
async fn an_envelope_that_would_pass_sqss_limit_once_escaped_is_refused_before_any_write() {
    let Some(stack) = Stack::new().await else {
        return;
    };
    let pipeline = stack.pipeline(KiteProvider::new(SecretList::parse(SECRET).unwrap()));
    let max_body = pipeline.settings().max_body_bytes;
    let too_large = kite_postback(&"\u{FFFF}".repeat(300_000), "OPEN").to_string();
    assert!(too_large.len() <= max_body, "{} bytes", too_large.len());
    let answer = pipeline
        .handle(&WebhookRequest::post("/webhooks/kite", too_large))
        .await;
    assert_eq!(answer.status, 413);
    assert_eq!(
        answer.body,
        r#"{"error":"event too large for the queue: its message would exceed 1048576 bytes"}"#
    );
    assert!(stack.emulator.table_items(&stack.table).await.is_empty());
    assert!(stack.drain().await.is_empty());
    let counts = stack.guard.counts();
    assert_eq!(counts.passed_messages.load(Ordering::SeqCst), 0);
    assert_eq!(counts.refused_requests.load(Ordering::SeqCst), 0);

    let fits = kite_postback(&"\u{FFFF}".repeat(174_000), "OPEN").to_string();
    let answer = pipeline
        .handle(&WebhookRequest::post("/webhooks/kite", fits.clone()))
        .await;
    assert_eq!(answer, accepted(1, 0));
    let messages = stack.drain().await;
    assert_eq!(messages.len(), 1);
    let size = messages[0].body.len()
        + messages[0]
            .attributes
            .iter()
            .map(|(name, value)| name.len() + "String".len() + value.len())
            .sum::<usize>();
    assert!(size <= SQS_MAX_MESSAGE_BYTES, "{size} bytes");
    assert!(
        size > SQS_MAX_MESSAGE_BYTES - 8_192,
        "{size} bytes: near the limit"
    );
    let envelope: Value = serde_json::from_str(&messages[0].body).unwrap();
    assert_eq!(
        envelope["payload"],
        serde_json::from_str::<Value>(&fits).unwrap()
    );
    assert_eq!(counts.refused_requests.load(Ordering::SeqCst), 0);
}

/// A 100 KB `status` is authentic (Kite signs only the order id and timestamp), so it is
/// delivered, but not as the envelope's `type`: `UNPARSED`, with the `type` fallback, and
/// the payload keeps it whole. Likewise a subject over 512 bytes becomes `unknown`.
#[tokio::test]
async fn a_100_kb_type_is_enqueued_as_unparsed_within_the_queues_limit() {
    let Some(stack) = Stack::new().await else {
        return;
    };
    let pipeline = stack.pipeline(KiteProvider::new(SecretList::parse(SECRET).unwrap()));
    let status = "S".repeat(100_000);
    let payload = kite_postback("t", &status);
    let request = WebhookRequest::post("/webhooks/kite", payload.to_string());
    assert_eq!(pipeline.handle(&request).await, accepted(1, 0));
    let messages = stack.drain().await;
    assert_eq!(messages.len(), 1);
    assert_eq!(messages[0].attributes["type"], "UNPARSED");
    assert_eq!(messages[0].attributes["fallback"], "type");
    let envelope: Value = serde_json::from_str(&messages[0].body).unwrap();
    assert_eq!(envelope["type"], "UNPARSED");
    assert_eq!(envelope["payload"]["status"], status.as_str());
    assert!(messages[0].body.len() < 110_000);
    // Its redelivery is a duplicate, as any event's.
    assert_eq!(pipeline.handle(&request).await, accepted(0, 1));
}
