//! Configured sources (the `generic` function) through the real pipeline, DynamoDB and
//! SQS adapters and AWS SDK, against the local emulator the test command starts: one
//! source per scheme, an invalid entry next to them, and a document that does not parse.

use std::sync::Arc;

use brokerhooks::config::ConfigSource;
use brokerhooks::edge::function::FunctionService;
use brokerhooks::pipeline::ports::STATUS_ENQUEUED;
use brokerhooks::pipeline::ports::clock::ManualClock;
use brokerhooks::pipeline::retention::kept_until;
use brokerhooks::providers::generic::{GenericProvider, SOURCES_VARIABLE, Sources};
use brokerhooks::{Answer, Provider};
use brokerhooks_testkit::answers::{accepted, refused};
use brokerhooks_testkit::api_gateway_event::Delivery;
use brokerhooks_testkit::emulator::{Emulator, EmulatorPipeline, ReceivedMessage, test_settings};
use brokerhooks_testkit::log_capture::CapturedLogs;
use brokerhooks_testkit::providers::generic::GenericSigner;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;
use time::macros::datetime;

const T0: OffsetDateTime = datetime!(2026-11-22 12:00:00 UTC);
const DEDUPE_TTL: std::time::Duration = std::time::Duration::from_secs(30 * 86_400);

/// One source per scheme (the `hmac` one signs a timestamp header with the body), and
/// `broken`, whose secret is not a `whsec_` secret.
fn document() -> String {
    json!({"sources": {
        "payments": {
            "scheme": "standard-webhooks",
            "secrets": ["whsec_aW50ZWdyYXRpb24tcGF5bWVudHMta2V5LTE=", "whsec_aW50ZWdyYXRpb24tcGF5bWVudHMta2V5LTI="],
            "envelope": {
                "type": "/type", "subject": "/data/account_id",
                "occurred_at": {"pointer": "/timestamp", "format": "rfc3339"}
            }
        },
        "acme-broker": {
            "scheme": "hmac", "secrets": ["integration-acme-secret"],
            "header": "X-Acme-Signature", "algorithm": "sha512", "encoding": "base64",
            "signed": "timestamp", "timestamp_header": "X-Acme-Timestamp", "separator": ":",
            "envelope": {
                "id": "/update_id", "type": "/status", "subject": "/account_id",
                "occurred_at": {"pointer": "/updated_at", "format": "unix_millis"}
            }
        },
        "kyc-vendor": {
            "scheme": "url-token", "secrets": ["integration-kyc-token-0001"], "parameter": "key",
            "envelope": {
                "type": "/event", "subject": "/applicant/id",
                "occurred_at": {"pointer": "/created_at", "format": "unix_seconds"}
            }
        },
        "broken": {"scheme": "standard-webhooks", "secrets": ["not-a-whsec-secret"]}
    }})
    .to_string()
}

type GenericPipeline = EmulatorPipeline<GenericProvider>;

/// A fresh table and FIFO queue, the pipeline on them at `T0`.
async fn stack() -> Option<(Emulator, GenericPipeline, String, String)> {
    let provider = GenericProvider::new(Sources::parse(&document()).unwrap());
    let (emulator, pipeline, table, queue) =
        Emulator::pipeline_on_fresh_stack(provider, true, test_settings).await?;
    let pipeline = pipeline.with_clock(Arc::new(ManualClock::new(T0)));
    Some((emulator, pipeline, table, queue))
}

fn signer() -> GenericSigner {
    GenericSigner::from_document(&document()).unwrap()
}

/// A case: the source, its body, the delivery signed at `T0`, and what it becomes.
struct Case {
    source: &'static str,
    body: Value,
    delivery: Delivery,
    id: String,
    event_type: &'static str,
    subject: &'static str,
    occurred_at: &'static str,
    /// The signed time claims are kept past, when the scheme signs one.
    signed_at: Option<OffsetDateTime>,
}

fn cases() -> Vec<Case> {
    let signer = signer();
    let sign = |source: &str, body: &Value, id: &str| {
        signer
            .sign(source, body.to_string().as_bytes(), id, T0.unix_timestamp())
            .unwrap()
    };
    let payment = json!({"type": "payment.settled", "timestamp": "2026-11-22T11:59:59Z", "data": {"account_id": "acc_7", "amount": "1250.00"}});
    let order = json!({"update_id": "ORD-1-3", "status": "COMPLETE", "account_id": "ACC-9", "quantity": "10", "updated_at": 1_795_348_798_250_i64});
    let kyc =
        json!({"event": "kyc.approved", "applicant": {"id": 981}, "created_at": 1_795_348_740});
    vec![
        Case {
            source: "payments",
            delivery: sign("payments", &payment, "msg_2mT9x"),
            body: payment,
            id: "msg_2mT9x".to_owned(),
            event_type: "payment.settled",
            subject: "acc_7",
            occurred_at: "2026-11-22T11:59:59Z",
            signed_at: Some(T0),
        },
        Case {
            source: "acme-broker",
            delivery: sign("acme-broker", &order, ""),
            body: order,
            id: "ORD-1-3".to_owned(),
            event_type: "COMPLETE",
            subject: "ACC-9",
            occurred_at: "2026-11-22T11:59:58.25Z",
            signed_at: Some(T0),
        },
        Case {
            source: "kyc-vendor",
            delivery: sign("kyc-vendor", &kyc, ""),
            id: brokerhooks::text::canonical_json::content_id(&kyc),
            body: kyc,
            event_type: "kyc.approved",
            subject: "981",
            occurred_at: "2026-11-22T11:59:00Z",
            signed_at: None,
        },
    ]
}

fn dedup_id(provider: &str, id: &str) -> String {
    hex::encode(Sha256::digest(format!("{provider}:{id}")))
}

#[tokio::test]
async fn each_scheme_is_accepted_once_with_the_configured_envelope_and_its_source_as_provider() {
    let Some((emulator, pipeline, table, queue)) = stack().await else {
        return;
    };
    for case in cases() {
        let request = case.delivery.to_request();
        assert_eq!(
            pipeline.handle(&request).await,
            accepted(1, 0),
            "{}",
            case.source
        );
        // The redelivery is a duplicate.
        assert_eq!(
            pipeline.handle(&request).await,
            accepted(0, 1),
            "{}",
            case.source
        );

        let messages = emulator.drain(&queue).await;
        let expected = ReceivedMessage {
            body: json!({
                "id": case.id, "provider": case.source, "type": case.event_type,
                "subject": case.subject, "occurred_at": case.occurred_at,
                "received_at": "2026-11-22T12:00:00Z", "payload": case.body,
            })
            .to_string(),
            attributes: [
                ("provider".to_owned(), case.source.to_owned()),
                ("type".to_owned(), case.event_type.to_owned()),
                ("origin".to_owned(), "webhook".to_owned()),
            ]
            .into(),
            group_id: Some(format!("{}:{}", case.source, case.subject)),
            dedup_id: Some(dedup_id(case.source, &case.id)),
        };
        assert_eq!(messages.len(), 1, "{}", case.source);
        let envelope: Value = serde_json::from_str(&messages[0].body).unwrap();
        assert_eq!(
            envelope,
            serde_json::from_str::<Value>(&expected.body).unwrap(),
            "{}",
            case.source
        );
        assert_eq!(
            (
                &messages[0].attributes,
                &messages[0].group_id,
                &messages[0].dedup_id
            ),
            (&expected.attributes, &expected.group_id, &expected.dedup_id),
            "{}",
            case.source
        );
    }

    let mut items: Vec<(String, String, String)> = emulator
        .table_items(&table)
        .await
        .into_iter()
        .map(|item| {
            (
                item["pk"].clone(),
                item["status"].clone(),
                item["expires_at"].clone(),
            )
        })
        .collect();
    items.sort();
    let mut expected: Vec<(String, String, String)> = cases()
        .into_iter()
        .map(|case| {
            (
                format!("generic#{}#{}", case.source, case.id),
                STATUS_ENQUEUED.to_owned(),
                kept_until(T0, case.signed_at, DEDUPE_TTL).to_string(),
            )
        })
        .collect();
    expected.sort();
    assert_eq!(items, expected);
}

#[tokio::test]
async fn tampered_wrong_and_missing_credentials_are_401_with_nothing_written() {
    let Some((emulator, pipeline, table, queue)) = stack().await else {
        return;
    };
    let signer = signer();
    for case in cases() {
        let mut tampered_body = case.delivery.clone();
        tampered_body.body = case
            .body
            .to_string()
            .replace(case.event_type, "tampered.type")
            .into_bytes();
        let wrong_secret = signer
            .sign_with(
                case.source,
                match case.source {
                    "payments" => "whsec_d3Jvbmcta2V5",
                    _ => "wrong-secret-of-16-chars",
                },
                case.body.to_string().as_bytes(),
                "msg_2mT9x",
                T0.unix_timestamp(),
            )
            .unwrap();
        let mut unsigned = case.delivery.clone();
        unsigned
            .headers
            .retain(|(name, _)| !name.ends_with("signature") && !name.starts_with("webhook-id"));
        unsigned.query = None;
        let (tampered_reason, wrong_reason, missing_reason) = match case.source {
            "payments" => (
                "signature mismatch",
                "signature mismatch",
                "missing webhook-id header",
            ),
            "acme-broker" => (
                "signature mismatch",
                "signature mismatch",
                "missing signature header",
            ),
            _ => ("token mismatch", "token mismatch", "missing token"),
        };
        // A url-token delivery's body is not covered: only the token is checked.
        let tampered_answer = if case.source == "kyc-vendor" {
            accepted(1, 0)
        } else {
            refused(401, tampered_reason)
        };
        assert_eq!(
            pipeline.handle(&tampered_body.to_request()).await,
            tampered_answer,
            "{}",
            case.source
        );
        assert_eq!(
            pipeline.handle(&wrong_secret.to_request()).await,
            refused(401, wrong_reason),
            "{}",
            case.source
        );
        assert_eq!(
            pipeline.handle(&unsigned.to_request()).await,
            refused(401, missing_reason),
            "{}",
            case.source
        );
    }
    // Only the url-token source's body edit went through (it signs nothing).
    let messages = emulator.drain(&queue).await;
    assert_eq!(messages.len(), 1);
    assert_eq!(messages[0].attributes["provider"], "kyc-vendor");
    assert_eq!(emulator.table_items(&table).await.len(), 1);
}

#[tokio::test]
async fn an_unknown_source_is_404_and_a_broken_one_500_while_the_others_serve() {
    let (logs, _guard) = CapturedLogs::install();
    let Some((emulator, pipeline, table, queue)) = stack().await else {
        return;
    };
    let payments = &cases()[0];
    let to = |source: &str| {
        let mut delivery = payments.delivery.clone();
        delivery.path = format!("/webhooks/generic/{source}");
        delivery.to_request()
    };
    assert_eq!(
        pipeline.handle(&to("nobody")).await,
        refused(404, "no such webhook source")
    );
    assert_eq!(
        pipeline.handle(&to("Payments")).await,
        refused(404, "no such webhook source")
    );
    assert_eq!(
        pipeline.handle(&to("broken")).await,
        refused(500, "function is misconfigured")
    );
    assert!(emulator.table_items(&table).await.is_empty());
    assert!(emulator.drain(&queue).await.is_empty());
    // The others serve.
    assert_eq!(pipeline.handle(&to("payments")).await, accepted(1, 0));
    assert_eq!(emulator.drain(&queue).await.len(), 1);
    let text = logs.text();
    assert!(
        text.contains(
            "/sources/broken/secrets/0: must be whsec_ followed by the base64 of a key of at least 16 bytes"
        ),
        "{text}"
    );
    // Neither the unknown path segment nor the broken source becomes a log's provider.
    assert!(!text.contains(r#""provider":"nobody""#), "{text}");
    assert!(!text.contains(r#""provider":"broken""#), "{text}");
    assert!(text.contains(r#""provider":"generic""#), "{text}");
}

#[tokio::test]
async fn a_document_that_does_not_parse_makes_the_whole_function_refuse() {
    let (logs, _guard) = CapturedLogs::install();
    let Some(emulator) = Emulator::from_env().await else {
        return;
    };
    let (table, queue) = emulator.fresh_stack(true).await;
    let build = |document: String| {
        ConfigSource::from_pairs([
            ("EVENTS_TABLE", table.clone()),
            ("EVENTS_QUEUE_URL", queue.clone()),
            ("MAX_EVENT_AGE_SECONDS", "0".to_owned()),
            (SOURCES_VARIABLE, document),
        ])
    };
    let payments = &cases()[0];
    let misconfigured = Answer {
        status: 500,
        body: r#"{"error":"function is misconfigured"}"#.to_owned(),
    };
    // A trailing comma: not JSON. Every source refuses, the valid one included.
    let broken = document().replacen('}', "},", 1);
    let service = FunctionService::<GenericProvider>::build(build(broken), &emulator.config).await;
    assert_eq!(
        service.handle(&payments.delivery.to_request()).await,
        misconfigured
    );
    assert!(emulator.table_items(&table).await.is_empty());
    let text = logs.text();
    assert!(
        text.contains("variable GENERIC_SOURCES is invalid"),
        "{text}"
    );
    assert!(!text.contains("whsec_aW50"), "no secret in the log: {text}");

    // Parsed, the same builder serves.
    let service =
        FunctionService::<GenericProvider>::build(build(document()), &emulator.config).await;
    assert_eq!(
        service.handle(&payments.delivery.to_request()).await,
        accepted(1, 0)
    );
    assert_eq!(GenericProvider::NAME, "generic");
}
