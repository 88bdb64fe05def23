//! What the OneMetric pipeline logs, captured: outcomes, never personal data or the token.
//!
//! Its own test binary on purpose: tracing caches per-callsite interest process-wide, so
//! tests running in parallel threads without a subscriber can hide this test's
//! lines (each delivery's one line) from its capture.

use brokerhooks::config::secret_list::SecretList;
use brokerhooks::providers::onemetric::OneMetricProvider;
use brokerhooks::{Pipeline, WebhookRequest};
use brokerhooks_testkit::emulator::{Emulator, test_settings};
use brokerhooks_testkit::local_secrets::repo_root;
use brokerhooks_testkit::log_capture::CapturedLogs;
use serde_json::{Value, json};

fn request(token: &str, body: &Value) -> WebhookRequest {
    let mut request = WebhookRequest::post("/webhooks/onemetric", body.to_string());
    request.query = Some(format!("token={token}"));
    request.source_ip = Some("198.51.100.23".to_owned());
    request
}

/// Every sample payload, an event whose time_stamp cannot be read (enqueued with a
/// fallback), a token in a header, then a refusal.
#[tokio::test]
async fn logs_carry_no_personal_data_and_no_token() {
    let (logs, _guard) = CapturedLogs::install();
    let Some(emulator) = Emulator::from_env().await else {
        return;
    };
    let (table, queue) = emulator.fresh_stack(true).await;
    let (store, sqs) = emulator.adapters(&table, &queue);
    let provider = OneMetricProvider::new(
        SecretList::parse("integration-om-token,integration-om-token-next").unwrap(),
        None,
    );
    let pipeline = Pipeline::new(provider, store, sqs, test_settings(&table, &queue));

    let dir = repo_root().join("events/onemetric/payloads");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .collect();
    files.sort();
    assert_eq!(files.len(), 11);
    let mut personal = Vec::new();
    for file in &files {
        let body: Value = serde_json::from_str(&std::fs::read_to_string(file).unwrap()).unwrap();
        if let Some(user) = body.get("user") {
            for field in ["name", "email"] {
                personal.push(user[field].as_str().unwrap().to_owned());
            }
        }
        let answer = pipeline
            .handle(&request("integration-om-token-next", &body))
            .await;
        assert_eq!(
            (answer.status, answer.body.as_str()),
            (200, r#"{"accepted":1,"duplicates":0}"#),
            "{}",
            file.display()
        );
    }
    let login = json!({
        "event_type": "USER_ACTIVITY", "sub_type": "LOGIN", "time_stamp": "yesterday",
        "user": {"id": "user_789012", "name": "Jane Smith", "email": "janesmith@example.com"},
    });
    let answer = pipeline
        .handle(&request("integration-om-token", &login))
        .await;
    assert_eq!(answer.status, 200);
    let mut in_header = request("unused", &json!({"event_type": "NEWS_ALERT"}));
    in_header.query = None;
    let in_header = in_header.with_header("Authorization", "Bearer integration-om-token");
    assert_eq!(pipeline.handle(&in_header).await.status, 200);
    let answer = pipeline.handle(&request("wrong-token-value", &login)).await;
    assert_eq!(answer.status, 401);
    assert_eq!(emulator.drain(&queue).await.len(), 13);

    let text = logs.text();
    // One line per delivery at INFO and above, and only that: its audit and metrics
    // record (the capture also keeps the SDK's DEBUG lines).
    assert_eq!(
        text.lines()
            .filter(|line| !line.contains("\"level\":\"DEBUG\""))
            .count(),
        14,
        "{text}"
    );
    assert_eq!(text.matches("\"status\":200,").count(), 13, "{text}");
    assert_eq!(text.matches("\"status\":401,").count(), 1, "{text}");
    // Rotation: the position of the secret that matched, never its value.
    assert_eq!(text.matches("\"secret\":1").count(), 11, "{text}");
    // The drifted sample (no subject), the unreadable time_stamp, the header event
    // (neither subject nor time): named by fixed tokens, never by values.
    let drift_lines: Vec<&str> = text
        .lines()
        .filter(|line| line.contains("\"fallback\":"))
        .collect();
    assert_eq!(drift_lines.len(), 3, "{text}");
    for tokens in ["subject", "occurred_at", "subject,occurred_at"] {
        assert_eq!(
            drift_lines
                .iter()
                .filter(|line| line.contains(&format!("\"fallback\":\"{tokens}\"")))
                .count(),
            1,
            "{tokens}: {text}"
        );
    }
    assert!(personal.contains(&"janesmith@example.com".to_owned()));
    for value in personal.iter().map(String::as_str).chain([
        "integration-om-token",
        "wrong-token-value",
        "yesterday",
    ]) {
        assert!(!text.contains(value), "logs contain {value}: {text}");
    }
}
