//! OneMetric webhooks through the real pipeline, DynamoDB and SQS adapters and AWS SDK,
//! against the local emulator the test command starts.

use brokerhooks::config::secret_list::SecretList;
use brokerhooks::config::{AwsSettings, ConfigSource, PipelineSettings};
use brokerhooks::edge::function::FunctionService;
use brokerhooks::providers::onemetric::{IpAllowlist, OneMetricProvider};
use brokerhooks::text::canonical_json::content_id;
use brokerhooks::{Envelope, Provider, WebhookRequest};
use brokerhooks_models::onemetric::OneMetricEvent;
use brokerhooks_testkit::answers::{accepted, refused};
use brokerhooks_testkit::drift_check::{Drift, assert_delivered_once};
use brokerhooks_testkit::emulator::{Emulator, EmulatorPipeline, test_settings};
use brokerhooks_testkit::log_capture::CapturedLogs;
use serde_json::{Value, json};

const TOKENS: &str = "integration-om-token,integration-om-token-next";

type OneMetricPipeline = EmulatorPipeline<OneMetricProvider>;

fn price_alert() -> Value {
    json!({
        "event_type": "MARKET_GENERATED_ALERT", "sub_type": "PRICE_ALERT",
        "time_stamp": "2024-10-01 10:20:00",
        "details": {"ltp": 30, "close": 20, "symbol": "ABC", "alert_threshold": 25, "price_change_percentage": 10.0},
    })
}

fn login() -> Value {
    json!({
        "event_type": "USER_ACTIVITY", "sub_type": "LOGIN", "time_stamp": "2024-10-01 11:45:00",
        "user": {"id": "user_789012", "name": "Jane Smith", "email": "janesmith@example.com"},
    })
}

fn stock_added() -> Value {
    json!({
        "event_type": "STOCK_WATCHLIST", "sub_type": "STOCK_ADDED", "time_stamp": "2024-10-01 12:00:00",
        "details": {"symbol": "DEF", "watchlist_name": "My Favorites"},
        "user": {"id": "user_123456", "name": "John Doe", "email": "johndoe@example.com"},
    })
}

fn request(query: Option<&str>, body: impl Into<Vec<u8>>) -> WebhookRequest {
    let mut request = WebhookRequest::post("/webhooks/onemetric", body);
    request.query = query.map(str::to_owned);
    request.source_ip = Some("198.51.100.23".to_owned());
    request
}

fn authentic(body: &Value) -> WebhookRequest {
    request(Some("token=integration-om-token"), body.to_string())
}

fn provider(allowlist: Option<&str>) -> OneMetricProvider {
    OneMetricProvider::new(
        SecretList::parse(TOKENS).unwrap(),
        allowlist.map(|cidrs| IpAllowlist::parse(cidrs).unwrap()),
    )
}

/// A fresh table and FIFO queue; `settings` picks the pipeline settings for them.
async fn stack_with(
    allowlist: Option<&str>,
    settings: fn(&str, &str) -> PipelineSettings,
) -> Option<(Emulator, OneMetricPipeline, String, String)> {
    Emulator::pipeline_on_fresh_stack(provider(allowlist), true, settings).await
}

async fn stack() -> Option<(Emulator, OneMetricPipeline, String, String)> {
    stack_with(None, test_settings).await
}

/// The contract's defaults: the freshness rule on, at OneMetric's default (which nothing
/// signed is held to: OneMetric signs no timestamp).
fn default_settings(table: &str, queue_url: &str) -> PipelineSettings {
    {
        let config =
            ConfigSource::from_pairs([("EVENTS_TABLE", table), ("EVENTS_QUEUE_URL", queue_url)]);
        let aws = AwsSettings::from_config(&config, brokerhooks::config::DEFAULT_AWS_RETRY_SECONDS)
            .unwrap();
        PipelineSettings::from_config(&config, aws, OneMetricProvider::DEFAULT_MAX_EVENT_AGE)
    }
    .unwrap()
}

/// Drains the queue; envelopes sorted by occurred_at, then type.
async fn envelopes(emulator: &Emulator, queue: &str) -> Vec<Value> {
    let mut envelopes: Vec<Value> = emulator
        .drain(queue)
        .await
        .iter()
        .map(|m| serde_json::from_str(&m.body).unwrap())
        .collect();
    envelopes.sort_by_key(|e| (e["occurred_at"].to_string(), e["type"].to_string()));
    envelopes
}

#[tokio::test]
async fn the_seed_examples_are_accepted_under_the_default_freshness_rule() {
    let Some((emulator, pipeline, table, queue)) = stack_with(None, default_settings).await else {
        return;
    };
    assert!(pipeline.settings().max_event_age.is_some());
    for body in [price_alert(), login(), stock_added()] {
        assert_eq!(pipeline.handle(&authentic(&body)).await, accepted(1, 0));
    }

    let messages = emulator.drain(&queue).await;
    assert_eq!(messages.len(), 3);
    let mut found: Vec<Value> = messages
        .iter()
        .map(|m| serde_json::from_str(&m.body).unwrap())
        .collect();
    found.sort_by_key(|e| e["occurred_at"].to_string());
    let expected = [
        (
            price_alert(),
            "MARKET_GENERATED_ALERT.PRICE_ALERT",
            "ABC",
            "2024-10-01T10:20:00Z",
        ),
        (
            login(),
            "USER_ACTIVITY.LOGIN",
            "user_789012",
            "2024-10-01T11:45:00Z",
        ),
        (
            stock_added(),
            "STOCK_WATCHLIST.STOCK_ADDED",
            "user_123456",
            "2024-10-01T12:00:00Z",
        ),
    ];
    for (envelope, (body, event_type, subject, occurred_at)) in found.iter().zip(expected) {
        assert_eq!(
            envelope,
            &json!({
                "id": content_id(&body), "provider": "onemetric", "type": event_type,
                "subject": subject, "occurred_at": occurred_at,
                "received_at": envelope["received_at"], "payload": body,
            })
        );
    }
    let login_message = messages
        .iter()
        .find(|m| m.body.contains("USER_ACTIVITY.LOGIN"))
        .unwrap();
    assert_eq!(
        login_message.attributes.get("provider").map(String::as_str),
        Some("onemetric")
    );
    assert_eq!(
        login_message.attributes.get("type").map(String::as_str),
        Some("USER_ACTIVITY.LOGIN")
    );
    assert_eq!(
        login_message.group_id.as_deref(),
        Some("onemetric:user_789012")
    );
    let envelope: Envelope = serde_json::from_str(&login_message.body).unwrap();
    let event: OneMetricEvent = envelope.payload_as().unwrap();
    assert_eq!(event.sub_type.as_deref(), Some("LOGIN"));

    let mut keys: Vec<String> = emulator
        .table_items(&table)
        .await
        .iter()
        .map(|item| {
            assert_eq!(item["status"], "ENQUEUED");
            item["pk"].clone()
        })
        .collect();
    keys.sort();
    let mut want: Vec<String> = [price_alert(), login(), stock_added()]
        .iter()
        .map(|b| format!("onemetric#{}", content_id(b)))
        .collect();
    want.sort();
    assert_eq!(keys, want);
}

#[tokio::test]
async fn the_token_is_required_and_either_rotated_value_is_accepted() {
    let Some((emulator, pipeline, table, queue)) = stack().await else {
        return;
    };
    let body = login().to_string();
    let cases = [
        ("missing", None, refused(401, "missing token")),
        ("empty", Some("token="), refused(401, "missing token")),
        (
            "in another parameter",
            Some("secret=integration-om-token"),
            refused(401, "missing token"),
        ),
        (
            "wrong",
            Some("token=integration-om-tokeN"),
            refused(401, "token mismatch"),
        ),
    ];
    for (name, query, answer) in cases {
        assert_eq!(
            pipeline.handle(&request(query, body.clone())).await,
            answer,
            "{name}"
        );
    }
    assert!(emulator.table_items(&table).await.is_empty());
    assert!(emulator.drain(&queue).await.is_empty());

    assert_eq!(
        pipeline
            .handle(&request(Some("token=integration-om-token"), body.clone()))
            .await,
        accepted(1, 0)
    );
    // The second value of the rotation list, on another event.
    assert_eq!(
        pipeline
            .handle(&request(
                Some("a=1&token=integration-om-token-next"),
                stock_added().to_string()
            ))
            .await,
        accepted(1, 0)
    );
    let types: Vec<String> = envelopes(&emulator, &queue)
        .await
        .iter()
        .map(|e| e["type"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        types,
        ["USER_ACTIVITY.LOGIN", "STOCK_WATCHLIST.STOCK_ADDED"]
    );
}

#[tokio::test]
async fn only_a_body_that_is_not_a_json_object_is_a_400() {
    let Some((emulator, pipeline, table, queue)) = stack().await else {
        return;
    };
    for (body, reason) in [
        ("{not json", "body is not valid JSON"),
        (r#"["event_type"]"#, "body is not a JSON object"),
    ] {
        assert_eq!(
            pipeline
                .handle(&request(Some("token=integration-om-token"), body))
                .await,
            refused(400, reason)
        );
    }
    assert!(emulator.table_items(&table).await.is_empty());
    assert!(emulator.drain(&queue).await.is_empty());
}

fn drift(
    name: &'static str,
    body: Value,
    event_type: &'static str,
    subject: &'static str,
    occurred_at: Option<&'static str>,
    fallback: Option<&'static str>,
) -> Drift {
    Drift {
        name,
        request: authentic(&body),
        tampered: request(Some("token=integration-om-tokeN"), body.to_string()),
        tampered_reason: "token mismatch",
        id: content_id(&body),
        event_type,
        subject,
        occurred_at,
        fallback,
    }
}

#[tokio::test]
async fn both_documents_shapes_and_drifted_events_are_enqueued_once_with_their_fallbacks() {
    let Some((emulator, pipeline, table, queue)) = stack().await else {
        return;
    };
    let mut bad_time = login();
    bad_time["time_stamp"] = json!("01/10/2024 11:45");
    let mut no_type = login();
    no_type.as_object_mut().unwrap().remove("event_type");
    let mut details_text = price_alert();
    details_text["details"] = json!("ABC");
    let drifts = [
        drift(
            "second document: ISO time_stamp, new sub-type, no user, no symbol",
            json!({"event_type": "MARKET_GENERATED_ALERT", "sub_type": "RSI_OVERSOLD",
                   "time_stamp": "2024-10-01T10:20:00Z",
                   "details": {"ltp": 30, "close": 20, "high": 35, "low": 15}}),
            "MARKET_GENERATED_ALERT.RSI_OVERSOLD",
            "unknown",
            Some("2024-10-01T10:20:00Z"),
            Some("subject"),
        ),
        drift(
            "second document: NEWS_ALERT without sub_type",
            json!({"event_type": "NEWS_ALERT", "time_stamp": "2024-10-02T08:15:30Z",
                   "details": {"symbol": "INFY", "headline": "Results announced"}}),
            "NEWS_ALERT",
            "INFY",
            Some("2024-10-02T08:15:30Z"),
            None,
        ),
        drift(
            "time_stamp in a third format",
            bad_time,
            "USER_ACTIVITY.LOGIN",
            "user_789012",
            None,
            Some("occurred_at"),
        ),
        drift(
            "no event_type",
            no_type,
            "UNPARSED",
            "user_789012",
            Some("2024-10-01T11:45:00Z"),
            Some("type"),
        ),
        drift(
            "details not an object",
            details_text,
            "MARKET_GENERATED_ALERT.PRICE_ALERT",
            "unknown",
            Some("2024-10-01T10:20:00Z"),
            Some("subject"),
        ),
    ];
    for drift in &drifts {
        assert_delivered_once(&pipeline, &emulator, &table, &queue, drift).await;
    }
}

#[tokio::test]
async fn the_token_is_also_accepted_from_an_authorization_or_api_key_header() {
    let Some((emulator, pipeline, table, queue)) = stack().await else {
        return;
    };
    let with_header = |name: &str, value: &str, body: &Value| {
        request(None, body.to_string()).with_header(name, value)
    };
    let bodies: Vec<Value> = (0..3)
        .map(|n| {
            let mut body = price_alert();
            body["details"]["sequence"] = json!(n);
            body
        })
        .collect();
    let deliveries = [
        with_header("Authorization", "Bearer integration-om-token", &bodies[0]),
        with_header("Authorization", "integration-om-token-next", &bodies[1]),
        with_header("X-API-Key", "integration-om-token", &bodies[2]),
    ];
    for delivery in &deliveries {
        assert_eq!(pipeline.handle(delivery).await, accepted(1, 0));
    }
    // A redelivery through another place for the token is still the same event.
    assert_eq!(
        pipeline.handle(&authentic(&bodies[2])).await,
        accepted(0, 1)
    );
    let refused_cases = [
        (
            with_header("Authorization", "Bearer integration-om-tokeN", &bodies[0]),
            refused(401, "token mismatch"),
        ),
        (
            with_header("X-Api-Key", "", &bodies[0]),
            refused(401, "missing token"),
        ),
    ];
    for (delivery, answer) in &refused_cases {
        assert_eq!(&pipeline.handle(delivery).await, answer);
    }
    let mut sequences: Vec<Value> = envelopes(&emulator, &queue)
        .await
        .into_iter()
        .map(|envelope| {
            assert_eq!(envelope["subject"], "ABC");
            envelope["payload"]["details"]["sequence"].clone()
        })
        .collect();
    sequences.sort_by_key(Value::to_string);
    assert_eq!(sequences, [json!(0), json!(1), json!(2)]);
    assert_eq!(emulator.table_items(&table).await.len(), 3);
}

#[tokio::test]
async fn an_unknown_pair_is_enqueued() {
    let Some((emulator, pipeline, _, queue)) = stack().await else {
        return;
    };
    let body = json!({
        "event_type": "PORTFOLIO", "sub_type": "REBALANCED", "time_stamp": "2026-11-21 09:00:00",
        "details": {"symbol": "GHI", "weights": {"GHI": 0.4}},
    });
    assert_eq!(pipeline.handle(&authentic(&body)).await, accepted(1, 0));
    let found = envelopes(&emulator, &queue).await;
    assert_eq!(found.len(), 1);
    assert_eq!(found[0]["type"], "PORTFOLIO.REBALANCED");
    assert_eq!(found[0]["subject"], "GHI");
    assert_eq!(found[0]["occurred_at"], "2026-11-21T09:00:00Z");
    assert_eq!(found[0]["payload"], body);
}

#[tokio::test]
async fn a_reformatted_redelivery_is_a_duplicate() {
    let Some((emulator, pipeline, table, queue)) = stack().await else {
        return;
    };
    let body = stock_added();
    assert_eq!(pipeline.handle(&authentic(&body)).await, accepted(1, 0));
    let reordered = r#"{
        "user": {"email": "johndoe@example.com", "name": "John Doe", "id": "user_123456"},
        "details": {"watchlist_name": "My Favorites", "symbol": "DEF"},
        "time_stamp": "2024-10-01 12:00:00", "sub_type": "STOCK_ADDED", "event_type": "STOCK_WATCHLIST"
    }"#;
    let pretty = serde_json::to_string_pretty(&body).unwrap();
    for redelivery in [reordered.to_owned(), pretty] {
        assert_eq!(
            pipeline
                .handle(&request(
                    Some("token=integration-om-token-next"),
                    redelivery
                ))
                .await,
            accepted(0, 1)
        );
    }
    let mut removed = body.clone();
    removed["sub_type"] = json!("STOCK_REMOVED");
    assert_eq!(pipeline.handle(&authentic(&removed)).await, accepted(1, 0));
    assert_eq!(envelopes(&emulator, &queue).await.len(), 2);
    assert_eq!(emulator.table_items(&table).await.len(), 2);
}

#[tokio::test]
async fn the_source_ip_allowlist_refuses_others_with_403() {
    let Some((emulator, pipeline, table, queue)) =
        stack_with(Some("198.51.100.0/24,2001:db8::/32"), test_settings).await
    else {
        return;
    };
    let mut outside = authentic(&login());
    outside.source_ip = Some("192.0.2.10".to_owned());
    let mut absent = authentic(&login());
    absent.source_ip = None;
    for denied in [&outside, &absent] {
        assert_eq!(
            pipeline.handle(denied).await,
            refused(403, "source IP not allowed")
        );
    }
    // The token is checked first: without it, the address is not even considered.
    outside.query = Some("token=guess".to_owned());
    assert_eq!(
        pipeline.handle(&outside).await,
        refused(401, "token mismatch")
    );
    assert!(emulator.table_items(&table).await.is_empty());

    let mut v6 = authentic(&stock_added());
    v6.source_ip = Some("2001:db8:ffff::1".to_owned());
    assert_eq!(pipeline.handle(&authentic(&login())).await, accepted(1, 0));
    assert_eq!(pipeline.handle(&v6).await, accepted(1, 0));
    assert_eq!(envelopes(&emulator, &queue).await.len(), 2);
}

#[tokio::test]
async fn a_bad_allowlist_makes_the_function_answer_500_and_name_the_variable() {
    let (logs, _guard) = CapturedLogs::install();
    let Some(emulator) = Emulator::from_env().await else {
        return;
    };
    let (table, queue) = emulator.fresh_stack(true).await;
    let config = |allowed_ips: &str| {
        ConfigSource::from_pairs([
            ("EVENTS_TABLE", table.as_str()),
            ("EVENTS_QUEUE_URL", queue.as_str()),
            ("ONEMETRIC_TOKEN", TOKENS),
            ("ONEMETRIC_ALLOWED_IPS", allowed_ips),
        ])
    };
    let service = FunctionService::<OneMetricProvider>::build(
        config("10.0.0.0/8,10.1.2.3/99"),
        &emulator.config,
    )
    .await;
    assert_eq!(
        service.handle(&authentic(&login())).await,
        refused(500, "function is misconfigured")
    );
    assert!(emulator.table_items(&table).await.is_empty());
    let text = logs.text();
    assert!(
        text.contains("variable ONEMETRIC_ALLOWED_IPS is invalid: item 2 is not a CIDR block"),
        "{text}"
    );
    assert!(!text.contains("10.1.2.3"), "{text}");

    let service =
        FunctionService::<OneMetricProvider>::build(config("198.51.100.0/24"), &emulator.config)
            .await;
    assert_eq!(service.handle(&authentic(&login())).await, accepted(1, 0));
}
