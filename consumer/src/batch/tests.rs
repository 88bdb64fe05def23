//! The batch rules over in-memory fakes: exact `batchItemFailures`, which records the
//! handler saw, and what the idempotency store holds.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};

use serde_json::{Value, json};
use time::OffsetDateTime;
use time::macros::datetime;

use super::*;
use crate::idempotency::{MemoryClaims, STATUS_COMPLETED, STATUS_IN_PROGRESS, StoredClaim};

const FIFO_ARN: &str = "arn:aws:sqs:eu-west-1:123456789012:brokerhooks-events.fifo";
const STANDARD_ARN: &str = "arn:aws:sqs:eu-west-1:123456789012:brokerhooks-events";
const NOW: OffsetDateTime = datetime!(2026-11-20 04:00:00 UTC);

/// A Kite envelope whose `id` is `id` and subject `subject`.
fn envelope(id: &str, subject: &str) -> String {
    json!({
        "id": id, "provider": "kite", "type": "COMPLETE", "subject": subject,
        "occurred_at": "2026-11-20T03:45:02Z", "received_at": "2026-11-20T03:45:03Z",
        "payload": {"order_id": subject, "status": "COMPLETE"},
    })
    .to_string()
}

/// One SQS record as Lambda delivers it. `group`: the MessageGroupId attribute.
fn record(message_id: &str, arn: Option<&str>, group: Option<&str>, body: &str) -> Value {
    let mut attributes = json!({"ApproximateReceiveCount": "1", "SentTimestamp": "1700000000000"});
    if let Some(group) = group {
        attributes["MessageGroupId"] = json!(group);
    }
    let mut record = json!({
        "messageId": message_id, "receiptHandle": format!("rh-{message_id}"), "body": body,
        "attributes": attributes, "messageAttributes": {}, "eventSource": "aws:sqs",
        "awsRegion": "eu-west-1",
    });
    if let Some(arn) = arn {
        record["eventSourceARN"] = json!(arn);
    }
    record
}

fn fifo(message_id: &str, group: &str, body: &str) -> Value {
    record(message_id, Some(FIFO_ARN), Some(group), body)
}

fn batch(records: Vec<Value>) -> SqsEvent {
    serde_json::from_value(json!({ "Records": records })).unwrap()
}

/// Records the event ids it handles; fails the ids it is told to.
#[derive(Default)]
struct RecordingHandler {
    seen: Mutex<Vec<String>>,
    failing: HashSet<String>,
    follow_up: HashSet<String>,
}

impl RecordingHandler {
    fn failing(ids: &[&str]) -> Self {
        RecordingHandler {
            failing: ids.iter().map(|id| (*id).to_owned()).collect(),
            ..Default::default()
        }
    }

    fn seen(&self) -> Vec<String> {
        self.seen.lock().unwrap().clone()
    }
}

impl EventHandler for RecordingHandler {
    type Error = &'static str;

    async fn handle(&self, envelope: &Record) -> Result<Handled, &'static str> {
        self.seen.lock().unwrap().push(envelope.id.clone());
        if self.failing.contains(&envelope.id) {
            Err("the test handler refused it")
        } else if self.follow_up.contains(&envelope.id) {
            Ok(Handled::FollowUp)
        } else {
            Ok(Handled::Done)
        }
    }
}

impl EventHandler for &RecordingHandler {
    type Error = &'static str;

    async fn handle(&self, envelope: &Record) -> Result<Handled, &'static str> {
        (**self).handle(envelope).await
    }
}

fn failures(report: &BatchReport) -> Value {
    serde_json::to_value(report.response()).unwrap()
}

fn expected_failures(ids: &[&str]) -> Value {
    json!({ "batchItemFailures": ids.iter().map(|id| json!({"itemIdentifier": id})).collect::<Vec<_>>() })
}

fn outcomes(report: &BatchReport) -> Vec<(&str, &str)> {
    report
        .records
        .iter()
        .map(|r| (r.message_id.as_str(), r.outcome.as_str()))
        .collect()
}

#[tokio::test]
async fn fifo_a_poison_record_fails_the_rest_of_its_group_and_other_groups_go_on() {
    let handler = RecordingHandler::default();
    let processor = BatchProcessor::new(&handler);
    let event = batch(vec![
        fifo("m1", "kite:A", &envelope("a1", "A")),
        fifo("m2", "kite:B", &envelope("b1", "B")),
        fifo("m3", "kite:A", "not an envelope"),
        fifo("m4", "kite:A", &envelope("a3", "A")),
        fifo("m5", "kite:B", &envelope("b2", "B")),
        fifo("m6", "kite:A", &envelope("a4", "A")),
        fifo("m7", "kite:C", &envelope("c1", "C")),
    ]);
    let report = processor.process(&event, None).await;
    assert_eq!(failures(&report), expected_failures(&["m3", "m4", "m6"]));
    // a3 and a4 were never handed to the handler.
    assert_eq!(handler.seen(), ["a1", "b1", "b2", "c1"]);
    assert_eq!(
        outcomes(&report),
        [
            ("m1", "handled"),
            ("m2", "handled"),
            ("m3", "failed"),
            ("m4", "failed"),
            ("m5", "handled"),
            ("m6", "failed"),
            ("m7", "handled"),
        ]
    );
    assert_eq!(report.records[2].reason.as_deref(), Some(NOT_AN_ENVELOPE));
    assert_eq!(report.records[2].provider, None);
    assert_eq!(
        report.records[3].reason.as_deref(),
        Some(EARLIER_RECORD_OF_GROUP_FAILED)
    );
    // Skipped records still name their event in the log.
    assert_eq!(report.records[3].event_id.as_deref(), Some("a3"));
}

#[tokio::test]
async fn fifo_a_handler_error_blocks_its_group_too() {
    let handler = RecordingHandler::failing(&["a1"]);
    let processor = BatchProcessor::new(&handler);
    let event = batch(vec![
        fifo("m1", "kite:A", &envelope("a1", "A")),
        fifo("m2", "kite:A", &envelope("a2", "A")),
        fifo("m3", "kite:B", &envelope("b1", "B")),
    ]);
    let report = processor.process(&event, None).await;
    assert_eq!(failures(&report), expected_failures(&["m1", "m2"]));
    assert_eq!(handler.seen(), ["a1", "b1"]);
    assert_eq!(
        report.records[0].reason.as_deref(),
        Some("the test handler refused it")
    );
}

#[tokio::test]
async fn fifo_is_recognised_by_the_group_attribute_without_an_arn() {
    let handler = RecordingHandler::failing(&["a1"]);
    let processor = BatchProcessor::new(&handler);
    let event = batch(vec![
        record("m1", None, Some("g"), &envelope("a1", "A")),
        record("m2", None, Some("g"), &envelope("a2", "A")),
        // No ARN, no group: a standard record, independent of the failure.
        record("m3", None, None, &envelope("x1", "X")),
    ]);
    let report = processor.process(&event, None).await;
    assert_eq!(failures(&report), expected_failures(&["m1", "m2"]));
    assert_eq!(handler.seen(), ["a1", "x1"]);
}

#[tokio::test]
async fn standard_queue_records_fail_independently() {
    let handler = RecordingHandler::failing(&["a2"]);
    let processor = BatchProcessor::new(&handler);
    // Same subject and even a MessageGroupId (fair queues): a standard ARN keeps no order.
    let event = batch(vec![
        record("m1", Some(STANDARD_ARN), Some("g"), &envelope("a1", "A")),
        record("m2", Some(STANDARD_ARN), Some("g"), &envelope("a2", "A")),
        record("m3", Some(STANDARD_ARN), Some("g"), "{\"id\":\"only\"}"),
        record("m4", Some(STANDARD_ARN), Some("g"), &envelope("a4", "A")),
        record("m5", Some(STANDARD_ARN), None, &envelope("a5", "A")),
    ]);
    let report = processor.process(&event, None).await;
    assert_eq!(failures(&report), expected_failures(&["m2", "m3"]));
    assert_eq!(handler.seen(), ["a1", "a2", "a4", "a5"]);
}

#[tokio::test]
async fn an_all_good_batch_reports_no_failures_and_counts_follow_ups() {
    let mut handler = RecordingHandler::default();
    handler.follow_up.insert("u1".to_owned());
    let processor = BatchProcessor::new(&handler);
    let event = batch(vec![
        fifo("m1", "kite:A", &envelope("a1", "A")),
        fifo("m2", "kite:U", &envelope("u1", "U")),
    ]);
    let report = processor.process(&event, None).await;
    assert_eq!(
        serde_json::to_string(&report.response()).unwrap(),
        r#"{"batchItemFailures":[]}"#
    );
    assert_eq!(report.count(RecordOutcome::Handled), 2);
    assert_eq!(report.follow_ups(), 1);
    assert!(report.records[1].follow_up && !report.records[0].follow_up);
}

#[tokio::test]
async fn a_failed_record_without_a_message_id_fails_the_whole_batch() {
    let handler = RecordingHandler::default();
    let processor = BatchProcessor::new(&handler);
    let mut nameless = fifo("x", "g", "garbage");
    nameless.as_object_mut().unwrap().remove("messageId");
    let report = processor.process(&batch(vec![nameless]), None).await;
    // An empty identifier: Lambda retries the whole batch.
    assert_eq!(failures(&report), expected_failures(&[""]));
}

#[tokio::test]
async fn an_async_closure_is_a_handler() {
    let seen = Mutex::new(Vec::new());
    let processor = BatchProcessor::new(async |envelope: &Record| {
        seen.lock().unwrap().push(envelope.subject.clone());
        if envelope.subject == "bad" {
            Err("refused")
        } else {
            Ok(Handled::Done)
        }
    });
    let event = batch(vec![
        fifo("m1", "g1", &envelope("e1", "bad")),
        fifo("m2", "g2", &envelope("e2", "good")),
    ]);
    let report = processor.process(&event, None).await;
    assert_eq!(failures(&report), expected_failures(&["m1"]));
    assert_eq!(*seen.lock().unwrap(), ["bad", "good"]);
}

#[tokio::test]
async fn the_handler_gets_the_messages_context_and_unknown_envelope_keys_are_ignored() {
    let seen = Mutex::new(Vec::new());
    let processor = BatchProcessor::new(async |record: &Record| {
        seen.lock().unwrap().push((
            record.message_id.clone(),
            record.receive_count,
            record.fallback(),
            record.attribute("origin").map(str::to_owned),
        ));
        Ok::<_, &str>(Handled::Done)
    });
    // A later receiver may add a key: older consumers read on.
    let mut newer: Value = serde_json::from_str(&envelope("e1", "A")).unwrap();
    newer["added_later"] = json!({"any": "value"});
    let mut message = fifo("m1", "g1", &newer.to_string());
    message["attributes"]["ApproximateReceiveCount"] = json!("4");
    message["messageAttributes"] = json!({
        "provider": {"dataType": "String", "stringValue": "kite"},
        "fallback": {"dataType": "String", "stringValue": "occurred_at"},
        "origin": {"dataType": "String", "stringValue": "postback"},
    });
    let report = processor.process(&batch(vec![message]), None).await;
    assert_eq!(outcomes(&report), [("m1", "handled")]);
    assert_eq!(
        *seen.lock().unwrap(),
        [(
            "m1".to_owned(),
            4,
            vec![brokerhooks_models::Fallback::OccurredAt],
            Some("postback".to_owned())
        )]
    );
}

// ---- idempotency ------------------------------------------------------------------

fn idempotency(store: &Arc<MemoryClaims>, now: OffsetDateTime) -> Idempotency<Arc<MemoryClaims>> {
    Idempotency::new(store.clone()).clock(move || now)
}

#[tokio::test]
async fn with_idempotency_an_event_delivered_twice_is_processed_once() {
    let store = Arc::new(MemoryClaims::new());
    let handler = RecordingHandler::default();
    let processor = BatchProcessor::new(&handler).with_idempotency(idempotency(&store, NOW));
    // The same event twice in one batch (two sends with different dedup ids), then
    // again in a later batch (a redrive).
    let event = batch(vec![
        fifo("m1", "kite:A", &envelope("e1", "A")),
        fifo("m2", "kite:A", &envelope("e1", "A")),
    ]);
    let report = processor.process(&event, None).await;
    assert_eq!(outcomes(&report), [("m1", "handled"), ("m2", "duplicate")]);
    assert_eq!(failures(&report), expected_failures(&[]));
    let again = processor
        .process(
            &batch(vec![fifo("m9", "kite:A", &envelope("e1", "A"))]),
            None,
        )
        .await;
    assert_eq!(outcomes(&again), [("m9", "duplicate")]);
    assert_eq!(handler.seen(), ["e1"]);
    let now = NOW.unix_timestamp();
    let mark = store.item("consumer#kite#e1").unwrap();
    assert_eq!(
        (mark.status, mark.expires_at),
        (STATUS_COMPLETED, now + 30 * 24 * 3600)
    );
    // claim + complete, claim, claim.
    assert_eq!(store.calls(), 4);
}

#[tokio::test]
async fn a_failing_handler_releases_its_claim_so_the_retry_runs() {
    let store = Arc::new(MemoryClaims::new());
    let handler = RecordingHandler::failing(&["e1"]);
    let processor = BatchProcessor::new(&handler).with_idempotency(idempotency(&store, NOW));
    let event = batch(vec![fifo("m1", "kite:A", &envelope("e1", "A"))]);
    let report = processor.process(&event, None).await;
    assert_eq!(failures(&report), expected_failures(&["m1"]));
    assert_eq!(store.keys(), Vec::<String>::new());

    let fixed = RecordingHandler::default();
    let processor = BatchProcessor::new(&fixed).with_idempotency(idempotency(&store, NOW));
    let report = processor.process(&event, None).await;
    assert_eq!(outcomes(&report), [("m1", "handled")]);
    assert_eq!(fixed.seen(), ["e1"]);
    assert_eq!(
        store.item("consumer#kite#e1").unwrap().status,
        STATUS_COMPLETED
    );
}

#[tokio::test]
async fn an_event_in_progress_elsewhere_fails_until_its_lease_ends() {
    let store = Arc::new(MemoryClaims::new());
    // Another invocation claimed e1 and is still on it; its deadline is NOW + 10 s.
    let other = idempotency(&store, NOW);
    let deadline = NOW + time::Duration::seconds(10);
    let envelope_e1: Envelope = serde_json::from_str(&envelope("e1", "A")).unwrap();
    let (claim, outcome) = other.claim(&envelope_e1, Some(deadline)).await.unwrap();
    assert_eq!(outcome, ClaimOutcome::Claimed);
    assert_eq!(claim.lease_expires_at, deadline.unix_timestamp() + 1);
    assert_eq!(
        store.item("consumer#kite#e1").unwrap(),
        StoredClaim {
            status: STATUS_IN_PROGRESS,
            token: claim.token.clone(),
            lease_expires_at: NOW.unix_timestamp() + 11,
            expires_at: NOW.unix_timestamp() + 30 * 24 * 3600,
        }
    );

    let handler = RecordingHandler::default();
    let event = batch(vec![
        fifo("m1", "kite:A", &envelope("e1", "A")),
        fifo("m2", "kite:A", &envelope("e2", "A")),
    ]);
    let during = BatchProcessor::new(&handler).with_idempotency(idempotency(&store, NOW));
    let report = during.process(&event, None).await;
    assert_eq!(failures(&report), expected_failures(&["m1", "m2"]));
    assert_eq!(
        report.records[0].reason.as_deref(),
        Some(IN_PROGRESS_ELSEWHERE)
    );
    assert!(handler.seen().is_empty());

    // That invocation died; once its lease is over the event is claimed again.
    let after = NOW + time::Duration::seconds(11);
    let later = BatchProcessor::new(&handler).with_idempotency(idempotency(&store, after));
    let report = later.process(&event, None).await;
    assert_eq!(failures(&report), expected_failures(&[]));
    assert_eq!(handler.seen(), ["e1", "e2"]);
}

#[tokio::test]
async fn an_expired_mark_is_processed_again() {
    let store = Arc::new(MemoryClaims::new());
    let handler = RecordingHandler::default();
    let event = batch(vec![fifo("m1", "kite:A", &envelope("e1", "A"))]);
    let first =
        BatchProcessor::new(&handler).with_idempotency(idempotency(&store, NOW).ttl_seconds(60));
    first.process(&event, None).await;
    // TTL deletion lags: the item is still there, but expired.
    let later = NOW + time::Duration::seconds(60);
    let second = BatchProcessor::new(&handler).with_idempotency(idempotency(&store, later));
    let report = second.process(&event, None).await;
    assert_eq!(outcomes(&report), [("m1", "handled")]);
    assert_eq!(handler.seen(), ["e1", "e1"]);
}

#[tokio::test]
async fn an_unavailable_store_fails_the_record_without_running_the_handler() {
    let store = Arc::new(MemoryClaims::new());
    store.set_unavailable(true);
    let handler = RecordingHandler::default();
    let processor = BatchProcessor::new(&handler).with_idempotency(idempotency(&store, NOW));
    let event = batch(vec![
        fifo("m1", "kite:A", &envelope("e1", "A")),
        record("m2", Some(STANDARD_ARN), None, &envelope("e2", "B")),
    ]);
    let report = processor.process(&event, None).await;
    assert_eq!(failures(&report), expected_failures(&["m1", "m2"]));
    assert!(handler.seen().is_empty());
    assert_eq!(
        report.records[0].reason.as_deref(),
        Some("idempotency store unavailable: memory store set unavailable")
    );
}

#[tokio::test]
async fn the_key_prefix_separates_consumers_sharing_a_table() {
    let store = Arc::new(MemoryClaims::new());
    let event = batch(vec![fifo("m1", "kite:A", &envelope("e1", "A"))]);
    let billing = RecordingHandler::default();
    let reports = RecordingHandler::default();
    BatchProcessor::new(&billing)
        .with_idempotency(idempotency(&store, NOW).key_prefix("billing"))
        .process(&event, None)
        .await;
    BatchProcessor::new(&reports)
        .with_idempotency(idempotency(&store, NOW).key_prefix("reports"))
        .process(&event, None)
        .await;
    assert_eq!(
        (billing.seen(), reports.seen()),
        (vec!["e1".to_owned()], vec!["e1".to_owned()])
    );
    assert_eq!(store.keys(), ["billing#kite#e1", "reports#kite#e1"]);
}

#[test]
fn without_a_deadline_the_lease_is_the_default() {
    let store = Arc::new(MemoryClaims::new());
    let idempotency = idempotency(&store, NOW);
    let envelope_e1: Envelope = serde_json::from_str(&envelope("e1", "A")).unwrap();
    let run = |deadline| {
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        rt.block_on(idempotency.claim(&envelope_e1, deadline))
            .unwrap()
            .0
    };
    let claim = run(None);
    assert_eq!(claim.lease_expires_at, NOW.unix_timestamp() + 30);
    // A deadline already past is no lease either.
    let claim = run(Some(NOW - time::Duration::seconds(5)));
    assert_eq!(claim.lease_expires_at, NOW.unix_timestamp() + 30);
    assert_ne!(run(None).token, claim.token);
}
