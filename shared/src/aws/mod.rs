//! The AWS adapters of the pipeline's and the reconciler's ports, and the SDK clients they
//! use: claims, signature bindings, state marks and checkpoints on DynamoDB, reconciler
//! sessions on DynamoDB, the events queue on SQS, the function's secret in Secrets Manager.

pub mod client;
pub mod dynamodb_store;
pub mod reconcile_store;
pub mod secrets_manager;
pub mod sqs_queue;

pub use client::{
    INIT_RETRY_BUDGET_SECONDS, WARM_UP_LIMIT, aws_config, dynamodb_client, secrets_manager_client,
    sqs_client, unlimited_retry_partition,
};
pub use dynamodb_store::DynamoDbStore;
pub use reconcile_store::DynamoDbSessions;
pub use sqs_queue::SqsQueue;
