//! The verifier: Upvest's HTTP Message Signatures v6 over a received request.
//!
//! Checks, per labelled signature: algorithm, key by `keyid`, the minimum covered
//! components, the body digest, the signed times, then ECDSA P-521/SHA-512 over the
//! signature base (DER first, raw `r‖s` as a fallback). Accepts when any label verifies.

use std::time::Duration;

use p521::ecdsa::signature::Verifier;
use p521::ecdsa::{Signature, VerifyingKey};
use time::OffsetDateTime;

use super::body_digest::digest_matches;
use super::signature_base::signature_base;
use super::signature_headers::{SignatureInput, parse_signature, parse_signature_input};
use super::verify_keys::VerifyKeys;
use crate::error::WebhookError;
use crate::request::WebhookRequest;
use crate::verification::FreshnessPolicy;

/// The only algorithm name accepted when an `alg` parameter is present.
pub const ALGORITHM: &str = "ecdsa-p521-sha512";
/// Length of a raw `r‖s` P-521 signature.
const RAW_SIGNATURE_BYTES: usize = 132;
/// Upvest sends one signature; a few are tried, so a header full of labels cannot make
/// one request cost many ECDSA verifications.
const MAX_LABELS_TRIED: usize = 4;

/// The time rules a signature must meet.
#[derive(Debug, Clone, Copy)]
pub struct TimePolicy {
    pub now: OffsetDateTime,
    /// Applied to `created` (the contract's rule for signed timestamps).
    pub freshness: FreshnessPolicy,
    /// How long after `expires` a signature is still accepted.
    pub expiry_grace: Duration,
}

/// Verifies the request's signature; returns the position in the JWKS of the key that
/// verified it. Errors are 401s with fixed reasons.
pub fn verify_message(
    request: &WebhookRequest,
    keys: &VerifyKeys,
    time: &TimePolicy,
) -> Result<usize, WebhookError> {
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

    let mut first_error = None;
    for input in inputs.iter().take(MAX_LABELS_TRIED) {
        let Some(signature) = signatures.iter().find(|s| s.label == input.label) else {
            continue;
        };
        match verify_labelled(request, input, &signature.bytes, keys, time) {
            Ok(position) => return Ok(position),
            Err(error) => {
                // What an operator needs to diagnose a refusal; none of it is secret.
                tracing::warn!(
                    provider = "upvest",
                    label = %input.label,
                    keyid = input.keyid.as_deref().unwrap_or("-"),
                    created = input.created,
                    expires = input.expires,
                    components = %input.components.join(" "),
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

fn verify_labelled(
    request: &WebhookRequest,
    input: &SignatureInput,
    signature: &[u8],
    keys: &VerifyKeys,
    time: &TimePolicy,
) -> Result<usize, WebhookError> {
    if input.alg.as_deref().is_some_and(|alg| alg != ALGORITHM) {
        return Err(WebhookError::Unauthorized("unsupported alg"));
    }
    let keyid = input
        .keyid
        .as_deref()
        .ok_or(WebhookError::Unauthorized("missing keyid"))?;
    let (position, key) = keys
        .find(keyid)
        .ok_or(WebhookError::Unauthorized("unknown keyid"))?;

    check_covered(request, &input.components)?;
    if !request.body.is_empty() || input.components.iter().any(|c| c == "digest") {
        let digest = request
            .header("digest")
            .ok_or(WebhookError::Unauthorized("missing digest"))?;
        if !digest_matches(&digest, &request.body) {
            return Err(WebhookError::Unauthorized("digest mismatch"));
        }
    }
    check_times(input, time)?;

    let base = signature_base(request, &input.components, &input.raw_params)?;
    if signature_verifies(key, base.as_bytes(), signature) {
        Ok(position)
    } else {
        Err(WebhookError::Unauthorized("signature mismatch"))
    }
}

/// The minimum a webhook signature must cover: method, path, the body (through
/// `digest`) when there is one, and the query when there is one.
fn check_covered(request: &WebhookRequest, components: &[String]) -> Result<(), WebhookError> {
    let covers = |name: &str| components.iter().any(|c| c == name);
    if !covers("@method") {
        return Err(WebhookError::Unauthorized("@method not covered"));
    }
    if !covers("@path") {
        return Err(WebhookError::Unauthorized("@path not covered"));
    }
    if !request.body.is_empty() && !covers("digest") {
        return Err(WebhookError::Unauthorized("digest not covered"));
    }
    if request.query.is_some() && !covers("@query") {
        return Err(WebhookError::Unauthorized("@query not covered"));
    }
    Ok(())
}

/// `created` follows the contract's freshness rule; past `expires` plus the grace, a
/// signature is refused. Arithmetic saturates: signed integers may be anything.
fn check_times(input: &SignatureInput, time: &TimePolicy) -> Result<(), WebhookError> {
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
    Ok(())
}

/// ECDSA P-521 with SHA-512 over `base`: ASN.1 DER first (what Upvest's signer emits),
/// then the 132-byte raw `r‖s` form.
fn signature_verifies(key: &VerifyingKey, base: &[u8], signature: &[u8]) -> bool {
    if let Ok(der) = Signature::from_der(signature)
        && key.verify(base, &der).is_ok()
    {
        return true;
    }
    signature.len() == RAW_SIGNATURE_BYTES
        && Signature::from_slice(signature).is_ok_and(|raw| key.verify(base, &raw).is_ok())
}
