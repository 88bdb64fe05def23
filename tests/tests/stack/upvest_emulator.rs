//! Upvest batches through the real pipeline, DynamoDB and SQS adapters and AWS SDK,
//! against the local emulator the test command starts.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use aws_sdk_sqs::config::interceptors::BeforeSerializationInterceptorContextRef;
use aws_sdk_sqs::config::{ConfigBag, Intercept};
use aws_sdk_sqs::operation::send_message::SendMessageInput;
use aws_sdk_sqs::operation::send_message_batch::SendMessageBatchInput;
use brokerhooks::aws::DynamoDbStore;
use brokerhooks::aws::SqsQueue;
use brokerhooks::config::ConfigSource;
use brokerhooks::edge::function::FunctionService;
use brokerhooks::pipeline::envelope::OutgoingMessage;
use brokerhooks::pipeline::ports::clock::ManualClock;
use brokerhooks::pipeline::ports::{EventQueue, QueueError};
use brokerhooks::providers::upvest::{
    UpvestProvider, VERIFY_KEYS_VARIABLE, VerifyKeys, WebhookSubscriptions, digest_header,
};
use brokerhooks::text::canonical_json::content_id;
use brokerhooks::{Answer, Pipeline, WebhookRequest};
use brokerhooks_models::upvest::UpvestEvent;
use brokerhooks_testkit::answers::{accepted, refused};
use brokerhooks_testkit::api_gateway_event::Delivery;
use brokerhooks_testkit::emulator::{Emulator, test_settings};
use brokerhooks_testkit::local_secrets::LocalSecrets;
use brokerhooks_testkit::log_capture::CapturedLogs;
use brokerhooks_testkit::providers::upvest::UpvestSigner;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;

fn signer() -> UpvestSigner {
    UpvestSigner::local(&LocalSecrets::load_default().unwrap()).unwrap()
}

/// The subscription id of every sample event (events/upvest/payloads/).
const OUR_WEBHOOK: &str = "0b7c9d2e-4f61-4a83-9b5c-6d7e8f9a0b1c";

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
        "webhook_id": OUR_WEBHOOK,
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
    /// `None` (the test skips) without the local stack.
    async fn new() -> Option<Self> {
        let emulator = Emulator::from_env().await?;
        let (table, queue) = emulator.fresh_stack(true).await;
        Some(Stack {
            emulator,
            table,
            queue,
            calls: SqsCalls::default(),
        })
    }

    /// The production adapters, the SQS client with the call recorder.
    fn pipeline(&self) -> UpvestPipeline<SqsQueue> {
        self.pipeline_with(|queue| queue)
    }

    /// The production adapters around a provider that accepts only our subscription.
    fn pipeline_for_our_webhook(&self) -> UpvestPipeline<SqsQueue> {
        let (store, queue) = self.emulator.adapters(&self.table, &self.queue);
        Pipeline::new(
            provider(300).with_subscriptions(WebhookSubscriptions::only([OUR_WEBHOOK])),
            store,
            queue,
            test_settings(&self.table, &self.queue),
        )
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
    let Some(stack) = Stack::new().await else {
        return;
    };
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
    let Some(stack) = Stack::new().await else {
        return;
    };
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
async fn events_with_unreadable_fields_are_enqueued_with_fallbacks_and_the_batch_answers_200() {
    let (logs, _guard) = CapturedLogs::install();
    let Some(stack) = Stack::new().await else {
        return;
    };
    let good = event(1, "USER.ACTIVATED", "user-1").to_string();
    let no_id = r#"{"type": "ORDER.NEW", "object": {"id": "o-9"}}"#;
    let not_object = "17";
    let delivery = batch(&[&good, no_id, not_object]);
    let before = OffsetDateTime::now_utc().replace_nanosecond(0).unwrap();
    let outcome = stack
        .pipeline()
        .process(
            &delivery.to_request(),
            brokerhooks::pipeline::deadline::Deadline::without_lambda(),
        )
        .await;
    // Answered (and logged) as the function answers it.
    assert_eq!(brokerhooks::edge::answer::respond(&outcome).status, 200);
    let tally = outcome.result.clone().unwrap();
    assert_eq!(
        (tally.accepted, tally.duplicates, tally.unparsed),
        (3, 0, 2)
    );

    let messages = stack.emulator.drain(&stack.queue).await;
    assert_eq!(messages.len(), 3);
    let cases = [
        (no_id, "ORDER.NEW", "o-9", "id,occurred_at"),
        (
            not_object,
            "UNPARSED",
            "unknown",
            "id,type,subject,occurred_at",
        ),
    ];
    for (raw, event_type, subject, fallback) in cases {
        let value: Value = serde_json::from_str(raw).unwrap();
        let id = content_id(&value);
        let message = messages
            .iter()
            .find(|m| serde_json::from_str::<Value>(&m.body).unwrap()["id"] == id.as_str())
            .unwrap();
        let envelope: Value = serde_json::from_str(&message.body).unwrap();
        let received_at = envelope["received_at"].as_str().unwrap();
        assert_eq!(
            envelope,
            json!({
                "id": id, "provider": "upvest", "type": event_type, "subject": subject,
                "occurred_at": received_at, "received_at": received_at, "payload": value,
            })
        );
        assert_eq!(
            message.attributes.get("fallback").map(String::as_str),
            Some(fallback)
        );
        let at = OffsetDateTime::parse(received_at, &time::format_description::well_known::Rfc3339)
            .unwrap();
        assert!(at >= before);
    }
    let documented = messages
        .iter()
        .find(|m| m.body.contains("USER.ACTIVATED"))
        .unwrap();
    assert!(documented.body.contains(r#""subject":"user-1""#));
    assert_eq!(documented.attributes.get("fallback"), None);
    let text = logs.text();
    // The delivery's one line names the two drifted events' stand-ins.
    assert_eq!(text.matches("\"fallback\":\"").count(), 2, "{text}");
    assert!(!text.contains("o-9"), "event content must not be logged");

    // Redelivered, the drifted events are duplicates too: their ids come from content.
    assert_eq!(
        stack.pipeline().handle(&delivery.to_request()).await,
        accepted(0, 3)
    );
}

/// A delivery whose covered headers are structured values, signed as Upvest's v6 signer
/// does: a dictionary, a list, an inner list and a plain value containing ", ".
fn structured_delivery(events: &[&str]) -> Delivery {
    let mut delivery = Delivery::post(
        "/webhooks/upvest",
        format!("{{\"payload\": [{}]}}", events.join(", ")),
    );
    delivery.headers.extend(
        [
            ("cache-control", "max-age=0, stale-if-error=60"),
            ("accept-language", "en, de"),
            ("upvest-trace", "(a, \"b, c\")"),
            ("accept", "application/json, text/plain"),
        ]
        .map(|(name, value)| (name.to_owned(), value.to_owned())),
    );
    signer().sign(delivery, now()).unwrap()
}

#[tokio::test]
async fn structured_covered_headers_verify_are_enqueued_and_redeliveries_are_duplicates() {
    let Some(stack) = Stack::new().await else {
        return;
    };
    let events = [
        event(1, "ORDER.NEW", "order-1").to_string(),
        event(2, "ORDER.FILLED", "order-1").to_string(),
    ];
    let delivery = structured_delivery(&events.iter().map(String::as_str).collect::<Vec<_>>());
    let input = delivery.header("signature-input").unwrap();
    let covered = &input[..input.find(';').unwrap()];
    assert_eq!(
        covered,
        r#"sig1=("content-type" "cache-control:max-age" "cache-control:stale-if-error" "accept-language" "upvest-trace:0" "upvest-trace:1" "upvest-trace:2" "accept" "@method" "@path" "digest")"#
    );
    assert_eq!(
        stack.pipeline().handle(&delivery.to_request()).await,
        accepted(2, 0)
    );
    let envelopes = stack.envelopes().await;
    assert_eq!(envelopes.len(), 2);
    for (envelope, (n, event_type, raw)) in envelopes.iter().zip([
        (1, "ORDER.NEW", &events[0]),
        (2, "ORDER.FILLED", &events[1]),
    ]) {
        let received_at = envelope["received_at"].as_str().unwrap();
        assert_eq!(
            envelope,
            &json!({
                "id": format!("0c0ffee0-0000-4000-8000-{n:012}"), "provider": "upvest",
                "type": event_type, "subject": "order-1",
                "occurred_at": format!("2026-11-22T10:00:{n:02}.25Z"),
                "received_at": received_at,
                "payload": serde_json::from_str::<Value>(raw).unwrap(),
            })
        );
    }
    // The same delivery, and the batch signed again as Upvest's retry would be.
    assert_eq!(
        stack.pipeline().handle(&delivery.to_request()).await,
        accepted(0, 2)
    );
    let resigned = structured_delivery(&events.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(
        stack.pipeline().handle(&resigned.to_request()).await,
        accepted(0, 2)
    );
    assert!(stack.emulator.drain(&stack.queue).await.is_empty());
    assert_eq!(stack.emulator.table_items(&stack.table).await.len(), 2);

    // A covered member changed, or the covered part of the plain value: refused.
    for (name, value) in [
        ("cache-control", "max-age=1, stale-if-error=60"),
        ("upvest-trace", "(a, \"b, d\")"),
        ("accept", "application/xml, text/plain"),
    ] {
        let tampered = delivery.clone().with_header(name, value);
        assert_eq!(
            stack.pipeline().handle(&tampered.to_request()).await,
            refused(401, "signature mismatch"),
            "{name}"
        );
    }
}

#[tokio::test]
async fn a_forged_digest_entry_or_a_foreign_webhook_id_writes_nothing() {
    let Some(stack) = Stack::new().await else {
        return;
    };
    let genuine = batch(&[&event(1, "ORDER.FILLED", "order-1").to_string()]);
    // A forged body, and its digest appended as an unsigned second entry.
    let forged_body = String::from_utf8(genuine.body.clone())
        .unwrap()
        .replace("10.00", "99999.00");
    let mut forged = genuine.clone().with_header(
        "digest",
        &format!(
            "{}, {}",
            genuine.header("digest").unwrap(),
            digest_header(forged_body.as_bytes())
        ),
    );
    forged.body = forged_body.into_bytes();
    assert_eq!(
        stack.pipeline().handle(&forged.to_request()).await,
        refused(401, "digest mismatch")
    );

    // Signed by Upvest, but for another client's subscription.
    let mut foreign_event = event(2, "ORDER.FILLED", "order-2");
    foreign_event["webhook_id"] = json!("9f8e7d6c-0000-4000-8000-theirs000000");
    let foreign = batch(&[
        &event(3, "ORDER.NEW", "order-3").to_string(),
        &foreign_event.to_string(),
    ]);
    assert_eq!(
        stack
            .pipeline_for_our_webhook()
            .handle(&foreign.to_request())
            .await,
        refused(401, "event for another webhook subscription")
    );
    assert!(stack.emulator.table_items(&stack.table).await.is_empty());
    assert!(stack.emulator.drain(&stack.queue).await.is_empty());

    // Ours only, or no subscriptions configured: accepted.
    assert_eq!(
        stack
            .pipeline_for_our_webhook()
            .handle(&genuine.to_request())
            .await,
        accepted(1, 0)
    );
    assert_eq!(
        stack.pipeline().handle(&foreign.to_request()).await,
        accepted(2, 0)
    );
    assert_eq!(stack.envelopes().await.len(), 3);
}

#[tokio::test]
async fn an_empty_batch_is_accepted_and_a_bad_body_refused_after_authentication() {
    let Some(stack) = Stack::new().await else {
        return;
    };
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
    let Some(stack) = Stack::new().await else {
        return;
    };
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
    let other_key = UpvestSigner::generate(signer().kid());
    let unknown_kid = UpvestSigner::generate("not-configured");
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
    let Some(stack) = Stack::new().await else {
        return;
    };
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
    let Some(emulator) = Emulator::from_env().await else {
        return;
    };
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

#[tokio::test]
async fn without_webhook_ids_the_function_warns_at_cold_start() {
    let (logs, _guard) = CapturedLogs::install();
    let Some(emulator) = Emulator::from_env().await else {
        return;
    };
    let (table, queue) = emulator.fresh_stack(true).await;
    let secrets = LocalSecrets::load_default().unwrap();
    let config = |webhook_ids: &str| {
        ConfigSource::from_pairs([
            ("EVENTS_TABLE", table.as_str()),
            ("EVENTS_QUEUE_URL", queue.as_str()),
            (
                VERIFY_KEYS_VARIABLE,
                secrets.get(VERIFY_KEYS_VARIABLE).unwrap(),
            ),
            ("UPVEST_WEBHOOK_IDS", webhook_ids),
        ])
    };
    let warning = "webhook ids not configured";
    let configured =
        FunctionService::<UpvestProvider>::build(config(OUR_WEBHOOK), &emulator.config).await;
    assert!(matches!(configured, FunctionService::Ready(_)));
    assert!(!logs.text().contains(warning), "{}", logs.text());
    let unset = FunctionService::<UpvestProvider>::build(config(""), &emulator.config).await;
    assert!(matches!(unset, FunctionService::Ready(_)));
    assert_eq!(logs.text().matches(warning).count(), 1, "{}", logs.text());
    // Unset, events of any subscription are accepted.
    let foreign =
        batch(&[&json!({"id": "cold-1", "type": "ORDER.NEW", "webhook_id": "theirs"}).to_string()]);
    assert_eq!(unset.handle(&foreign.to_request()).await, accepted(1, 0));
    assert_eq!(
        configured.handle(&foreign.to_request()).await,
        refused(401, "event for another webhook subscription")
    );
}
