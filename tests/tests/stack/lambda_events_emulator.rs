//! Raw Lambda events through the path the function binaries use
//! (`FunctionService::invoke`: event JSON and deadline in, HTTP response out), against
//! the emulator. The inputs that made lambda_http panic (an undecodable base64 body, odd
//! host / `x-forwarded-proto` / raw path / raw query values) and events with parts
//! missing each get an exact answer; nothing panics and nothing unverified is written.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use brokerhooks::config::ConfigSource;
use brokerhooks::edge::function::FunctionService;
use brokerhooks::edge::lambda_event::HttpResponse;
use brokerhooks::providers::kite::{KiteProvider, SECRET_VARIABLE};
use brokerhooks_testkit::emulator::Emulator;
use brokerhooks_testkit::providers::kite;
use serde_json::{Value, json};

const SECRET: &str = "lambda-events-kite-secret";

fn postback(n: u32) -> Value {
    json!({"order_id": format!("26112510000{n:04}"), "order_timestamp": "2026-11-25 10:00:00",
           "status": "COMPLETE", "filled_quantity": 1})
}

/// An API Gateway v2 event of an authentic postback, as Kite sends it.
fn event(n: u32, base64: bool) -> Value {
    kite::sign(&postback(n), SECRET).unwrap().to_event(base64)
}

/// Lambda's deadline: `seconds` from now, in epoch milliseconds.
fn deadline_in(seconds: u64) -> u64 {
    (SystemTime::now().duration_since(UNIX_EPOCH).unwrap() + Duration::from_secs(seconds))
        .as_millis() as u64
}

fn answer(response: &HttpResponse) -> (u16, Value) {
    assert_eq!(response.headers.content_type, "application/json");
    assert!(!response.is_base64_encoded);
    (
        response.status_code,
        serde_json::from_str(&response.body).unwrap(),
    )
}

fn accepted(accepted: u64, duplicates: u64) -> (u16, Value) {
    (200, json!({"accepted": accepted, "duplicates": duplicates}))
}

fn refused(status: u16, reason: &str) -> (u16, Value) {
    (status, json!({ "error": reason }))
}

#[tokio::test]
async fn raw_events_get_exact_answers_and_never_panic() {
    let Some(emulator) = Emulator::from_env().await else {
        return;
    };
    let (table, queue) = emulator.fresh_stack(true).await;
    let config = ConfigSource::from_pairs([
        ("EVENTS_TABLE", table.as_str()),
        ("EVENTS_QUEUE_URL", queue.as_str()),
        ("MAX_EVENT_AGE_SECONDS", "0"),
        ("WARM_CONNECTIONS", "false"),
        (SECRET_VARIABLE, SECRET),
    ]);
    let service = FunctionService::<KiteProvider>::build(config, &emulator.config).await;
    let service = &service;
    let invoke =
        |event: Value| async move { service.invoke(&event.to_string(), deadline_in(29)).await };

    // Plain and base64 bodies are the same delivery.
    assert_eq!(answer(&invoke(event(1, false)).await), accepted(1, 0));
    assert_eq!(answer(&invoke(event(1, true)).await), accepted(0, 1));

    // A body marked base64 that is not: 400, nothing written.
    for bad in ["%%%", "@@@@", "QQ", "eyJ", "Zm9v\n"] {
        let mut undecodable = event(2, true);
        undecodable["body"] = json!(bad);
        assert_eq!(
            answer(&invoke(undecodable).await),
            refused(400, "body is not valid base64"),
            "{bad}"
        );
    }

    // What made lambda_http's URL building panic, and headers HTTP cannot carry: the
    // delivery is still verified on its raw body and enqueued.
    let mut odd = event(3, false);
    let headers = odd["headers"].as_object_mut().unwrap();
    headers.insert("host".into(), json!("exa mple.com:99999"));
    headers.insert("x-forwarded-proto".into(), json!("ht tp:"));
    headers.insert("x-control".into(), json!("a\u{1}b"));
    headers.insert("bad header name".into(), json!("x"));
    headers.insert("x-number".into(), json!(42));
    odd["rawPath"] = json!(":80/webhooks/kite");
    odd["rawQueryString"] = json!("a=%zz&&=\u{1}&{}|\\^`\" #");
    odd["cookies"] = json!(["a=\u{1}", 5]);
    assert_eq!(answer(&invoke(odd.clone()).await), accepted(1, 0));
    let mut no_host = odd;
    no_host["headers"].as_object_mut().unwrap().remove("host");
    no_host["requestContext"]
        .as_object_mut()
        .unwrap()
        .remove("domainName");
    assert_eq!(answer(&invoke(no_host).await), accepted(0, 1));

    // Parts missing: not an HTTP event (400), or an HTTP event without a body (400 from
    // the provider: not its container), or the wrong method (405).
    for not_http in [
        json!({}),
        json!([]),
        json!("POST"),
        json!({"httpMethod": "POST", "body": postback(4).to_string()}),
        json!({"requestContext": {"http": {}}, "body": "{}"}),
    ] {
        assert_eq!(
            answer(&invoke(not_http.clone()).await),
            refused(400, "not an HTTP API event"),
            "{not_http}"
        );
    }
    let bare = json!({"requestContext": {"http": {"method": "POST"}}});
    assert_eq!(invoke(bare).await.status_code, 400);
    let mut get = event(5, false);
    get["requestContext"]["http"]["method"] = json!("GET");
    assert_eq!(
        answer(&invoke(get).await),
        refused(405, "method not allowed")
    );

    // A deadline of 0 (an emulator that sends none) still leaves time to answer.
    assert_eq!(
        answer(&service.invoke(&event(6, false).to_string(), 0).await),
        accepted(1, 0)
    );

    // Exactly the three authentic deliveries are on the queue, and claimed as enqueued.
    let messages = emulator.drain(&queue).await;
    let mut order_ids: Vec<String> = messages
        .iter()
        .map(|m| {
            let envelope: Value = serde_json::from_str(&m.body).unwrap();
            envelope["payload"]["order_id"].as_str().unwrap().to_owned()
        })
        .collect();
    order_ids.sort();
    assert_eq!(
        order_ids,
        ["261125100000001", "261125100000003", "261125100000006"]
    );
    // Three claims, and the three order states' marks.
    let items = emulator.table_items(&table).await;
    let (marks, claims): (Vec<_>, Vec<_>) = items
        .iter()
        .partition(|item| item["pk"].starts_with("kite#state:"));
    assert_eq!((claims.len(), marks.len()), (3, 3), "{items:?}");
    assert!(claims.iter().all(|item| item["status"] == "ENQUEUED"));
    assert!(marks.iter().all(|item| item["marked_by"] == "delivery"));
}
