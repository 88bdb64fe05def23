//! Configured webhook sources: any other provider, declared in configuration instead of
//! code, served at `POST /webhooks/generic/{source}`.
//!
//! One JSON document (the [`SOURCES_VARIABLE`] variable: the environment locally, the
//! function's Secrets Manager secret on AWS) declares the sources by name. Each names a
//! [`Scheme`] (`standard-webhooks`, `hmac` or `url-token`), its secrets (a rotation
//! list) and an [`EnvelopeMapping`] (JSON pointers for `id`, `type`, `subject` and
//! `occurred_at`). A configured source gets what a built-in provider gets: raw-bytes
//! verification, constant-time comparison, every secret of the list tried, the scheme's
//! timestamp window within the contract's freshness rule, and the fallback rules.
//!
//! Configuration fails closed, precisely, and never echoes a value ([`Sources`]):
//! - a document that does not parse: the function refuses to serve (500);
//! - one source whose own entry is invalid: that source answers 500, the others serve;
//! - a source that is not configured: 404.
//!
//! [`GenericProvider`] serves them all from one function; its `origin` names the
//! request's source, so the envelope's `provider` is the source name and its keys are
//! `generic#<source>#<id>`.
//!
//! The body: after authentication, any JSON document is one event (an object as the
//! built-ins get, but also an array or a scalar: a configured sender's container is not
//! known in advance, and refusing an authentic delivery would lose it); a body that is
//! not JSON is a 400, as the queue only carries JSON. Nothing is split or validated.

mod authenticated;
mod config_object;
mod envelope_mapping;
mod hmac_signature;
mod mac;
mod provider;
mod scheme;
mod source;
mod source_name;
mod sources;
mod standard_webhooks;
mod timestamp_window;
mod unique_keys;
mod url_token;

pub use authenticated::{Authenticated, MIN_KEY_BYTES};
pub use config_object::FieldError;
pub use envelope_mapping::{EnvelopeMapping, JsonPointer, TimeFormat};
pub use hmac_signature::{DEFAULT_SEPARATOR, HmacSignature, SignatureEncoding, SignedContent};
pub use mac::MacAlgorithm;
pub use provider::{GenericProvider, NAME};
pub use scheme::Scheme;
pub use source::Source;
pub use source_name::{MAX_SOURCE_NAME_BYTES, check_source_name, source_in_path};
pub use sources::{DocumentError, Sources};
pub use standard_webhooks::{
    DEFAULT_TOLERANCE, SECRET_PREFIX, StandardWebhooks, signing_key, v1_signature,
};
pub use timestamp_window::parse_unix_seconds;
pub use url_token::{DEFAULT_TOKEN_PARAMETER, MIN_TOKEN_CHARS, UrlToken};

/// The variable holding the sources document.
pub const SOURCES_VARIABLE: &str = "GENERIC_SOURCES";
/// Every variable [`Sources::from_config`] reads.
pub const VARIABLES: &[&str] = &[SOURCES_VARIABLE];

#[cfg(test)]
mod tests;
