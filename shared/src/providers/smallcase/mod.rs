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
//! cannot be read fall back (see `crate::fallback`), and payloads are not checked against
//! the models; reading them is the consumer's job.

mod checksum;
mod kind;

pub use checksum::{checksum_hex, checksum_matches};
pub use kind::{
    ChecksumInput, PENDING_ACTIONS_EVENT_TYPE, SignedFields, SmallcaseEventKind, classify,
    envelope_type,
};

use crate::canonical_json::object_content_id;
use crate::config::{ConfigError, ConfigSource};
use crate::envelope::EventDraft;
use crate::error::WebhookError;
use crate::fallback::{Fallback, Fallbacks, UNPARSED_TYPE};
use crate::provider::{Provider, VerifyContext};
use crate::providers::json_body::{optional_str, parse_object, raw_payload};
use crate::request::WebhookRequest;
use crate::secret_list::SecretList;
use crate::timestamps::parse_rfc3339;
use crate::verification::Verified;

pub const SECRET_VARIABLE: &str = "SMALLCASE_API_SECRET";
/// Every variable `from_config` reads (checked against the template by tests/tests/infra_template.rs).
pub const VARIABLES: &[&str] = &[SECRET_VARIABLE];

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
    const NAME: &'static str = "smallcase";

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

        let mut fallback = Fallbacks::NONE;
        // `timestamp` is signed: the freshness rule applies whenever it can be read.
        let signed_at = parse_rfc3339(signed.timestamp);
        match signed_at {
            Some(signed_at) => context.freshness.check(signed_at, context.now)?,
            None => fallback.insert(Fallback::SignedTimestamp),
        }
        let occurred_at = signed_at.unwrap_or_else(|| {
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
        let draft = EventDraft {
            id: object_content_id(&body),
            event_type: event_type.to_owned(),
            subject: subject.to_owned(),
            occurred_at,
            payload: raw_payload(&request.body)?,
            fallback,
        };
        Ok(Verified::new(vec![draft], matched))
    }
}

#[cfg(test)]
mod tests;
