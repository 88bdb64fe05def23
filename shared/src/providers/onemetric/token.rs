//! The URL token: OneMetric signs nothing, so the registered URL carries a secret.

use sha2::{Digest, Sha256};

use crate::secret_list::SecretList;
use crate::verification::bytes_equal;

/// The query parameter that carries the token.
pub const TOKEN_PARAMETER: &str = "token";

/// Position of the configured token equal to `received`, if any.
///
/// Both sides are hashed first, so the constant-time comparison runs over equal-length
/// digests and the time taken reveals neither the token's length nor a matching prefix.
/// Every configured token is compared, whichever matches.
pub fn matching_token(tokens: &SecretList, received: &str) -> Option<usize> {
    let received = Sha256::digest(received.as_bytes());
    tokens.position_matching(|token| bytes_equal(&Sha256::digest(token.as_bytes()), &received))
}
