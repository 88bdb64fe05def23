//! End to end: the `onemetric` function served by `cargo lambda watch`, real HTTP
//! requests, the emulator's table and queue.

use brokerhooks::text::canonical_json::content_id;
use brokerhooks_testkit::api_gateway_event::Delivery;
use brokerhooks_testkit::e2e::{E2eStack, envelopes_of, fallbacks};
use brokerhooks_testkit::local_secrets::{LocalSecrets, repo_root};
use brokerhooks_testkit::replay::{event_files, read_event_file};
use brokerhooks_testkit::stack_presence::stack_variable;
use serde_json::{Value, json};

/// One test function: the stack's queue is shared, so the scenarios run in order.
#[tokio::test]
async fn onemetric_over_http() {
    let Some(stack) = E2eStack::from_env().await else {
        return;
    };
    stack.drain().await;
    let secrets = LocalSecrets::load_default().unwrap();
    let tokens: Vec<&str> = secrets.get("ONEMETRIC_TOKEN").unwrap().split(',').collect();
    assert_eq!(
        tokens.len(),
        2,
        "events/onemetric/local.env lists two tokens"
    );

    // Every sample event is accepted once, whatever its 2024 time_stamp, the drifted one
    // (the second document's example: ISO time_stamp, no user, no symbol) included.
    let files = event_files(&repo_root().join("events"), "onemetric");
    assert_eq!(files.len(), 11);
    let mut payloads = Vec::new();
    for file in &files {
        let delivery = read_event_file(file).unwrap();
        assert_eq!(
            delivery.query.as_deref(),
            Some(format!("token={}", tokens[0]).as_str())
        );
        payloads.push(serde_json::from_slice::<Value>(&delivery.body).unwrap());
        assert_eq!(
            stack.send("onemetric", &delivery).await,
            (200, r#"{"accepted":1,"duplicates":0}"#.to_owned()),
            "{}",
            file.display()
        );
    }
    let messages = stack.drain_messages().await;
    assert_eq!(
        fallbacks(&messages),
        [(content_id(&payloads[10]), "subject".to_owned())]
    );
    let mut envelopes = envelopes_of(&messages);
    let key = |e: &Value| {
        (
            e["occurred_at"].as_str().unwrap_or_default().to_owned(),
            e["type"].as_str().unwrap_or_default().to_owned(),
            e["subject"].as_str().unwrap_or_default().to_owned(),
        )
    };
    envelopes.sort_by_key(key);
    let summary: Vec<_> = envelopes.iter().map(key).collect();
    let s = |at: &str, t: &str, subject: &str| (at.to_owned(), t.to_owned(), subject.to_owned());
    assert_eq!(
        summary,
        [
            s(
                "2024-10-01T10:20:00Z",
                "MARKET_GENERATED_ALERT.MARKET_PREV_HIGH_ALERT",
                "unknown"
            ),
            s(
                "2024-10-01T10:20:00Z",
                "MARKET_GENERATED_ALERT.PRICE_ALERT",
                "ABC"
            ),
            s(
                "2024-10-01T10:20:00Z",
                "MARKET_GENERATED_ALERT.PRICE_ALERT",
                "user_123456"
            ),
            s("2024-10-01T11:45:00Z", "USER_ACTIVITY.LOGIN", "user_789012"),
            s(
                "2024-10-01T12:00:00Z",
                "STOCK_WATCHLIST.STOCK_ADDED",
                "user_123456"
            ),
            s(
                "2026-11-20T04:05:00Z",
                "MARKET_GENERATED_ALERT.VOLUME_ALERT",
                "INFY"
            ),
            s(
                "2026-11-20T05:10:30Z",
                "USER_ACTIVITY.LOGOUT",
                "user_789012"
            ),
            s(
                "2026-11-20T06:00:12Z",
                "TRANSACTION.NEW_PURCHASE",
                "user_345678"
            ),
            s("2026-11-20T06:30:45Z", "TRANSACTION.REFUND", "user_345678"),
            s(
                "2026-11-20T07:15:00Z",
                "STOCK_WATCHLIST.STOCK_REMOVED",
                "user_123456"
            ),
            s(
                "2026-11-20T08:20:05Z",
                "USER_PROFILE.DETAILS_UPDATED",
                "user_345678"
            ),
        ]
    );
    for envelope in &envelopes {
        assert_eq!(envelope["provider"], "onemetric");
        assert_eq!(envelope.as_object().unwrap().len(), 7);
        assert_eq!(envelope["id"], content_id(&envelope["payload"]));
        assert!(payloads.contains(&envelope["payload"]), "{envelope}");
    }

    // A redelivery, reformatted and sent with the second rotated token, is a duplicate.
    let login = read_event_file(&files[2]).unwrap();
    let value: Value = serde_json::from_slice(&login.body).unwrap();
    let pretty = Delivery {
        body: serde_json::to_vec_pretty(&value).unwrap(),
        query: Some(format!("token={}", tokens[1])),
        ..login.clone()
    };
    assert_eq!(
        stack.send("onemetric", &pretty).await,
        (200, r#"{"accepted":0,"duplicates":1}"#.to_owned())
    );

    // The second document's shapes, with the token in a header instead of the URL: an
    // ISO time_stamp, a NEWS_ALERT without sub_type; the drifted sample again is a
    // duplicate.
    let mut iso_login = value.clone();
    iso_login["time_stamp"] = Value::from("2024-10-01T11:45:00Z");
    let news = json!({"event_type": "NEWS_ALERT", "time_stamp": "2024-10-02T08:15:30Z",
                      "details": {"symbol": "INFY", "headline": "Results announced"}});
    let drifted = read_event_file(&files[10]).unwrap();
    let in_header = |body: Vec<u8>, name: &str, value: String| {
        Delivery {
            body,
            query: None,
            ..login.clone()
        }
        .with_header(name, &value)
    };
    let header_cases = [
        (
            in_header(
                iso_login.to_string().into_bytes(),
                "authorization",
                format!("Bearer {}", tokens[0]),
            ),
            r#"{"accepted":1,"duplicates":0}"#,
        ),
        (
            in_header(
                news.to_string().into_bytes(),
                "authorization",
                tokens[1].to_owned(),
            ),
            r#"{"accepted":1,"duplicates":0}"#,
        ),
        (
            in_header(drifted.body.clone(), "x-api-key", tokens[0].to_owned()),
            r#"{"accepted":0,"duplicates":1}"#,
        ),
    ];
    for (delivery, answer) in &header_cases {
        assert_eq!(
            stack.send("onemetric", delivery).await,
            (200, answer.to_string())
        );
    }
    let messages = stack.drain_messages().await;
    assert_eq!(fallbacks(&messages), []);
    let mut found: Vec<(String, String, String)> =
        envelopes_of(&messages).iter().map(key).collect();
    found.sort();
    assert_eq!(
        found,
        [
            s("2024-10-01T11:45:00Z", "USER_ACTIVITY.LOGIN", "user_789012"),
            s("2024-10-02T08:15:30Z", "NEWS_ALERT", "INFY"),
        ]
    );

    // Refusals write nothing.
    let items = stack.table_len().await;
    let mut get = login.clone();
    get.method = "GET".to_owned();
    let cases = [
        (
            "no token",
            Delivery {
                query: None,
                ..login.clone()
            },
            401,
            r#"{"error":"missing token"}"#,
        ),
        (
            "wrong token",
            Delivery {
                query: Some("token=local-onemetric-tokem".to_owned()),
                ..login.clone()
            },
            401,
            r#"{"error":"token mismatch"}"#,
        ),
        (
            "wrong bearer token",
            in_header(
                drifted.body.clone(),
                "authorization",
                "Bearer local-onemetric-tokem".to_owned(),
            ),
            401,
            r#"{"error":"token mismatch"}"#,
        ),
        (
            "not an object",
            Delivery {
                body: b"[]".to_vec(),
                ..login.clone()
            },
            400,
            r#"{"error":"body is not a JSON object"}"#,
        ),
        ("get", get, 405, r#"{"error":"method not allowed"}"#),
    ];
    for (name, delivery, status, body) in cases {
        assert_eq!(
            stack.send("onemetric", &delivery).await,
            (status, body.to_owned()),
            "{name}"
        );
    }
    assert_eq!(stack.table_len().await, items);
    assert!(stack.drain().await.is_empty());

    // The function's log names the provider but never the token or anyone's details.
    let log_path =
        stack_variable("BROKERHOOKS_WATCH_LOG").expect("set by `make test` with the watch URL");
    let log = std::fs::read_to_string(&log_path).unwrap();
    assert!(log.contains(r#""provider":"onemetric""#), "{log_path}");
    let mut forbidden: Vec<String> = tokens.iter().map(|t| t.to_string()).collect();
    for payload in &payloads {
        if let Some(user) = payload.get("user") {
            forbidden.push(user["email"].as_str().unwrap().to_owned());
            forbidden.push(user["name"].as_str().unwrap().to_owned());
        }
    }
    assert!(forbidden.contains(&"janesmith@example.com".to_owned()));
    for value in &forbidden {
        assert!(!log.contains(value.as_str()), "{log_path} contains {value}");
    }
}
