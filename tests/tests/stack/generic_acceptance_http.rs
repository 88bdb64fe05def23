//! Acceptance of configured sources against implementations independent of brokerhooks:
//! `scripts/sign-webhook.py` signs with the `standardwebhooks` package from PyPI (the
//! Standard Webhooks reference implementation, pinned in scripts/requirements.txt and
//! installed into `.venv` by `make test`), Python's own `hmac`, and `urllib`'s query
//! encoding. Its deliveries go over HTTP to the `generic` function served by `cargo lambda
//! watch` with the local sources document (events/generic/local.env).

use std::io::Write;
use std::process::{Command, Stdio};

use brokerhooks::providers::generic::SOURCES_VARIABLE;
use brokerhooks::text::canonical_json::content_id;
use brokerhooks_testkit::api_gateway_event::Delivery;
use brokerhooks_testkit::e2e::E2eStack;
use brokerhooks_testkit::local_secrets::{LocalSecrets, repo_root};
use serde_json::{Value, json};

/// The local entry of `source` (events/generic/local.env).
fn entry(source: &str) -> Value {
    let secrets = LocalSecrets::load_default().unwrap();
    let document: Value = serde_json::from_str(secrets.get(SOURCES_VARIABLE).unwrap()).unwrap();
    document["sources"][source].clone()
}

/// Signs `body` for `source` with the Python signer: the entry's scheme and parameters,
/// its first secret (or `secret`), and for Standard Webhooks `id` and `timestamp`.
fn python_delivery(
    source: &str,
    body: &str,
    id: &str,
    timestamp: i64,
    secret: Option<&str>,
) -> Delivery {
    let entry = entry(source);
    let mut request = entry.clone();
    request["secret"] = json!(secret.unwrap_or_else(|| entry["secrets"][0].as_str().unwrap()));
    request["id"] = json!(id);
    request["timestamp"] = json!(timestamp);
    request["body"] = json!(body);
    let python = repo_root().join(".venv").join("bin").join("python");
    let mut child = Command::new(&python)
        .arg(repo_root().join("scripts").join("sign-webhook.py"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| {
            panic!(
                "{}: {e}; run the tests with `make test`, which installs it",
                python.display()
            )
        });
    child
        .stdin
        .take()
        .unwrap()
        .write_all(request.to_string().as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(
        output.status.success(),
        "sign-webhook.py failed for {source}"
    );
    let signed: Value = serde_json::from_slice(&output.stdout).unwrap();
    let mut delivery = Delivery::post(&format!("/webhooks/generic/{source}"), body);
    for (name, value) in signed["headers"].as_object().unwrap() {
        delivery = delivery.with_header(name, value.as_str().unwrap());
    }
    delivery.query = signed["query"].as_str().map(str::to_owned);
    delivery
}

fn answer(accepted: usize, duplicates: usize) -> (u16, String) {
    (
        200,
        format!(r#"{{"accepted":{accepted},"duplicates":{duplicates}}}"#),
    )
}

fn refused(reason: &str) -> (u16, String) {
    (401, json!({ "error": reason }).to_string())
}

/// The envelope's configured fields, and that it is the only message.
async fn only_envelope(stack: &E2eStack) -> Value {
    let envelopes = stack.drain().await;
    assert_eq!(envelopes.len(), 1, "{envelopes:?}");
    let mut envelope = envelopes[0].clone();
    envelope.as_object_mut().unwrap().remove("received_at");
    envelope
}

/// One test function: the stack's queue is shared, so the scenarios run in order.
#[tokio::test]
async fn independently_signed_deliveries_over_http() {
    let Some(stack) = E2eStack::from_env().await else {
        return;
    };
    stack.drain().await;
    let now = time::OffsetDateTime::now_utc().unix_timestamp();

    // Standard Webhooks, signed by the reference implementation.
    let id = format!("msg_pypi_{now}");
    let body = json!({"type": "invoice.paid", "timestamp": "2026-11-24T09:15:00+05:30", "data": {"account_id": "acc_pypi", "amount": "99.50"}});
    let text = body.to_string();
    let delivery = python_delivery("payments", &text, &id, now, None);
    assert!(
        delivery
            .header("webhook-signature")
            .unwrap()
            .starts_with("v1,")
    );
    let mut tampered_body = delivery.clone();
    tampered_body.body = text.replace("99.50", "99.51").into_bytes();
    let tampered_id = delivery.clone().with_header("webhook-id", "msg_pypi_other");
    let tampered_time = delivery
        .clone()
        .with_header("webhook-timestamp", &(now - 1).to_string());
    let other_secret = python_delivery(
        "payments",
        &text,
        &id,
        now,
        Some("whsec_b3RoZXIta2V5LXB5cGk="),
    );
    for (name, copy) in [
        ("body", &tampered_body),
        ("id", &tampered_id),
        ("timestamp", &tampered_time),
        ("secret", &other_secret),
    ] {
        assert_eq!(
            stack.send("generic", copy).await,
            refused("signature mismatch"),
            "{name}"
        );
    }
    assert!(stack.drain().await.is_empty());
    assert_eq!(stack.send("generic", &delivery).await, answer(1, 0));
    assert_eq!(
        only_envelope(&stack).await,
        json!({"id": id, "provider": "payments", "type": "invoice.paid", "subject": "acc_pypi",
               "occurred_at": "2026-11-24T03:45:00Z", "payload": body})
    );
    // The sender's retry: same id, a new timestamp and signature; and under Svix's names.
    let retry = python_delivery("payments", &text, &id, now + 1, None);
    assert_ne!(
        retry.header("webhook-signature"),
        delivery.header("webhook-signature")
    );
    assert_eq!(stack.send("generic", &retry).await, answer(0, 1));
    let mut svix = Delivery::post("/webhooks/generic/payments", text.clone());
    for (name, value) in &retry.headers {
        let name = name.replace("webhook-", "svix-");
        svix = svix.with_header(&name, value);
    }
    assert_eq!(stack.send("generic", &svix).await, answer(0, 1));

    // hmac, signed by Python's hmac module: a broker's order postback.
    let body = json!({"update_id": "ORD-PY-7-2", "status": "TRADED", "account_id": "ACC-PY", "quantity": "3", "updated_at": "2026-11-24T10:00:00Z"});
    let text = body.to_string();
    let delivery = python_delivery("acme-broker", &text, "", now, None);
    assert!(
        delivery
            .header("x-acme-signature")
            .unwrap()
            .starts_with("sha256=")
    );
    let mut tampered = delivery.clone();
    tampered.body = text.replace("TRADED", "REJECTED").into_bytes();
    assert_eq!(
        stack.send("generic", &tampered).await,
        refused("signature mismatch")
    );
    let other = python_delivery(
        "acme-broker",
        &text,
        "",
        now,
        Some("not-acme-broker-secret"),
    );
    assert_eq!(
        stack.send("generic", &other).await,
        refused("signature mismatch")
    );
    assert!(stack.drain().await.is_empty());
    assert_eq!(stack.send("generic", &delivery).await, answer(1, 0));
    assert_eq!(stack.send("generic", &delivery).await, answer(0, 1));
    assert_eq!(
        only_envelope(&stack).await,
        json!({"id": "ORD-PY-7-2", "provider": "acme-broker", "type": "TRADED", "subject": "ACC-PY",
               "occurred_at": "2026-11-24T10:00:00Z", "payload": body})
    );

    // url-token, the query encoded by urllib.
    let body = json!({"event": "kyc.approved", "applicant": {"id": "app-py"}, "created_at": 1_795_500_000});
    let text = body.to_string();
    let delivery = python_delivery("kyc-vendor", &text, "", now, None);
    assert_eq!(
        delivery.query.as_deref(),
        Some("token=local-kyc-vendor-token-0001")
    );
    let other = python_delivery(
        "kyc-vendor",
        &text,
        "",
        now,
        Some("not-the-kyc-vendor-token"),
    );
    assert_eq!(
        stack.send("generic", &other).await,
        refused("token mismatch")
    );
    let mut without = delivery.clone();
    without.query = None;
    assert_eq!(
        stack.send("generic", &without).await,
        refused("missing token")
    );
    assert!(stack.drain().await.is_empty());
    assert_eq!(stack.send("generic", &delivery).await, answer(1, 0));
    assert_eq!(stack.send("generic", &delivery).await, answer(0, 1));
    assert_eq!(
        only_envelope(&stack).await,
        json!({"id": content_id(&body), "provider": "kyc-vendor", "type": "kyc.approved",
               "subject": "app-py", "occurred_at": "2026-11-24T06:00:00Z", "payload": body})
    );
}
