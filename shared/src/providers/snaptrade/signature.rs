//! The `Signature` header: Base64 (standard alphabet) of HMAC-SHA256 keyed with the
//! consumer key over the signed text (the raw body, or its canonical form).

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

fn keyed(consumer_key: &str, message: &[u8]) -> Option<HmacSha256> {
    // HMAC takes keys of any length; the error branch is unreachable but kept panic-free.
    let mut mac = HmacSha256::new_from_slice(consumer_key.as_bytes()).ok()?;
    mac.update(message);
    Some(mac)
}

/// The header value SnapTrade sends for `message`. Used by signers of test events;
/// verification goes through [`signature_matches`].
pub fn signature_base64(consumer_key: &str, message: &[u8]) -> String {
    keyed(consumer_key, message)
        .map(|mac| STANDARD.encode(mac.finalize().into_bytes()))
        .unwrap_or_default()
}

/// Decodes a received header value; `None` when it is not Base64.
pub fn decode_signature(header: &str) -> Option<Vec<u8>> {
    STANDARD.decode(header.trim()).ok()
}

/// Whether `received` (decoded header bytes) is the HMAC of `message` under
/// `consumer_key`, compared in constant time.
pub fn signature_matches(consumer_key: &str, message: &[u8], received: &[u8]) -> bool {
    keyed(consumer_key, message).is_some_and(|mac| mac.verify_slice(received).is_ok())
}
