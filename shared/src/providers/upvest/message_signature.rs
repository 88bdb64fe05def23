//! The verifier: Upvest's HTTP Message Signatures v6 over a received request.
//!
//! Only labels whose `keyid` is configured are tried, at most [`MAX_LABELS_TRIED`].
//! Per label: algorithm, the minimum covered components, the covered values (headers
//! normalised as Upvest's signer does), the body digest from exactly those values, the
//! signed times, then ECDSA P-521/SHA-512 over the signature base (DER first, raw `r‖s`
//! as a fallback). The body is hashed at most once per request.

use std::time::Duration;

use time::OffsetDateTime;

use super::body_digest::{BodyHashes, digest_is_covered, signed_digest_matches};
use super::signature_base::{covered_values, render_base};
use super::signature_headers::{
    SignatureInput, SignatureValue, parse_signature, parse_signature_input,
};
use super::verify_keys::{VerifyKey, VerifyKeys};
use crate::pipeline::error::WebhookError;
use crate::pipeline::request::WebhookRequest;
use crate::pipeline::FreshnessPolicy;

/// The only algorithm name accepted when an `alg` parameter is present.
pub const ALGORITHM: &str = "ecdsa-p521-sha512";
/// Upvest's signer sends exactly one signature (`sig1`, upvest-signatures.md §2), so one
/// label with a configured `keyid` is tried: a header full of labels cannot make a
/// request cost more than one ECDSA verification.
pub const MAX_LABELS_TRIED: usize = 1;
/// Request text in logs (label, `keyid`, component names) is cut to this many bytes: it
/// is chosen by whoever sends the request.
const LOGGED_TEXT_BYTES: usize = 64;

/// The signature that verified a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SignatureMatch {
    /// Position in the JWKS of the key that verified it.
    pub key_position: usize,
    /// Its signed `created` time (the freshness rule was applied to it).
    pub created: OffsetDateTime,
}

/// The time rules a signature must meet.
#[derive(Debug, Clone, Copy)]
pub struct TimePolicy {
    pub now: OffsetDateTime,
    /// Applied to `created` (the contract's rule for signed timestamps).
    pub freshness: FreshnessPolicy,
    /// How long after `expires` a signature is still accepted.
    pub expiry_grace: Duration,
}

/// A label that will be tried: its input, its signature and the key its `keyid` names
/// (with the key's position in the JWKS).
pub struct Candidate<'a> {
    pub input: &'a SignatureInput,
    pub signature: &'a SignatureValue,
    pub key_position: usize,
    key: &'a VerifyKey,
}

/// The labels a request gets tried with: those whose `keyid` is configured and that have
/// a signature, in header order, at most [`MAX_LABELS_TRIED`]. When there is none, the
/// reason for the refusal.
pub fn labels_to_try<'a>(
    inputs: &'a [SignatureInput],
    signatures: &'a [SignatureValue],
    keys: &'a VerifyKeys,
) -> Result<Vec<Candidate<'a>>, WebhookError> {
    let mut known_keyid = false;
    let candidates: Vec<Candidate<'a>> = inputs
        .iter()
        .filter_map(|input| {
            let (key_position, key) = keys.find(input.keyid.as_deref()?)?;
            known_keyid = true;
            let signature = signatures.iter().find(|s| s.label == input.label)?;
            Some(Candidate {
                input,
                signature,
                key_position,
                key,
            })
        })
        .take(MAX_LABELS_TRIED)
        .collect();
    if !candidates.is_empty() {
        Ok(candidates)
    } else if known_keyid {
        Err(WebhookError::Unauthorized(
            "no signature matches a signature-input label",
        ))
    } else if inputs.iter().all(|input| input.keyid.is_none()) {
        Err(WebhookError::Unauthorized("missing keyid"))
    } else {
        Err(WebhookError::Unauthorized("unknown keyid"))
    }
}

/// Verifies the request's signature; returns which key verified it and the signed
/// `created`. Errors are 401s with fixed reasons.
pub fn verify_message(
    request: &WebhookRequest,
    keys: &VerifyKeys,
    time: &TimePolicy,
) -> Result<SignatureMatch, WebhookError> {
    let input_header = request
        .header("signature-input")
        .filter(|v| !v.trim().is_empty())
        .ok_or(WebhookError::Unauthorized("missing signature-input"))?;
    let signature_header = request
        .header("signature")
        .filter(|v| !v.trim().is_empty())
        .ok_or(WebhookError::Unauthorized("missing signature"))?;
    let inputs = parse_signature_input(&input_header)?;
    let signatures = parse_signature(&signature_header)?;

    let candidates = labels_to_try(&inputs, &signatures, keys).inspect_err(|error| {
        // One line, whatever the number of labels; what an operator needs to diagnose
        // a key rotation, none of it secret and all of it cut short.
        let first = inputs.first();
        tracing::warn!(
            provider = "upvest",
            labels = inputs.len(),
            label = first.map_or("-", |input| loggable(&input.label)),
            keyid = first.and_then(|input| input.keyid.as_deref()).map_or("-", loggable),
            reason = %error,
            "signature not accepted"
        );
    })?;
    let hashes = BodyHashes::new(&request.body);
    let mut first_error = None;
    for candidate in candidates {
        let input = candidate.input;
        match verify_labelled(request, &candidate, &hashes, time) {
            Ok(created) => {
                return Ok(SignatureMatch {
                    key_position: candidate.key_position,
                    created,
                });
            }
            Err(error) => {
                tracing::warn!(
                    provider = "upvest",
                    label = loggable(&input.label),
                    keyid = input.keyid.as_deref().map_or("-", loggable),
                    created = input.created,
                    expires = input.expires,
                    components = loggable(&input.components.join(" ")),
                    reason = %error,
                    "signature not accepted"
                );
                first_error.get_or_insert(error);
            }
        }
    }
    Err(first_error.unwrap_or(WebhookError::Unauthorized(
        "no signature matches a signature-input label",
    )))
}

/// Verifies one label; returns its signed `created`.
fn verify_labelled(
    request: &WebhookRequest,
    candidate: &Candidate<'_>,
    hashes: &BodyHashes<'_>,
    time: &TimePolicy,
) -> Result<OffsetDateTime, WebhookError> {
    let input = candidate.input;
    if input.alg.as_deref().is_some_and(|alg| alg != ALGORITHM) {
        return Err(WebhookError::Unauthorized("unsupported alg"));
    }
    check_covered(request, &input.components)?;
    let covered = covered_values(request, &input.components)?;
    // The digest compared with the body is the one the base holds, nothing else the
    // header may carry.
    if (!request.body.is_empty() || digest_is_covered(&input.components))
        && !signed_digest_matches(&covered, hashes)
    {
        return Err(WebhookError::Unauthorized("digest mismatch"));
    }
    let created = check_times(input, time)?;

    let base = render_base(&covered, &input.raw_params);
    if candidate
        .key
        .verifies(base.as_bytes(), &candidate.signature.bytes)
    {
        Ok(created)
    } else {
        Err(WebhookError::Unauthorized("signature mismatch"))
    }
}

/// The minimum a webhook signature must cover: method, path, the body (through
/// `digest`, or a `digest:<algorithm>` member when the header is a dictionary) when there
/// is one, and the query when there is one.
fn check_covered(request: &WebhookRequest, components: &[String]) -> Result<(), WebhookError> {
    let covers = |name: &str| components.iter().any(|c| c == name);
    if !covers("@method") {
        return Err(WebhookError::Unauthorized("@method not covered"));
    }
    if !covers("@path") {
        return Err(WebhookError::Unauthorized("@path not covered"));
    }
    if !request.body.is_empty() && !digest_is_covered(components) {
        return Err(WebhookError::Unauthorized("digest not covered"));
    }
    if request.query.is_some() && !covers("@query") {
        return Err(WebhookError::Unauthorized("@query not covered"));
    }
    Ok(())
}

/// `created` follows the contract's freshness rule; past `expires` plus the grace, a
/// signature is refused. Arithmetic saturates: signed integers may be anything. Returns
/// `created`.
fn check_times(input: &SignatureInput, time: &TimePolicy) -> Result<OffsetDateTime, WebhookError> {
    let created = input
        .created
        .ok_or(WebhookError::Unauthorized("missing created"))?;
    let created = OffsetDateTime::from_unix_timestamp(created)
        .map_err(|_| WebhookError::Unauthorized("malformed created"))?;
    time.freshness.check(created, time.now)?;
    if let Some(expires) = input.expires {
        let grace = i64::try_from(time.expiry_grace.as_secs()).unwrap_or(i64::MAX);
        if time.now.unix_timestamp() > expires.saturating_add(grace) {
            return Err(WebhookError::Unauthorized("signature expired"));
        }
    }
    Ok(created)
}

/// At most [`LOGGED_TEXT_BYTES`] of `text`, cut at a character boundary.
fn loggable(text: &str) -> &str {
    if text.len() <= LOGGED_TEXT_BYTES {
        return text;
    }
    let mut end = LOGGED_TEXT_BYTES;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logged_text_is_cut_short() {
        assert_eq!(loggable("sig1"), "sig1");
        let long = "k".repeat(200);
        assert_eq!(loggable(&long).len(), LOGGED_TEXT_BYTES);
        let multibyte = format!("{}é", "k".repeat(LOGGED_TEXT_BYTES - 1));
        assert_eq!(loggable(&multibyte), &multibyte[..LOGGED_TEXT_BYTES - 1]);
    }
}
