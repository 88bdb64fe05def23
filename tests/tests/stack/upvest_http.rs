//! End to end: the `upvest` function served by `cargo lambda watch`, real HTTP requests,
//! the emulator's table and queue. The function's JWKS comes from events/upvest/local.env
//! through the env file, so this also proves the JSON value survives it.

use brokerhooks::providers::upvest::digest_header;
use brokerhooks_testkit::api_gateway_event::Delivery;
use brokerhooks_testkit::e2e::E2eStack;
use brokerhooks_testkit::local_secrets::{LocalSecrets, repo_root};
use brokerhooks_testkit::providers::upvest::UpvestSigner;
use brokerhooks_testkit::replay::{event_files, read_event_file};
use serde_json::{Value, json};

/// The subscription id events/upvest/local.env configures (`UPVEST_WEBHOOK_IDS`).
const OUR_WEBHOOK: &str = "0b7c9d2e-4f61-4a83-9b5c-6d7e8f9a0b1c";

/// One test function: the stack's queue is shared, so the scenarios run in order.
#[tokio::test]
async fn upvest_over_http() {
    let Some(stack) = E2eStack::from_env().await else {
        return;
    };
    stack.drain().await;

    // Every sample batch is accepted once: 1, 3 and 10 events, and the drifted one (its
    // `type` and `created_at` renamed) with its fallbacks.
    let files = event_files(&repo_root().join("events"), "upvest");
    assert_eq!(files.len(), 4);
    let received_from = time::OffsetDateTime::now_utc()
        .replace_nanosecond(0)
        .unwrap();
    let mut sent_events: Vec<Value> = Vec::new();
    for (file, count) in files.iter().zip([1, 3, 10, 1]) {
        let delivery = read_event_file(file).unwrap();
        assert_eq!(
            stack.send("upvest", &delivery).await,
            (200, format!(r#"{{"accepted":{count},"duplicates":0}}"#)),
            "{}",
            file.display()
        );
        let body: Value = serde_json::from_slice(&delivery.body).unwrap();
        sent_events.extend(body["payload"].as_array().unwrap().iter().cloned());
    }
    let mut envelopes = stack.drain().await;
    assert_eq!(envelopes.len(), 15);
    envelopes.sort_by_key(|e| e["id"].as_str().unwrap().to_owned());
    sent_events.sort_by_key(|e| e["id"].as_str().unwrap().to_owned());
    for (envelope, event) in envelopes.iter().zip(&sent_events) {
        assert_eq!(envelope["provider"], "upvest");
        assert_eq!(envelope.as_object().unwrap().len(), 7);
        assert_eq!(envelope["id"], event["id"]);
        let drifted = event.get("type").is_none();
        let expected_type = if drifted {
            json!("UNPARSED")
        } else {
            event["type"].clone()
        };
        assert_eq!(envelope["type"], expected_type);
        assert_eq!(envelope["subject"], event["object"]["id"]);
        assert_eq!(envelope["payload"], *event);
    }
    let summary: Vec<(String, String, String)> = envelopes
        .iter()
        .map(|e| {
            (
                e["id"].as_str().unwrap()[24..].to_owned(),
                e["type"].as_str().unwrap().to_owned(),
                e["occurred_at"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let s = |id: &str, t: &str, at: &str| (id.to_owned(), t.to_owned(), at.to_owned());
    assert_eq!(
        summary,
        [
            s("000000000001", "ORDER.FILLED", "2026-11-20T09:00:04.12Z"),
            s("000000000002", "USER.CREATED", "2026-11-20T08:10:00Z"),
            s("000000000003", "USER.ACTIVATED", "2026-11-20T08:12:30Z"),
            s("000000000004", "ACCOUNT.CREATED", "2026-11-20T08:13:05Z"),
            s("000000000005", "ACCOUNT.ACTIVATED", "2026-11-20T08:15:00Z"),
            s("000000000006", "ORDER.NEW", "2026-11-20T09:00:00Z"),
            s("000000000007", "ORDER.PROCESSING", "2026-11-20T09:00:01Z"),
            s(
                "000000000008",
                "EXECUTION.FILLED",
                "2026-11-20T09:00:04.05Z"
            ),
            s("000000000009", "ORDER.NEW", "2026-11-20T10:30:00Z"),
            s("00000000000a", "ORDER.PROCESSING", "2026-11-20T10:30:01Z"),
            s("00000000000b", "ORDER.FILLED", "2026-11-20T10:30:03.2Z"),
            s("00000000000c", "EXECUTION.FILLED", "2026-11-20T10:30:03.3Z"),
            s("00000000000d", "EXECUTION.SETTLED", "2026-11-21T06:00:00Z"),
            s("00000000000e", "USER.DATA_CHANGED", "2026-11-21T12:00:00Z"),
            s("00000000000f", "UNPARSED", &summary[14].2),
        ]
    );
    // The drifted event has no readable `created_at`: it occurred "when received".
    let drift_at = time::OffsetDateTime::parse(
        &summary[14].2,
        &time::format_description::well_known::Rfc3339,
    )
    .unwrap();
    assert!(received_from <= drift_at && drift_at <= time::OffsetDateTime::now_utc());

    // The large batch again: all duplicates.
    let ten = read_event_file(&files[2]).unwrap();
    assert_eq!(
        stack.send("upvest", &ten).await,
        (200, r#"{"accepted":0,"duplicates":10}"#.to_owned())
    );
    // The drifted batch again is a duplicate too; altered, it is refused.
    let drifted = read_event_file(&files[3]).unwrap();
    assert_eq!(
        stack.send("upvest", &drifted).await,
        (200, r#"{"accepted":0,"duplicates":1}"#.to_owned())
    );
    let drifted_altered = Delivery {
        body: String::from_utf8(drifted.body.clone())
            .unwrap()
            .replace("120.50", "920.50")
            .into_bytes(),
        ..drifted
    };
    assert_eq!(
        stack.send("upvest", &drifted_altered).await,
        (401, r#"{"error":"digest mismatch"}"#.to_owned())
    );

    // A fresh batch mixing a seen event, a new one and one without an id (its content
    // hash stands in; its type and subject are still read).
    let signer = UpvestSigner::local(&LocalSecrets::load_default().unwrap()).unwrap();
    let seen = serde_json::to_string(&sent_events[0]).unwrap();
    let new = r#"{"id":"e2e-new-1","type":"CASH_BALANCE.UPDATED","created_at":"2026-11-22T08:00:00Z","object":{"id":"cb-1"},"webhook_id":"0b7c9d2e-4f61-4a83-9b5c-6d7e8f9a0b1c"}"#;
    let no_id = r#"{"type":"ORDER.NEW","object":{"id":"o-1"}}"#;
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let mixed = signer
        .sign_body(format!(r#"{{"payload":[{seen},{new},{no_id}]}}"#), now)
        .unwrap();
    assert_eq!(
        stack.send("upvest", &mixed).await,
        (200, r#"{"accepted":2,"duplicates":1}"#.to_owned())
    );
    let mut fresh = stack.drain().await;
    fresh.sort_by_key(|e| e["type"].as_str().unwrap().to_owned());
    let kinds: Vec<(&str, &str)> = fresh
        .iter()
        .map(|e| (e["type"].as_str().unwrap(), e["subject"].as_str().unwrap()))
        .collect();
    assert_eq!(
        kinds,
        [("CASH_BALANCE.UPDATED", "cb-1"), ("ORDER.NEW", "o-1")]
    );
    assert_eq!(fresh[1]["occurred_at"], fresh[1]["received_at"]);

    // A query string is signed as `@query` over the raw text, which reaches the function unchanged.
    let mut with_query = Delivery::post(
        "/webhooks/upvest",
        r#"{"payload":[{"id":"e2e-query-1","type":"ORDER.NEW","object":{"id":"o-q"}}]}"#,
    );
    with_query.query = Some("tenant=a%20b&z=1&a=2".to_owned());
    let with_query = signer.sign(with_query, now).unwrap();
    assert!(
        with_query
            .header("signature-input")
            .unwrap()
            .contains("\"@query\""),
        "the signer covers the query"
    );
    assert_eq!(
        stack.send("upvest", &with_query).await,
        (200, r#"{"accepted":1,"duplicates":0}"#.to_owned())
    );
    assert_eq!(stack.drain().await[0]["id"], "e2e-query-1");

    // Covered headers that are structured values, normalised as Upvest's signer does: a
    // dictionary, an inner list and a plain value with text after ", ".
    let event = json!({"id": "e2e-structured-1", "type": "ORDER.NEW",
        "created_at": "2026-11-22T08:00:00Z", "object": {"id": "o-s"}, "webhook_id": OUR_WEBHOOK});
    let mut structured =
        Delivery::post("/webhooks/upvest", json!({"payload": [event]}).to_string());
    structured.headers.extend(
        [
            ("cache-control", "max-age=0, stale-if-error=60"),
            ("upvest-trace", "(a, \"b, c\")"),
            ("accept", "application/json, text/plain"),
        ]
        .map(|(name, value)| (name.to_owned(), value.to_owned())),
    );
    let structured = signer.sign(structured, now).unwrap();
    let input = structured.header("signature-input").unwrap();
    assert!(
        input.starts_with(r#"sig1=("content-type" "cache-control:max-age" "cache-control:stale-if-error" "upvest-trace:0" "upvest-trace:1" "upvest-trace:2" "accept" "@method" "@path" "digest");"#),
        "{input}"
    );
    assert_eq!(
        stack.send("upvest", &structured).await,
        (200, r#"{"accepted":1,"duplicates":0}"#.to_owned())
    );
    let enqueued = stack.drain().await;
    assert_eq!(enqueued.len(), 1);
    let received_at = enqueued[0]["received_at"].as_str().unwrap();
    assert_eq!(
        enqueued[0],
        json!({"id": "e2e-structured-1", "provider": "upvest", "type": "ORDER.NEW",
            "subject": "o-s", "occurred_at": "2026-11-22T08:00:00Z",
            "received_at": received_at, "payload": event})
    );
    assert_eq!(
        stack.send("upvest", &structured).await,
        (200, r#"{"accepted":0,"duplicates":1}"#.to_owned())
    );

    // Forged, tampered and misdirected requests are refused and write nothing.
    let items = stack.table_len().await;
    let one = read_event_file(&files[0]).unwrap();
    let tampered = Delivery {
        body: String::from_utf8(one.body.clone())
            .unwrap()
            .replace("250.00", "950.00")
            .into_bytes(),
        ..one.clone()
    };
    let mut moved = one.clone();
    moved.path = "/webhooks/other".to_owned();
    let mut get = one.clone();
    get.method = "GET".to_owned();
    let mut query_added = one.clone();
    query_added.query = Some("a=b".to_owned());
    let unsigned = Delivery {
        headers: vec![("content-type".to_owned(), "application/json".to_owned())],
        ..one.clone()
    };
    // The forged body's digest appended to the signed one: only the signed text counts.
    let forged_digest = tampered.clone().with_header(
        "digest",
        &format!(
            "{}, {}",
            one.header("digest").unwrap(),
            digest_header(&tampered.body)
        ),
    );
    // Signed by Upvest for another client's subscription.
    let foreign = signer
        .sign_body(
            json!({"payload": [{"id": "e2e-foreign-1", "type": "ORDER.NEW",
                "created_at": "2026-11-22T08:00:00Z", "object": {"id": "o-f"},
                "webhook_id": "9f8e7d6c-0000-4000-8000-0000000000ff"}]})
            .to_string(),
            now,
        )
        .unwrap();
    let cases = [
        (
            "tampered body",
            tampered,
            401,
            r#"{"error":"digest mismatch"}"#,
        ),
        (
            "other path",
            moved,
            401,
            r#"{"error":"signature mismatch"}"#,
        ),
        (
            "unsigned",
            unsigned,
            401,
            r#"{"error":"missing signature-input"}"#,
        ),
        ("get", get, 405, r#"{"error":"method not allowed"}"#),
        (
            "forged digest entry",
            forged_digest,
            401,
            r#"{"error":"digest mismatch"}"#,
        ),
        (
            "foreign webhook id",
            foreign,
            401,
            r#"{"error":"event for another webhook subscription"}"#,
        ),
    ];
    for (name, delivery, status, body) in cases {
        assert_eq!(
            stack.send("upvest", &delivery).await,
            (status, body.to_owned()),
            "{name}"
        );
    }
    assert_eq!(stack.table_len().await, items);
    assert!(stack.drain().await.is_empty());
}
