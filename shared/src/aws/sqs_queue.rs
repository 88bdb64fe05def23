use aws_sdk_sqs::Client;
use aws_sdk_sqs::error::DisplayErrorContext;
use aws_sdk_sqs::types::{MessageAttributeValue, SendMessageBatchRequestEntry};

use crate::pipeline::envelope::OutgoingMessage;
use crate::pipeline::ports::queue::{EventQueue, QueueError};

/// SQS allows ten entries per batch request.
const MAX_BATCH_ENTRIES: usize = 10;
/// …and 1 MiB per request in total (bodies and attributes).
const MAX_BATCH_BYTES: usize = crate::pipeline::limits::SQS_MAX_MESSAGE_BYTES;

/// The queue on SQS. A `.fifo` queue gets MessageGroupId and MessageDeduplicationId.
#[derive(Debug, Clone)]
pub struct SqsQueue {
    client: Client,
    queue_url: String,
    fifo: bool,
}

impl SqsQueue {
    pub fn new(client: Client, queue_url: impl Into<String>, fifo: bool) -> Self {
        SqsQueue {
            client,
            queue_url: queue_url.into(),
            fifo,
        }
    }

    /// Opens the connection to SQS with an empty SendMessageBatch, which SQS refuses
    /// (EmptyBatchRequest) without sending anything, within the SendMessage permission.
    pub async fn warm_up(&self) {
        let _ = self
            .client
            .send_message_batch()
            .queue_url(&self.queue_url)
            .set_entries(Some(Vec::new()))
            .send()
            .await;
    }

    async fn send_one(&self, message: &OutgoingMessage) -> Result<(), QueueError> {
        let mut request = self
            .client
            .send_message()
            .queue_url(&self.queue_url)
            .message_body(message.body());
        for (name, value) in attributes(message)? {
            request = request.message_attributes(name, value);
        }
        if self.fifo {
            request = request
                .message_group_id(message.group_id())
                .message_deduplication_id(message.dedup_id());
        }
        request
            .send()
            .await
            .map(|_| ())
            .map_err(|e| QueueError(DisplayErrorContext(e).to_string()))
    }

    async fn send_batch(&self, messages: &[&OutgoingMessage]) -> Vec<Result<(), QueueError>> {
        let entries: Result<Vec<_>, _> = messages
            .iter()
            .enumerate()
            .map(|(index, message)| {
                let mut entry = SendMessageBatchRequestEntry::builder()
                    .id(index.to_string())
                    .message_body(message.body());
                for (name, value) in attributes(message)? {
                    entry = entry.message_attributes(name, value);
                }
                if self.fifo {
                    entry = entry
                        .message_group_id(message.group_id())
                        .message_deduplication_id(message.dedup_id());
                }
                entry.build().map_err(|e| QueueError(e.to_string()))
            })
            .collect();
        let entries = match entries {
            Ok(entries) => entries,
            Err(e) => return messages.iter().map(|_| Err(e.clone())).collect(),
        };
        match self
            .client
            .send_message_batch()
            .queue_url(&self.queue_url)
            .set_entries(Some(entries))
            .send()
            .await
        {
            Ok(output) => {
                let mut results: Vec<Result<(), QueueError>> = messages
                    .iter()
                    .map(|_| Err(QueueError("no result for batch entry".to_owned())))
                    .collect();
                for ok in output.successful() {
                    if let Some(slot) = ok
                        .id()
                        .parse::<usize>()
                        .ok()
                        .and_then(|i| results.get_mut(i))
                    {
                        *slot = Ok(());
                    }
                }
                for failed in output.failed() {
                    if let Some(slot) = failed
                        .id()
                        .parse::<usize>()
                        .ok()
                        .and_then(|i| results.get_mut(i))
                    {
                        *slot = Err(QueueError(format!("batch entry failed: {}", failed.code())));
                    }
                }
                results
            }
            Err(e) => {
                let reason = DisplayErrorContext(e).to_string();
                messages
                    .iter()
                    .map(|_| Err(QueueError(reason.clone())))
                    .collect()
            }
        }
    }
}

/// The message attributes ([`OutgoingMessage::attributes`]) as the SDK sends them.
fn attributes(
    message: &OutgoingMessage,
) -> Result<Vec<(&'static str, MessageAttributeValue)>, QueueError> {
    message
        .attributes()
        .map(|(name, value)| {
            MessageAttributeValue::builder()
                .data_type("String")
                .string_value(value)
                .build()
                .map(|attribute| (name, attribute))
                .map_err(|e| QueueError(e.to_string()))
        })
        .collect()
}

impl EventQueue for SqsQueue {
    async fn send_all(&self, messages: &[OutgoingMessage]) -> Vec<Result<(), QueueError>> {
        if let [single] = messages {
            return vec![self.send_one(single).await];
        }
        let mut results = Vec::with_capacity(messages.len());
        let mut batch: Vec<&OutgoingMessage> = Vec::new();
        let mut batch_bytes = 0;
        for message in messages {
            let size = message.sqs_bytes();
            if !batch.is_empty()
                && (batch.len() == MAX_BATCH_ENTRIES || batch_bytes + size > MAX_BATCH_BYTES)
            {
                results.extend(self.send_batch(&batch).await);
                batch.clear();
                batch_bytes = 0;
            }
            batch.push(message);
            batch_bytes += size;
        }
        if !batch.is_empty() {
            results.extend(self.send_batch(&batch).await);
        }
        results
    }
}
