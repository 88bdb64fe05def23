//! HMAC tags over the signed content, and their constant-time comparison with the
//! signatures a delivery presents.

use hmac::{Hmac, KeyInit, Mac};
use sha2::{Sha256, Sha512};

use crate::providers::verification::bytes_equal;

/// The hash under the HMAC.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MacAlgorithm {
    Sha256,
    Sha512,
}

impl MacAlgorithm {
    /// Length of a tag in bytes.
    pub const fn tag_len(self) -> usize {
        match self {
            MacAlgorithm::Sha256 => 32,
            MacAlgorithm::Sha512 => 64,
        }
    }

    /// HMAC of the concatenation of `parts` under `key` (no copy of the body is made).
    pub fn tag(self, key: &[u8], parts: &[&[u8]]) -> Option<Vec<u8>> {
        fn run<M: Mac + KeyInit>(key: &[u8], parts: &[&[u8]]) -> Option<Vec<u8>> {
            // HMAC takes keys of any length; the error branch is unreachable but panic-free.
            let mut mac = <M as KeyInit>::new_from_slice(key).ok()?;
            for part in parts {
                mac.update(part);
            }
            Some(mac.finalize().into_bytes().to_vec())
        }
        match self {
            MacAlgorithm::Sha256 => run::<Hmac<Sha256>>(key, parts),
            MacAlgorithm::Sha512 => run::<Hmac<Sha512>>(key, parts),
        }
    }
}

/// Whether any of `presented` equals `tag`. Every presented signature is compared, in
/// constant time, so the time taken does not say which one matched.
pub(crate) fn any_equal(presented: &[Vec<u8>], tag: &[u8]) -> bool {
    presented.iter().fold(false, |found, signature| {
        found | bytes_equal(signature, tag)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    // RFC 4231, test case 2: key "Jefe", data "what do ya want for nothing?".
    const RFC4231_SHA256: &str = "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843";
    const RFC4231_SHA512: &str = "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea2505549758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737";

    #[test]
    fn known_answers_and_parts_concatenate() {
        let tag256 = MacAlgorithm::Sha256
            .tag(b"Jefe", &[b"what do ya ", b"want for nothing?"])
            .unwrap();
        assert_eq!(hex::encode(&tag256), RFC4231_SHA256);
        let tag512 = MacAlgorithm::Sha512
            .tag(b"Jefe", &[b"what do ya want for nothing?"])
            .unwrap();
        assert_eq!(hex::encode(&tag512), RFC4231_SHA512);
        assert_eq!(tag256.len(), MacAlgorithm::Sha256.tag_len());
        assert_eq!(tag512.len(), MacAlgorithm::Sha512.tag_len());
    }

    #[test]
    fn any_presented_signature_may_match() {
        let tag = vec![1u8, 2, 3];
        assert!(any_equal(&[vec![9], tag.clone(), vec![1, 2]], &tag));
        assert!(!any_equal(&[vec![9], vec![1, 2]], &tag));
        assert!(!any_equal(&[], &tag));
    }
}
