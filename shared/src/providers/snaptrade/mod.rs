//! SnapTrade webhooks (API-key and OAuth-app schemas).
//!
//! Authentication, either of:
//! - the `Signature` header: Base64 HMAC-SHA256 keyed with the consumer key, over the raw
//!   body or, failing that, over SnapTrade's canonical form of the JSON (its documented
//!   verifier re-serializes the body before the HMAC, see [`canonical_form`]);
//! - legacy (deprecated by SnapTrade, optional here): the body field `webhookSecret`
//!   equal to a configured secret (compared by digest, in constant time).
//!
//! `webhookSecret` is a bearer credential, so it never reaches the queue: it is cut out
//! of the payload text however the delivery authenticated, every other member keeping
//! its bytes (the one documented exception to "payload unchanged").
//!
//! A body that verifies only through the canonical form may carry a key twice: the
//! canonical form keeps the last duplicate, so a prepended `"userId":"mallory"` is not
//! signed, yet a consumer whose parser keeps the first would read it. Such a body is a
//! 401. SnapTrade never sends one (it serializes Python dicts, which cannot hold a key
//! twice); over the raw bytes every key is signed as sent, so nothing is refused there.
//!
//! Each notification carries its own id (`webhookId`), so a redelivery with a changed
//! body is still the same event. `eventTimestamp` is covered by the signature and is
//! held to the contract's freshness rule, not SnapTrade's sample 300 s (its retries come
//! 30 minutes and more later).
//!
//! An authenticated JSON object is never refused for its shape (SnapTrade retries only 3
//! times): a missing id, type, subject or unreadable timestamp falls back (see
//! `crate::pipeline::fallback`).

mod canonical_form;
mod signature;

pub use canonical_form::{canonical_form, python_float_repr};
pub use signature::{decode_signature, signature_base64, signature_matches};

use std::time::Duration;

use serde_json::value::RawValue;
use serde_json::{Map, Value};

use crate::text::canonical_json::object_content_id;
use crate::config::{ConfigError, ConfigSource};
use crate::text::duplicate_keys::has_duplicate_keys;
use crate::pipeline::envelope::EventDraft;
use crate::pipeline::error::WebhookError;
use crate::pipeline::fallback::{Fallback, Fallbacks, UNKNOWN_SUBJECT, UNPARSED_TYPE};
use crate::text::json_members::without_member;
use crate::pipeline::limits::is_usable_event_id;
use crate::pipeline::ports::provider::{Provider, VerifyContext};
use crate::providers::names::BuiltIn;
use crate::providers::json_body::{optional_str, parse_object};
use crate::pipeline::request::WebhookRequest;
use crate::config::secret_list::SecretList;
use crate::text::timestamps::parse_rfc3339;
use crate::pipeline::verified::Verified;
use crate::providers::verification::secret_equal;

pub const CONSUMER_KEY_VARIABLE: &str = "SNAPTRADE_CONSUMER_KEY";
pub const WEBHOOK_SECRET_VARIABLE: &str = "SNAPTRADE_WEBHOOK_SECRET";
/// Every variable `from_config` reads (checked against the template by tests/tests/infra_template.rs).
pub const VARIABLES: &[&str] = &[CONSUMER_KEY_VARIABLE, WEBHOOK_SECRET_VARIABLE];
/// What a function with neither variable set names when it refuses to serve.
pub const EITHER_VARIABLE: &str = "SNAPTRADE_CONSUMER_KEY or SNAPTRADE_WEBHOOK_SECRET";
pub const SIGNATURE_HEADER: &str = "signature";
/// The legacy shared secret's body field: removed from every enqueued payload.
pub const LEGACY_SECRET_FIELD: &str = "webhookSecret";
/// Why a body that verified only in canonical form, and repeats a key, is refused.
pub const DUPLICATE_KEY_IN_CANONICAL_FORM: &str =
    "duplicate key in a body signed in canonical form";

/// Where the subject comes from, first present wins: the account, else the connection
/// (API-key or OAuth spelling), else the user.
const SUBJECT_FIELDS: [&str; 4] = [
    "accountId",
    "brokerageAuthorizationId",
    "connectionId",
    "userId",
];

/// This provider's verifier, as the registry names it (`providers::<name>::Verifier`).
pub type Verifier = SnapTradeProvider;

#[derive(Debug, Clone)]
pub struct SnapTradeProvider {
    consumer_keys: Option<SecretList>,
    webhook_secrets: Option<SecretList>,
}

/// Which text a signature was made over.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SignedForm {
    /// The bytes received.
    Raw,
    /// SnapTrade's canonical form of them (keys sorted, last duplicate kept).
    Canonical,
}

/// How a delivery proved itself.
enum Proof {
    /// Signed: the body, `eventTimestamp` included, is authentic.
    Signature(usize, SignedForm),
    /// Legacy shared secret: the sender is authentic, the rest of the body is not covered.
    WebhookSecret(usize, Map<String, Value>),
}

impl SnapTradeProvider {
    /// At least one of the two must be configured.
    pub fn new(
        consumer_keys: Option<SecretList>,
        webhook_secrets: Option<SecretList>,
    ) -> Result<Self, ConfigError> {
        if consumer_keys.is_none() && webhook_secrets.is_none() {
            return Err(ConfigError::Missing(EITHER_VARIABLE));
        }
        Ok(SnapTradeProvider {
            consumer_keys,
            webhook_secrets,
        })
    }

    /// Positions count the consumer keys first, then the legacy secrets.
    fn authenticate(&self, request: &WebhookRequest) -> Result<Proof, WebhookError> {
        let header = request
            .header(SIGNATURE_HEADER)
            .filter(|value| !value.trim().is_empty());
        let signature_presented = self.consumer_keys.is_some() && header.is_some();
        if let (Some(keys), Some(header)) = (&self.consumer_keys, &header)
            && let Some((position, form)) = signature_position(keys, header, &request.body)
        {
            return Ok(Proof::Signature(position, form));
        }
        let failure = if signature_presented {
            "signature mismatch"
        } else if self.consumer_keys.is_some() {
            "missing Signature header"
        } else {
            "missing webhookSecret"
        };
        // Without the legacy secret nothing else can authenticate, so a missing header is
        // refused before the body is even parsed.
        let Some(secrets) = &self.webhook_secrets else {
            return Err(WebhookError::Unauthorized(failure));
        };
        let body = match parse_object(&request.body) {
            Ok(body) => body,
            // A signature was offered and failed: the body is not authentic, whatever it is.
            Err(_) if signature_presented => return Err(WebhookError::Unauthorized(failure)),
            // The secret lives in the body, so a body that is not a JSON object cannot be
            // authenticated at all (as for the other body-secret providers): a 400.
            Err(error) => return Err(error),
        };
        let received =
            optional_str(&body, LEGACY_SECRET_FIELD).ok_or(WebhookError::Unauthorized(failure))?;
        let position = secrets
            .position_matching(|secret| secret_equal(received.as_bytes(), secret.as_bytes()))
            .ok_or(WebhookError::Unauthorized(if signature_presented {
                failure
            } else {
                "webhookSecret mismatch"
            }))?;
        let offset = self.consumer_keys.as_ref().map_or(0, SecretList::len);
        Ok(Proof::WebhookSecret(offset + position, body))
    }
}

/// The position of the consumer key whose HMAC matches, over the raw body first and
/// then over the canonical form, and which of the two it was.
fn signature_position(keys: &SecretList, header: &str, body: &[u8]) -> Option<(usize, SignedForm)> {
    let received = decode_signature(header)?;
    keys.position_matching(|key| signature_matches(key, body, &received))
        .map(|position| (position, SignedForm::Raw))
        .or_else(|| {
            let canonical = canonical_form(std::str::from_utf8(body).ok()?)?;
            keys.position_matching(|key| signature_matches(key, canonical.as_bytes(), &received))
                .map(|position| (position, SignedForm::Canonical))
        })
}

/// The payload to enqueue: the body's text without its `webhookSecret` members, every
/// other member byte for byte.
fn payload_without_legacy_secret(raw: &[u8]) -> Result<Box<RawValue>, WebhookError> {
    let text =
        std::str::from_utf8(raw).map_err(|_| WebhookError::bad_request("body is not UTF-8"))?;
    let payload = without_member(text.trim(), LEGACY_SECRET_FIELD)
        .ok_or_else(|| WebhookError::bad_request("body is not a JSON object"))?;
    RawValue::from_string(payload).map_err(|_| WebhookError::bad_request("body is not valid JSON"))
}

/// SnapTrade's event id, as SnapTrade spells it and as its OpenAPI document does; the
/// first usable one wins.
const ID_FIELDS: [&str; 2] = ["webhookId", "webookId"];

/// The envelope fields of an authenticated notification. Never refuses: each field that
/// cannot be read falls back and is named in `fallback`.
fn draft(
    body: &Map<String, Value>,
    raw: &[u8],
    signed: bool,
    context: &VerifyContext,
) -> Result<EventDraft, WebhookError> {
    let mut fallback = Fallbacks::NONE;
    let id = ID_FIELDS
        .iter()
        .find_map(|field| optional_str(body, field).filter(|id| is_usable_event_id(id)))
        .map(str::to_owned)
        .unwrap_or_else(|| {
            fallback.insert(Fallback::EventId);
            // The hash of what is enqueued: never of the legacy secret.
            let mut enqueued = body.clone();
            enqueued.remove(LEGACY_SECRET_FIELD);
            object_content_id(&enqueued)
        });
    let event_at = optional_str(body, "eventTimestamp").and_then(parse_rfc3339);
    match event_at {
        // Only a signature covers eventTimestamp; an unsigned timestamp is never grounds
        // for refusal (contract), and the legacy secret signs nothing.
        Some(event_at) if signed => context.freshness.check(event_at, context.now)?,
        Some(_) => {}
        None if signed => fallback.insert(Fallback::SignedTimestamp),
        None => {}
    }
    let occurred_at = event_at.unwrap_or_else(|| {
        fallback.insert(Fallback::OccurredAt);
        context.now
    });
    let event_type = optional_str(body, "eventType").unwrap_or_else(|| {
        fallback.insert(Fallback::EventType);
        UNPARSED_TYPE
    });
    let subject = SUBJECT_FIELDS
        .iter()
        .find_map(|field| optional_str(body, field))
        .unwrap_or_else(|| {
            fallback.insert(Fallback::Subject);
            UNKNOWN_SUBJECT
        });
    Ok(EventDraft {
        id,
        event_type: event_type.to_owned(),
        subject: subject.to_owned(),
        occurred_at,
        signed_at: event_at.filter(|_| signed),
        payload: payload_without_legacy_secret(raw)?,
        fallback,
        state_key: None,
    })
}

impl Provider for SnapTradeProvider {
    const NAME: &'static str = BuiltIn::SnapTrade.name();
    const VARIABLES: &'static [&'static str] = VARIABLES;
    /// 1 day: SnapTrade retries at most 3 times with exponential back-off from 30 minutes
    /// (about 3.5 hours in all), and the signed `eventTimestamp` is the event's; a wide
    /// margin on top.
    const DEFAULT_MAX_EVENT_AGE: Duration = Duration::from_secs(24 * 60 * 60);

    fn from_config(config: &ConfigSource) -> Result<Self, ConfigError> {
        SnapTradeProvider::new(
            config.optional_secret_list(CONSUMER_KEY_VARIABLE)?,
            config.optional_secret_list(WEBHOOK_SECRET_VARIABLE)?,
        )
    }

    fn verify(
        &self,
        request: &WebhookRequest,
        context: &VerifyContext,
    ) -> Result<Verified<Vec<EventDraft>>, WebhookError> {
        let (body, signed, position) = match self.authenticate(request)? {
            Proof::Signature(position, form) => {
                let body = parse_object(&request.body)?;
                if form == SignedForm::Canonical && has_duplicate_keys(&request.body) {
                    return Err(WebhookError::Unauthorized(DUPLICATE_KEY_IN_CANONICAL_FORM));
                }
                (body, true, position)
            }
            Proof::WebhookSecret(position, body) => (body, false, position),
        };
        let draft = draft(&body, &request.body, signed, context)?;
        Ok(Verified::new(vec![draft], position))
    }
}

#[cfg(test)]
mod tests;
