//! Configuration, read once at cold start: the variables (from the environment and,
//! optionally, one Secrets Manager secret overlaid by [`crate::aws`]), the settings every
//! function shares, the AWS retry budget, and secret rotation lists.

pub mod retry_budget;
pub mod secret_list;
pub mod settings;
pub mod source;

pub use retry_budget::{
    AWS_ATTEMPT_TIMEOUT, DEFAULT_AWS_RETRY_SECONDS, MAX_AWS_RETRY_SECONDS, RetryBudget,
};
pub use secret_list::SecretList;
pub use settings::{
    AwsSettings, DEFAULT_CLAIM_LEASE_SECONDS, DEFAULT_DEDUPE_TTL_SECONDS, DEFAULT_MAX_BODY_BYTES,
    PipelineSettings,
};
pub use source::{
    AWS_RETRY_SECONDS_VARIABLE, ConfigError, ConfigSource, DOCUMENT_VARIABLES, PIPELINE_VARIABLES,
    SECRET_ID_VARIABLE, TLS_SYSTEM_ROOTS_VARIABLE,
};
