use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// Constant-time equality of two byte strings (length is not hidden).
pub fn bytes_equal(a: &[u8], b: &[u8]) -> bool {
    a.ct_eq(b).into()
}

/// Whether a received secret equals a configured one, for secrets sent as they are
/// (tokens, SnapTrade's legacy `webhookSecret`). Both sides are hashed first, so the
/// constant-time comparison runs over equal-length digests: the time taken reveals
/// neither the secret's length nor a matching prefix.
pub fn secret_equal(received: &[u8], configured: &[u8]) -> bool {
    bytes_equal(&Sha256::digest(received), &Sha256::digest(configured))
}

/// Compares a received hex digest with the expected digest bytes, in constant time.
/// Upper-case hex is accepted; anything that is not hex of the right length is unequal.
pub fn hex_digest_equal(received_hex: &str, expected: &[u8]) -> bool {
    let mut decoded = vec![0u8; expected.len()];
    match hex::decode_to_slice(received_hex.as_bytes(), &mut decoded) {
        Ok(()) => bytes_equal(&decoded, expected),
        Err(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_comparison() {
        assert!(hex_digest_equal("0aff", &[0x0a, 0xff]));
        assert!(hex_digest_equal("0AFF", &[0x0a, 0xff]));
        assert!(!hex_digest_equal("0afe", &[0x0a, 0xff]));
        assert!(!hex_digest_equal("0aff00", &[0x0a, 0xff]));
        assert!(!hex_digest_equal("0af", &[0x0a, 0xff]));
        assert!(!hex_digest_equal("zzzz", &[0x0a, 0xff]));
        assert!(!hex_digest_equal("", &[0x0a, 0xff]));
    }

    #[test]
    fn secrets_of_any_length_compare_by_digest() {
        assert!(secret_equal(
            b"lgCQWztweEFcHvjdLhHc",
            b"lgCQWztweEFcHvjdLhHc"
        ));
        assert!(!secret_equal(
            b"lgCQWztweEFcHvjdLhH",
            b"lgCQWztweEFcHvjdLhHc"
        ));
        assert!(!secret_equal(
            b"lgCQWztweEFcHvjdLhHcX",
            b"lgCQWztweEFcHvjdLhHc"
        ));
        assert!(!secret_equal(b"", b"x"));
        assert!(secret_equal(b"", b""));
    }
}
