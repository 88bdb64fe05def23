//! What a signature proved about a delivery whose signature covers too little to say
//! what kind of message it authenticates (smallcase signs only `timestamp` + one id): the
//! signed text and how the verifier read the body. The pipeline's `bind` step records
//! that pair once, before claiming ([`crate::pipeline::bind`]): the same signed text read
//! another way is then refused.

use sha2::{Digest, Sha256};
use time::OffsetDateTime;

/// Longest `reading` stored as it is; a longer one (it may hold an unknown `eventType`,
/// which nothing signs) is stored as its hash, so a hostile body cannot make the item
/// large.
pub const MAX_READING_BYTES: usize = 128;

/// What one signature authenticated, and how the verifier read it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedReading {
    signed: [u8; 32],
    reading: String,
    signed_at: Option<OffsetDateTime>,
}

impl SignedReading {
    /// `signed_text`: exactly what the signature covers (its hash keys the binding).
    /// `reading`: the kind of message and which fields the signed text came from; two
    /// deliveries of one signed text are accepted only if their readings are equal.
    /// `signed_at`: the signed time, when it can be read (the binding is kept as long as
    /// the freshness rule could accept that time, like a claim).
    pub fn new(
        signed_text: &[u8],
        reading: impl Into<String>,
        signed_at: Option<OffsetDateTime>,
    ) -> Self {
        let reading = reading.into();
        let reading = if reading.len() <= MAX_READING_BYTES {
            reading
        } else {
            format!("sha256:{}", hex::encode(Sha256::digest(reading.as_bytes())))
        };
        SignedReading {
            signed: Sha256::digest(signed_text).into(),
            reading,
            signed_at,
        }
    }

    /// Lowercase hex SHA-256 of the signed text: names the binding without holding the
    /// signed values themselves.
    pub fn signed_hex(&self) -> String {
        hex::encode(self.signed)
    }

    pub fn reading(&self) -> &str {
        &self.reading
    }

    pub fn signed_at(&self) -> Option<OffsetDateTime> {
        self.signed_at
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_key_is_the_hash_of_the_signed_text_and_long_readings_are_hashed() {
        let binding = SignedReading::new(b"abc", "SECURITIES_ORDER|smallcaseAuthId|24", None);
        assert_eq!(
            binding.signed_hex(),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(binding.reading(), "SECURITIES_ORDER|smallcaseAuthId|24");
        let long = "x".repeat(MAX_READING_BYTES + 1);
        let hashed = SignedReading::new(b"abc", long.clone(), None);
        assert_eq!(
            hashed.reading(),
            format!("sha256:{}", hex::encode(Sha256::digest(long.as_bytes())))
        );
        let edge = "y".repeat(MAX_READING_BYTES);
        assert_eq!(
            SignedReading::new(b"abc", edge.clone(), None).reading(),
            edge
        );
    }
}
