//! Upvest batches through the real pipeline, DynamoDB and SQS adapters and AWS SDK,
//! against the local emulator the test command starts.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use aws_sdk_sqs::config::interceptors::BeforeSerializationInterceptorContextRef;
use aws_sdk_sqs::config::{ConfigBag, Intercept};
use aws_sdk_sqs::operation::send_message::SendMessageInput;
use aws_sdk_sqs::operation::send_message_batch::SendMessageBatchInput;
use brokerhooks::canonical_json::content_id;
use brokerhooks::clock::ManualClock;
use brokerhooks::config::ConfigSource;
use brokerhooks::envelope::OutgoingMessage;
use brokerhooks::function::FunctionService;
use brokerhooks::idempotency::DynamoDbStore;
use brokerhooks::providers::upvest::{
    UpvestEvent, UpvestProvider, VERIFY_KEYS_VARIABLE, VerifyKeys,
};
use brokerhooks::queue::{EventQueue, QueueError, SqsQueue};
use brokerhooks::{Answer, Pipeline, WebhookRequest};
use brokerhooks_testkit::answers::accepted;
use brokerhooks_testkit::api_gateway_event::Delivery;
use brokerhooks_testkit::emulator::{Emulator, test_settings};
use brokerhooks_testkit::local_secrets::LocalSecrets;
use brokerhooks_testkit::log_capture::CapturedLogs;
use brokerhooks_testkit::signers::upvest::UpvestSigner;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;

fn signer() -> UpvestSigner {
    UpvestSigner::local(&LocalSecrets::load_default().unwrap()).unwrap()
}

/// A throwaway P-521 key (a scalar below the group order).
fn test_key(byte: u8) -> p521::ecdsa::SigningKey {
    let mut scalar = [byte; 66];
    scalar[0] = 0;
    p521::ecdsa::SigningKey::from_slice(&scalar).unwrap()
}

fn provider(grace_seconds: u64) -> UpvestProvider {
    let secrets = LocalSecrets::load_default().unwrap();
    let keys = VerifyKeys::parse_jwks(secrets.get(VERIFY_KEYS_VARIABLE).unwrap()).unwrap();
    UpvestProvider::new(keys, Duration::from_secs(grace_seconds))
}

fn event(n: u32, event_type: &str, object_id: &str) -> Value {
    json!({
        "id": format!("0c0ffee0-0000-4000-8000-{n:012}"),
        "created_at": format!("2026-11-22T10:00:{n:02}.250Z"),
        "type": event_type,
        "object": {"id": object_id, "status": "FILLED", "cash_amount": "10.00"},
        "webhook_id": "0b7c9d2e-4f61-4a83-9b5c-6d7e8f9a0b1c",
    })
}

fn now() -> i64 {
    OffsetDateTime::now_utc().unix_timestamp()
}

/// A signed batch; the body is written by hand so events keep their exact bytes.
fn batch(events: &[&str]) -> Delivery {
    let body = format!("{{\"payload\": [{}]}}", events.join(",\n  "));
    signer().sign_body(body, now()).unwrap()
}

/// Records which SQS operations the queue adapter calls, and with how many entries.
#[derive(Debug, Default, Clone)]
struct SqsCalls(Arc<Mutex<Vec<(&'static str, usize)>>>);

impl Intercept for SqsCalls {
    fn name(&self) -> &'static str {
        "SqsCalls"
    }

    fn read_before_execution(
        &self,
        context: &BeforeSerializationInterceptorContextRef<'_>,
        _cfg: &mut ConfigBag,
    ) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
        let input = context.input();
        let call = if let Some(batch) = input.downcast_ref::<SendMessageBatchInput>() {
            Some(("SendMessageBatch", batch.entries().len()))
        } else {
            input
                .downcast_ref::<SendMessageInput>()
                .map(|_| ("SendMessage", 1))
        };
        if let Some(call) = call {
            self.0.lock().unwrap().push(call);
        }
        Ok(())
    }
}

type UpvestPipeline<Q> = Pipeline<UpvestProvider, DynamoDbStore, Q>;

struct Stack {
    emulator: Emulator,
    table: String,
    queue: String,
    calls: SqsCalls,
}

impl Stack {
    async fn new() -> Self {
        let emulator = Emulator::from_env().await;
        let (table, queue) = emulator.fresh_stack(true).await;
        Stack {
            emulator,
            table,
            queue,
            calls: SqsCalls::default(),
        }
    }

    /// The production adapters, the SQS client with the call recorder.
    fn pipeline(&self) -> UpvestPipeline<SqsQueue> {
        self.pipeline_with(|queue| queue)
    }

    fn pipeline_with<Q: EventQueue>(&self, wrap: impl FnOnce(SqsQueue) -> Q) -> UpvestPipeline<Q> {
        let (store, _) = self.emulator.adapters(&self.table, &self.queue);
        let config = aws_sdk_sqs::config::Builder::from(&self.emulator.config)
            .interceptor(self.calls.clone())
            .build();
        let sqs = SqsQueue::new(aws_sdk_sqs::Client::from_conf(config), &self.queue, true);
        Pipeline::new(
            provider(300),
            store,
            wrap(sqs),
            test_settings(&self.table, &self.queue),
        )
    }

    async fn envelopes(&self) -> Vec<Value> {
        let mut envelopes: Vec<Value> = self
            .emulator
            .drain(&self.queue)
            .await
            .iter()
            .map(|m| serde_json::from_str(&m.body).unwrap())
            .collect();
        envelopes.sort_by_key(|e| e["id"].as_str().unwrap().to_owned());
        envelopes
    }

    fn calls(&self) -> Vec<(&'static str, usize)> {
        std::mem::take(&mut *self.calls.0.lock().unwrap())
    }
}

/// Fails the sends of messages whose envelope carries `event_id`; passes the rest on.
struct FailingFor<Q> {
    inner: Q,
    event_id: String,
}

impl<Q: EventQueue> EventQueue for FailingFor<Q> {
    async fn send_all(&self, messages: &[OutgoingMessage]) -> Vec<Result<(), QueueError>> {
        let fails = |m: &OutgoingMessage| {
            serde_json::from_str::<Value>(m.body()).unwrap()["id"] == self.event_id.as_str()
        };
        let passed: Vec<OutgoingMessage> = messages.iter().filter(|m| !fails(m)).cloned().collect();
        let mut results = self.inner.send_all(&passed).await.into_iter();
        messages
            .iter()
            .map(|m| {
                if fails(m) {
                    Err(QueueError("injected failure".to_owned()))
                } else {
                    results.next().unwrap()
                }
            })
            .collect()
    }
}

#[tokio::test]
async fn each_event_of_a_batch_is_one_message_sent_in_one_batch_request() {
    let stack = Stack::new().await;
    let events = [
        event(1, "ORDER.NEW", "order-1").to_string(),
        // Spacing and key order kept as sent.
        "{ \"type\": \"EXECUTION.FILLED\", \"id\": \"0c0ffee0-0000-4000-8000-000000000002\",\n    \"created_at\": \"2026-11-22T10:00:02Z\", \"object\": {\"id\": \"exec-2\", \"order_id\": \"order-1\"}, \"webhook_id\": \"w\" }".to_owned(),
        event(3, "SOMETHING_NEW.HAPPENED", "thing-3").to_string(),
    ];
    let delivery = batch(&events.iter().map(String::as_str).collect::<Vec<_>>());
    let before = OffsetDateTime::now_utc().replace_nanosecond(0).unwrap();
    assert_eq!(
        stack.pipeline().handle(&delivery.to_request()).await,
        accepted(3, 0)
    );
    assert_eq!(stack.calls(), [("SendMessageBatch", 3)]);

    let messages = stack.emulator.drain(&stack.queue).await;
    assert_eq!(messages.len(), 3);
    let mut by_id: Vec<(Value, _)> = messages
        .iter()
        .map(|m| (serde_json::from_str::<Value>(&m.body).unwrap(), m))
        .collect();
    by_id.sort_by_key(|(e, _)| e["id"].as_str().unwrap().to_owned());
    let expected = [
        (
            "0c0ffee0-0000-4000-8000-000000000001",
            "ORDER.NEW",
            "order-1",
            "2026-11-22T10:00:01.25Z",
        ),
        (
            "0c0ffee0-0000-4000-8000-000000000002",
            "EXECUTION.FILLED",
            "exec-2",
            "2026-11-22T10:00:02Z",
        ),
        (
            "0c0ffee0-0000-4000-8000-000000000003",
            "SOMETHING_NEW.HAPPENED",
            "thing-3",
            "2026-11-22T10:00:03.25Z",
        ),
    ];
    for (((envelope, message), (id, event_type, subject, occurred_at)), raw) in
        by_id.iter().zip(expected).zip(&events)
    {
        let received_at = envelope["received_at"].as_str().unwrap();
        assert_eq!(
            envelope,
            &json!({
                "id": id, "provider": "upvest", "type": event_type, "subject": subject,
                "occurred_at": occurred_at, "received_at": received_at,
                "payload": serde_json::from_str::<Value>(raw).unwrap(),
            })
        );
        // The payload bytes are the event exactly as sent.
        assert!(
            message.body.contains(&format!("\"payload\":{raw}}}")),
            "{}",
            message.body
        );
        let received =
            OffsetDateTime::parse(received_at, &time::format_description::well_known::Rfc3339)
                .unwrap();
        assert!(received >= before && received - before < time::Duration::seconds(60));
        assert_eq!(
            message.group_id.as_deref(),
            Some(format!("upvest:{subject}").as_str())
        );
        assert_eq!(
            message.dedup_id.as_deref(),
            Some(hex::encode(Sha256::digest(format!("upvest:{id}"))).as_str())
        );
        assert_eq!(
            message.attributes.get("provider").map(String::as_str),
            Some("upvest")
        );
        assert_eq!(
            message.attributes.get("type").map(String::as_str),
            Some(event_type)
        );
    }
    let envelope: brokerhooks::Envelope = serde_json::from_str(&messages[0].body).unwrap();
    let model: UpvestEvent = envelope.payload_as().unwrap();
    assert!(model.id.starts_with("0c0ffee0-"));

    let items = stack.emulator.table_items(&stack.table).await;
    assert_eq!(items.len(), 3);
    assert!(
        items
            .iter()
            .all(|i| i["status"] == "ENQUEUED" && i["pk"].starts_with("upvest#0c0ffee0-"))
    );

    // The same delivery again: all duplicates, one DynamoDB call each and no send.
    assert_eq!(
        stack.pipeline().handle(&delivery.to_request()).await,
        accepted(0, 3)
    );
    assert!(stack.calls().is_empty());
    assert!(stack.emulator.drain(&stack.queue).await.is_empty());
}

#[tokio::test]
async fn a_batch_redelivered_after_a_partial_failure_enqueues_only_the_missing_events() {
    let stack = Stack::new().await;
    let events: Vec<String> = (1..=4)
        .map(|n| event(n, "ORDER.FILLED", &format!("order-{n}")).to_string())
        .collect();
    let delivery = batch(&events.iter().map(String::as_str).collect::<Vec<_>>());
    let failing = stack.pipeline_with(|sqs| FailingFor {
        inner: sqs,
        event_id: "0c0ffee0-0000-4000-8000-000000000003".to_owned(),
    });
    assert_eq!(
        failing.handle(&delivery.to_request()).await,
        Answer {
            status: 503,
            body: r#"{"error":"storage or queue unavailable; retry later"}"#.to_owned()
        }
    );
    assert_eq!(stack.calls(), [("SendMessageBatch", 3)]);
    let first: Vec<Value> = stack.envelopes().await;
    let ids = |envelopes: &[Value]| -> Vec<String> {
        envelopes
            .iter()
            .map(|e| e["id"].as_str().unwrap()[24..].to_owned())
            .collect()
    };
    assert_eq!(
        ids(&first),
        ["000000000001", "000000000002", "000000000004"]
    );
    // The failed event's claim was released; the others are done.
    let mut keys: Vec<String> = stack
        .emulator
        .table_items(&stack.table)
        .await
        .iter()
        .map(|i| format!("{} {}", &i["pk"][31..], i["status"]))
        .collect();
    keys.sort();
    assert_eq!(
        keys,
        [
            "000000000001 ENQUEUED",
            "000000000002 ENQUEUED",
            "000000000004 ENQUEUED"
        ]
    );

    // Upvest resends the whole batch: only the missing event goes out.
    assert_eq!(
        stack.pipeline().handle(&delivery.to_request()).await,
        accepted(1, 3)
    );
    assert_eq!(stack.calls(), [("SendMessage", 1)]);
    let second = stack.envelopes().await;
    assert_eq!(ids(&second), ["000000000003"]);
    assert_eq!(
        second[0]["payload"],
        serde_json::from_str::<Value>(&events[2]).unwrap()
    );
    assert_eq!(stack.emulator.table_items(&stack.table).await.len(), 4);
}

#[tokio::test]
async fn an_event_without_id_or_type_is_enqueued_as_unparsed_and_the_batch_answers_200() {
    let (logs, _guard) = CapturedLogs::install();
    let stack = Stack::new().await;
    let good = event(1, "USER.ACTIVATED", "user-1").to_string();
    let no_id = r#"{"type": "ORDER.NEW", "object": {"id": "o-9"}}"#;
    let not_object = "17";
    let delivery = batch(&[&good, no_id, not_object]);
    let before = OffsetDateTime::now_utc().replace_nanosecond(0).unwrap();
    assert_eq!(
        stack.pipeline().handle(&delivery.to_request()).await,
        accepted(3, 0)
    );

    let envelopes = stack.envelopes().await;
    assert_eq!(envelopes.len(), 3);
    for raw in [no_id, not_object] {
        let value: Value = serde_json::from_str(raw).unwrap();
        let id = content_id(&value);
        let envelope = envelopes.iter().find(|e| e["id"] == id.as_str()).unwrap();
        assert_eq!(envelope["type"], "UNPARSED");
        assert_eq!(envelope["subject"], "unparsed");
        assert_eq!(envelope["occurred_at"], envelope["received_at"]);
        assert_eq!(envelope["payload"], value);
        let at = OffsetDateTime::parse(
            envelope["received_at"].as_str().unwrap(),
            &time::format_description::well_known::Rfc3339,
        )
        .unwrap();
        assert!(at >= before);
    }
    assert!(
        envelopes
            .iter()
            .any(|e| e["type"] == "USER.ACTIVATED" && e["subject"] == "user-1")
    );
    let text = logs.text();
    assert_eq!(
        text.matches("event without id or type kept as UNPARSED")
            .count(),
        2,
        "{text}"
    );
    assert!(!text.contains("o-9"), "event content must not be logged");

    // Redelivered, the unparsed events are duplicates too: their ids come from content.
    assert_eq!(
        stack.pipeline().handle(&delivery.to_request()).await,
        accepted(0, 3)
    );
}

#[tokio::test]
async fn an_empty_batch_is_accepted_and_a_bad_body_refused_after_authentication() {
    let stack = Stack::new().await;
    let pipeline = stack.pipeline();
    let empty = signer().sign_body(r#"{"payload":[]}"#, now()).unwrap();
    assert_eq!(pipeline.handle(&empty.to_request()).await, accepted(0, 0));
    let no_payload = signer().sign_body(r#"{"events":[]}"#, now()).unwrap();
    assert_eq!(
        pipeline.handle(&no_payload.to_request()).await,
        Answer {
            status: 400,
            body: r#"{"error":"body has no payload array"}"#.to_owned()
        }
    );
    assert!(stack.emulator.table_items(&stack.table).await.is_empty());
    assert!(stack.calls().is_empty());
}

#[tokio::test]
async fn forged_or_tampered_deliveries_write_nothing() {
    let stack = Stack::new().await;
    let pipeline = stack.pipeline();
    let good = batch(&[&event(1, "ORDER.FILLED", "order-1").to_string()]);
    let refused = |reason: &str| Answer {
        status: 401,
        body: format!(r#"{{"error":"{reason}"}}"#),
    };

    let mut tampered = good.clone();
    tampered.body = String::from_utf8(good.body.clone())
        .unwrap()
        .replace("10.00", "99.00")
        .into_bytes();
    let mut redigested = tampered.clone();
    redigested = redigested.with_header(
        "digest",
        &brokerhooks::providers::upvest::digest_header(&tampered.body),
    );
    let mut moved = good.clone();
    moved.path = "/webhooks/other".to_owned();
    let mut put = good.clone();
    put.method = "PUT".to_owned();
    let other_key = UpvestSigner::new(test_key(7), signer().kid());
    let unknown_kid = UpvestSigner::new(test_key(9), "not-configured");
    let cases = [
        ("body changed", tampered, refused("digest mismatch")),
        (
            "body and digest changed",
            redigested,
            refused("signature mismatch"),
        ),
        (
            "covered header changed",
            good.clone().with_header("content-type", "text/plain"),
            refused("signature mismatch"),
        ),
        ("path changed", moved, refused("signature mismatch")),
        (
            "method changed",
            put,
            Answer {
                status: 405,
                body: r#"{"error":"method not allowed"}"#.to_owned(),
            },
        ),
        (
            "signed by another key",
            other_key.sign_body(good.body.clone(), now()).unwrap(),
            refused("signature mismatch"),
        ),
        (
            "unknown keyid",
            unknown_kid.sign_body(good.body.clone(), now()).unwrap(),
            refused("unknown keyid"),
        ),
        (
            "no signature",
            Delivery {
                headers: vec![],
                ..good.clone()
            },
            refused("missing signature-input"),
        ),
    ];
    for (name, delivery, answer) in cases {
        assert_eq!(
            pipeline.handle(&delivery.to_request()).await,
            answer,
            "{name}"
        );
    }
    assert!(stack.emulator.table_items(&stack.table).await.is_empty());
    assert!(stack.emulator.drain(&stack.queue).await.is_empty());
    assert_eq!(pipeline.handle(&good.to_request()).await, accepted(1, 0));
}

#[tokio::test]
async fn expired_signatures_are_accepted_only_within_the_grace() {
    let stack = Stack::new().await;
    let created = 1_795_305_600; // 2026-11-22T00:00:00Z
    let delivery = signer()
        .sign_body(
            format!("{{\"payload\":[{}]}}", event(1, "ORDER.NEW", "order-1")),
            created,
        )
        .unwrap();
    let at = |unix: i64| ManualClock::new(OffsetDateTime::from_unix_timestamp(unix).unwrap());
    let expires = created + 60;
    let strict = Pipeline::new(
        provider(0),
        stack.emulator.adapters(&stack.table, &stack.queue).0,
        stack.emulator.adapters(&stack.table, &stack.queue).1,
        test_settings(&stack.table, &stack.queue),
    )
    .with_clock(at(expires + 1));
    assert_eq!(
        strict.handle(&delivery.to_request()).await,
        Answer {
            status: 401,
            body: r#"{"error":"signature expired"}"#.to_owned()
        }
    );
    let late = stack.pipeline().with_clock(at(expires + 301));
    assert_eq!(
        late.handle(&delivery.to_request()).await,
        Answer {
            status: 401,
            body: r#"{"error":"signature expired"}"#.to_owned()
        }
    );
    assert!(stack.emulator.table_items(&stack.table).await.is_empty());
    let within = stack.pipeline().with_clock(at(expires + 300));
    assert_eq!(within.handle(&delivery.to_request()).await, accepted(1, 0));
}

#[tokio::test]
async fn a_bad_jwks_makes_the_function_answer_500_and_say_which_variable() {
    let (logs, _guard) = CapturedLogs::install();
    let emulator = Emulator::from_env().await;
    let (table, queue) = emulator.fresh_stack(true).await;
    let config = ConfigSource::from_pairs([
        ("EVENTS_TABLE", table.as_str()),
        ("EVENTS_QUEUE_URL", queue.as_str()),
        (
            "UPVEST_VERIFY_KEYS",
            r#"{"keys":[{"kid":"k","kty":"EC","crv":"P-521","x":"AA","y":"AA"}]}"#,
        ),
    ]);
    let service = FunctionService::<UpvestProvider>::build(config, &emulator.config).await;
    let delivery = batch(&[&event(1, "ORDER.NEW", "order-1").to_string()]);
    let request: WebhookRequest = delivery.to_request();
    assert_eq!(
        service.handle(&request).await,
        Answer {
            status: 500,
            body: r#"{"error":"function is misconfigured"}"#.to_owned()
        }
    );
    let text = logs.text();
    assert!(
        text.contains(
            "variable UPVEST_VERIFY_KEYS is invalid: key 0 is not a valid P-521 public key"
        ),
        "{text}"
    );
    assert!(emulator.table_items(&table).await.is_empty());
}
