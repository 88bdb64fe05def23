//! End to end: the `snaptrade` function served by `cargo lambda watch`, real HTTP
//! requests, the emulator's table and queue.

use brokerhooks::providers::snaptrade::{CONSUMER_KEY_VARIABLE, signature_base64};
use brokerhooks::text::canonical_json::content_id;
use brokerhooks_testkit::api_gateway_event::Delivery;
use brokerhooks_testkit::e2e::{E2eStack, envelopes_of, fallbacks};
use brokerhooks_testkit::local_secrets::{LocalSecrets, repo_root};
use brokerhooks_testkit::providers::snaptrade::delivery;
use brokerhooks_testkit::replay::{event_files, read_event_file};
use serde_json::{Value, json};

const ACCEPTED: &str = r#"{"accepted":1,"duplicates":0}"#;
const DUPLICATE: &str = r#"{"accepted":0,"duplicates":1}"#;
/// The drifted sample's webhookId (events/snaptrade/payloads/40-drift-no-user-id.json).
const DRIFT_ID: &str = "4f7d0040-8c1e-4b6a-9f3d-2e5a7c9b1d40";

/// `body` as enqueued: without the legacy secret.
fn without_secret(body: &Value) -> Value {
    let mut body = body.clone();
    body.as_object_mut().unwrap().remove("webhookSecret");
    body
}

/// One test function: the stack's queue is shared, so the scenarios run in order.
#[tokio::test]
async fn snaptrade_over_http() {
    let Some(stack) = E2eStack::from_env().await else {
        return;
    };
    stack.drain().await;
    let secrets = LocalSecrets::load_default().unwrap();
    let key = secrets.primary(CONSUMER_KEY_VARIABLE).unwrap();
    let sign = |body: &str| {
        delivery(
            body.as_bytes().to_vec(),
            &signature_base64(key, body.as_bytes()),
        )
    };

    // Every sample event is accepted once, the drifted one (no userId) included.
    let files = event_files(&repo_root().join("events"), "snaptrade");
    assert_eq!(files.len(), 32);
    let mut bodies = Vec::new();
    for file in &files {
        let delivery = read_event_file(file).unwrap();
        assert_eq!(
            stack.send("snaptrade", &delivery).await,
            (200, ACCEPTED.to_owned()),
            "{}",
            file.display()
        );
        bodies.push(serde_json::from_slice::<Value>(&delivery.body).unwrap());
    }
    let messages = stack.drain_messages().await;
    assert_eq!(
        fallbacks(&messages),
        [(DRIFT_ID.to_owned(), "subject".to_owned())]
    );
    // The legacy webhookSecret, which the API-key samples carry, never reaches the queue;
    // each payload is its body without it.
    let with_secret = bodies
        .iter()
        .filter(|b| b.get("webhookSecret").is_some())
        .count();
    assert!(with_secret >= 10, "{with_secret}");
    assert!(messages.iter().all(|m| !m.body.contains("webhookSecret")));
    let legacy = secrets.primary("SNAPTRADE_WEBHOOK_SECRET").unwrap();
    assert!(messages.iter().all(|m| !m.body.contains(legacy)));
    for envelope in envelopes_of(&messages) {
        let body = bodies
            .iter()
            .find(|b| b["webhookId"] == envelope["id"])
            .unwrap();
        assert_eq!(
            envelope["payload"],
            without_secret(body),
            "{}",
            envelope["id"]
        );
    }
    let mut envelopes = envelopes_of(&messages);
    envelopes.sort_by_key(|e| e["occurred_at"].as_str().unwrap_or_default().to_owned());
    let summary: Vec<[String; 4]> = envelopes
        .iter()
        .map(|e| {
            ["id", "type", "subject", "occurred_at"].map(|k| e[k].as_str().unwrap().to_owned())
        })
        .collect();
    let s = |id: &str, t: &str, subject: &str, at: &str| [id, t, subject, at].map(str::to_owned);
    assert_eq!(
        summary,
        [
            s(
                "4f7d0001-8c1e-4b6a-9f3d-2e5a7c9b1d01",
                "USER_REGISTERED",
                "brokerhooks-demo-user-0042",
                "2026-11-20T14:01:07.101111Z"
            ),
            s(
                "4f7d0002-8c1e-4b6a-9f3d-2e5a7c9b1d02",
                "USER_DELETED",
                "brokerhooks-demo-user-0042",
                "2026-11-20T14:02:07.102222Z"
            ),
            s(
                "4f7d0003-8c1e-4b6a-9f3d-2e5a7c9b1d03",
                "CONNECTION_ATTEMPTED",
                "brokerhooks-demo-user-0042",
                "2026-11-20T14:03:07.103333Z"
            ),
            s(
                "4f7d0004-8c1e-4b6a-9f3d-2e5a7c9b1d04",
                "CONNECTION_ADDED",
                "a0231bd2-9b77-4732-ba78-f9c6af6a1a62",
                "2026-11-20T14:04:07.104444Z"
            ),
            s(
                "4f7d0005-8c1e-4b6a-9f3d-2e5a7c9b1d05",
                "CONNECTION_DELETED",
                "a0231bd2-9b77-4732-ba78-f9c6af6a1a62",
                "2026-11-20T14:05:07.105555Z"
            ),
            s(
                "4f7d0006-8c1e-4b6a-9f3d-2e5a7c9b1d06",
                "CONNECTION_BROKEN",
                "a0231bd2-9b77-4732-ba78-f9c6af6a1a62",
                "2026-11-20T14:06:07.106666Z"
            ),
            s(
                "4f7d0007-8c1e-4b6a-9f3d-2e5a7c9b1d07",
                "CONNECTION_FIXED",
                "a0231bd2-9b77-4732-ba78-f9c6af6a1a62",
                "2026-11-20T14:07:07.107777Z"
            ),
            s(
                "4f7d0008-8c1e-4b6a-9f3d-2e5a7c9b1d08",
                "CONNECTION_UPDATED",
                "a0231bd2-9b77-4732-ba78-f9c6af6a1a62",
                "2026-11-20T14:08:07.108888Z"
            ),
            s(
                "4f7d0009-8c1e-4b6a-9f3d-2e5a7c9b1d09",
                "CONNECTION_FAILED",
                "brokerhooks-demo-user-0042",
                "2026-11-20T14:09:07.109999Z"
            ),
            s(
                "4f7d0010-8c1e-4b6a-9f3d-2e5a7c9b1d10",
                "NEW_ACCOUNT_AVAILABLE",
                "ec20134b-72e7-4e72-9b4c-9c7ddd1c479c",
                "2026-11-20T14:10:07.11111Z"
            ),
            s(
                "4f7d0011-8c1e-4b6a-9f3d-2e5a7c9b1d11",
                "ACCOUNT_TRANSACTIONS_INITIAL_UPDATE",
                "ec20134b-72e7-4e72-9b4c-9c7ddd1c479c",
                "2026-11-20T14:11:07.112221Z"
            ),
            s(
                "4f7d0012-8c1e-4b6a-9f3d-2e5a7c9b1d12",
                "ACCOUNT_TRANSACTIONS_UPDATED",
                "ec20134b-72e7-4e72-9b4c-9c7ddd1c479c",
                "2026-11-20T14:12:07.113332Z"
            ),
            s(
                "4f7d0013-8c1e-4b6a-9f3d-2e5a7c9b1d13",
                "ACCOUNT_REMOVED",
                "ec20134b-72e7-4e72-9b4c-9c7ddd1c479c",
                "2026-11-20T14:13:07.114443Z"
            ),
            s(
                "4f7d0014-8c1e-4b6a-9f3d-2e5a7c9b1d14",
                "ACCOUNT_HOLDINGS_UPDATED",
                "ec20134b-72e7-4e72-9b4c-9c7ddd1c479c",
                "2026-11-20T14:14:07.115554Z"
            ),
            s(
                "4f7d0015-8c1e-4b6a-9f3d-2e5a7c9b1d15",
                "TRADE_DETECTION",
                "ec20134b-72e7-4e72-9b4c-9c7ddd1c479c",
                "2026-11-20T14:15:07.116665Z"
            ),
            s(
                "4f7d0016-8c1e-4b6a-9f3d-2e5a7c9b1d16",
                "TRADE_UPDATE",
                "ec20134b-72e7-4e72-9b4c-9c7ddd1c479c",
                "2026-11-20T14:16:07.117776Z"
            ),
            s(
                "4f7d0017-8c1e-4b6a-9f3d-2e5a7c9b1d17",
                "TRADES_PLACED",
                "ec20134b-72e7-4e72-9b4c-9c7ddd1c479c",
                "2026-11-20T14:17:07.118887Z"
            ),
            s(
                "4f7d0021-8c1e-4b6a-9f3d-2e5a7c9b1d21",
                "CONNECTION_ATTEMPTED",
                "7c382af7-1faa-490c-8d10-b15e27a36a14",
                "2026-11-20T14:21:07.123331Z"
            ),
            s(
                "4f7d0022-8c1e-4b6a-9f3d-2e5a7c9b1d22",
                "CONNECTION_ADDED",
                "7c382af7-1faa-490c-8d10-b15e27a36a14",
                "2026-11-20T14:22:07.124442Z"
            ),
            s(
                "4f7d0023-8c1e-4b6a-9f3d-2e5a7c9b1d23",
                "CONNECTION_DELETED",
                "7c382af7-1faa-490c-8d10-b15e27a36a14",
                "2026-11-20T14:23:07.125553Z"
            ),
            s(
                "4f7d0024-8c1e-4b6a-9f3d-2e5a7c9b1d24",
                "CONNECTION_BROKEN",
                "7c382af7-1faa-490c-8d10-b15e27a36a14",
                "2026-11-20T14:24:07.126664Z"
            ),
            s(
                "4f7d0025-8c1e-4b6a-9f3d-2e5a7c9b1d25",
                "CONNECTION_FIXED",
                "7c382af7-1faa-490c-8d10-b15e27a36a14",
                "2026-11-20T14:25:07.127775Z"
            ),
            s(
                "4f7d0026-8c1e-4b6a-9f3d-2e5a7c9b1d26",
                "CONNECTION_UPDATED",
                "7c382af7-1faa-490c-8d10-b15e27a36a14",
                "2026-11-20T14:26:07.128886Z"
            ),
            s(
                "4f7d0027-8c1e-4b6a-9f3d-2e5a7c9b1d27",
                "CONNECTION_FAILED",
                "e474391b-01a0-4eaf-8b3b-3d9c546b790c",
                "2026-11-20T14:27:07.129997Z"
            ),
            s(
                "4f7d0028-8c1e-4b6a-9f3d-2e5a7c9b1d28",
                "NEW_ACCOUNT_AVAILABLE",
                "5f1d2c3b-8e9a-4b7c-a6d5-e4f3a2b1c0d9",
                "2026-11-20T14:28:07.131108Z"
            ),
            s(
                "4f7d0029-8c1e-4b6a-9f3d-2e5a7c9b1d29",
                "ACCOUNT_TRANSACTIONS_INITIAL_UPDATE",
                "5f1d2c3b-8e9a-4b7c-a6d5-e4f3a2b1c0d9",
                "2026-11-20T14:29:07.132219Z"
            ),
            s(
                "4f7d0030-8c1e-4b6a-9f3d-2e5a7c9b1d30",
                "ACCOUNT_TRANSACTIONS_UPDATED",
                "5f1d2c3b-8e9a-4b7c-a6d5-e4f3a2b1c0d9",
                "2026-11-20T14:30:07.13333Z"
            ),
            s(
                "4f7d0031-8c1e-4b6a-9f3d-2e5a7c9b1d31",
                "ACCOUNT_REMOVED",
                "5f1d2c3b-8e9a-4b7c-a6d5-e4f3a2b1c0d9",
                "2026-11-20T14:31:07.134441Z"
            ),
            s(
                "4f7d0032-8c1e-4b6a-9f3d-2e5a7c9b1d32",
                "ACCOUNT_HOLDINGS_UPDATED",
                "5f1d2c3b-8e9a-4b7c-a6d5-e4f3a2b1c0d9",
                "2026-11-20T14:32:07.135552Z"
            ),
            s(
                "4f7d0033-8c1e-4b6a-9f3d-2e5a7c9b1d33",
                "TRADE_DETECTION",
                "5f1d2c3b-8e9a-4b7c-a6d5-e4f3a2b1c0d9",
                "2026-11-20T14:33:07.136663Z"
            ),
            s(
                "4f7d0034-8c1e-4b6a-9f3d-2e5a7c9b1d34",
                "TRADE_UPDATE",
                "5f1d2c3b-8e9a-4b7c-a6d5-e4f3a2b1c0d9",
                "2026-11-20T14:34:07.137774Z"
            ),
            s(
                DRIFT_ID,
                "CONNECTION_ATTEMPTED",
                "unknown",
                "2026-11-20T14:40:07.14Z"
            ),
        ]
    );
    for (envelope, body) in envelopes.iter().zip(&bodies) {
        assert_eq!(envelope["provider"], "snaptrade");
        assert_eq!(envelope.as_object().unwrap().len(), 7);
        assert_eq!(
            envelope["payload"],
            without_secret(body),
            "{}",
            envelope["id"]
        );
    }

    // Redeliveries are duplicates: as sent, with a changed body (the webhookId wins),
    // and authenticated by the legacy webhookSecret instead of the header.
    let registered = read_event_file(&files[0]).unwrap();
    assert_eq!(
        stack.send("snaptrade", &registered).await,
        (200, DUPLICATE.to_owned())
    );
    let mut changed = bodies[13].clone();
    changed["details"]["positions"] = json!({"success": false, "error": "timeout"});
    assert_eq!(
        stack.send("snaptrade", &sign(&changed.to_string())).await,
        (200, DUPLICATE.to_owned())
    );
    let mut legacy = read_event_file(&files[3]).unwrap();
    legacy.headers.retain(|(name, _)| name != "signature");
    assert_eq!(
        stack.send("snaptrade", &legacy).await,
        (200, DUPLICATE.to_owned())
    );

    // Drift: the drifted sample again is a duplicate; a signed object without webhookId
    // and with a naive eventTimestamp is enqueued once with its fallbacks.
    let drifted = read_event_file(&files[31]).unwrap();
    assert_eq!(
        stack.send("snaptrade", &drifted).await,
        (200, DUPLICATE.to_owned())
    );
    let mut no_id = bodies[2].clone();
    no_id.as_object_mut().unwrap().remove("webhookId");
    no_id["eventTimestamp"] = json!("2026-11-20 14:03:07");
    let no_id_text = no_id.to_string();
    for answer in [ACCEPTED, DUPLICATE] {
        assert_eq!(
            stack.send("snaptrade", &sign(&no_id_text)).await,
            (200, answer.to_owned())
        );
    }
    let messages = stack.drain_messages().await;
    assert_eq!(
        fallbacks(&messages),
        [(
            content_id(&without_secret(&no_id)),
            "id,occurred_at,signed_timestamp".to_owned()
        )]
    );

    // Forged, malformed and misdirected requests are refused and write nothing.
    let items = stack.table_len().await;
    let mut forged_drift = bodies[31].clone();
    forged_drift["userId"] = json!("brokerhooks-demo-user-0042");
    forged_drift
        .as_object_mut()
        .unwrap()
        .remove("webhookSecret");
    let added = read_event_file(&files[3]).unwrap();
    let mut guessed = bodies[3].clone();
    guessed["webhookId"] = json!("forged-webhook-id");
    guessed["webhookSecret"] = json!("guessed-secret");
    // The legacy secret is a bearer token that covers nothing: a forgery must lack it.
    let mut forged = guessed.clone();
    forged.as_object_mut().unwrap().remove("webhookSecret");
    let mut oauth_unsigned = read_event_file(&files[18]).unwrap();
    oauth_unsigned
        .headers
        .retain(|(name, _)| name != "signature");
    let mut get = added.clone();
    get.method = "GET".to_owned();
    let cases = [
        (
            "forged body, old signature",
            Delivery {
                body: forged.to_string().into_bytes(),
                ..added.clone()
            },
            401,
            r#"{"error":"signature mismatch"}"#,
        ),
        (
            "drifted sample given a user, old signature",
            Delivery {
                body: forged_drift.to_string().into_bytes(),
                ..drifted.clone()
            },
            401,
            r#"{"error":"signature mismatch"}"#,
        ),
        (
            "no header, wrong webhookSecret",
            Delivery {
                body: guessed.to_string().into_bytes(),
                headers: vec![],
                ..added.clone()
            },
            401,
            r#"{"error":"webhookSecret mismatch"}"#,
        ),
        (
            "oauth payload without header",
            oauth_unsigned,
            401,
            r#"{"error":"missing Signature header"}"#,
        ),
        (
            "signed, not json",
            sign("webhookId=1"),
            400,
            r#"{"error":"body is not valid JSON"}"#,
        ),
        ("get", get, 405, r#"{"error":"method not allowed"}"#),
    ];
    for (name, delivery, status, body) in cases {
        assert_eq!(
            stack.send("snaptrade", &delivery).await,
            (status, body.to_owned()),
            "{name}"
        );
    }
    assert_eq!(stack.table_len().await, items);
    assert!(stack.drain().await.is_empty());

    // An event type this version does not know is still enqueued, unchanged.
    let future = r#"{"webhookId":"e2e-future-type","eventType":"PORTFOLIO_REBALANCED","eventTimestamp":"2026-11-20T15:00:00+00:00","userId":"brokerhooks-demo-user-0042","novel":[1.5,"x"]}"#;
    assert_eq!(
        stack.send("snaptrade", &sign(future)).await,
        (200, ACCEPTED.to_owned())
    );
    let envelopes = stack.drain().await;
    assert_eq!(envelopes.len(), 1);
    assert_eq!(envelopes[0]["type"], "PORTFOLIO_REBALANCED");
    assert_eq!(
        envelopes[0]["payload"],
        serde_json::from_str::<Value>(future).unwrap()
    );
}
