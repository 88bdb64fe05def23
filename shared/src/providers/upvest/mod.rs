//! Upvest Investment API webhooks.
//!
//! Authentication: HTTP Message Signatures in Upvest's v6 variant (draft -06 with
//! unquoted component names in the base), ECDSA P-521 with SHA-512, keys from the JWKS
//! of `GET /auth/verify_keys` chosen by `keyid`. The body is covered through the `digest`
//! header. A delivery is a batch, `{"payload": [event, …]}`; each event is one envelope.
//! Covered headers are normalised as Upvest's own signer does (`header_components`).

mod batch;
mod body_digest;
mod header_components;
mod message_signature;
mod signature_base;
mod signature_headers;
mod verify_keys;
mod webhook_subscriptions;

pub use batch::event_drafts;
pub use body_digest::digest_header;
pub use header_components::{Component, Unsignable, header_components};
pub use message_signature::{
    ALGORITHM, Candidate, MAX_LABELS_TRIED, SignatureMatch, TimePolicy, labels_to_try,
    verify_message,
};
pub use signature_base::signature_base;
pub use signature_headers::{
    SignatureInput, SignatureValue, parse_signature, parse_signature_input,
};
pub use verify_keys::{VerifyKey, VerifyKeys, VerifyKeysError};
pub use webhook_subscriptions::{WEBHOOK_IDS_VARIABLE, WebhookSubscriptions};

use std::time::Duration;

use crate::config::{ConfigError, ConfigSource};
use crate::pipeline::envelope::EventDraft;
use crate::pipeline::error::WebhookError;
use crate::pipeline::ports::provider::{Provider, VerifyContext};
use crate::providers::names::BuiltIn;
use crate::pipeline::request::WebhookRequest;
use crate::pipeline::Verified;

/// The JWKS document (`{"keys": [...]}`) with Upvest's webhook verification keys.
pub const VERIFY_KEYS_VARIABLE: &str = "UPVEST_VERIFY_KEYS";
/// Seconds a signature stays acceptable after its `expires`; 0 is strict expiry.
pub const GRACE_VARIABLE: &str = "UPVEST_SIGNATURE_GRACE_SECONDS";
pub const DEFAULT_GRACE_SECONDS: u64 = 300;
/// Every variable `from_config` reads (checked against the template by tests/tests/infra_template.rs).
pub const VARIABLES: &[&str] = &[VERIFY_KEYS_VARIABLE, GRACE_VARIABLE, WEBHOOK_IDS_VARIABLE];

/// This provider's verifier, as the registry names it (`providers::<name>::Verifier`).
pub type Verifier = UpvestProvider;

#[derive(Debug, Clone)]
pub struct UpvestProvider {
    keys: VerifyKeys,
    expiry_grace: Duration,
    subscriptions: WebhookSubscriptions,
}

impl UpvestProvider {
    /// A provider that accepts events of any webhook subscription.
    pub fn new(keys: VerifyKeys, expiry_grace: Duration) -> Self {
        UpvestProvider {
            keys,
            expiry_grace,
            subscriptions: WebhookSubscriptions::any(),
        }
    }

    /// Accepts only events of these subscriptions (see [`WebhookSubscriptions`]).
    #[must_use]
    pub fn with_subscriptions(mut self, subscriptions: WebhookSubscriptions) -> Self {
        self.subscriptions = subscriptions;
        self
    }
}

impl Provider for UpvestProvider {
    const NAME: &'static str = BuiltIn::Upvest.name();
    const VARIABLES: &'static [&'static str] = VARIABLES;
    /// 1 hour. The signed time is the signature's `created`, stamped per request: each
    /// of Upvest's retries (unlimited, up to 600 s apart) is a new request signed anew,
    /// so however long a delivery is retried, a genuine `created` is seconds old. The
    /// window only needs to cover clock skew and Upvest's own sending delay; its
    /// `expires` (+ `UPVEST_SIGNATURE_GRACE_SECONDS`) is usually tighter still. An hour
    /// leaves a wide margin while bounding how long a captured request replays.
    const DEFAULT_MAX_EVENT_AGE: Duration = Duration::from_secs(60 * 60);

    fn from_config(config: &ConfigSource) -> Result<Self, ConfigError> {
        let keys =
            VerifyKeys::parse_jwks(config.required(VERIFY_KEYS_VARIABLE)?).map_err(|error| {
                ConfigError::Invalid {
                    name: VERIFY_KEYS_VARIABLE,
                    reason: error.to_string(),
                }
            })?;
        let grace = config.u64_or(GRACE_VARIABLE, DEFAULT_GRACE_SECONDS)?;
        let subscriptions = WebhookSubscriptions::from_config(config)?;
        if !subscriptions.is_configured() {
            tracing::warn!(
                provider = Self::NAME,
                variable = WEBHOOK_IDS_VARIABLE,
                "webhook ids not configured: deliveries Upvest signed for other Upvest clients are accepted"
            );
        }
        Ok(UpvestProvider::new(keys, Duration::from_secs(grace)).with_subscriptions(subscriptions))
    }

    fn verify(
        &self,
        request: &WebhookRequest,
        context: &VerifyContext,
    ) -> Result<Verified<Vec<EventDraft>>, WebhookError> {
        let time = TimePolicy {
            now: context.now,
            freshness: context.freshness,
            expiry_grace: self.expiry_grace,
        };
        let matched = verify_message(request, &self.keys, &time)?;
        let mut drafts = event_drafts(&request.body, context.now, &self.subscriptions)?;
        for draft in &mut drafts {
            // Every event of the batch was signed at the request's `created`.
            draft.signed_at = Some(matched.created);
        }
        Ok(Verified::new(drafts, matched.key_position))
    }
}

#[cfg(test)]
mod tests;
