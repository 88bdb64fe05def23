//! The provider's verifier, under the contract's freshness rule.

use time::OffsetDateTime;

use crate::config::PipelineSettings;
use crate::pipeline::envelope::EventDraft;
use crate::pipeline::error::WebhookError;
use crate::pipeline::freshness::FreshnessPolicy;
use crate::pipeline::origin::Origin;
use crate::pipeline::ports::provider::{Provider, VerifyContext};
use crate::pipeline::request::WebhookRequest;
use crate::pipeline::verified::Verified;

/// What the provider proved about `request` at `now`, or why it could not (401, 403,
/// 400, and for configured sources 404 and 500).
pub fn authenticate<P: Provider>(
    provider: &P,
    settings: &PipelineSettings,
    origin: &Origin,
    request: &WebhookRequest,
    now: OffsetDateTime,
) -> Result<Verified<Vec<EventDraft>>, WebhookError> {
    let context = VerifyContext {
        now,
        freshness: FreshnessPolicy::new(settings.max_event_age),
    };
    let verified = provider.verify(request, &context)?;
    let matched_secret = verified.matched_secret();
    tracing::debug!(provider = origin.name(), matched_secret, "authenticated");
    Ok(verified)
}
