//! The signature binding: one conditional write before any claim, for a delivery whose
//! signature does not say what kind of message it authenticates (smallcase). The signed
//! text is bound to how this body read it; the same text read another way is refused.

use time::OffsetDateTime;
use tokio::time::Instant;

use crate::config::PipelineSettings;
use crate::pipeline::deadline::Deadline;
use crate::pipeline::error::WebhookError;
use crate::pipeline::origin::Origin;
use crate::pipeline::ports::store::{
    Binding, BindingOutcome, IdempotencyStore, StoreError, binding_key,
};
use crate::pipeline::retention;
use crate::pipeline::signed_reading::SignedReading;

/// Why a delivery whose signed text is bound to another reading is refused (401).
pub const BOUND_TO_OTHER_KIND: &str = "signature already used for another kind of message";

/// Records `binding` for `origin`, answered by `bind_by`. `Ok` lets the delivery go on;
/// a binding to another kind is a 401 and a store that does not answer in time a 503, in
/// both cases with nothing written.
pub async fn bind_within<S: IdempotencyStore>(
    store: &S,
    origin: &Origin,
    binding: &SignedReading,
    received_at: OffsetDateTime,
    dedupe_ttl: std::time::Duration,
    bind_by: Instant,
) -> Result<(), WebhookError> {
    let item = Binding {
        key: binding_key(origin.key_prefix(), &binding.signed_hex()),
        kind: binding.reading().to_owned(),
        now: received_at.unix_timestamp(),
        expires_at: retention::kept_until(received_at, binding.signed_at(), dedupe_ttl),
    };
    let written = match tokio::time::timeout_at(bind_by, store.bind(&item)).await {
        Ok(written) => written,
        Err(_) => Err(StoreError::Unavailable(
            "binding write not answered in time".to_owned(),
        )),
    };
    match written {
        Ok(BindingOutcome::Bound) => Ok(()),
        Ok(BindingOutcome::BoundToOtherKind { until }) => {
            // Neither kind is logged: an unknown eventType in it is unsigned body text.
            tracing::warn!(
                provider = origin.name(),
                bound_until = until,
                reason = BOUND_TO_OTHER_KIND,
                "signed fields reused for another kind of message"
            );
            Err(WebhookError::Unauthorized(BOUND_TO_OTHER_KIND))
        }
        Err(error) => {
            tracing::error!(provider = origin.name(), error = %error, "signature binding failed");
            Err(WebhookError::Unavailable)
        }
    }
}

/// The step: binds `reading` within what the invocation can spare before claim, send
/// and completion ([`Deadline::bind_by`]). A store that does not answer fails every event
/// of the delivery (503, counted as `events` failed).
pub async fn bind<S: IdempotencyStore>(
    store: &S,
    settings: &PipelineSettings,
    origin: &Origin,
    reading: &SignedReading,
    now: OffsetDateTime,
    deadline: Deadline,
    events: usize,
) -> Result<(), (WebhookError, usize)> {
    let bind_by = deadline.bind_by(settings.aws_retry, Instant::now());
    bind_within(store, origin, reading, now, settings.dedupe_ttl, bind_by)
        .await
        .map_err(|error| {
            let failed = if error == WebhookError::Unavailable {
                events
            } else {
                0
            };
            (error, failed)
        })
}
