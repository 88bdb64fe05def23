//! smallcase Gateway webhooks: securities order batches, holdings imports, mutual-fund
//! holdings imports and pending user actions.
//!
//! Authentication: the body's `checksum` must equal the lowercase hex HMAC-SHA256, keyed
//! with the partner API secret, of the body's `timestamp` string immediately followed by
//! one id, which depends on the kind (see [`SignedFields::candidates`]). The checksum
//! covers no order data and is shared by different deliveries, so each delivery is
//! identified by its whole content (canonical JSON).
//!
//! Once authenticated, a body is never refused for its shape: the envelope fields that
//! cannot be read fall back (see `crate::pipeline::fallback`), and payloads are not checked against
//! the models; reading them is the consumer's job.
//!
//! What the checksum does not say is made to hold anyway:
//! - which kind of webhook it was made for: the verifier asks the pipeline to bind the
//!   signed text to the body's reading of it ([`binding_reading`]) before anything is
//!   claimed, so a pending-actions reminder's checksum cannot authenticate an order batch
//!   or an MF import of the same user and time (401);
//! - where the timestamp ends: when `timestamp` does not read, the freshness rule reads
//!   the time the signed text starts with, so moving the boundary between the two fields
//!   cannot dodge it;
//! - which of two equal keys counts: a body carrying a signed or kind-deciding field twice
//!   is a 401 (the verifier reads the last, a consumer may read the first).

mod checksum;
mod kind;

pub use checksum::{checksum_hex, checksum_matches};
pub use kind::{
    ChecksumInput, PENDING_ACTIONS_EVENT_TYPE, SignedFields, SmallcaseEventKind, binding_reading,
    classify, envelope_type,
};

use std::time::Duration;

use crate::text::canonical_json::object_content_id;
use crate::config::{ConfigError, ConfigSource};
use crate::text::duplicate_keys::{DUPLICATE_SIGNED_FIELD, duplicates_any};
use crate::pipeline::envelope::EventDraft;
use crate::pipeline::error::WebhookError;
use crate::pipeline::fallback::{Fallback, Fallbacks, UNPARSED_TYPE};
use crate::pipeline::ports::provider::{Provider, VerifyContext};
use crate::providers::names::BuiltIn;
use crate::providers::json_body::{optional_str, parse_object, raw_payload};
use crate::pipeline::request::WebhookRequest;
use crate::config::secret_list::SecretList;
use crate::text::timestamps::parse_rfc3339;
use crate::pipeline::{SignedReading, Verified};
use crate::providers::verification::time_at_start;

pub const SECRET_VARIABLE: &str = "SMALLCASE_API_SECRET";
/// Every variable `from_config` reads (checked against the template by tests/tests/infra_template.rs).
pub const VARIABLES: &[&str] = &[SECRET_VARIABLE];
/// The fields the checksum is computed from or compared with, and those that decide the
/// kind the checksum is bound to: a body carrying one of them twice is refused.
const SIGNED_FIELDS: &[(&[&str], &str)] = &[
    (&[], "checksum"),
    (&[], "timestamp"),
    (&[], "smallcaseAuthId"),
    (&[], "transactionId"),
    (&[], "data"),
    (&["data"], "smallcaseAuthId"),
    (&[], "eventType"),
    (&[], "batchId"),
    (&[], "orders"),
    (&[], "unplaced"),
    (&[], "securities"),
    (&[], "smallcases"),
];

/// This provider's verifier, as the registry names it (`providers::<name>::Verifier`).
pub type Verifier = SmallcaseProvider;

#[derive(Debug, Clone)]
pub struct SmallcaseProvider {
    secrets: SecretList,
}

impl SmallcaseProvider {
    pub fn new(secrets: SecretList) -> Self {
        SmallcaseProvider { secrets }
    }
}

impl Provider for SmallcaseProvider {
    const NAME: &'static str = BuiltIn::Smallcase.name();
    const VARIABLES: &'static [&'static str] = VARIABLES;
    /// 4 days: smallcase retries 15 minutes, 24 hours and 48 hours after a failure
    /// (about 72 hours in all if the intervals add up), and the signed `timestamp` is the
    /// event's; a day of margin on top.
    const DEFAULT_MAX_EVENT_AGE: Duration = Duration::from_secs(4 * 24 * 60 * 60);

    fn from_config(config: &ConfigSource) -> Result<Self, ConfigError> {
        Ok(SmallcaseProvider::new(config.secret_list(SECRET_VARIABLE)?))
    }

    fn verify(
        &self,
        request: &WebhookRequest,
        context: &VerifyContext,
    ) -> Result<Verified<Vec<EventDraft>>, WebhookError> {
        // The checksum lives in the body: a body that is not a JSON object is a 400.
        let body = parse_object(&request.body)?;
        let received = optional_str(&body, "checksum")
            .ok_or(WebhookError::Unauthorized("missing checksum"))?;
        // The first candidate whose checksum verifies, under any configured secret.
        let (signed, matched) = SignedFields::candidates(&body)?
            .into_iter()
            .find_map(|signed| {
                self.secrets
                    .position_matching(|secret| {
                        checksum_matches(signed.timestamp, signed.id, secret, received)
                    })
                    .map(|position| (signed, position))
            })
            .ok_or(WebhookError::Unauthorized("checksum mismatch"))?;
        if duplicates_any(&request.body, SIGNED_FIELDS) {
            return Err(WebhookError::Unauthorized(DUPLICATE_SIGNED_FIELD));
        }

        let mut fallback = Fallbacks::NONE;
        // `timestamp` is signed: the freshness rule applies whenever it can be read, from
        // the field or else from the start of the signed text (a re-split body).
        let signed_text = format!("{}{}", signed.timestamp, signed.id);
        let timestamp_at = parse_rfc3339(signed.timestamp);
        let signed_at = timestamp_at.or_else(|| {
            fallback.insert(Fallback::SignedTimestamp);
            time_at_start(&signed_text, parse_rfc3339)
        });
        if let Some(signed_at) = signed_at {
            context.freshness.check(signed_at, context.now)?;
        }
        let occurred_at = timestamp_at.unwrap_or_else(|| {
            fallback.insert(Fallback::OccurredAt);
            context.now
        });
        let event_type = envelope_type(&body, signed.input).unwrap_or_else(|| {
            fallback.insert(Fallback::EventType);
            UNPARSED_TYPE
        });
        // The transaction, else the user or transaction the checksum was made with (the
        // signed id is always a non-empty string, so no `unknown` is ever needed).
        let subject = optional_str(&body, "transactionId").unwrap_or(signed.id);
        let binding = SignedReading::new(
            signed_text.as_bytes(),
            binding_reading(&body, &signed),
            signed_at,
        );
        let draft = EventDraft {
            id: object_content_id(&body),
            event_type: event_type.to_owned(),
            subject: subject.to_owned(),
            occurred_at,
            signed_at,
            payload: raw_payload(&request.body)?,
            fallback,
            state_key: None,
        };
        Ok(Verified::new(vec![draft], matched).with_signed_reading(binding))
    }
}

#[cfg(test)]
mod tests;
