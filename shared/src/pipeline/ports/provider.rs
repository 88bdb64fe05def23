//! What a provider plugs into the pipeline.

use std::time::Duration;

use time::OffsetDateTime;

use crate::config::{ConfigError, ConfigSource};
use crate::pipeline::envelope::{EventDraft, EventOrigin};
use crate::pipeline::error::WebhookError;
use crate::pipeline::freshness::FreshnessPolicy;
use crate::pipeline::origin::Origin;
use crate::pipeline::request::WebhookRequest;
use crate::pipeline::verified::Verified;

/// What a verifier needs besides the request.
#[derive(Debug, Clone, Copy)]
pub struct VerifyContext {
    pub now: OffsetDateTime,
    /// The contract's freshness rule for signed timestamps.
    pub freshness: FreshnessPolicy,
}

/// A webhook provider: authenticates a delivery and splits it into events.
///
/// The pipeline has already checked method and size. `verify` refuses only what it
/// cannot authenticate: 401 for a missing or wrong checksum, signature or token (403 for
/// an IP allowlist refusal), 400 for a body that is not the provider's container or lacks
/// a field authentication itself needs. Once authenticated, it never refuses for the
/// payload's shape: each envelope field it cannot read falls back (see
/// [`crate::pipeline::fallback`]) and is recorded in [`EventDraft::fallback`], and every draft has a
/// usable id ([`crate::pipeline::limits::is_usable_event_id`]). Only a verifier in this crate can
/// wrap its result in [`Verified`], so nothing unverified reaches the queue.
pub trait Provider: Send + Sync + 'static {
    /// The provider's name: envelope `provider`, log field, key prefix and FIFO group prefix
    /// (unless [`Provider::origin`] says otherwise for a request).
    const NAME: &'static str;

    /// Every variable `from_config` reads, secrets included. `infra/template.yaml` sets
    /// each one, in the environment or the function's secret (tests/tests/infra_template.rs).
    const VARIABLES: &'static [&'static str];

    /// The oldest signed timestamp accepted unless `MAX_EVENT_AGE_SECONDS` says otherwise:
    /// the provider's documented retry horizon plus a margin, since this window is what
    /// bounds the replay of a captured delivery (README, "Security notes").
    const DEFAULT_MAX_EVENT_AGE: Duration;

    /// `AWS_RETRY_SECONDS` unless set: how long one DynamoDB or SQS call keeps retrying
    /// before the delivery answers 503. A provider that retries a 503 needs only a short
    /// budget (5 s); one that never retries (Kite) rides out an outage in the invocation
    /// instead. The function timeout must be at least 2 x this + 2 s.
    const DEFAULT_AWS_RETRY_SECONDS: u64 = crate::config::DEFAULT_AWS_RETRY_SECONDS;

    /// The `origin` message attribute of the events its deliveries carry: `webhook`, or
    /// the provider's own word (Kite's `postback`). Events recovered from a provider's own
    /// record by a reconciler say `reconciliation`.
    const DELIVERY_ORIGIN: EventOrigin = EventOrigin::Webhook;

    /// Builds the provider from configuration (its secrets), read once at cold start.
    fn from_config(config: &ConfigSource) -> Result<Self, ConfigError>
    where
        Self: Sized;

    fn verify(
        &self,
        request: &WebhookRequest,
        context: &VerifyContext,
    ) -> Result<Verified<Vec<EventDraft>>, WebhookError>;

    /// Whom this request's events are from: the provider itself. A provider that serves
    /// several named sources (configured sources) names the request's source here, so its
    /// events, logs, metrics, FIFO groups and keys carry it (keys under `NAME#`). Read
    /// before authentication, so it must only name what is configured, never echo an
    /// arbitrary path segment into metrics.
    fn origin(&self, _request: &WebhookRequest) -> Origin {
        Origin::provider(Self::NAME)
    }
}
