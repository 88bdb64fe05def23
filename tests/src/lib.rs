//! Tooling shared by the integration and end-to-end tests and by the local stack:
//! the emulator (moto server) through the real AWS SDK, API Gateway v2 event files,
//! signers that produce authentic sample deliveries, replay over HTTP, and a local
//! stand-in for Lambda's SQS event source mapping that feeds the consumer.

pub mod answers;
pub mod api_gateway_event;
pub mod distinct_events;
pub mod drift_check;
pub mod e2e;
pub mod emulator;
pub mod event_source_mapping;
pub mod fake_runtime_api;
pub mod fault_proxy;
pub mod local_secrets;
pub mod local_stack;
pub mod log_audit;
pub mod log_capture;
pub mod memory_pipeline;
pub mod moto_process;
pub mod replay;
pub mod signers;
pub mod sqs_character_guard;
pub mod sqs_event;
pub mod stack_presence;
