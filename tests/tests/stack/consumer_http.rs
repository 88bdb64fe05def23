//! The example consumer binary, served by its own `cargo lambda watch` the way `make dev`
//! runs it (`BROKERHOOKS_CONSUMER_WATCH_URL`; idempotency on, `CONSUMER_TABLE` from the
//! local stack's environment): invoked with the committed SQS event by `cargo lambda
//! invoke`, and fed a FIFO queue by the local event source mapping through the invoke
//! endpoint.

use std::process::Command;

use brokerhooks_testkit::e2e::E2eStack;
use brokerhooks_testkit::emulator::Emulator;
use brokerhooks_testkit::event_source_mapping::{LocalEventSourceMapping, WatchFunction};
use brokerhooks_testkit::local_secrets::repo_root;
use brokerhooks_testkit::local_stack::{EXAMPLE_CONSUMER, LOCAL_CONSUMER_TABLE};
use brokerhooks_testkit::stack_presence::stack_variable;
use serde_json::{Value, json};

/// The example consumer's `cargo lambda watch`; `None` (the test skips) without it.
fn consumer_watch_url() -> Option<String> {
    stack_variable("BROKERHOOKS_CONSUMER_WATCH_URL")
}

#[tokio::test]
async fn cargo_lambda_invoke_runs_the_example_consumer_on_the_committed_sqs_event() {
    let Some(watch_url) = consumer_watch_url() else {
        return;
    };
    let port = watch_url
        .rsplit(':')
        .next()
        .expect("watch URL has a port")
        .to_owned();
    let output = Command::new("cargo")
        .current_dir(repo_root())
        .args(["lambda", "invoke", EXAMPLE_CONSUMER])
        .args(["--data-file", "events/consumer/fifo-batch.json"])
        .args(["--invoke-address", "127.0.0.1", "--invoke-port", &port])
        .output()
        .expect("cargo lambda is installed (make test puts .venv/bin on PATH)");
    assert!(
        output.status.success(),
        "cargo lambda invoke failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let response: Value = serde_json::from_slice(&output.stdout).expect("JSON response");
    // Every record handled (or, on a second run against the same table, a duplicate).
    assert_eq!(response, json!({"batchItemFailures": []}));
}

/// A Kite envelope with a fresh id; `app_id` as given.
fn envelope(subject: &str, app_id: Value) -> (String, String) {
    let id = Emulator::unique_name("consumer-e2e");
    let body = json!({
        "id": id, "provider": "kite", "type": "COMPLETE", "subject": subject,
        "occurred_at": "2026-11-20T03:45:02Z", "received_at": "2026-11-20T03:45:03Z",
        "payload": {"order_id": subject, "order_timestamp": "2026-11-20 09:15:02",
                    "status": "COMPLETE", "average_price": 1480.35, "app_id": app_id,
                    "tradingsymbol": "SECRETSYMBOL"},
    })
    .to_string();
    (id, body)
}

/// The example consumer's log lines about `event_id`.
fn log_lines_about(log: &str, event_id: &str) -> Vec<Value> {
    log.lines()
        .filter(|line| line.contains(event_id))
        .filter_map(|line| serde_json::from_str(line).ok())
        .filter(|record: &Value| record["message"] == "record")
        .collect()
}

#[tokio::test]
async fn the_example_consumer_handles_dedupes_and_fails_records_and_logs_one_line_each() {
    let (Some(stack), Some(watch_url)) = (E2eStack::from_env().await, consumer_watch_url()) else {
        return;
    };
    let emulator = &stack.emulator;
    let name = Emulator::unique_name("consumer-e2e") + ".fifo";
    let (queue, dead_letters) = emulator
        .create_queue_with_dead_letter_queue(&name, 1, Some(1))
        .await
        .unwrap();
    let (good, good_body) = envelope("G", json!(1234));
    // A payload that does not fit KitePostback (app_id must be a number).
    let (drifted, drifted_body) = envelope("D", json!("1234"));
    for (group, body, dedup) in [
        ("kite:G", good_body.as_str(), "1"),
        ("kite:G", good_body.as_str(), "2"),
        ("kite:D", drifted_body.as_str(), "3"),
        ("kite:D", "not an envelope", "4"),
    ] {
        emulator
            .sqs
            .send_message()
            .queue_url(&queue)
            .message_body(body)
            .message_group_id(group)
            .message_deduplication_id(format!("{name}-{dedup}"))
            .send()
            .await
            .unwrap();
    }
    let mapping = LocalEventSourceMapping::new(
        emulator.sqs.clone(),
        &queue,
        10,
        WatchFunction::new(&watch_url, EXAMPLE_CONSUMER),
    )
    .await
    .unwrap();
    let batches = mapping.run_until_idle(5).await.unwrap();
    assert_eq!(batches.len(), 1, "{batches:?}");
    assert_eq!(batches[0].invocation_error, None);
    let failed: Vec<(Option<String>, bool)> = batches[0]
        .records
        .iter()
        .map(|r| (r.envelope_field("id"), r.failed))
        .collect();
    assert_eq!(
        failed,
        [
            (Some(good.clone()), false),
            (Some(good.clone()), false),
            (Some(drifted.clone()), true),
            (None, true),
        ]
    );
    // maxReceiveCount 1: both failed records are in the dead-letter queue, in order.
    let dead: Vec<String> = emulator
        .drain(&dead_letters)
        .await
        .into_iter()
        .map(|m| m.body)
        .collect();
    assert_eq!(dead, [drifted_body, "not an envelope".to_owned()]);

    // The consumer's mark of the good event; none for the failed one (released).
    let marks: Vec<(String, String)> = emulator
        .table_items(LOCAL_CONSUMER_TABLE)
        .await
        .into_iter()
        .filter(|item| item["pk"].contains(&good) || item["pk"].contains(&drifted))
        .map(|item| (item["pk"].clone(), item["status"].clone()))
        .collect();
    assert_eq!(
        marks,
        [(format!("consumer#kite#{good}"), "COMPLETED".to_owned())]
    );

    // One JSON line per record: provider, type, event_id, outcome; no payload values.
    let log_file = stack_variable("BROKERHOOKS_CONSUMER_WATCH_LOG")
        .expect("set by `make test` with the watch URL");
    let log = std::fs::read_to_string(&log_file).unwrap();
    let outcomes = |id: &str| -> Vec<(String, String, String)> {
        log_lines_about(&log, id)
            .iter()
            .map(|line| {
                (
                    line["provider"].as_str().unwrap_or_default().to_owned(),
                    line["type"].as_str().unwrap_or_default().to_owned(),
                    line["outcome"].as_str().unwrap_or_default().to_owned(),
                )
            })
            .collect()
    };
    let kite = |outcome: &str| ("kite".to_owned(), "COMPLETE".to_owned(), outcome.to_owned());
    assert_eq!(outcomes(&good), [kite("handled"), kite("duplicate")]);
    assert_eq!(outcomes(&drifted), [kite("failed")]);
    let drifted_line = &log_lines_about(&log, &drifted)[0];
    assert_eq!(drifted_line["event_id"], drifted.as_str());
    assert_eq!(
        drifted_line["reason"],
        "kite payload of type COMPLETE does not fit KitePostback (data error at line 1, column 16)"
    );
    for line in log
        .lines()
        .filter(|l| l.contains(&good) || l.contains(&drifted))
    {
        assert!(
            !line.contains("SECRETSYMBOL") && !line.contains("1480.35"),
            "{line}"
        );
    }
}
