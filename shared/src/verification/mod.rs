//! Verification primitives shared by the providers' verifiers.
//!
//! Each provider's own verifier lives in `providers/<name>/`; this module only holds the
//! building blocks: the [`Verified`] marker, the freshness rule, constant-time
//! comparison and shared-token matching.

mod constant_time;
mod freshness;
mod shared_token;
mod verified;

pub use constant_time::{bytes_equal, hex_digest_equal};
pub use freshness::FreshnessPolicy;
pub use shared_token::matching_token;
pub use verified::Verified;
