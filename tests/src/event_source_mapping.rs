//! A local stand-in for Lambda's SQS event source mapping with
//! `ReportBatchItemFailures`, for the emulator: receive a batch, invoke the consumer,
//! delete what did not fail. Failed records stay in flight until the queue's visibility
//! timeout ends and come back then; the queue's redrive policy moves a record to the
//! dead-letter queue after `maxReceiveCount` receives. As in Lambda, a failed
//! invocation or an unusable response fails the whole batch.
//!
//! The consumer is invoked through `cargo lambda watch`'s invoke endpoint
//! ([`WatchFunction`], what `make dev` runs) or by any other [`ConsumerFunction`] (the
//! tests call a `BatchProcessor` in process, to swap handlers).

use std::collections::HashSet;
use std::future::Future;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use aws_sdk_sqs::error::DisplayErrorContext;
use aws_sdk_sqs::types::{
    DeleteMessageBatchRequestEntry, MessageSystemAttributeName, QueueAttributeName,
};
use serde_json::Value;

use crate::sqs_event::{self, SourceQueue};

/// Invokes the consumer with one SQS event and returns its JSON response.
pub trait ConsumerFunction {
    fn invoke(&self, event: &Value) -> impl Future<Output = Result<Value, String>>;
}

/// A function served by `cargo lambda watch`:
/// `POST <watch>/2015-03-31/functions/<binary>/invocations`.
pub struct WatchFunction {
    client: reqwest::Client,
    url: String,
}

impl WatchFunction {
    pub fn new(watch_url: &str, binary: &str) -> Self {
        WatchFunction {
            client: reqwest::Client::new(),
            url: format!(
                "{}/2015-03-31/functions/{binary}/invocations",
                watch_url.trim_end_matches('/')
            ),
        }
    }
}

impl ConsumerFunction for WatchFunction {
    async fn invoke(&self, event: &Value) -> Result<Value, String> {
        let response = self
            .client
            .post(&self.url)
            .header(http::header::CONTENT_TYPE, "application/json")
            .body(event.to_string())
            .send()
            .await
            .map_err(|e| format!("invoke failed: {e}"))?;
        let status = response.status();
        let text = response.text().await.map_err(|e| e.to_string())?;
        if !status.is_success() {
            return Err(format!("invoke answered {status}: {text}"));
        }
        serde_json::from_str(&text).map_err(|e| format!("response is not JSON: {e}"))
    }
}

/// One received record, as the consumer got it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveredRecord {
    pub message_id: String,
    pub group_id: Option<String>,
    /// This receive's `ApproximateReceiveCount` (1 on the first delivery).
    pub receive_count: u32,
    pub body: String,
    /// Reported failed (or the whole invocation failed): it comes back after the
    /// visibility timeout, or goes to the dead-letter queue.
    pub failed: bool,
}

impl DeliveredRecord {
    /// A field of the envelope in the body (`id`, `provider`, `type`, …), if it is one.
    pub fn envelope_field(&self, name: &str) -> Option<String> {
        let envelope: Value = serde_json::from_str(&self.body).ok()?;
        envelope.get(name)?.as_str().map(str::to_owned)
    }
}

/// One batch: what was delivered and what came of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Batch {
    pub records: Vec<DeliveredRecord>,
    /// The invocation failed or answered something unusable: every record failed.
    pub invocation_error: Option<String>,
}

/// The stand-in; see the module documentation.
pub struct LocalEventSourceMapping<F> {
    sqs: aws_sdk_sqs::Client,
    queue_url: String,
    queue: SourceQueue,
    visibility_timeout: Duration,
    batch_size: i32,
    function: F,
    /// Receipt handles of failed records and when their visibility timeout ends.
    in_flight: Mutex<Vec<(String, Instant)>>,
}

impl<F: ConsumerFunction> LocalEventSourceMapping<F> {
    /// Reads the queue's ARN and visibility timeout. `batch_size`: 1 to 10.
    pub async fn new(
        sqs: aws_sdk_sqs::Client,
        queue_url: &str,
        batch_size: i32,
        function: F,
    ) -> Result<Self, String> {
        let output = sqs
            .get_queue_attributes()
            .queue_url(queue_url)
            .attribute_names(QueueAttributeName::QueueArn)
            .attribute_names(QueueAttributeName::VisibilityTimeout)
            .send()
            .await
            .map_err(|e| DisplayErrorContext(e).to_string())?;
        let attribute = |name: QueueAttributeName| {
            output
                .attributes()
                .and_then(|attributes| attributes.get(&name))
                .cloned()
                .ok_or_else(|| format!("queue {queue_url} has no attribute {name}"))
        };
        let arn = attribute(QueueAttributeName::QueueArn)?;
        let visibility_seconds: u64 = attribute(QueueAttributeName::VisibilityTimeout)?
            .parse()
            .map_err(|_| "VisibilityTimeout is not a number".to_owned())?;
        Ok(LocalEventSourceMapping {
            sqs,
            queue_url: queue_url.to_owned(),
            queue: SourceQueue::from_arn(&arn),
            visibility_timeout: Duration::from_secs(visibility_seconds),
            batch_size: batch_size.clamp(1, 10),
            function,
            in_flight: Mutex::new(Vec::new()),
        })
    }

    pub fn visibility_timeout(&self) -> Duration {
        self.visibility_timeout
    }

    /// Whether failed records are still waiting for their visibility timeout.
    pub fn has_records_in_flight(&self) -> bool {
        !self.lock_in_flight().is_empty()
    }

    /// Receives one batch and runs it through the function; `None` when no message is
    /// visible.
    pub async fn poll(&self) -> Result<Option<Batch>, String> {
        self.end_expired_visibility().await;
        // The visibility timeout runs from the receive, as on SQS.
        let due = Instant::now() + self.visibility_timeout;
        let output = self
            .sqs
            .receive_message()
            .queue_url(&self.queue_url)
            .max_number_of_messages(self.batch_size)
            .message_system_attribute_names(MessageSystemAttributeName::All)
            .message_attribute_names("All")
            .wait_time_seconds(0)
            .send()
            .await
            .map_err(|e| DisplayErrorContext(e).to_string())?;
        let messages = output.messages();
        if messages.is_empty() {
            return Ok(None);
        }
        let event = sqs_event::event(
            messages
                .iter()
                .map(|message| sqs_event::record(message, &self.queue))
                .collect(),
        );
        let ids: Vec<&str> = messages
            .iter()
            .map(|m| m.message_id().unwrap_or_default())
            .collect();
        let (failed, invocation_error) = match self.function.invoke(&event).await {
            Ok(response) => match failed_ids(&response, &ids) {
                Ok(failed) => (failed, None),
                Err(error) => (ids.iter().map(|id| (*id).to_owned()).collect(), Some(error)),
            },
            Err(error) => (ids.iter().map(|id| (*id).to_owned()).collect(), Some(error)),
        };

        let mut records = Vec::new();
        let mut deletes = Vec::new();
        for (index, message) in messages.iter().enumerate() {
            let message_id = message.message_id().unwrap_or_default().to_owned();
            let receipt = message.receipt_handle().unwrap_or_default().to_owned();
            let is_failed = failed.contains(&message_id);
            if is_failed {
                self.lock_in_flight().push((receipt, due));
            } else {
                deletes.push(
                    DeleteMessageBatchRequestEntry::builder()
                        .id(index.to_string())
                        .receipt_handle(receipt)
                        .build()
                        .map_err(|e| e.to_string())?,
                );
            }
            let system = |name: MessageSystemAttributeName| {
                message
                    .attributes()
                    .and_then(|attributes| attributes.get(&name))
                    .cloned()
            };
            records.push(DeliveredRecord {
                message_id,
                group_id: system(MessageSystemAttributeName::MessageGroupId),
                receive_count: system(MessageSystemAttributeName::ApproximateReceiveCount)
                    .and_then(|count| count.parse().ok())
                    .unwrap_or(0),
                body: message.body().unwrap_or_default().to_owned(),
                failed: is_failed,
            });
        }
        if !deletes.is_empty() {
            let output = self
                .sqs
                .delete_message_batch()
                .queue_url(&self.queue_url)
                .set_entries(Some(deletes))
                .send()
                .await
                .map_err(|e| DisplayErrorContext(e).to_string())?;
            if !output.failed().is_empty() {
                return Err(format!("{} deletes failed", output.failed().len()));
            }
        }
        Ok(Some(Batch {
            records,
            invocation_error,
        }))
    }

    /// Polls until nothing is visible and no failed record is waiting for its
    /// visibility timeout (waiting for it when one is), at most `max_batches` batches.
    /// Fails if a failed record does not come back within its visibility timeout and
    /// five seconds.
    pub async fn run_until_idle(&self, max_batches: usize) -> Result<Vec<Batch>, String> {
        let mut batches = Vec::new();
        let mut idle_since = Instant::now();
        while batches.len() < max_batches {
            match self.poll().await? {
                Some(batch) => {
                    batches.push(batch);
                    idle_since = Instant::now();
                }
                None if self.has_records_in_flight() => {
                    if idle_since.elapsed() > self.visibility_timeout + Duration::from_secs(5) {
                        return Err(
                            "failed records did not come back after their visibility timeout"
                                .to_owned(),
                        );
                    }
                    tokio::time::sleep(Duration::from_millis(250)).await
                }
                None => break,
            }
        }
        Ok(batches)
    }

    /// Failed records whose visibility timeout has passed: end their visibility
    /// explicitly. On SQS this changes nothing (the timeout is over); moto keeps a
    /// FIFO group pending until each of its in-flight messages has been re-received one
    /// by one, and so would hand out the group's last message first. Ending them
    /// together lets moto release the group whole, in order, as SQS does.
    async fn end_expired_visibility(&self) {
        let now = Instant::now();
        let expired: Vec<String> = {
            let mut in_flight = self.lock_in_flight();
            let (expired, waiting): (Vec<_>, Vec<_>) =
                in_flight.drain(..).partition(|(_, due)| *due <= now);
            *in_flight = waiting;
            expired.into_iter().map(|(receipt, _)| receipt).collect()
        };
        for receipt in expired {
            // A record moved to the dead-letter queue meanwhile has a stale handle.
            let _ = self
                .sqs
                .change_message_visibility()
                .queue_url(&self.queue_url)
                .receipt_handle(receipt)
                .visibility_timeout(0)
                .send()
                .await;
        }
    }

    fn lock_in_flight(&self) -> std::sync::MutexGuard<'_, Vec<(String, Instant)>> {
        self.in_flight
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// The failed message ids of a `{"batchItemFailures": [{"itemIdentifier": …}]}` response.
/// As Lambda does, an identifier that is empty or not in the batch makes the response
/// unusable (the whole batch failed).
fn failed_ids(response: &Value, batch_ids: &[&str]) -> Result<HashSet<String>, String> {
    let Some(failures) = response.get("batchItemFailures") else {
        // No field: Lambda reads a response without it as "every record succeeded".
        return Ok(HashSet::new());
    };
    let failures = failures
        .as_array()
        .ok_or("batchItemFailures is not an array")?;
    failures
        .iter()
        .map(|failure| {
            let id = failure
                .get("itemIdentifier")
                .and_then(Value::as_str)
                .unwrap_or_default();
            if id.is_empty() || !batch_ids.contains(&id) {
                Err(format!(
                    "itemIdentifier {id:?} is not a message of the batch"
                ))
            } else {
                Ok(id.to_owned())
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn responses_are_read_as_lambda_reads_them() {
        let ids = ["a", "b", "c"];
        let set = |ids: &[&str]| ids.iter().map(|id| (*id).to_owned()).collect();
        assert_eq!(failed_ids(&json!({}), &ids), Ok(set(&[])));
        assert_eq!(
            failed_ids(&json!({"batchItemFailures": []}), &ids),
            Ok(set(&[]))
        );
        assert_eq!(
            failed_ids(
                &json!({"batchItemFailures": [{"itemIdentifier": "c"}, {"itemIdentifier": "a"}]}),
                &ids
            ),
            Ok(set(&["a", "c"]))
        );
        for unusable in [
            json!({"batchItemFailures": [{"itemIdentifier": ""}]}),
            json!({"batchItemFailures": [{"itemIdentifier": "z"}]}),
            json!({"batchItemFailures": [{}]}),
            json!({"batchItemFailures": "a"}),
        ] {
            assert!(failed_ids(&unusable, &ids).is_err(), "{unusable}");
        }
    }
}
