//! The SDK floor (BENCHMARKS.md, "CPU per event: the receiver against the SDK floor"): a
//! bare Lambda binary that makes the receiver's three AWS calls per new event and
//! nothing else — no verification, no body parsing, no envelope, no logging, no metrics
//! line. What the receiver spends above this binary is its own; what this binary spends
//! is the Lambda runtime client's and the AWS SDK's.
//!
//! Per invocation, as the receiver does for a new Kite event:
//! 1. PutItem of the claim, conditional as the receiver's (`brokerhooks-claims`), with
//!    the old item returned when the condition fails;
//! 2. FIFO SendMessage of the receiver's envelope of the bench's first delivery, the same
//!    text for every event (`SDK_FLOOR_MESSAGE_BODY`: same length, same characters to
//!    escape in the request), with the same three message attributes, a message group and
//!    a deduplication id;
//! 3. UpdateItem marking the claim completed, conditional on its token;
//!
//! then the HTTP answer. A Kite event that reports an order state the order book can
//! recover (a terminal state, a fill) costs the receiver one more conditional PutItem, its
//! state mark; the bench's events (Kite's first sample, an order OPEN without fills) report
//! none, so the receiver makes these three calls for them too. A redelivery of the same event is a duplicate, as in the
//! receiver: the claim's condition fails and nothing else is called. The claim key is a
//! hash of the raw invocation event (read as raw JSON, never parsed into values), so
//! the same event makes the same key without reading the body.
//!
//! The clients are built by `brokerhooks::aws_client` with Kite's retry budget: bundled
//! roots, timeouts, retry configuration and partitions are the receiver's. Configuration:
//! `EVENTS_TABLE`, `EVENTS_QUEUE_URL`, `WARM_CONNECTIONS` (default true, the same two
//! warm-up calls as the receiver), `SDK_FLOOR_MESSAGE_BODY` (without it, a JSON object
//! of about the envelope's length). Not deployed anywhere.

use std::hash::{DefaultHasher, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aws_sdk_dynamodb::types::{AttributeValue, ReturnValuesOnConditionCheckFailure};
use aws_sdk_sqs::types::MessageAttributeValue;
use brokerhooks::Provider;
use brokerhooks::aws::client as aws_client;
use brokerhooks::config::RetryBudget;
use brokerhooks::providers::kite::KiteProvider;
use lambda_runtime::{LambdaEvent, service_fn};
use serde::Serialize;
use serde_json::value::RawValue;

/// The receiver's envelope of a Kite sample is about this long; the bench passes the
/// envelope itself.
const DEFAULT_MESSAGE_BYTES: usize = 1_300;
/// The receiver's defaults: claim lease and how long a claim is kept.
const CLAIM_LEASE_SECONDS: i64 = 30;
const KEPT_SECONDS: i64 = 2_592_000 + 300;
const PROVIDER: &str = "kite";
const EVENT_TYPE: &str = "OPEN";

/// The HTTP API response, as the receiver writes it.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct HttpResponse {
    status_code: u16,
    headers: ResponseHeaders,
    body: &'static str,
    is_base64_encoded: bool,
    cookies: [&'static str; 0],
}

#[derive(Serialize)]
struct ResponseHeaders {
    #[serde(rename = "content-type")]
    content_type: &'static str,
}

fn response(status_code: u16, body: &'static str) -> HttpResponse {
    HttpResponse {
        status_code,
        headers: ResponseHeaders {
            content_type: "application/json",
        },
        body,
        is_base64_encoded: false,
        cookies: [],
    }
}

struct Floor {
    dynamodb: aws_sdk_dynamodb::Client,
    sqs: aws_sdk_sqs::Client,
    table: String,
    queue_url: String,
    fifo: bool,
    message_body: String,
    /// Claim tokens: a per-process part and a counter, as the receiver's.
    token_prefix: String,
    tokens: AtomicU64,
}

enum Outcome {
    Accepted,
    Duplicate,
    InProgress,
}

fn s(value: &str) -> AttributeValue {
    AttributeValue::S(value.to_owned())
}

fn n(value: i64) -> AttributeValue {
    AttributeValue::N(value.to_string())
}

fn epoch_seconds() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |since| since.as_secs() as i64)
}

/// A JSON object of exactly `bytes` bytes (at least its padding's frame).
fn padded_body(bytes: usize) -> String {
    let frame = r#"{"pad":""}"#;
    format!(
        r#"{{"pad":"{}"}}"#,
        "x".repeat(bytes.saturating_sub(frame.len()))
    )
}

impl Floor {
    /// One invocation; `Err` is any AWS failure (the receiver answers 503 then).
    async fn handle(&self, event: &RawValue) -> Result<Outcome, ()> {
        let mut hasher = DefaultHasher::new();
        hasher.write(event.get().as_bytes());
        let hash = hasher.finish();
        // As long as the receiver's key (prefix and a 64-digit hex content hash).
        let key = format!("{PROVIDER}#{hash:064x}");
        let token = format!(
            "{}{:016x}",
            self.token_prefix,
            self.tokens.fetch_add(1, Ordering::Relaxed)
        );
        let now = epoch_seconds();
        let claimed = self
            .dynamodb
            .put_item()
            .table_name(&self.table)
            .item("pk", s(&key))
            .item("status", s("IN_PROGRESS"))
            .item("claim_token", s(&token))
            .item("lease_expires_at", n(now + CLAIM_LEASE_SECONDS))
            .item("expires_at", n(now + KEPT_SECONDS))
            .condition_expression(
                "attribute_not_exists(pk) OR expires_at <= :now \
                 OR (#status = :in_progress AND lease_expires_at <= :now)",
            )
            .expression_attribute_names("#status", "status")
            .expression_attribute_values(":now", n(now))
            .expression_attribute_values(":in_progress", s("IN_PROGRESS"))
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .send()
            .await;
        if let Err(error) = claimed {
            use aws_sdk_dynamodb::operation::put_item::PutItemError;
            return match error.as_service_error() {
                Some(PutItemError::ConditionalCheckFailedException(failed)) => {
                    let status = failed
                        .item()
                        .and_then(|item| item.get("status"))
                        .and_then(|value| value.as_s().ok());
                    Ok(if status.map(String::as_str) == Some("ENQUEUED") {
                        Outcome::Duplicate
                    } else {
                        Outcome::InProgress
                    })
                }
                _ => Err(()),
            };
        }

        let attribute = |value: &str| {
            MessageAttributeValue::builder()
                .data_type("String")
                .string_value(value)
                .build()
                .map_err(|_| ())
        };
        let mut send = self
            .sqs
            .send_message()
            .queue_url(&self.queue_url)
            .message_body(self.message_body.clone())
            .message_attributes("provider", attribute(PROVIDER)?)
            .message_attributes("type", attribute(EVENT_TYPE)?)
            .message_attributes("origin", attribute("postback")?);
        if self.fifo {
            send = send
                .message_group_id(format!("{PROVIDER}:{:015}", hash % 1_000_000_000_000_000))
                .message_deduplication_id(format!("{hash:064x}"));
        }
        send.send().await.map_err(|_| ())?;

        self.dynamodb
            .update_item()
            .table_name(&self.table)
            .key("pk", s(&key))
            .update_expression("SET #status = :completed REMOVE lease_expires_at")
            .condition_expression("claim_token = :token")
            .expression_attribute_names("#status", "status")
            .expression_attribute_values(":completed", s("ENQUEUED"))
            .expression_attribute_values(":token", s(&token))
            .send()
            .await
            .map_err(|_| ())?;
        Ok(Outcome::Accepted)
    }

    /// The receiver's warm-up: a GetItem of a key that never exists and an empty
    /// SendMessageBatch, bounded as the receiver bounds them.
    async fn warm_up(&self) {
        let get = self
            .dynamodb
            .get_item()
            .table_name(&self.table)
            .key("pk", s(&format!("{PROVIDER}#warm-up")))
            .send();
        let batch = self
            .sqs
            .send_message_batch()
            .queue_url(&self.queue_url)
            .set_entries(Some(Vec::new()))
            .send();
        let _ = tokio::time::timeout(aws_client::WARM_UP_LIMIT, async {
            let _ = tokio::join!(get, batch);
        })
        .await;
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_runtime::Error> {
    let variable = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    let budget = RetryBudget::from_secs(KiteProvider::DEFAULT_AWS_RETRY_SECONDS);
    let aws = aws_client::aws_config(false, budget).await;
    let start_nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or(Duration::ZERO)
        .as_nanos();
    // Without its table or queue the floor answers 500, as a misconfigured receiver does.
    let floor = match (variable("EVENTS_TABLE"), variable("EVENTS_QUEUE_URL")) {
        (Some(table), Some(queue_url)) => Some(Floor {
            dynamodb: aws_client::dynamodb_client(&aws),
            sqs: aws_client::sqs_client(&aws),
            table,
            fifo: queue_url.ends_with(".fifo"),
            queue_url,
            message_body: variable("SDK_FLOOR_MESSAGE_BODY")
                .unwrap_or_else(|| padded_body(DEFAULT_MESSAGE_BYTES)),
            token_prefix: format!("{start_nanos:032x}"),
            tokens: AtomicU64::new(0),
        }),
        _ => None,
    };
    if let Some(floor) = &floor
        && variable("WARM_CONNECTIONS").as_deref() != Some("false")
    {
        floor.warm_up().await;
    }
    let floor = &floor;
    lambda_runtime::run(service_fn(
        move |event: LambdaEvent<Box<RawValue>>| async move {
            let answer = match floor {
                None => response(500, r#"{"error":"misconfigured"}"#),
                Some(floor) => match floor.handle(&event.payload).await {
                    Ok(Outcome::Accepted) => response(200, r#"{"accepted":1,"duplicates":0}"#),
                    Ok(Outcome::Duplicate) => response(200, r#"{"accepted":0,"duplicates":1}"#),
                    Ok(Outcome::InProgress) => response(409, r#"{"error":"in progress"}"#),
                    Err(()) => response(503, r#"{"error":"unavailable"}"#),
                },
            };
            Ok::<_, std::convert::Infallible>(answer)
        },
    ))
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_padded_body_has_the_asked_length_and_is_json() {
        for bytes in [0, 10, 11, 1_300, 2_048] {
            let body = padded_body(bytes);
            assert_eq!(body.len(), bytes.max(10), "{bytes}");
            let parsed: serde_json::Value = serde_json::from_str(&body).expect("JSON");
            assert_eq!(
                parsed["pad"].as_str().map(str::len),
                Some(bytes.max(10) - 10)
            );
        }
    }
}
