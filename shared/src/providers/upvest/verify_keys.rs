//! Upvest's webhook verification keys: the JWKS served at `GET /auth/verify_keys`.

use std::fmt;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use p521::ecdsa::VerifyingKey;
use serde::Deserialize;

/// Length in bytes of a P-521 affine coordinate.
const COORDINATE_BYTES: usize = 66;

#[derive(Deserialize)]
struct Jwks {
    keys: Vec<Jwk>,
}

#[derive(Deserialize)]
struct Jwk {
    #[serde(default)]
    kid: Option<String>,
    #[serde(default)]
    kty: Option<String>,
    #[serde(default)]
    crv: Option<String>,
    #[serde(default)]
    x: Option<String>,
    #[serde(default)]
    y: Option<String>,
}

/// Why a JWKS cannot be used. Fixed texts and key positions only.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VerifyKeysError {
    #[error("not a JWKS document ({{\"keys\": [...]}})")]
    NotJwks,
    #[error("key {0} has no kid")]
    MissingKid(usize),
    #[error("key {0} repeats a kid")]
    DuplicateKid(usize),
    #[error("key {0} is not a valid P-521 public key")]
    InvalidKey(usize),
    #[error("no EC P-521 key")]
    NoUsableKey,
}

/// The usable keys of a JWKS, each with its `kid` and its position in the document.
///
/// Keys that are not `EC`/`P-521` are skipped (Upvest webhooks are signed with P-521
/// only); a P-521 key that does not decode is an error, so a typo is caught at cold start.
#[derive(Clone)]
pub struct VerifyKeys {
    keys: Vec<(String, usize, VerifyingKey)>,
}

impl VerifyKeys {
    pub fn parse_jwks(text: &str) -> Result<Self, VerifyKeysError> {
        let jwks: Jwks = serde_json::from_str(text).map_err(|_| VerifyKeysError::NotJwks)?;
        let mut keys: Vec<(String, usize, VerifyingKey)> = Vec::new();
        for (position, jwk) in jwks.keys.into_iter().enumerate() {
            let is_p521 = jwk.kty.as_deref() == Some("EC") && jwk.crv.as_deref() == Some("P-521");
            if !is_p521 {
                continue;
            }
            let kid = jwk
                .kid
                .filter(|kid| !kid.is_empty())
                .ok_or(VerifyKeysError::MissingKid(position))?;
            if keys.iter().any(|(known, _, _)| *known == kid) {
                return Err(VerifyKeysError::DuplicateKid(position));
            }
            let key = decode_point(jwk.x.as_deref(), jwk.y.as_deref())
                .ok_or(VerifyKeysError::InvalidKey(position))?;
            keys.push((kid, position, key));
        }
        if keys.is_empty() {
            return Err(VerifyKeysError::NoUsableKey);
        }
        Ok(VerifyKeys { keys })
    }

    /// The key with this `kid` and its position in the JWKS.
    pub fn find(&self, kid: &str) -> Option<(usize, &VerifyingKey)> {
        self.keys
            .iter()
            .find(|(known, _, _)| known == kid)
            .map(|(_, position, key)| (*position, key))
    }

    pub fn len(&self) -> usize {
        self.keys.len()
    }

    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }
}

impl fmt::Debug for VerifyKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kids: Vec<&str> = self.keys.iter().map(|(kid, _, _)| kid.as_str()).collect();
        f.debug_struct("VerifyKeys").field("kids", &kids).finish()
    }
}

/// `x` and `y` are base64url (no padding) 66-byte big-endian coordinates.
fn decode_point(x: Option<&str>, y: Option<&str>) -> Option<VerifyingKey> {
    let coordinate = |text: Option<&str>| -> Option<Vec<u8>> {
        let bytes = URL_SAFE_NO_PAD.decode(text?.trim_end_matches('=')).ok()?;
        (bytes.len() == COORDINATE_BYTES).then_some(bytes)
    };
    // SEC1 uncompressed form: 0x04 || x || y.
    let mut sec1 = vec![0x04];
    sec1.extend(coordinate(x)?);
    sec1.extend(coordinate(y)?);
    VerifyingKey::from_sec1_bytes(&sec1).ok()
}
