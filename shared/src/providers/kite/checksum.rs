use sha2::{Digest, Sha256};

use crate::providers::verification::hex_digest_equal;

fn digest(order_id: &str, order_timestamp: &str, api_secret: &str) -> [u8; 32] {
    let mut hasher = Sha256::new();
    hasher.update(order_id.as_bytes());
    hasher.update(order_timestamp.as_bytes());
    hasher.update(api_secret.as_bytes());
    hasher.finalize().into()
}

/// The checksum Kite puts in a postback: hex SHA-256 of `order_id + order_timestamp + api_secret`.
/// Used by signers of test events; verification goes through [`checksum_matches`].
pub fn checksum_hex(order_id: &str, order_timestamp: &str, api_secret: &str) -> String {
    hex::encode(digest(order_id, order_timestamp, api_secret))
}

/// Whether `received` (hex, any case) is the postback checksum under `api_secret`.
/// Compares the decoded bytes in constant time.
pub fn checksum_matches(
    order_id: &str,
    order_timestamp: &str,
    api_secret: &str,
    received: &str,
) -> bool {
    hex_digest_equal(received, &digest(order_id, order_timestamp, api_secret))
}
