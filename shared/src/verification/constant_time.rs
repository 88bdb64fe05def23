use subtle::ConstantTimeEq;

/// Constant-time equality of two byte strings (length is not hidden).
pub fn bytes_equal(a: &[u8], b: &[u8]) -> bool {
    a.ct_eq(b).into()
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
}
