//! `events/consumer/fifo-batch.json`, the SQS event for `cargo lambda invoke
//! example-consumer`: a FIFO batch as Lambda delivers it, whose bodies are exactly the
//! envelopes the receiver enqueues for some of the samples in `events/` (received at a
//! fixed time). Regenerate after a sample changes:
//! `BROKERHOOKS_WRITE_CONSUMER_FIXTURE=1 cargo test -p brokerhooks-testkit --test consumer_fixture`.

use brokerhooks::providers::BuiltIn;
use brokerhooks_consumer::{BatchProcessor, Handled, Record, RecordOutcome, SqsEvent};
use brokerhooks_models::{PayloadError, TypedEvent};
use brokerhooks_testkit::local_secrets::{LocalSecrets, repo_root};
use brokerhooks_testkit::memory_pipeline::enqueued_at;
use brokerhooks_testkit::replay::read_event_file;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use time::macros::datetime;

const WRITE: &str = "BROKERHOOKS_WRITE_CONSUMER_FIXTURE";
const QUEUE_ARN: &str = "arn:aws:sqs:us-east-1:000000000000:brokerhooks-events.fifo";

/// The samples whose envelopes make the batch: one order's three Kite updates (one
/// message group, in order), a drifted Kite postback (`UNPARSED`), smallcase with a type
/// the models do not know, and one event of each other provider.
const SAMPLES: &[&str] = &[
    "kite/01-open.json",
    "kite/02-update-partial-fill.json",
    "kite/03-complete.json",
    "kite/06-drift-no-status.json",
    "smallcase/01-order-placed.json",
    "smallcase/11-drift-unknown-event-type.json",
    "snaptrade/01-user-registered.json",
    "upvest/01-order-filled.json",
    "onemetric/01-market-price-alert.json",
];

fn fixture_path() -> std::path::PathBuf {
    repo_root().join("events/consumer/fifo-batch.json")
}

/// A message id in SQS's UUID shape, derived from the deduplication id.
fn message_id(dedup_id: &str) -> String {
    let hex = hex::encode(Sha256::digest(dedup_id));
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

fn string_attribute(value: &str) -> Value {
    json!({"stringValue": value, "stringListValues": [], "binaryListValues": [], "dataType": "String"})
}

async fn generate() -> Value {
    let received_at = datetime!(2026-11-21 00:00:00 UTC);
    let sent_ms = received_at.unix_timestamp() * 1000;
    let config: Vec<(String, String)> = LocalSecrets::load_default()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
    let mut records = Vec::new();
    for sample in SAMPLES {
        let provider = BuiltIn::from_name(sample.split('/').next().unwrap()).unwrap();
        let request = read_event_file(&repo_root().join("events").join(sample))
            .unwrap()
            .to_request();
        for message in enqueued_at(provider, &config, &[request], received_at).await {
            let n = records.len() as i64;
            let mut message_attributes = json!({
                "provider": string_attribute(&message.provider),
                "type": string_attribute(&message.event_type),
            });
            if let Some(fallback) = &message.fallback {
                message_attributes["fallback"] = string_attribute(fallback);
            }
            records.push(json!({
                "messageId": message_id(&message.dedup_id),
                "receiptHandle": format!("fixture-receipt-{n}"),
                "body": message.body,
                "attributes": {
                    "ApproximateReceiveCount": "1",
                    "SentTimestamp": (sent_ms + n).to_string(),
                    "SenderId": format!("AROAEXAMPLE:brokerhooks-{provider}"),
                    "ApproximateFirstReceiveTimestamp": (sent_ms + 1000).to_string(),
                    "SequenceNumber": format!("188900000000000000{:02}", n),
                    "MessageGroupId": message.group_id,
                    "MessageDeduplicationId": message.dedup_id,
                },
                "messageAttributes": message_attributes,
                "eventSource": "aws:sqs",
                "eventSourceARN": QUEUE_ARN,
                "awsRegion": "us-east-1",
            }));
        }
    }
    json!({ "Records": records })
}

#[tokio::test]
async fn the_fixture_holds_the_receivers_envelopes_of_the_chosen_samples() {
    let generated = generate().await;
    let text = serde_json::to_string_pretty(&generated).unwrap() + "\n";
    if std::env::var_os(WRITE).is_some() {
        std::fs::create_dir_all(fixture_path().parent().unwrap()).unwrap();
        std::fs::write(fixture_path(), &text).unwrap();
    }
    let committed = std::fs::read_to_string(fixture_path()).unwrap_or_else(|e| {
        panic!(
            "{}: {e} (write it with {WRITE}=1)",
            fixture_path().display()
        )
    });
    assert!(
        committed == text,
        "events/consumer/fifo-batch.json differs from the receiver's envelopes: regenerate it with {WRITE}=1"
    );
    // At most ten records: the largest batch Lambda hands over from a FIFO queue.
    assert_eq!(generated["Records"].as_array().unwrap().len(), 9);
}

/// The example consumer's rule (consumer/example/src/main.rs).
async fn typed_handler(envelope: &Record) -> Result<Handled, PayloadError> {
    Ok(match envelope.typed()? {
        TypedEvent::UnknownType { .. }
        | TypedEvent::Unparsed { .. }
        | TypedEvent::UnknownProvider { .. } => Handled::FollowUp,
        _ => Handled::Done,
    })
}

#[tokio::test]
async fn every_record_of_the_fixture_is_handled_and_the_two_drifted_ones_followed_up() {
    let text = std::fs::read_to_string(fixture_path()).unwrap();
    let event: SqsEvent = serde_json::from_str(&text).unwrap();
    let report = BatchProcessor::new(typed_handler)
        .process(&event, None)
        .await;
    assert_eq!(
        serde_json::to_value(report.response()).unwrap(),
        json!({"batchItemFailures": []})
    );
    assert_eq!(report.count(RecordOutcome::Handled), 9);
    let follow_ups: Vec<(&str, &str)> = report
        .records
        .iter()
        .filter(|r| r.follow_up)
        .map(|r| {
            (
                r.provider.as_deref().unwrap(),
                r.event_type.as_deref().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        follow_ups,
        [("kite", "UNPARSED"), ("smallcase", "USER.SIP_REMINDER")]
    );
    // The three Kite updates of one order share a message group, in order.
    let kite_groups: Vec<&str> = event.records[..3]
        .iter()
        .map(|r| r.attributes["MessageGroupId"].as_str())
        .collect();
    assert_eq!(kite_groups, ["kite:261120000112233"; 3]);
}
