//! smallcase Gateway webhooks: securities order batches, holdings imports, mutual-fund
//! holdings imports and pending user actions.
//!
//! Authentication: the body's `checksum` must equal the lowercase hex HMAC-SHA256, keyed
//! with the partner API secret, of the body's `timestamp` string immediately followed by
//! one id, which depends on the kind (see [`ChecksumInput`]); only that one string is
//! tried. The checksum covers no order data and is shared by different deliveries, so
//! each delivery is identified by its whole content (canonical JSON).

mod checksum;
mod holdings_import;
mod kind;
mod mf_holdings_import;
mod order_batch;
mod pending_actions;

pub use checksum::{checksum_hex, checksum_matches};
pub use holdings_import::{
    Constituent, ExchangePositions, HeldSecurity, HoldingsImport, HoldingsList, ImportedSecurities,
    ImportedSmallcases, PrivateSmallcaseSummary, PrivateSmallcases, PublicSmallcase,
    QuantityAtPrice, SecurityHoldings, SmallcaseStats,
};
pub use kind::{
    ChecksumInput, PENDING_ACTIONS_EVENT_TYPE, SignedFields, SmallcaseEventKind, classify,
};
pub use mf_holdings_import::MfHoldingsImport;
pub use order_batch::{OrderBatch, SecurityOrder};
pub use pending_actions::{
    FixAction, PendingActions, PendingActionsData, PendingInvestment, RebalanceAction, SipAction,
};

use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::canonical_json::content_id;
use crate::config::{ConfigError, ConfigSource};
use crate::envelope::EventDraft;
use crate::error::WebhookError;
use crate::provider::{Provider, VerifyContext};
use crate::providers::json_body::{optional_str, parse_object, raw_payload, required_str};
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
        let signed = SignedFields::locate(&body)?;
        let matched = self
            .secrets
            .position_matching(|secret| {
                checksum_matches(signed.timestamp, signed.id, secret, received)
            })
            .ok_or(WebhookError::Unauthorized("checksum mismatch"))?;

        let signed_at = parse_rfc3339(signed.timestamp)
            .ok_or_else(|| WebhookError::bad_request("timestamp is not RFC 3339"))?;
        context.freshness.check(signed_at, context.now)?;

        let kind = classify(&body, signed.input)?;
        let subject = match kind {
            SmallcaseEventKind::SecuritiesOrder | SmallcaseEventKind::HoldingsImport => {
                required_str(&body, "transactionId")?
            }
            // Both are signed ids, already checked to be non-empty strings.
            SmallcaseEventKind::MfHoldingsImport | SmallcaseEventKind::PendingActions => signed.id,
        };
        let event = Value::Object(body.clone());
        conforms_to_model(kind, &event)?;
        let draft = EventDraft {
            id: content_id(&event),
            event_type: kind.event_type().to_owned(),
            subject: subject.to_owned(),
            occurred_at: signed_at,
            payload: raw_payload(&request.body)?,
            fallback: crate::fallback::Fallbacks::NONE,
        };
        Ok(Verified::new(vec![draft], matched))
    }
}

/// Checks that the event deserializes into its kind's model, so every enqueued payload
/// can be read back with `Envelope::payload_as`. Reasons are fixed texts, never values.
fn conforms_to_model(kind: SmallcaseEventKind, event: &Value) -> Result<(), WebhookError> {
    fn parses<T: DeserializeOwned>(event: &Value) -> bool {
        T::deserialize(event).is_ok()
    }
    let (fits, reason) = match kind {
        SmallcaseEventKind::SecuritiesOrder => (
            parses::<OrderBatch>(event),
            "body does not match the securities order shape",
        ),
        SmallcaseEventKind::HoldingsImport => (
            parses::<HoldingsImport>(event),
            "body does not match the holdings import shape",
        ),
        SmallcaseEventKind::MfHoldingsImport => (
            parses::<MfHoldingsImport>(event),
            "body does not match the mutual-fund holdings import shape",
        ),
        SmallcaseEventKind::PendingActions => (
            parses::<PendingActions>(event),
            "body does not match the pending actions shape",
        ),
    };
    if fits {
        Ok(())
    } else {
        Err(WebhookError::bad_request(reason))
    }
}

#[cfg(test)]
mod tests;
