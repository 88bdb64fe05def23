//! The AWS adapters of the pipeline's ports, and the SDK clients they use: claims and
//! signature bindings on DynamoDB, the events queue on SQS, the function's secret in
//! Secrets Manager.

pub mod client;
pub mod dynamodb_store;
pub mod secrets_manager;
pub mod sqs_queue;

pub use client::{
    INIT_RETRY_BUDGET_SECONDS, WARM_UP_LIMIT, aws_config, dynamodb_client, secrets_manager_client,
    sqs_client, unlimited_retry_partition,
};
pub use dynamodb_store::DynamoDbStore;
pub use sqs_queue::SqsQueue;
