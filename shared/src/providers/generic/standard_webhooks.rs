//! `standard-webhooks`: the Standard Webhooks v1 scheme (standardwebhooks.com; Svix and
//! its customers).
//!
//! Headers `webhook-id`, `webhook-timestamp` (Unix seconds) and `webhook-signature` (Svix
//! sends the same as `svix-id`, `svix-timestamp`, `svix-signature`; each is read under
//! its `webhook-` name, else its `svix-` name). The signature header is a space-separated
//! list of `<version>,<base64>` entries; any `v1` entry may match, other versions are
//! ignored. A `v1` signature is the HMAC-SHA256 of `<id>.<timestamp>.<raw body>` keyed
//! with the secret's key: the base64 after `whsec_` (the prefix and base64 padding are
//! optional, as in the reference libraries). The timestamp must lie within the
//! tolerance (5 minutes by default, both ways; see `timestamp_window`).
//!
//! The scheme signs the id and the timestamp, so a replay within the window is the same
//! `webhook-id` (a duplicate, which is why the envelope id defaults to it) and a replay
//! outside it is refused.

use std::time::Duration;

use base64::Engine;
use base64::alphabet;
use base64::engine::DecodePaddingMode;
use base64::engine::general_purpose::{
    GeneralPurpose, GeneralPurposeConfig, STANDARD, STANDARD_PAD_INDIFFERENT,
};

use super::authenticated::{Authenticated, MIN_KEY_BYTES};
use super::config_object::{ConfigObject, FieldError};
use super::mac::{MacAlgorithm, any_equal};
use super::timestamp_window::{check_window, parse_unix_seconds};
use crate::config::secret_list::SecretList;
use crate::pipeline::error::WebhookError;
use crate::pipeline::ports::provider::VerifyContext;
use crate::pipeline::request::WebhookRequest;

/// What identifies a Standard Webhooks signing secret.
pub const SECRET_PREFIX: &str = "whsec_";
/// The specification's tolerance on `webhook-timestamp`.
pub const DEFAULT_TOLERANCE: Duration = Duration::from_secs(5 * 60);

const ID_HEADERS: [&str; 2] = ["webhook-id", "svix-id"];
const TIMESTAMP_HEADERS: [&str; 2] = ["webhook-timestamp", "svix-timestamp"];
const SIGNATURE_HEADERS: [&str; 2] = ["webhook-signature", "svix-signature"];
/// The symmetric (HMAC-SHA256) signature version; `v1a` (ed25519) and others are ignored.
const VERSION: &str = "v1";
const ALGORITHM: MacAlgorithm = MacAlgorithm::Sha256;

/// The scheme's parameters: only the tolerance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StandardWebhooks {
    pub tolerance: Duration,
}

impl Default for StandardWebhooks {
    fn default() -> Self {
        StandardWebhooks {
            tolerance: DEFAULT_TOLERANCE,
        }
    }
}

/// Secrets are read as leniently as the reference libraries read them: padding optional,
/// and unused bits of the last character ignored (Python's decoder does not check them).
const SECRET_BASE64: GeneralPurpose = GeneralPurpose::new(
    &alphabet::STANDARD,
    GeneralPurposeConfig::new()
        .with_decode_padding_mode(DecodePaddingMode::Indifferent)
        .with_decode_allow_trailing_bits(true),
);

/// The HMAC key of a signing secret: the base64 after `whsec_`. `None` when it is not
/// base64 or the key is empty.
pub fn signing_key(secret: &str) -> Option<Vec<u8>> {
    let encoded = secret.strip_prefix(SECRET_PREFIX).unwrap_or(secret);
    SECRET_BASE64
        .decode(encoded)
        .ok()
        .filter(|key| !key.is_empty())
}

/// The `webhook-signature` entry a sender writes: `v1,<base64 HMAC>`. For signers of test
/// events and the known-answer tests; verification does not re-encode.
pub fn v1_signature(secret: &str, id: &str, timestamp: &str, body: &[u8]) -> Option<String> {
    let key = signing_key(secret)?;
    let tag = ALGORITHM.tag(&key, &signed_parts(id, timestamp, body))?;
    Some(format!("{VERSION},{}", STANDARD.encode(tag)))
}

fn signed_parts<'a>(id: &'a str, timestamp: &'a str, body: &'a [u8]) -> [&'a [u8]; 5] {
    [id.as_bytes(), b".", timestamp.as_bytes(), b".", body]
}

/// The first of `names` present with a non-empty value.
fn first_header(request: &WebhookRequest, names: &[&str]) -> Option<String> {
    names
        .iter()
        .find_map(|name| request.header(name).filter(|value| !value.is_empty()))
}

/// The decoded `v1` signatures of the header; `None` when it has no `v1` entry at all.
/// Entries that do not decode to a SHA-256 tag are kept out (they cannot match).
fn presented_v1(header: &str) -> Option<Vec<Vec<u8>>> {
    let mut any_v1 = false;
    let mut presented = Vec::new();
    for entry in header.split(' ') {
        let Some((VERSION, encoded)) = entry.split_once(',') else {
            continue;
        };
        any_v1 = true;
        if let Ok(signature) = STANDARD_PAD_INDIFFERENT.decode(encoded)
            && signature.len() == ALGORITHM.tag_len()
        {
            presented.push(signature);
        }
    }
    any_v1.then_some(presented)
}

impl StandardWebhooks {
    pub(crate) fn from_entry(entry: &ConfigObject) -> Result<Self, FieldError> {
        let tolerance = entry
            .positive_integer("tolerance_seconds")?
            .map_or(DEFAULT_TOLERANCE, Duration::from_secs);
        Ok(StandardWebhooks { tolerance })
    }

    /// A secret must be a usable signing secret (fixed reason otherwise).
    pub(crate) fn check_secret(secret: &str) -> Result<(), &'static str> {
        signing_key(secret)
            .filter(|key| key.len() >= MIN_KEY_BYTES)
            .map(|_| ())
            .ok_or("must be whsec_ followed by the base64 of a key of at least 16 bytes")
    }

    /// Headers, then the signature under every secret, then the timestamp window.
    pub fn authenticate(
        &self,
        request: &WebhookRequest,
        secrets: &SecretList,
        context: &VerifyContext,
    ) -> Result<Authenticated, WebhookError> {
        let id = first_header(request, &ID_HEADERS)
            .ok_or(WebhookError::Unauthorized("missing webhook-id header"))?;
        let timestamp = first_header(request, &TIMESTAMP_HEADERS).ok_or(
            WebhookError::Unauthorized("missing webhook-timestamp header"),
        )?;
        let header = first_header(request, &SIGNATURE_HEADERS).ok_or(
            WebhookError::Unauthorized("missing webhook-signature header"),
        )?;
        // The timestamp is part of the scheme, not of the payload: one that is not whole
        // seconds cannot be held to the window, so the delivery cannot be authenticated.
        let signed_at = parse_unix_seconds(&timestamp).ok_or(WebhookError::Unauthorized(
            "webhook-timestamp is not a Unix time in seconds",
        ))?;
        let presented = presented_v1(&header).ok_or(WebhookError::Unauthorized(
            "no v1 signature in webhook-signature",
        ))?;
        let parts = signed_parts(&id, &timestamp, &request.body);
        let matched_secret = secrets
            .position_matching(|secret| {
                signing_key(secret)
                    .and_then(|key| ALGORITHM.tag(&key, &parts))
                    .is_some_and(|tag| any_equal(&presented, &tag))
            })
            .ok_or(WebhookError::Unauthorized("signature mismatch"))?;
        check_window(signed_at, self.tolerance, context)?;
        Ok(Authenticated {
            matched_secret,
            delivery_id: Some(id),
            signed_at: Some(signed_at),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_decode_with_or_without_prefix_and_padding() {
        let key = signing_key("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap();
        assert_eq!(key.len(), 24);
        assert_eq!(signing_key("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"), Some(key));
        // 23 bytes: canonical base64 has one `=`; without it the key is the same. The
        // Python library's test secret also leaves the last character's unused bits set.
        assert_eq!(
            signing_key("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaS"),
            signing_key("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaS=")
        );
        assert!(signing_key("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaS").is_some());
        assert_eq!(signing_key("whsec_"), None);
        assert_eq!(signing_key(""), None);
        assert_eq!(signing_key("whsec_not base64!"), None);
    }

    #[test]
    fn only_v1_entries_are_presented() {
        let tag = STANDARD.encode([7u8; 32]);
        let header = format!("v1a,{tag} v2,{tag}  v1,{tag} v1,short v1, nocomma");
        assert_eq!(presented_v1(&header), Some(vec![vec![7u8; 32]]));
        assert_eq!(presented_v1(&format!("v1a,{tag} v2,{tag}")), None);
        assert_eq!(presented_v1("v1,"), Some(vec![]));
        assert_eq!(presented_v1(""), None);
    }
}
