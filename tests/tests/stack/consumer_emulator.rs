//! The consumer kit against the emulator: real FIFO and standard queues with their
//! dead-letter queues and redrive policies, fed to an in-process `BatchProcessor` by the
//! local stand-in for Lambda's event source mapping, idempotency on a DynamoDB table.
//!
//! What these tests lean on is what SQS guarantees, not the emulator's gaps:
//! - moto re-delivers a FIFO group out of order when several of its messages time out
//!   together; the stand-in ends the visibility of timed-out records explicitly (a no-op
//!   on SQS), so moto releases the group whole, in order.
//! - moto forgets a deduplication id once its message is deleted (SQS keeps it for 5
//!   minutes): a second delivery of an event here always carries a new deduplication id,
//!   as the receiver's at-least-once corner and a redrive produce on SQS too.
//! - Each visibility timeout is waited out for real (short queues' timeouts); nothing
//!   asserts on time.

use std::sync::Mutex;

use brokerhooks_consumer::{
    BatchProcessor, ClaimStore, DynamoDbClaims, EventHandler, Handled, Idempotency, Record,
    SqsEvent,
};
use brokerhooks_models::{Envelope, PayloadError, TypedEvent};
use brokerhooks_testkit::emulator::Emulator;
use brokerhooks_testkit::event_source_mapping::{Batch, ConsumerFunction, LocalEventSourceMapping};
use serde::Deserialize;
use serde_json::{Value, json};

/// A `BatchProcessor` called directly (no deadline, as outside Lambda), so a test can
/// swap handlers between batches.
struct InProcess<'a, H, S>(&'a BatchProcessor<H, S>);

impl<H: EventHandler, S: ClaimStore> ConsumerFunction for InProcess<'_, H, S> {
    async fn invoke(&self, event: &Value) -> Result<Value, String> {
        let event: SqsEvent = serde_json::from_value(event.clone()).map_err(|e| e.to_string())?;
        let report = self.0.process(&event, None).await;
        serde_json::to_value(report.response()).map_err(|e| e.to_string())
    }
}

/// The example consumer's rule (consumer/example/src/main.rs): typed models; unknown
/// types, `UNPARSED` and unknown providers followed up; a payload that does not fit fails.
async fn typed_handler(envelope: &Record) -> Result<Handled, PayloadError> {
    Ok(match envelope.typed()? {
        TypedEvent::UnknownType { .. }
        | TypedEvent::Unparsed { .. }
        | TypedEvent::UnknownProvider { .. } => Handled::FollowUp,
        _ => Handled::Done,
    })
}

/// A Kite envelope with a fresh id, about order `subject`.
fn envelope(subject: &str) -> (String, String) {
    let id = Emulator::unique_name("event");
    let body = json!({
        "id": id, "provider": "kite", "type": "COMPLETE", "subject": subject,
        "occurred_at": "2026-11-20T03:45:02Z", "received_at": "2026-11-20T03:45:03Z",
        "payload": {"order_id": subject, "order_timestamp": "2026-11-20 09:15:02",
                    "status": "COMPLETE", "average_price": 1480.35, "app_id": 1234},
    })
    .to_string();
    (id, body)
}

/// Sends a body, with a group and a new deduplication id on a FIFO queue.
async fn send(emulator: &Emulator, queue_url: &str, group: Option<&str>, body: &str) {
    let mut request = emulator
        .sqs
        .send_message()
        .queue_url(queue_url)
        .message_body(body);
    if let Some(group) = group {
        request = request
            .message_group_id(group)
            .message_deduplication_id(Emulator::unique_name("dedup"));
    }
    request.send().await.expect("send to emulator");
}

/// `(envelope id or "<poison>", failed, receive count)` per record, batch by batch.
fn timeline(batches: &[Batch]) -> Vec<Vec<(String, bool, u32)>> {
    batches
        .iter()
        .map(|batch| {
            batch
                .records
                .iter()
                .map(|r| {
                    let id = r
                        .envelope_field("id")
                        .unwrap_or_else(|| "<poison>".to_owned());
                    (id, r.failed, r.receive_count)
                })
                .collect()
        })
        .collect()
}

/// Records the ids the handler ran for, in order; fails the ids listed in `failing`.
struct Recorder {
    seen: Mutex<Vec<String>>,
    failing: Mutex<Vec<String>>,
}

impl Recorder {
    fn new() -> Self {
        Recorder {
            seen: Mutex::new(Vec::new()),
            failing: Mutex::new(Vec::new()),
        }
    }

    fn record(&self, envelope: &Record) -> Result<Handled, &'static str> {
        self.seen.lock().unwrap().push(envelope.id.clone());
        if self.failing.lock().unwrap().contains(&envelope.id) {
            Err("the test handler refused it")
        } else {
            Ok(Handled::Done)
        }
    }

    fn seen(&self) -> Vec<String> {
        self.seen.lock().unwrap().clone()
    }
}

#[tokio::test]
async fn fifo_a_poison_record_blocks_its_group_until_the_dead_letter_queue_takes_it() {
    let Some(emulator) = Emulator::from_env().await else {
        return;
    };
    let name = Emulator::unique_name("consumer") + ".fifo";
    let (queue, dead_letters) = emulator
        .create_queue_with_dead_letter_queue(&name, 3, Some(2))
        .await
        .unwrap();
    let recorder = Recorder::new();
    let processor = BatchProcessor::new(async |e: &Record| recorder.record(e));
    let mapping =
        LocalEventSourceMapping::new(emulator.sqs.clone(), &queue, 10, InProcess(&processor))
            .await
            .unwrap();

    let (a1, a1_body) = envelope("A");
    let (b1, b1_body) = envelope("B");
    send(&emulator, &queue, Some("kite:A"), &a1_body).await;
    send(&emulator, &queue, Some("kite:A"), "this is not an envelope").await;
    send(&emulator, &queue, Some("kite:B"), &b1_body).await;
    let first = mapping.poll().await.unwrap().expect("a batch");
    assert_eq!(
        timeline(std::slice::from_ref(&first)),
        [vec![
            (a1.clone(), false, 1),
            ("<poison>".to_owned(), true, 1),
            (b1.clone(), false, 1),
        ]]
    );

    // Later events of both groups arrive while the poison record is being retried.
    let (a3, a3_body) = envelope("A");
    let (a4, a4_body) = envelope("A");
    let (b2, b2_body) = envelope("B");
    send(&emulator, &queue, Some("kite:A"), &a3_body).await;
    send(&emulator, &queue, Some("kite:A"), &a4_body).await;
    send(&emulator, &queue, Some("kite:B"), &b2_body).await;
    let rest = mapping.run_until_idle(20).await.unwrap();
    let rest = timeline(&rest);

    // Every batch that held the poison record failed it and every later record of A
    // (without running the handler for them); it was received maxReceiveCount times.
    let with_poison: Vec<&Vec<(String, bool, u32)>> = rest
        .iter()
        .filter(|batch| batch.iter().any(|(id, _, _)| id == "<poison>"))
        .collect();
    assert_eq!(with_poison.len(), 2, "{rest:?}");
    for (attempt, batch) in with_poison.iter().enumerate() {
        let a: Vec<_> = batch
            .iter()
            .filter(|(id, _, _)| id != &b2)
            .cloned()
            .collect();
        assert_eq!(
            a,
            [
                ("<poison>".to_owned(), true, attempt as u32 + 2),
                (a3.clone(), true, attempt as u32 + 1),
                (a4.clone(), true, attempt as u32 + 1),
            ]
        );
    }
    // Then it moved to the dead-letter queue, and A's later records were handled in order.
    assert_eq!(
        rest.last().unwrap(),
        &vec![(a3.clone(), false, 3), (a4.clone(), false, 3)]
    );
    // Group B went on meanwhile: the handler ran for b2 before it ran for a3.
    assert_eq!(recorder.seen(), [a1, b1, b2, a3, a4]);
    let dead: Vec<String> = emulator
        .drain(&dead_letters)
        .await
        .into_iter()
        .map(|m| m.body)
        .collect();
    assert_eq!(dead, ["this is not an envelope"]);
    assert!(emulator.drain(&queue).await.is_empty());
}

#[tokio::test]
async fn with_idempotency_a_record_delivered_twice_is_processed_once() {
    let Some(emulator) = Emulator::from_env().await else {
        return;
    };
    let table = Emulator::unique_name("consumer-marks");
    emulator.create_table(&table).await.unwrap();
    let name = Emulator::unique_name("consumer") + ".fifo";
    let (queue, _dead_letters) = emulator
        .create_queue_with_dead_letter_queue(&name, 5, Some(1))
        .await
        .unwrap();
    let recorder = Recorder::new();
    let processor = BatchProcessor::new(async |e: &Record| recorder.record(e)).with_idempotency(
        Idempotency::new(DynamoDbClaims::new(emulator.dynamodb.clone(), &table))
            .key_prefix("billing"),
    );
    let mapping =
        LocalEventSourceMapping::new(emulator.sqs.clone(), &queue, 10, InProcess(&processor))
            .await
            .unwrap();

    // The same event sent twice (two deduplication ids: the receiver's at-least-once
    // corner past SQS's 5-minute window), then once more in a later batch (a redrive).
    let (e1, e1_body) = envelope("A");
    let (e2, e2_body) = envelope("B");
    send(&emulator, &queue, Some("kite:A"), &e1_body).await;
    send(&emulator, &queue, Some("kite:A"), &e1_body).await;
    send(&emulator, &queue, Some("kite:B"), &e2_body).await;
    // e2's handler fails once: its mark is released, so the retry runs it.
    recorder.failing.lock().unwrap().push(e2.clone());
    let first = mapping.poll().await.unwrap().expect("a batch");
    assert_eq!(
        timeline(std::slice::from_ref(&first)),
        [vec![
            (e1.clone(), false, 1),
            (e1.clone(), false, 1),
            (e2.clone(), true, 1),
        ]]
    );
    let items = emulator.table_items(&table).await;
    assert_eq!(items.len(), 1, "{items:?}");
    assert_eq!(items[0]["pk"], format!("billing#kite#{e1}"));
    assert_eq!(items[0]["status"], "COMPLETED");
    assert!(!items[0].contains_key("lease_expires_at"));

    recorder.failing.lock().unwrap().clear();
    send(&emulator, &queue, Some("kite:A"), &e1_body).await;
    let rest = mapping.run_until_idle(10).await.unwrap();
    let mut rest: Vec<_> = timeline(&rest).into_iter().flatten().collect();
    rest.sort();
    let mut expected = vec![(e1.clone(), false, 1), (e2.clone(), false, 2)];
    expected.sort();
    assert_eq!(rest, expected);
    // Four deliveries of e1 and e2 ran the handler three times: e1 once, e2 twice
    // (once failing).
    assert_eq!(recorder.seen(), [e1.clone(), e2.clone(), e2.clone()]);
    let mut keys: Vec<(String, String)> = emulator
        .table_items(&table)
        .await
        .into_iter()
        .map(|item| (item["pk"].clone(), item["status"].clone()))
        .collect();
    keys.sort();
    let mut expected = vec![
        (format!("billing#kite#{e1}"), "COMPLETED".to_owned()),
        (format!("billing#kite#{e2}"), "COMPLETED".to_owned()),
    ];
    expected.sort();
    assert_eq!(keys, expected);
}

/// The "fixed model": Kite's `app_id` read as a number or a numeric string.
#[derive(Deserialize)]
struct FixedPostback {
    #[allow(dead_code, reason = "read to prove the payload fits")]
    order_id: String,
    #[serde(deserialize_with = "number_or_string")]
    #[allow(dead_code, reason = "read to prove the payload fits")]
    app_id: i64,
}

fn number_or_string<'de, D: serde::Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Either {
        Number(i64),
        Text(String),
    }
    match Either::deserialize(d)? {
        Either::Number(n) => Ok(n),
        Either::Text(text) => text.parse().map_err(serde::de::Error::custom),
    }
}

#[tokio::test]
async fn a_payload_that_does_not_fit_its_model_fails_and_a_redrive_after_the_fix_handles_it() {
    let Some(emulator) = Emulator::from_env().await else {
        return;
    };
    let name = Emulator::unique_name("consumer") + ".fifo";
    let (queue, dead_letters) = emulator
        .create_queue_with_dead_letter_queue(&name, 2, Some(1))
        .await
        .unwrap();
    // Kite starts sending `app_id` as a string: KitePostback wants a number.
    let (drifted, body) = envelope("D");
    let body = body.replace("\"app_id\":1234", "\"app_id\":\"1234\"");
    let (fine, fine_body) = envelope("F");
    send(&emulator, &queue, Some("kite:D"), &body).await;
    send(&emulator, &queue, Some("kite:F"), &fine_body).await;

    let today = BatchProcessor::new(typed_handler);
    let mapping = LocalEventSourceMapping::new(emulator.sqs.clone(), &queue, 10, InProcess(&today))
        .await
        .unwrap();
    let batches = mapping.run_until_idle(10).await.unwrap();
    assert_eq!(
        timeline(&batches),
        [
            vec![(drifted.clone(), true, 1), (fine.clone(), false, 1)],
            vec![(drifted.clone(), true, 2)],
        ]
    );
    // The failure names the model and position, never the payload's values.
    let envelope: Envelope = serde_json::from_str(&body).unwrap();
    let error = envelope.typed().unwrap_err();
    assert_eq!(error.model, "KitePostback");
    assert!(!error.to_string().contains("1234"), "{error}");
    // After maxReceiveCount it waits in the dead-letter queue (nothing is lost) until
    // the model is fixed and deployed and the dead-letter queue redriven: handled.
    assert!(emulator.drain(&queue).await.is_empty());
    let fixed = BatchProcessor::new(async |envelope: &Record| {
        envelope.payload_as::<FixedPostback>()?;
        Ok::<_, serde_json::Error>(Handled::Done)
    });
    let redriven: Vec<String> = emulator
        .redrive(&dead_letters, &queue)
        .await
        .into_iter()
        .map(|m| m.body)
        .collect();
    assert_eq!(redriven, [body]);
    let mapping = LocalEventSourceMapping::new(emulator.sqs.clone(), &queue, 10, InProcess(&fixed))
        .await
        .unwrap();
    let batches = mapping.run_until_idle(10).await.unwrap();
    assert_eq!(timeline(&batches), [vec![(drifted, false, 1)]]);
    assert!(emulator.drain(&dead_letters).await.is_empty());
    assert!(emulator.drain(&queue).await.is_empty());
}

#[tokio::test]
async fn standard_queue_records_fail_independently() {
    let Some(emulator) = Emulator::from_env().await else {
        return;
    };
    let name = Emulator::unique_name("consumer");
    let (queue, dead_letters) = emulator
        .create_queue_with_dead_letter_queue(&name, 1, Some(1))
        .await
        .unwrap();
    let recorder = Recorder::new();
    let processor = BatchProcessor::new(async |e: &Record| recorder.record(e));
    let mapping =
        LocalEventSourceMapping::new(emulator.sqs.clone(), &queue, 10, InProcess(&processor))
            .await
            .unwrap();
    // All about the same order: on a standard queue that keeps no order, nothing waits.
    let (e1, e1_body) = envelope("A");
    let (e2, e2_body) = envelope("A");
    let (e3, e3_body) = envelope("A");
    recorder.failing.lock().unwrap().push(e2.clone());
    for body in [&e1_body, "not an envelope", &e2_body, &e3_body] {
        send(&emulator, &queue, None, body).await;
    }
    let batches = mapping.run_until_idle(10).await.unwrap();
    let mut records: Vec<_> = timeline(&batches).into_iter().flatten().collect();
    records.sort();
    let mut expected = vec![
        (e1.clone(), false, 1),
        ("<poison>".to_owned(), true, 1),
        (e2.clone(), true, 1),
        (e3.clone(), false, 1),
    ];
    expected.sort();
    assert_eq!(records, expected);
    let mut seen = recorder.seen();
    seen.sort();
    let mut expected_seen = vec![e1, e2.clone(), e3];
    expected_seen.sort();
    assert_eq!(seen, expected_seen);
    // maxReceiveCount 1: the two failed records are in the dead-letter queue, only they.
    let mut dead: Vec<String> = emulator
        .drain(&dead_letters)
        .await
        .into_iter()
        .map(|m| m.body)
        .collect();
    dead.sort();
    let mut expected_dead = vec!["not an envelope".to_owned(), e2_body];
    expected_dead.sort();
    assert_eq!(dead, expected_dead);
}
