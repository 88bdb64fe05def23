//! brokerhooks: verified, deduplicated webhook intake for brokerage and investment
//! platforms, on AWS Lambda.
//!
//! The crate is layered; each layer only uses the ones below it:
//!
//! - [`edge`] — the function's entry: the Lambda event in, once, as a request and a
//!   deadline; the pipeline called once; its outcome out, once, as the HTTP answer, the
//!   log line and the metrics.
//! - [`pipeline`] — one delivery's path: admit → authenticate → bind → prepare → claim →
//!   send → complete → outcome, over its ports (provider, claims store, queue, clock),
//!   with in-memory fakes of each.
//! - [`reconciliation`] — the second path to the queue: a reconciler reads a provider's
//!   own record (Kite's order book) and enqueues every order state no delivery did, once,
//!   over its ports (the record, the sessions, its items in the events table).
//! - [`providers`] — each provider's verifier, pure (bytes in, verdict out), one folder
//!   each; their registry (`BuiltIn`, `Receiver`), derived from the one list of
//!   providers (`brokerhooks_models::providers!`); the primitives they share.
//! - [`aws`] — the adapters: DynamoDB claims and bindings, the SQS queue, Secrets
//!   Manager, and the SDK clients.
//! - [`config`] — configuration read once at cold start: variables, settings, the AWS
//!   retry budget, secret lists.
//! - `http` (feature `kite-api`) — calling providers' APIs: Kite Connect's order book,
//!   under its rate limit, for the reconciler.
//! - [`text`] — reading and writing JSON and timestamps exactly: content ids, repeated
//!   keys, cutting members out, the characters SQS accepts, provider time formats.

pub mod aws;
pub mod config;
pub mod edge;
#[cfg(feature = "kite-api")]
pub mod http;
pub mod pipeline;
pub mod providers;
pub mod reconciliation;
pub mod text;

pub use edge::Answer;
pub use pipeline::{
    Envelope, Fallback, Fallbacks, Origin, Pipeline, Provider, Tally, Verified, VerifyContext,
    WebhookError, WebhookRequest,
};

/// Re-exported so function binaries need no direct lambda_runtime dependency.
pub use lambda_runtime;
