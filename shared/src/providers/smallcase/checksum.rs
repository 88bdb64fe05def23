use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

use crate::providers::verification::hex_digest_equal;

/// HMAC-SHA256 keyed with the API secret over `timestamp` immediately followed by `id`.
/// `None` only if the HMAC refuses the key, which HMAC-SHA256 never does for any length.
fn digest(timestamp: &str, id: &str, api_secret: &str) -> Option<[u8; 32]> {
    let mut mac = Hmac::<Sha256>::new_from_slice(api_secret.as_bytes()).ok()?;
    mac.update(timestamp.as_bytes());
    mac.update(id.as_bytes());
    Some(mac.finalize().into_bytes().into())
}

/// The checksum smallcase puts in a webhook: lowercase hex HMAC-SHA256 (key = API secret)
/// of `timestamp + id`, where `id` is the kind's signed id (see [`super::SignedFields`]).
/// Used by signers of test events; verification goes through [`checksum_matches`].
pub fn checksum_hex(timestamp: &str, id: &str, api_secret: &str) -> String {
    digest(timestamp, id, api_secret)
        .map(hex::encode)
        .unwrap_or_default()
}

/// Whether `received` (hex, any case) is the checksum of `timestamp + id` under
/// `api_secret`. Compares the decoded bytes in constant time.
pub fn checksum_matches(timestamp: &str, id: &str, api_secret: &str, received: &str) -> bool {
    digest(timestamp, id, api_secret).is_some_and(|expected| hex_digest_equal(received, &expected))
}
