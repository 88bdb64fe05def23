//! End to end: raw Lambda events invoked on the `kite` binary served by `cargo lambda
//! watch` (its Lambda Invoke endpoint, as `cargo lambda invoke` uses), so the event
//! reaches the function exactly as written, including what API Gateway would never send
//! but lambda_http panicked on.

use brokerhooks::providers::BuiltIn;
use brokerhooks_testkit::e2e::E2eStack;
use brokerhooks_testkit::local_secrets::LocalSecrets;
use brokerhooks_testkit::providers;
use serde_json::{Value, json};

/// Invokes the function with `event`; returns the status and JSON body it answered.
async fn invoke(stack: &E2eStack, event: &Value) -> (u64, Value) {
    let url = format!(
        "{}/2015-03-31/functions/kite/invocations",
        stack.watch_url.trim_end_matches('/')
    );
    let response = stack
        .client
        .post(url)
        .body(event.to_string())
        .send()
        .await
        .expect("invoke over cargo lambda watch");
    assert_eq!(response.status().as_u16(), 200, "the invocation itself");
    let text = response.text().await.unwrap();
    let answer: Value = serde_json::from_str(&text).unwrap_or_else(|_| panic!("{text}"));
    assert_eq!(answer["headers"]["content-type"], "application/json");
    let body = serde_json::from_str(answer["body"].as_str().unwrap()).unwrap();
    (answer["statusCode"].as_u64().unwrap(), body)
}

#[tokio::test]
async fn raw_events_over_cargo_lambda_watch() {
    let Some(stack) = E2eStack::from_env().await else {
        return;
    };
    stack.drain().await;
    let secrets = LocalSecrets::load_default().unwrap();
    // A new order id per run: the stack's table remembers earlier runs.
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    let payload = json!({"order_id": format!("2611209{nanos:09}"), "order_timestamp": "2026-11-20 09:15:00",
                         "status": "COMPLETE", "filled_quantity": 1, "tag": "raw-event"});
    let delivery = providers::sign(BuiltIn::Kite, &payload, &secrets).unwrap();
    let items = stack.table_len().await;

    let mut undecodable = delivery.to_event(true);
    undecodable["body"] = json!("%%% not base64");
    assert_eq!(
        invoke(&stack, &undecodable).await,
        (400, json!({"error": "body is not valid base64"}))
    );
    assert_eq!(
        invoke(&stack, &json!({"hello": "world"})).await,
        (400, json!({"error": "not an HTTP API event"}))
    );
    assert_eq!(stack.table_len().await, items, "nothing written");

    // The same function instance then serves an authentic event with odd headers.
    let mut odd = delivery.to_event(true);
    odd["headers"]["host"] = json!("exa mple:99999");
    odd["headers"]["x-forwarded-proto"] = json!("ht tp:");
    odd["rawQueryString"] = json!("a=%zz&{}");
    assert_eq!(
        invoke(&stack, &odd).await,
        (200, json!({"accepted": 1, "duplicates": 0}))
    );
    let envelopes = stack.drain().await;
    assert_eq!(envelopes.len(), 1);
    let mut signed = payload.clone();
    signed["checksum"] =
        serde_json::from_slice::<Value>(&delivery.body).unwrap()["checksum"].clone();
    assert_eq!(envelopes[0]["payload"], signed);
}
