//! The v6 body digest: `digest: SHA-256=<base64 of SHA-256(raw body)>`.
//!
//! The body is authenticated only through the digest text the signature covers: the
//! `digest` component (the header's normalised value, which stops at the first `", "`)
//! or, when the header is a dictionary (`sha-256=…`), its `digest:<algorithm>` members.
//! Whatever else the header carries is not signed and is never compared with the body.

use std::cell::OnceCell;

use base64::Engine;
use base64::engine::general_purpose::{
    STANDARD, STANDARD_NO_PAD_INDIFFERENT, URL_SAFE_NO_PAD_INDIFFERENT,
};
use sha2::{Digest, Sha256, Sha512};

use super::signature_base::CoveredValue;
use crate::providers::verification::bytes_equal;

/// The header Upvest sends for `body`; used by signers of test deliveries.
pub fn digest_header(body: &[u8]) -> String {
    format!("SHA-256={}", STANDARD.encode(Sha256::digest(body)))
}

/// The body's hashes, each computed at most once per request however many signature
/// labels or digest entries refer to it.
pub struct BodyHashes<'a> {
    body: &'a [u8],
    sha256: OnceCell<[u8; 32]>,
    sha512: OnceCell<[u8; 64]>,
}

impl<'a> BodyHashes<'a> {
    pub fn new(body: &'a [u8]) -> Self {
        BodyHashes {
            body,
            sha256: OnceCell::new(),
            sha512: OnceCell::new(),
        }
    }

    fn of(&self, algorithm: Algorithm) -> &[u8] {
        match algorithm {
            Algorithm::Sha256 => self.sha256.get_or_init(|| Sha256::digest(self.body).into()),
            Algorithm::Sha512 => self.sha512.get_or_init(|| Sha512::digest(self.body).into()),
        }
    }
}

#[derive(Clone, Copy)]
enum Algorithm {
    Sha256,
    Sha512,
}

impl Algorithm {
    /// `SHA-256` (what v6 sends) and `SHA-512` (tolerated), in any case.
    fn named(name: &str) -> Option<Self> {
        if name.eq_ignore_ascii_case("SHA-256") {
            Some(Algorithm::Sha256)
        } else if name.eq_ignore_ascii_case("SHA-512") {
            Some(Algorithm::Sha512)
        } else {
            None
        }
    }
}

/// Whether any covered component carries the body digest (`digest` or `digest:<key>`).
pub fn digest_is_covered<'n>(names: impl IntoIterator<Item = &'n String>) -> bool {
    names
        .into_iter()
        .any(|name| name == "digest" || name.starts_with("digest:"))
}

/// Whether the signed digest text matches the body.
///
/// Entries come only from covered values: the `digest` component is read as
/// `algorithm=base64` entries separated by `,`; a `digest:<algorithm>` member holds the
/// base64 value. At least one entry of a known algorithm must be signed, and every
/// signed entry of a known algorithm must match, compared in constant time.
pub fn signed_digest_matches(covered: &[CoveredValue<'_>], hashes: &BodyHashes<'_>) -> bool {
    let mut checked = 0;
    let mut all_match = true;
    let mut check = |algorithm: &str, value: &str| {
        if let Some(algorithm) = Algorithm::named(algorithm.trim()) {
            checked += 1;
            all_match &= decode_base64(value.trim())
                .is_some_and(|received| bytes_equal(&received, hashes.of(algorithm)));
        }
    };
    for CoveredValue { name, value } in covered {
        if *name == "digest" {
            for entry in value.split(',') {
                if let Some((algorithm, encoded)) = entry.split_once('=') {
                    check(algorithm, encoded);
                }
            }
        } else if let Some(algorithm) = name.strip_prefix("digest:") {
            check(algorithm, value);
        }
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

    /// `header` as the signed value of the plain `digest` component.
    fn matches(header: &str, body: &[u8]) -> bool {
        let covered = [CoveredValue {
            name: "digest",
            value: header.to_owned(),
        }];
        signed_digest_matches(&covered, &BodyHashes::new(body))
    }

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
        assert!(matches(
            "SHA-512=WZDPaVn/7XgHaAy8pmojAkGWoRx2UFChF41A2svX+TaPm+AbwAgBWnrIiYllu7BNNyealdVLvRwEmTHWXvJwew==",
            br#"{"hello": "world"}"#
        ));
        assert!(matches(
            "sha-512=Hd9/AvGZkbjitW1+Ml8Fg1ux1mtcDYe6mLQjDyoowIWa3LM/PmwN2v9O+MjtQGrCA3EQWUL54dlgxKHyYbrucw==",
            br#"{"key": "value"}"#
        ));
    }

    #[test]
    fn every_signed_known_entry_must_match() {
        let body = br#"{"key": "value"}"#;
        let good = "SHA-256=lyTB4g5uPk1/V+0l+dTvsAblCFkNUoyQ2ll/andcE+U=";
        assert!(matches(good, body));
        assert!(matches(&good.replace("SHA", "sha"), body));
        assert!(matches(&format!("MD5=abc,{good}"), body));
        assert!(matches(good.trim_end_matches('='), body));
        assert!(!matches(good, br#"{"key": "valuf"}"#));
        assert!(!matches(&format!("{good},SHA-512=AAAA"), body));
        assert!(!matches("MD5=abc", body));
        assert!(!matches("SHA-256=", body));
        assert!(!matches("SHA-256=!!!", body));
        assert!(!matches("", body));
    }

    #[test]
    fn only_covered_values_count() {
        let body = br#"{"key": "value"}"#;
        let sha256 = "lyTB4g5uPk1/V+0l+dTvsAblCFkNUoyQ2ll/andcE+U=";
        let covered = |list: &[(&'static str, &str)]| -> Vec<CoveredValue<'static>> {
            list.iter()
                .map(|(name, value)| CoveredValue {
                    name,
                    value: (*value).to_owned(),
                })
                .collect()
        };
        let hashes = BodyHashes::new(body);
        // A dictionary digest: the covered member decides.
        assert!(signed_digest_matches(
            &covered(&[("digest:sha-256", sha256)]),
            &hashes
        ));
        assert!(!signed_digest_matches(
            &covered(&[("digest:sha-256", "AAAA")]),
            &hashes
        ));
        // Only an unknown algorithm signed: the body is not authenticated.
        assert!(!signed_digest_matches(
            &covered(&[("digest:md5", sha256)]),
            &hashes
        ));
        // Other covered components are not digests, whatever their value.
        assert!(!signed_digest_matches(
            &covered(&[
                ("content-digest", &format!("SHA-256={sha256}")),
                ("x-digest:sha-256", sha256)
            ]),
            &hashes
        ));
        assert!(!signed_digest_matches(&[], &hashes));
        assert!(digest_is_covered(&[
            "@method".to_owned(),
            "digest:sha-512".to_owned()
        ]));
        assert!(digest_is_covered(&["digest".to_owned()]));
        assert!(!digest_is_covered(&[
            "digests".to_owned(),
            "@path".to_owned()
        ]));
    }
}
