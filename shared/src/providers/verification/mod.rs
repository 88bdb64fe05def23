//! Verification primitives the providers' verifiers share: constant-time comparison,
//! shared-token matching, and reading a timestamp out of a signed string. (What a
//! verifier returns, [`crate::pipeline::Verified`], and the freshness rule are the
//! pipeline's.)

mod constant_time;
mod shared_token;
mod signed_string_time;

pub use constant_time::{bytes_equal, hex_digest_equal, secret_equal};
pub use shared_token::matching_token;
pub use signed_string_time::{time_at_end, time_at_start};
