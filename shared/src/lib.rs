//! brokerhooks: verified, deduplicated webhook intake for brokerage and investment
//! platforms, on AWS Lambda.
//!
//! Where things live:
//! - `providers::<name>` — each provider's verifier (bytes in, verdict out);
//!   `providers::BuiltIn` and `providers::registry` — every built-in provider, by name and type.
//! - `verification` — shared primitives: [`Verified`], freshness, constant-time compare,
//!   signature bindings.
//! - `pipeline` — admit → authenticate → bind → claim → send → complete → answer.
//! - `answer`, `tally`, `limits`, `origin` — what the steps share (leaf modules).
//! - `idempotency` — claim and binding store trait, DynamoDB and in-memory
//!   implementations, how long items are kept.
//! - `duplicate_keys`, `json_members`, `canonical_json` — reading JSON text exactly.
//! - `queue` — queue trait, SQS and in-memory implementations.
//! - `envelope` — what the pipeline writes to the queue; consumers read it as
//!   [`Envelope`] from the `brokerhooks-models` crate.
//! - `config`, `function`, `lambda_adapter`, `logging`, `metrics` — running as a Lambda.

pub mod answer;
pub mod aws_client;
pub mod canonical_json;
pub mod clock;
pub mod config;
pub mod deadline;
pub mod duplicate_keys;
pub mod envelope;
pub mod error;
pub mod fallback;
pub mod function;
pub mod idempotency;
pub mod json_members;
pub mod lambda_adapter;
pub mod limits;
pub mod logging;
pub mod metrics;
pub mod origin;
pub mod pipeline;
pub mod provider;
pub mod providers;
pub mod queue;
pub mod request;
pub mod secret_list;
pub mod sqs_text;
pub mod tally;
pub mod timestamps;
pub mod verification;

pub use answer::Answer;
pub use envelope::Envelope;
pub use error::WebhookError;
pub use fallback::{Fallback, Fallbacks};
pub use origin::Origin;
pub use pipeline::Pipeline;
pub use provider::{Provider, VerifyContext};
pub use request::WebhookRequest;
pub use tally::Tally;
pub use verification::Verified;

/// Re-exported so function binaries need no direct lambda_runtime dependency.
pub use lambda_runtime;
