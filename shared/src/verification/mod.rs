//! Verification primitives shared by the providers' verifiers.
//!
//! Each provider's own verifier lives in `providers/<name>/`; this module only holds the
//! building blocks: the [`Verified`] marker, the freshness rule and constant-time
//! comparison.

mod constant_time;
mod freshness;
mod verified;

pub use constant_time::{bytes_equal, hex_digest_equal};
pub use freshness::FreshnessPolicy;
pub use verified::Verified;
