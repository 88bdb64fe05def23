//! End to end: the `smallcase` function served by `cargo lambda watch`, real HTTP
//! requests, the emulator's table and queue.

use brokerhooks::providers::BuiltIn;
use brokerhooks::text::canonical_json::content_id;
use brokerhooks_testkit::api_gateway_event::Delivery;
use brokerhooks_testkit::e2e::{E2eStack, envelopes_of, fallbacks};
use brokerhooks_testkit::local_secrets::{LocalSecrets, repo_root};
use brokerhooks_testkit::providers;
use brokerhooks_testkit::replay::{event_files, read_event_file};
use serde_json::Value;

/// One test function: the stack's queue is shared, so the scenarios run in order.
#[tokio::test]
async fn smallcase_over_http() {
    let Some(stack) = E2eStack::from_env().await else {
        return;
    };
    stack.drain().await;

    // Every sample event is accepted once, the PLACED/UNPLACED pair and the drifted one
    // (an eventType this version does not know: a type, not a fallback) included.
    let files = event_files(&repo_root().join("events"), "smallcase");
    assert_eq!(files.len(), 11);
    let mut bodies = Vec::new();
    for file in &files {
        let delivery = read_event_file(file).unwrap();
        assert_eq!(
            stack.send("smallcase", &delivery).await,
            (200, r#"{"accepted":1,"duplicates":0}"#.to_owned()),
            "{}",
            file.display()
        );
        bodies.push(serde_json::from_slice::<Value>(&delivery.body).unwrap());
    }
    let messages = stack.drain_messages().await;
    assert_eq!(fallbacks(&messages), []);
    let envelopes = envelopes_of(&messages);
    assert_eq!(envelopes.len(), bodies.len());
    let mut summary: Vec<(String, String, String)> = Vec::new();
    for body in &bodies {
        let id = content_id(body);
        let envelope = envelopes
            .iter()
            .find(|e| e["id"] == id.as_str())
            .unwrap_or_else(|| panic!("no envelope with id {id}"));
        assert_eq!(&envelope["payload"], body);
        assert_eq!(envelope["provider"], "smallcase");
        assert_eq!(envelope.as_object().unwrap().len(), 7);
        summary.push((
            envelope["type"].as_str().unwrap().to_owned(),
            envelope["subject"].as_str().unwrap().to_owned(),
            envelope["occurred_at"].as_str().unwrap().to_owned(),
        ));
    }
    let s = |t: &str, o: &str, at: &str| (t.to_owned(), o.to_owned(), at.to_owned());
    let order = "SECURITIES_ORDER";
    assert_eq!(
        summary,
        [
            s(
                order,
                "TRX_59671f981a79466fb1be4d918dd3bc6a",
                "2022-12-31T05:38:37.595Z"
            ),
            s(
                order,
                "TRX_e8c96d4a58c54cbcb9e466dcf6b5b7cf",
                "2022-12-31T05:32:59.786Z"
            ),
            s(
                order,
                "TRX_107f74ebb93f4a2fb304b17da095c9a1",
                "2022-12-31T05:31:28.477Z"
            ),
            s(
                order,
                "TRX_59671f981a79466fb1be4d918dd3bc6a",
                "2022-12-31T05:38:40.669Z"
            ),
            s(
                order,
                "TRX_275aaab7082b44fba6e23cdf594ab555",
                "2022-12-31T05:34:55.557Z"
            ),
            s(
                order,
                "TRX_e8c96d4a58c54cbcb9e466dcf6b5b7cf",
                "2022-12-31T05:32:59.786Z"
            ),
            s(
                "HOLDINGS_IMPORT",
                "TRX_06726c28769e44b8920bd6eb5bbeef17",
                "2022-03-24T11:33:53.091Z"
            ),
            s(
                "HOLDINGS_IMPORT",
                "TRX_7c30e4d9904f4f79b692f281a83cdc1f",
                "2021-12-20T09:27:03.059Z"
            ),
            s(
                "MF_HOLDINGS_IMPORT",
                "TRX_3f1c2b9a8d7e4f60a1b2c3d4e5f60718",
                "2022-12-31T06:02:11.204Z"
            ),
            s(
                "USER.PENDING_ACTIONS",
                "5e96ebd5e5520425f7433610",
                "2021-06-01T09:28:14.561Z"
            ),
            s(
                "USER.SIP_REMINDER",
                "5e96ebd5e5520425f7433610",
                "2026-11-20T06:15:00.12Z"
            ),
        ]
    );

    // A redelivery, reformatted, is a duplicate.
    let completed = read_event_file(&files[3]).unwrap();
    let value: Value = serde_json::from_slice(&completed.body).unwrap();
    let mut pretty = completed.clone();
    pretty.body = serde_json::to_vec_pretty(&value).unwrap();
    assert_eq!(
        stack.send("smallcase", &pretty).await,
        (200, r#"{"accepted":0,"duplicates":1}"#.to_owned())
    );

    // Drift: the drifted sample again is a duplicate; an authentic body of no known
    // kind (with a checksum of its own) is enqueued as UNPARSED with its fallback, once.
    let drifted = read_event_file(&files[10]).unwrap();
    assert_eq!(
        stack.send("smallcase", &drifted).await,
        (200, r#"{"accepted":0,"duplicates":1}"#.to_owned())
    );
    let mut no_kind = value.clone();
    for field in ["batchId", "orders", "unplaced"] {
        no_kind.as_object_mut().unwrap().remove(field);
    }
    no_kind["timestamp"] = Value::from("2022-12-31T05:38:41.669Z");
    let secrets = LocalSecrets::load_default().unwrap();
    let no_kind = providers::sign(BuiltIn::Smallcase, &no_kind, &secrets).unwrap();
    for answer in [
        r#"{"accepted":1,"duplicates":0}"#,
        r#"{"accepted":0,"duplicates":1}"#,
    ] {
        assert_eq!(
            stack.send("smallcase", &no_kind).await,
            (200, answer.to_owned())
        );
    }
    let messages = stack.drain_messages().await;
    let no_kind_id = content_id(&serde_json::from_slice(&no_kind.body).unwrap());
    assert_eq!(fallbacks(&messages), [(no_kind_id, "type".to_owned())]);
    let envelope = &envelopes_of(&messages)[0];
    assert_eq!(
        (&envelope["type"], &envelope["subject"]),
        (
            &Value::from("UNPARSED"),
            &Value::from("TRX_59671f981a79466fb1be4d918dd3bc6a")
        )
    );

    // The completed batch's checksum reused for another kind of body (here, with its
    // markers removed: UNPARSED) is refused: one checksum, one kind.
    let mut reused = value.clone();
    for field in ["batchId", "orders", "unplaced"] {
        reused.as_object_mut().unwrap().remove(field);
    }
    let items = stack.table_len().await;
    assert_eq!(
        stack
            .send(
                "smallcase",
                &Delivery {
                    body: reused.to_string().into_bytes(),
                    ..completed.clone()
                }
            )
            .await,
        (
            401,
            r#"{"error":"signature already used for another kind of message"}"#.to_owned()
        )
    );
    assert_eq!(stack.table_len().await, items);
    assert!(stack.drain().await.is_empty());

    // Forged, malformed and misdirected requests are refused and write nothing.
    let items = stack.table_len().await;
    let mut forged = value.clone();
    forged["timestamp"] = Value::from("2022-12-31T05:38:40.670Z");
    let mut forged_drift: Value = serde_json::from_slice(&drifted.body).unwrap();
    forged_drift["data"]["smallcaseAuthId"] = Value::from("5e96ebd5e5520425f7433611");
    let mut get = completed.clone();
    get.method = "GET".to_owned();
    let with_body = |body: Vec<u8>| Delivery {
        body,
        ..completed.clone()
    };
    let cases = [
        (
            "forged timestamp",
            with_body(forged.to_string().into_bytes()),
            401,
            r#"{"error":"checksum mismatch"}"#,
        ),
        (
            "drifted sample for another user",
            with_body(forged_drift.to_string().into_bytes()),
            401,
            r#"{"error":"checksum mismatch"}"#,
        ),
        (
            "not an object",
            with_body(b"[]".to_vec()),
            400,
            r#"{"error":"body is not a JSON object"}"#,
        ),
        ("get", get, 405, r#"{"error":"method not allowed"}"#),
    ];
    for (name, delivery, status, body) in cases {
        assert_eq!(
            stack.send("smallcase", &delivery).await,
            (status, body.to_owned()),
            "{name}"
        );
    }
    assert_eq!(stack.table_len().await, items);
    assert!(stack.drain().await.is_empty());
}
