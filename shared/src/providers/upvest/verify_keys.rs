//! Upvest's webhook verification keys: the JWKS served at `GET /auth/verify_keys`.

use std::fmt;

use aws_lc_rs::signature::{ECDSA_P521_SHA512_ASN1, ECDSA_P521_SHA512_FIXED, ParsedPublicKey};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Deserialize;

/// Length in bytes of a P-521 affine coordinate.
const COORDINATE_BYTES: usize = 66;
/// Length of a raw `r‖s` P-521 signature.
const RAW_SIGNATURE_BYTES: usize = 132;

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
    keys: Vec<(String, usize, VerifyKey)>,
}

/// One P-521 public key, parsed (and checked to lie on the curve) once at cold start,
/// for both signature encodings.
#[derive(Clone)]
pub struct VerifyKey {
    der: ParsedPublicKey,
    raw: ParsedPublicKey,
}

impl VerifyKey {
    /// `point` is the SEC1 uncompressed form, `0x04 || x || y`.
    fn from_uncompressed_point(point: &[u8]) -> Option<Self> {
        Some(VerifyKey {
            der: ParsedPublicKey::new(&ECDSA_P521_SHA512_ASN1, point).ok()?,
            raw: ParsedPublicKey::new(&ECDSA_P521_SHA512_FIXED, point).ok()?,
        })
    }

    /// ECDSA P-521 with SHA-512 over `message`: ASN.1 DER first (what Upvest's signer
    /// emits), then the 132-byte raw `r‖s` form.
    pub fn verifies(&self, message: &[u8], signature: &[u8]) -> bool {
        #[cfg(test)]
        ecdsa_checks::count();
        self.der.verify_sig(message, signature).is_ok()
            || (signature.len() == RAW_SIGNATURE_BYTES
                && self.raw.verify_sig(message, signature).is_ok())
    }
}

impl VerifyKeys {
    pub fn parse_jwks(text: &str) -> Result<Self, VerifyKeysError> {
        let jwks: Jwks = serde_json::from_str(text).map_err(|_| VerifyKeysError::NotJwks)?;
        let mut keys: Vec<(String, usize, VerifyKey)> = Vec::new();
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
    pub fn find(&self, kid: &str) -> Option<(usize, &VerifyKey)> {
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

/// `x` and `y` are base64url (no padding) 66-byte big-endian coordinates. A point that
/// is not on the curve is refused.
fn decode_point(x: Option<&str>, y: Option<&str>) -> Option<VerifyKey> {
    let coordinate = |text: Option<&str>| -> Option<Vec<u8>> {
        let bytes = URL_SAFE_NO_PAD.decode(text?.trim_end_matches('=')).ok()?;
        (bytes.len() == COORDINATE_BYTES).then_some(bytes)
    };
    // SEC1 uncompressed form: 0x04 || x || y.
    let mut sec1 = vec![0x04];
    sec1.extend(coordinate(x)?);
    sec1.extend(coordinate(y)?);
    VerifyKey::from_uncompressed_point(&sec1)
}

/// How many signature checks this thread ran: lets tests prove that a request was
/// refused without any ECDSA work.
#[cfg(test)]
pub(crate) mod ecdsa_checks {
    use std::cell::Cell;

    thread_local! {
        static CHECKS: Cell<usize> = const { Cell::new(0) };
    }

    pub(super) fn count() {
        CHECKS.with(|checks| checks.set(checks.get() + 1));
    }

    pub(crate) fn so_far() -> usize {
        CHECKS.with(Cell::get)
    }
}
