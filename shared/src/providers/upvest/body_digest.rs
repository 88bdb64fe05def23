//! The v6 `digest` header: `SHA-256=<base64 of SHA-256(raw body)>`.

use base64::Engine;
use base64::engine::general_purpose::{
    STANDARD, STANDARD_NO_PAD_INDIFFERENT, URL_SAFE_NO_PAD_INDIFFERENT,
};
use sha2::{Digest, Sha256, Sha512};

use crate::verification::bytes_equal;

/// The header Upvest sends for `body`; used by signers of test deliveries.
pub fn digest_header(body: &[u8]) -> String {
    format!("SHA-256={}", STANDARD.encode(Sha256::digest(body)))
}

/// Whether the `digest` header matches `body`.
///
/// Entries are `algorithm=base64`, comma-separated. `SHA-256` (what v6 sends) and
/// `SHA-512` (tolerated) are checked; other algorithms are ignored. At least one known
/// entry must be present and every known entry must match, compared in constant time.
pub fn digest_matches(header: &str, body: &[u8]) -> bool {
    let mut checked = 0;
    let mut all_match = true;
    for entry in header.split(',') {
        let Some((algorithm, value)) = entry.trim().split_once('=') else {
            continue;
        };
        let expected: Vec<u8> = if algorithm.eq_ignore_ascii_case("SHA-256") {
            Sha256::digest(body).to_vec()
        } else if algorithm.eq_ignore_ascii_case("SHA-512") {
            Sha512::digest(body).to_vec()
        } else {
            continue;
        };
        checked += 1;
        all_match &= decode_base64(value).is_some_and(|received| bytes_equal(&received, &expected));
    }
    checked > 0 && all_match
}

/// Standard base64 as Upvest sends it; unpadded or URL-safe input is decoded too.
fn decode_base64(text: &str) -> Option<Vec<u8>> {
    STANDARD_NO_PAD_INDIFFERENT
        .decode(text)
        .or_else(|_| URL_SAFE_NO_PAD_INDIFFERENT.decode(text))
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn upvest_published_examples() {
        // upvest-signatures.md §2, recomputed there.
        assert_eq!(
            digest_header(br#"{"hello": "world"}"#),
            "SHA-256=X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE="
        );
        assert_eq!(
            digest_header(br#"{"key": "value"}"#),
            "SHA-256=lyTB4g5uPk1/V+0l+dTvsAblCFkNUoyQ2ll/andcE+U="
        );
        // providers.md §4.4: the SHA-512 values of the same bodies.
        assert!(digest_matches(
            "SHA-512=WZDPaVn/7XgHaAy8pmojAkGWoRx2UFChF41A2svX+TaPm+AbwAgBWnrIiYllu7BNNyealdVLvRwEmTHWXvJwew==",
            br#"{"hello": "world"}"#
        ));
        assert!(digest_matches(
            "sha-512=Hd9/AvGZkbjitW1+Ml8Fg1ux1mtcDYe6mLQjDyoowIWa3LM/PmwN2v9O+MjtQGrCA3EQWUL54dlgxKHyYbrucw==",
            br#"{"key": "value"}"#
        ));
    }

    #[test]
    fn every_known_entry_must_match() {
        let body = br#"{"key": "value"}"#;
        let good = "SHA-256=lyTB4g5uPk1/V+0l+dTvsAblCFkNUoyQ2ll/andcE+U=";
        assert!(digest_matches(good, body));
        assert!(digest_matches(&good.replace("SHA", "sha"), body));
        assert!(digest_matches(&format!("MD5=abc, {good}"), body));
        assert!(digest_matches(good.trim_end_matches('='), body));
        assert!(!digest_matches(good, br#"{"key": "valuf"}"#));
        assert!(!digest_matches(&format!("{good}, SHA-512=AAAA"), body));
        assert!(!digest_matches("MD5=abc", body));
        assert!(!digest_matches("SHA-256=", body));
        assert!(!digest_matches("SHA-256=!!!", body));
        assert!(!digest_matches("", body));
    }
}
