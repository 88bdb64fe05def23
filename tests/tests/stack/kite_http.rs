//! End to end: the `kite` function served by `cargo lambda watch`, real HTTP requests,
//! the emulator's table and queue.

use brokerhooks::providers::BuiltIn;
use brokerhooks::providers::kite::OrderState;
use brokerhooks::text::canonical_json::content_id;
use brokerhooks_testkit::api_gateway_event::Delivery;
use brokerhooks_testkit::e2e::{E2eStack, envelopes_of, fallbacks};
use brokerhooks_testkit::local_secrets::{LocalSecrets, repo_root};
use brokerhooks_testkit::providers;
use brokerhooks_testkit::replay::{event_files, read_event_file};
use serde_json::{Value, json};

/// One test function: the stack's queue is shared, so the scenarios run in order.
#[tokio::test]
async fn kite_over_http() {
    let Some(stack) = E2eStack::from_env().await else {
        return;
    };
    stack.drain().await;

    // Every sample event is accepted once, the drifted one (no status) included.
    let files = event_files(&repo_root().join("events"), "kite");
    assert_eq!(files.len(), 6);
    for file in &files {
        let delivery = read_event_file(file).unwrap();
        assert_eq!(
            stack.send("kite", &delivery).await,
            (200, r#"{"accepted":1,"duplicates":0}"#.to_owned()),
            "{}",
            file.display()
        );
    }
    let messages = stack.drain_messages().await;
    assert!(
        messages
            .iter()
            .all(|m| m.attributes.get("origin").map(String::as_str) == Some("postback"))
    );
    // Each postback that reports an order state the order book can prove (a fill, the
    // terminal states) marked it for the reconciler, within the time `cargo lambda
    // watch` gives an invocation; the unfilled OPEN and the drifted one did not.
    let marked: Vec<(String, Option<String>)> = files
        .iter()
        .filter_map(|file| {
            let body: Value = serde_json::from_slice(&read_event_file(file).unwrap().body).ok()?;
            let state = OrderState::of(body.as_object()?)?;
            Some((
                format!("kite#state:{}", state.key_hex()),
                Some("delivery".to_owned()),
            ))
        })
        .collect();
    assert_eq!(marked.len(), 4);
    let marks = stack.items_under("kite#state:").await;
    assert!(marked.iter().all(|mark| marks.contains(mark)), "{marks:?}");
    let drifted = read_event_file(&files[5]).unwrap();
    let drifted_body: Value = serde_json::from_slice(&drifted.body).unwrap();
    assert_eq!(
        fallbacks(&messages),
        [(content_id(&drifted_body), "type".to_owned())]
    );
    let mut envelopes = envelopes_of(&messages);
    envelopes.sort_by_key(|e| e["occurred_at"].as_str().unwrap_or_default().to_owned());
    let summary: Vec<(String, String, String)> = envelopes
        .iter()
        .map(|e| {
            (
                e["type"].as_str().unwrap().to_owned(),
                e["subject"].as_str().unwrap().to_owned(),
                e["occurred_at"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let s = |t: &str, o: &str, at: &str| (t.to_owned(), o.to_owned(), at.to_owned());
    assert_eq!(
        summary,
        [
            s("OPEN", "261120000112233", "2026-11-20T03:45:02Z"),
            s("UPDATE", "261120000112233", "2026-11-20T03:46:40Z"),
            s("COMPLETE", "261120000112233", "2026-11-20T03:48:11Z"),
            s("CANCELLED", "261120000112301", "2026-11-20T05:00:00Z"),
            s("REJECTED", "261120000112377", "2026-11-20T05:50:13Z"),
            s("UNPARSED", "261120000112455", "2026-11-20T07:35:41Z"),
        ]
    );
    assert!(
        envelopes
            .iter()
            .all(|e| e["provider"] == "kite" && e.as_object().unwrap().len() == 7)
    );

    // A redelivery, reformatted, is a duplicate.
    let complete = read_event_file(&files[2]).unwrap();
    let value: Value = serde_json::from_slice(&complete.body).unwrap();
    let mut pretty = complete.clone();
    pretty.body = serde_json::to_vec_pretty(&value).unwrap();
    assert_eq!(
        stack.send("kite", &pretty).await,
        (200, r#"{"accepted":0,"duplicates":1}"#.to_owned())
    );

    // Drift: the drifted sample again is a duplicate; an order_timestamp in another
    // format is enqueued with its fallback; tampered copies are refused.
    assert_eq!(
        stack.send("kite", &drifted).await,
        (200, r#"{"accepted":0,"duplicates":1}"#.to_owned())
    );
    let mut other_format = drifted_body.clone();
    other_format["order_timestamp"] = json!("20-11-2026 13:05:40");
    other_format["status"] = json!("COMPLETE");
    let secrets = LocalSecrets::load_default().unwrap();
    let other_format = providers::sign(BuiltIn::Kite, &other_format, &secrets).unwrap();
    assert_eq!(
        stack.send("kite", &other_format).await,
        (200, r#"{"accepted":1,"duplicates":0}"#.to_owned())
    );
    let messages = stack.drain_messages().await;
    assert_eq!(messages.len(), 1);
    let envelope: Value = serde_json::from_str(&messages[0].body).unwrap();
    assert_eq!(
        (&envelope["type"], &envelope["occurred_at"]),
        (&json!("COMPLETE"), &json!("2026-11-20T07:35:41Z"))
    );
    assert_eq!(
        fallbacks(&messages),
        [(
            envelope["id"].as_str().unwrap().to_owned(),
            "signed_timestamp".to_owned()
        )]
    );
    assert_eq!(
        stack.send("kite", &other_format).await,
        (200, r#"{"accepted":0,"duplicates":1}"#.to_owned())
    );
    let items = stack.table_len().await;
    for (field, value) in [
        ("order_id", "261120000112456"),
        ("order_timestamp", "20-11-2026 13:05:41"),
    ] {
        let mut tampered: Value = serde_json::from_slice(&other_format.body).unwrap();
        tampered[field] = json!(value);
        let tampered = Delivery {
            body: tampered.to_string().into_bytes(),
            ..other_format.clone()
        };
        assert_eq!(
            stack.send("kite", &tampered).await,
            (401, r#"{"error":"checksum mismatch"}"#.to_owned()),
            "{field}"
        );
    }
    assert_eq!(stack.table_len().await, items);
    assert!(stack.drain().await.is_empty());

    // Forged, malformed and misdirected requests are refused and write nothing.
    let items = stack.table_len().await;
    let mut forged = value.clone();
    forged["status"] = Value::from("CANCELLED");
    forged["checksum"] = Value::from("0".repeat(64));
    let mut get = complete.clone();
    get.method = "GET".to_owned();
    let cases = [
        (
            "forged",
            Delivery {
                body: forged.to_string().into_bytes(),
                ..complete.clone()
            },
            401,
            r#"{"error":"checksum mismatch"}"#,
        ),
        (
            "not json",
            Delivery {
                body: b"order_id=1&checksum=2".to_vec(),
                ..complete.clone()
            },
            400,
            r#"{"error":"body is not valid JSON"}"#,
        ),
        ("get", get, 405, r#"{"error":"method not allowed"}"#),
        (
            "oversize",
            Delivery {
                body: vec![b' '; 960 * 1024 + 1],
                ..complete.clone()
            },
            413,
            r#"{"error":"body larger than 983040 bytes"}"#,
        ),
    ];
    for (name, delivery, status, body) in cases {
        assert_eq!(
            stack.send("kite", &delivery).await,
            (status, body.to_owned()),
            "{name}"
        );
    }
    assert_eq!(stack.table_len().await, items);
    assert!(stack.drain().await.is_empty());
}
