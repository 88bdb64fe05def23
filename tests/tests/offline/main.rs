//! The tests that run without the local stack: the sample events through the in-memory
//! pipeline (AWS-call counts, negative matrix, pinned envelope ids, the consumer's
//! fixture), the provider registry against the repository, the OneMetric registration
//! script, and the log audit `make test` runs last (ignored otherwise).

mod aws_calls;
mod consumer_fixture;
mod log_audit;
mod module_cycles;
mod negative_matrix;
mod onemetric_registration;
mod pinned_envelope_ids;
mod provider_registry;
mod receivers;
mod unreadable_times;
