//! Characters SQS refuses. moto accepts any message body, so the queue is reached through
//! a stand-in that enforces SQS's rule (testkit `sqs_character_guard`): an authentic
//! delivery with a raw U+FFFF (a user typed it into a Kite order `tag`) must still end on
//! the queue, its payload equal to what was received as JSON, not byte for byte.

use std::sync::atomic::Ordering;
use std::time::Duration;

use brokerhooks::aws_client::{RetryBudget, sqs_client};
use brokerhooks::providers::kite::{KiteProvider, checksum_hex};
use brokerhooks::providers::upvest::{UpvestProvider, VERIFY_KEYS_VARIABLE, VerifyKeys};
use brokerhooks::queue::SqsQueue;
use brokerhooks::secret_list::SecretList;
use brokerhooks::{Pipeline, Provider, WebhookRequest};
use brokerhooks_testkit::answers::accepted;
use brokerhooks_testkit::emulator::{
    Emulator, ReceivedMessage, address_of, sdk_config_with_budget, test_settings,
};
use brokerhooks_testkit::local_secrets::LocalSecrets;
use brokerhooks_testkit::signers::upvest::UpvestSigner;
use brokerhooks_testkit::sqs_character_guard::{SqsCharacterGuard, sqs_allows};
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
    ) -> Pipeline<P, brokerhooks::idempotency::DynamoDbStore, SqsQueue> {
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
