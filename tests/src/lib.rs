#![recursion_limit = "256"]
//! Tooling shared by the integration and end-to-end tests and by the local stack:
//! the emulator (moto server) through the real AWS SDK, API Gateway v2 event files,
//! each provider's kit (its signer, which produces authentic sample deliveries, and the
//! facts table-driven tests need), replay over HTTP, and a local
//! stand-in for Lambda's SQS event source mapping that feeds the consumer.

pub mod answers;
pub mod api_gateway_event;
pub mod distinct_events;
pub mod drift_check;
pub mod e2e;
pub mod emulator;
pub mod event_source_mapping;
pub mod fake_kite;
pub mod fake_runtime_api;
pub mod fault_proxy;
pub mod local_secrets;
pub mod local_stack;
pub mod log_audit;
pub mod log_capture;
pub mod memory_pipeline;
pub mod moto_process;
pub mod negative_matrix;
pub mod provider_kit;
pub mod providers;
pub mod replay;
pub mod sqs_character_guard;
pub mod sqs_event;
pub mod stack_presence;
