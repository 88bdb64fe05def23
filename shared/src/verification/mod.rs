//! Verification primitives shared by the providers' verifiers.
//!
//! Each provider's own verifier lives in `providers/<name>/`; this module only holds the
//! building blocks: the [`Verified`] marker, the freshness rule, constant-time
//! comparison, shared-token matching, signature bindings and reading a timestamp out of a
//! signed string.

mod constant_time;
mod freshness;
mod shared_token;
mod signature_binding;
mod signed_string_time;
mod verified;

pub use constant_time::{bytes_equal, hex_digest_equal, secret_equal};
pub use freshness::{FreshnessPolicy, MAX_FUTURE_SKEW};
pub use shared_token::matching_token;
pub use signature_binding::{MAX_READING_BYTES, SignatureBinding};
pub use signed_string_time::{time_at_end, time_at_start};
pub use verified::Verified;
