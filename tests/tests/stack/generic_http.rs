//! End to end: the `generic` function served by `cargo lambda watch` with the local
//! sources document (`GENERIC_SOURCES` in events/generic/local.env: one source per scheme and
//! `broken-source`, an invalid entry), real HTTP requests, the emulator's table and queue.

use brokerhooks::pipeline::ports::STATUS_ENQUEUED;
use brokerhooks::text::canonical_json::content_id;
use brokerhooks_testkit::api_gateway_event::Delivery;
use brokerhooks_testkit::e2e::E2eStack;
use brokerhooks_testkit::local_secrets::{LocalSecrets, repo_root};
use brokerhooks_testkit::local_stack::LOCAL_TABLE;
use brokerhooks_testkit::providers::generic::GenericSigner;
use brokerhooks_testkit::replay::{event_files, read_event_file};
use serde_json::{Value, json};

const ACCEPTED: &str = r#"{"accepted":1,"duplicates":0}"#;
const DUPLICATE: &str = r#"{"accepted":0,"duplicates":1}"#;

fn ok(body: &str) -> (u16, String) {
    (200, body.to_owned())
}

fn error(status: u16, reason: &str) -> (u16, String) {
    (status, json!({ "error": reason }).to_string())
}

/// The table items of `source`'s events: `(pk, status)`, sorted.
async fn items_of(stack: &E2eStack, source: &str) -> Vec<(String, String)> {
    let prefix = format!("generic#{source}#");
    let mut items: Vec<(String, String)> = stack
        .emulator
        .table_items(LOCAL_TABLE)
        .await
        .into_iter()
        .filter(|item| item["pk"].starts_with(&prefix))
        .map(|item| (item["pk"].clone(), item["status"].clone()))
        .collect();
    items.sort();
    items
}

/// One test function: the stack's queue is shared, so the scenarios run in order.
#[tokio::test]
async fn generic_over_http() {
    let Some(stack) = E2eStack::from_env().await else {
        return;
    };
    stack.drain().await;
    let secrets = LocalSecrets::load_default().unwrap();
    let signer = GenericSigner::from_local(&secrets).unwrap();

    // Every sample event is accepted once, under its source's name.
    let files = event_files(&repo_root().join("events"), "generic");
    assert_eq!(files.len(), 3);
    for file in &files {
        let delivery = read_event_file(file).unwrap();
        assert_eq!(
            stack.send("generic", &delivery).await,
            ok(ACCEPTED),
            "{}",
            file.display()
        );
    }
    let messages = stack.drain_messages().await;
    let mut summary: Vec<_> = messages
        .iter()
        .map(|m| {
            let e: Value = serde_json::from_str(&m.body).unwrap();
            (
                m.attributes["provider"].clone(),
                e["provider"].as_str().unwrap().to_owned(),
                e["id"].as_str().unwrap().to_owned(),
                e["type"].as_str().unwrap().to_owned(),
                e["subject"].as_str().unwrap().to_owned(),
                e["occurred_at"].as_str().unwrap().to_owned(),
                m.group_id.clone().unwrap(),
            )
        })
        .collect();
    summary.sort();
    let kyc =
        json!({"event": "kyc.approved", "applicant": {"id": 981}, "created_at": 1_795_348_740});
    let row = |p: &str, id: &str, t: &str, s: &str, at: &str| {
        let p = p.to_owned();
        (
            p.clone(),
            p.clone(),
            id.to_owned(),
            t.to_owned(),
            s.to_owned(),
            at.to_owned(),
            format!("{p}:{s}"),
        )
    };
    assert_eq!(
        summary,
        [
            row(
                "acme-broker",
                "ORD-1-3",
                "COMPLETE",
                "ACC-9",
                "2026-11-22T11:59:58Z"
            ),
            row(
                "kyc-vendor",
                &content_id(&kyc),
                "kyc.approved",
                "981",
                "2026-11-22T11:59:00Z"
            ),
            row(
                "payments",
                "msg_2mT9xLocalPaymentSettled01",
                "payment.settled",
                "acc_7",
                "2026-11-22T11:59:59Z"
            ),
        ]
    );

    // Fresh deliveries to each source: accepted once, then a duplicate; tampered copies
    // and wrong secrets are 401 with nothing written; the second secret of each rotation
    // list is accepted too.
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    for (source, body, id) in [
        (
            "payments",
            json!({"type": "refund.created", "timestamp": "2026-11-23T08:00:00Z", "data": {"account_id": "acc_http"}}),
            "msg_http_refund_1",
        ),
        (
            "acme-broker",
            json!({"update_id": "ORD-HTTP-1", "status": "OPEN", "account_id": "ACC-HTTP", "updated_at": "2026-11-23T13:30:00+05:30"}),
            "",
        ),
        (
            "kyc-vendor",
            json!({"event": "kyc.rejected", "applicant": {"id": "app-http"}, "created_at": 1_795_420_800}),
            "",
        ),
    ] {
        let text = body.to_string();
        let expected_id = match (source, id) {
            ("acme-broker", _) => "ORD-HTTP-1".to_owned(),
            (_, "") => content_id(&body),
            _ => id.to_owned(),
        };
        let key = (
            format!("generic#{source}#{expected_id}"),
            STATUS_ENQUEUED.to_owned(),
        );
        let before = items_of(&stack, source).await;
        assert!(!before.contains(&key), "{source}");
        let delivery = signer.sign(source, text.as_bytes(), id, now).unwrap();
        let mut tampered = delivery.clone();
        tampered.body = text
            .replace("HTTP", "HTTQ")
            .replace("http", "httq")
            .into_bytes();
        let wrong = signer
            .sign_with(
                source,
                "whsec_d3Jvbmcta2V5LWh0dHA=",
                text.as_bytes(),
                id,
                now,
            )
            .unwrap();
        if source != "kyc-vendor" {
            // A url-token source signs nothing: only the token is checked.
            assert_eq!(
                stack.send("generic", &tampered).await,
                error(401, "signature mismatch"),
                "{source}"
            );
        }
        let wrong_reason = if source == "kyc-vendor" {
            "token mismatch"
        } else {
            "signature mismatch"
        };
        assert_eq!(
            stack.send("generic", &wrong).await,
            error(401, wrong_reason),
            "{source}"
        );
        assert_eq!(
            items_of(&stack, source).await,
            before,
            "{source}: nothing written"
        );

        assert_eq!(
            stack.send("generic", &delivery).await,
            ok(ACCEPTED),
            "{source}"
        );
        assert_eq!(
            stack.send("generic", &delivery).await,
            ok(DUPLICATE),
            "{source}"
        );
        let rotated = signer
            .sign_with(
                source,
                signer.secret(source, 1).unwrap(),
                text.as_bytes(),
                id,
                now,
            )
            .unwrap();
        assert_eq!(
            stack.send("generic", &rotated).await,
            ok(DUPLICATE),
            "{source}"
        );

        let messages = stack.drain_messages().await;
        assert_eq!(messages.len(), 1, "{source}");
        let envelope: Value = serde_json::from_str(&messages[0].body).unwrap();
        assert_eq!(envelope["provider"], source);
        assert_eq!(envelope["payload"], body);
        assert_eq!(messages[0].attributes["provider"], source);
        assert_eq!(envelope["id"], expected_id.as_str(), "{source}");
        let mut after = before.clone();
        after.push(key);
        after.sort();
        assert_eq!(items_of(&stack, source).await, after, "{source}");
    }

    // An unconfigured source is 404; the broken entry 500 while the others serve.
    let mut unknown: Delivery = signer.sign("kyc-vendor", b"{}", "", now).unwrap();
    unknown.path = "/webhooks/generic/nobody".to_owned();
    assert_eq!(
        stack.send("generic", &unknown).await,
        error(404, "no such webhook source")
    );
    let mut broken = unknown.clone();
    broken.path = "/webhooks/generic/broken-source".to_owned();
    assert_eq!(
        stack.send("generic", &broken).await,
        error(500, "function is misconfigured")
    );
    let mut bare = unknown.clone();
    bare.path = "/webhooks/generic".to_owned();
    assert_eq!(
        stack.send("generic", &bare).await,
        error(404, "no such webhook source")
    );
    let serving = signer
        .sign(
            "kyc-vendor",
            br#"{"event":"after-the-broken-one"}"#,
            "",
            now,
        )
        .unwrap();
    assert_eq!(stack.send("generic", &serving).await, ok(ACCEPTED));
    let messages = stack.drain_messages().await;
    assert_eq!(messages.len(), 1);
    assert_eq!(messages[0].attributes["provider"], "kyc-vendor");
    assert_eq!(messages[0].attributes["type"], "after-the-broken-one");
}
