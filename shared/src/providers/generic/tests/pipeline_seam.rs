//! The pipeline with [`GenericProvider`]: every configured source behind one `Provider`,
//! whose `origin` names the request's source (when it is configured), so the envelope's
//! `provider` and the FIFO group carry the source's name, and its keys
//! `generic#<source>#…` stay under the function's own `generic#` prefix.

use std::sync::Arc;

use time::macros::datetime;

use super::*;
use crate::config::{ConfigSource, PipelineSettings};
use crate::edge::answer::Answer;
use crate::pipeline::Pipeline;
use crate::pipeline::ports::MemoryQueue;
use crate::pipeline::ports::clock::ManualClock;
use crate::pipeline::ports::provider::Provider;
use crate::pipeline::ports::{MemoryStore, STATUS_ENQUEUED};

const T0: OffsetDateTime = datetime!(2026-11-22 12:00:00 UTC);
const WHSEC: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const BODY: &str = r#"{"type":"payment.settled","timestamp":"2026-11-22T11:59:59Z","data":{"account_id":"acc_7"}}"#;

type MemoryPipeline = Pipeline<GenericProvider, Arc<MemoryStore>, Arc<MemoryQueue>>;

fn pipeline() -> (MemoryPipeline, Arc<MemoryStore>, Arc<MemoryQueue>) {
    let document = json!({"sources": {
        "payments": {
            "scheme": "standard-webhooks",
            "secrets": [WHSEC],
            "envelope": {
                "type": "/type",
                "subject": "/data/account_id",
                "occurred_at": {"pointer": "/timestamp", "format": "rfc3339"}
            }
        },
        "broken": {"scheme": "standard-webhooks", "secrets": ["not-a-whsec-secret!"]}
    }})
    .to_string();
    let adapter =
        GenericProvider::from_config(&ConfigSource::from_pairs([(SOURCES_VARIABLE, document)]))
            .unwrap();
    let store = Arc::new(MemoryStore::new());
    let queue = Arc::new(MemoryQueue::new());
    let settings = PipelineSettings {
        events_table: "t".to_owned(),
        events_queue_url: "q.fifo".to_owned(),
        dedupe_ttl: Duration::from_secs(3600),
        max_event_age: Some(Duration::from_secs(3600)),
        claim_lease: Duration::from_secs(30),
        max_body_bytes: 4096,
        warm_connections: false,
        aws_retry: crate::config::RetryBudget::default(),
    };
    let pipeline = Pipeline::new(adapter, store.clone(), queue.clone(), settings)
        .with_clock(Arc::new(ManualClock::new(T0)));
    (pipeline, store, queue)
}

fn delivery(path: &str, body: &str) -> WebhookRequest {
    let timestamp = T0.unix_timestamp().to_string();
    let signature = v1_signature(WHSEC, "msg_1", &timestamp, body.as_bytes()).unwrap();
    WebhookRequest::post(path, body)
        .with_header("webhook-id", "msg_1")
        .with_header("webhook-timestamp", &timestamp)
        .with_header("webhook-signature", &signature)
}

fn answer(status: u16, body: &str) -> Answer {
    Answer {
        status,
        body: body.to_owned(),
    }
}

#[tokio::test]
async fn a_configured_source_goes_through_claim_queue_and_dedupe() {
    let (pipeline, store, queue) = pipeline();
    let request = delivery("/webhooks/generic/payments", BODY);
    assert_eq!(
        pipeline.handle(&request).await,
        answer(200, r#"{"accepted":1,"duplicates":0}"#)
    );
    let messages = queue.messages();
    assert_eq!(messages.len(), 1);
    assert_eq!(
        messages[0].body,
        format!(
            r#"{{"id":"msg_1","provider":"payments","type":"payment.settled","subject":"acc_7","occurred_at":"2026-11-22T11:59:59Z","received_at":"2026-11-22T12:00:00Z","payload":{BODY}}}"#
        )
    );
    assert_eq!(messages[0].group_id, "payments:acc_7");
    assert_eq!(messages[0].fallback, None);
    assert_eq!(
        store.item("generic#payments#msg_1").unwrap().status,
        STATUS_ENQUEUED
    );
    // The redelivery is a duplicate.
    assert_eq!(
        pipeline.handle(&request).await,
        answer(200, r#"{"accepted":0,"duplicates":1}"#)
    );
    assert_eq!(queue.messages().len(), 1);
}

#[tokio::test]
async fn unknown_broken_and_tampered_deliveries_are_refused_with_nothing_written() {
    let (pipeline, store, queue) = pipeline();
    assert_eq!(
        pipeline
            .handle(&delivery("/webhooks/generic/nobody", BODY))
            .await,
        answer(404, r#"{"error":"no such webhook source"}"#)
    );
    assert_eq!(
        pipeline
            .handle(&delivery("/webhooks/generic/broken", BODY))
            .await,
        answer(500, r#"{"error":"function is misconfigured"}"#)
    );
    let mut tampered = delivery("/webhooks/generic/payments", BODY);
    tampered.body = BODY.replace("acc_7", "acc_8").into_bytes();
    assert_eq!(
        pipeline.handle(&tampered).await,
        answer(401, r#"{"error":"signature mismatch"}"#)
    );
    assert!(store.is_empty());
    assert!(queue.messages().is_empty());
}
