//! SQS events as Lambda's event source mapping hands them to a function: one record per
//! received message, with its system attributes (`ApproximateReceiveCount`,
//! `MessageGroupId`, …) and message attributes.

use aws_sdk_sqs::types::Message;
use serde_json::{Map, Value, json};

/// The queue the records come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceQueue {
    pub arn: String,
    pub region: String,
}

impl SourceQueue {
    /// Region from the ARN (`arn:aws:sqs:<region>:<account>:<name>`).
    pub fn from_arn(arn: &str) -> Self {
        let region = arn.split(':').nth(3).unwrap_or("us-east-1").to_owned();
        SourceQueue {
            arn: arn.to_owned(),
            region,
        }
    }
}

/// One record in the shape Lambda sends (`messageId`, `receiptHandle`, `body`,
/// `attributes`, `messageAttributes`, `md5OfBody`, `eventSource`, `eventSourceARN`,
/// `awsRegion`).
pub fn record(message: &Message, queue: &SourceQueue) -> Value {
    let attributes: Map<String, Value> = message
        .attributes()
        .map(|attributes| {
            attributes
                .iter()
                .map(|(name, value)| (name.as_str().to_owned(), json!(value)))
                .collect()
        })
        .unwrap_or_default();
    let message_attributes: Map<String, Value> = message
        .message_attributes()
        .map(|attributes| {
            attributes
                .iter()
                .map(|(name, value)| {
                    (
                        name.clone(),
                        json!({
                            "stringValue": value.string_value(),
                            "stringListValues": [],
                            "binaryListValues": [],
                            "dataType": value.data_type(),
                        }),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    let mut record = json!({
        "messageId": message.message_id(),
        "receiptHandle": message.receipt_handle(),
        "body": message.body(),
        "attributes": attributes,
        "messageAttributes": message_attributes,
        "eventSource": "aws:sqs",
        "eventSourceARN": queue.arn,
        "awsRegion": queue.region,
    });
    if let Some(md5) = message.md5_of_body() {
        record["md5OfBody"] = json!(md5);
    }
    record
}

/// The event: `{"Records": [...]}`.
pub fn event(records: Vec<Value>) -> Value {
    json!({ "Records": records })
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use aws_sdk_sqs::types::{MessageAttributeValue, MessageSystemAttributeName};

    use super::*;

    #[test]
    fn a_received_message_becomes_a_lambda_record() {
        let message = Message::builder()
            .message_id("m-1")
            .receipt_handle("rh-1")
            .body(r#"{"id":"e"}"#)
            .md5_of_body("d41d8cd98f00b204e9800998ecf8427e")
            .set_attributes(Some(HashMap::from([
                (
                    MessageSystemAttributeName::ApproximateReceiveCount,
                    "2".to_owned(),
                ),
                (
                    MessageSystemAttributeName::MessageGroupId,
                    "kite:1".to_owned(),
                ),
            ])))
            .message_attributes(
                "provider",
                MessageAttributeValue::builder()
                    .data_type("String")
                    .string_value("kite")
                    .build()
                    .unwrap(),
            )
            .build();
        let queue = SourceQueue::from_arn("arn:aws:sqs:eu-west-1:000000000000:events.fifo");
        assert_eq!(
            record(&message, &queue),
            json!({
                "messageId": "m-1", "receiptHandle": "rh-1", "body": "{\"id\":\"e\"}",
                "md5OfBody": "d41d8cd98f00b204e9800998ecf8427e",
                "attributes": {"ApproximateReceiveCount": "2", "MessageGroupId": "kite:1"},
                "messageAttributes": {"provider": {"stringValue": "kite", "stringListValues": [],
                                                   "binaryListValues": [], "dataType": "String"}},
                "eventSource": "aws:sqs",
                "eventSourceARN": "arn:aws:sqs:eu-west-1:000000000000:events.fifo",
                "awsRegion": "eu-west-1",
            })
        );
    }
}
