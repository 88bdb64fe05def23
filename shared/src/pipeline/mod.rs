//! The request pipeline, one step per function, in the order a delivery takes them:
//! admit (method, size) → authenticate → bind (smallcase) → claim → send → complete →
//! answer.

mod binding;
mod completion;

use std::collections::HashSet;
use std::time::Instant;

use futures_util::future::join_all;
use time::OffsetDateTime;

use crate::answer::Answer;
use crate::clock::{Clock, SystemClock};
use crate::config::PipelineSettings;
use crate::deadline::Deadline;
use crate::envelope::{EventDraft, OutgoingMessage};
use crate::error::WebhookError;
use crate::idempotency::{
    Claim, ClaimOutcome, ClaimStore, IdempotencyStore, new_claim_token, retention,
};
use crate::limits::{SQS_MAX_MESSAGE_BYTES, is_usable_event_id};
use crate::metrics;
use crate::origin::Origin;
use crate::provider::{Provider, VerifyContext};
use crate::queue::{EventQueue, QueueError};
use crate::request::WebhookRequest;
use crate::tally::Tally;
use crate::verification::{FreshnessPolicy, SignatureBinding, Verified};

pub use binding::BOUND_TO_OTHER_KIND;
pub use completion::{Completion, complete_within, release_within};

/// What a step that stops the delivery returns: why, and what was done before.
type Stopped = (WebhookError, Tally);

/// One event this invocation claimed, with its message ready to send.
struct Claimed<'a> {
    draft: &'a EventDraft,
    claim: Claim,
    message: OutgoingMessage,
}

/// One provider's pipeline over an idempotency store and a queue.
pub struct Pipeline<P, S, Q> {
    provider: P,
    store: S,
    queue: Q,
    settings: PipelineSettings,
    clock: Box<dyn Clock>,
}

impl<P: Provider, S: IdempotencyStore, Q: EventQueue> Pipeline<P, S, Q> {
    pub fn new(provider: P, store: S, queue: Q, settings: PipelineSettings) -> Self {
        Pipeline {
            provider,
            store,
            queue,
            settings,
            clock: Box::new(SystemClock),
        }
    }

    /// Replaces the clock (tests move time to expire leases).
    pub fn with_clock(mut self, clock: impl Clock + 'static) -> Self {
        self.clock = Box::new(clock);
        self
    }

    pub fn settings(&self) -> &PipelineSettings {
        &self.settings
    }

    /// Handles one delivery end to end and logs its outcome (never its content).
    pub async fn handle(&self, request: &WebhookRequest) -> Answer {
        let started = Instant::now();
        let origin = self.provider.origin(request);
        let result = self.run(&origin, request).await;
        let latency_ms = started.elapsed().as_secs_f64() * 1000.0;
        answer(&origin, &result, latency_ms)
    }

    /// The pipeline without logging: the tally, or the error with what was done before it.
    pub async fn process(&self, request: &WebhookRequest) -> Result<Tally, Stopped> {
        self.run(&self.provider.origin(request), request).await
    }

    async fn run(&self, origin: &Origin, request: &WebhookRequest) -> Result<Tally, Stopped> {
        let deadline = Deadline::for_request(request.deadline, tokio::time::Instant::now());
        self.admit(request)?;
        let now = self.clock.now();
        let (mut drafts, binding) = self.authenticate(origin, request, now)?.into_parts();
        drafts.iter_mut().for_each(EventDraft::keep_within_limits);
        let mut tally = Tally::default();
        let distinct = distinct_events(origin, &drafts, &mut tally);
        let prepared = prepare(origin, distinct, now, tally)?;
        if let Some(binding) = &binding {
            self.bind(origin, binding, now, &deadline, drafts.len())
                .await?;
        }
        let claimed = self.claim(origin, prepared, now, &mut tally).await;
        let sent = self.send(&claimed).await;
        self.complete(origin, &claimed, sent, deadline.answer_by(), &mut tally)
            .await;
        outcome(tally)
    }

    /// Method and size, before anything is read.
    fn admit(&self, request: &WebhookRequest) -> Result<(), Stopped> {
        if !request.method.eq_ignore_ascii_case("POST") {
            return Err((WebhookError::MethodNotAllowed, Tally::default()));
        }
        if request.body.len() > self.settings.max_body_bytes {
            let limit = self.settings.max_body_bytes;
            return Err((WebhookError::PayloadTooLarge { limit }, Tally::default()));
        }
        Ok(())
    }

    /// The provider's verifier, under the contract's freshness rule.
    fn authenticate(
        &self,
        origin: &Origin,
        request: &WebhookRequest,
        now: OffsetDateTime,
    ) -> Result<Verified<Vec<EventDraft>>, Stopped> {
        let context = VerifyContext {
            now,
            freshness: FreshnessPolicy::new(self.settings.max_event_age),
        };
        let verified = self
            .provider
            .verify(request, &context)
            .map_err(|error| (error, Tally::default()))?;
        let matched_secret = verified.matched_secret();
        tracing::debug!(provider = origin.name(), matched_secret, "authenticated");
        if matched_secret > 0 {
            // Rotation in progress: say which position matched, never the value.
            tracing::info!(
                provider = origin.name(),
                matched_secret,
                "authenticated with a non-primary secret"
            );
        }
        Ok(verified)
    }

    /// Before any claim: a signed text reused for another kind of message is refused with
    /// nothing written (README, "Security notes"). A store that does not answer fails
    /// every event of the delivery.
    async fn bind(
        &self,
        origin: &Origin,
        signature: &SignatureBinding,
        now: OffsetDateTime,
        deadline: &Deadline,
        events: usize,
    ) -> Result<(), Stopped> {
        let bind_by = deadline.bind_by(self.settings.aws_retry, tokio::time::Instant::now());
        let ttl = self.settings.dedupe_ttl;
        binding::bind_within(&self.store, origin, signature, now, ttl, bind_by)
            .await
            .map_err(|error| {
                let failed = if error == WebhookError::Unavailable {
                    events
                } else {
                    0
                };
                let tally = Tally {
                    failed,
                    ..Tally::default()
                };
                (error, tally)
            })
    }

    /// Claims every distinct event at once. Duplicates, events in flight elsewhere and
    /// failed claims are counted and go no further.
    async fn claim<'a>(
        &self,
        origin: &Origin,
        prepared: Vec<Prepared<'a>>,
        now: OffsetDateTime,
        tally: &mut Tally,
    ) -> Vec<Claimed<'a>> {
        let now_s = now.unix_timestamp();
        let claims: Vec<Claim> = prepared
            .iter()
            .map(|(draft, _)| Claim {
                key: origin.event_key(&draft.id),
                token: new_claim_token(),
                now: now_s,
                lease_expires_at: now_s + self.settings.claim_lease.as_secs() as i64,
                // Outlives every instant at which freshness could still accept the event.
                expires_at: retention::kept_until(now, draft.signed_at, self.settings.dedupe_ttl),
            })
            .collect();
        let outcomes = join_all(claims.iter().map(|claim| self.store.claims().claim(claim))).await;
        let mut claimed = Vec::new();
        for (((draft, message), claim), outcome) in prepared.into_iter().zip(claims).zip(outcomes) {
            match outcome {
                Ok(ClaimOutcome::Claimed) => claimed.push(Claimed {
                    draft,
                    claim,
                    message,
                }),
                Ok(ClaimOutcome::AlreadyCompleted) => {
                    log_event(origin, draft, "duplicate");
                    tally.duplicates += 1;
                }
                Ok(ClaimOutcome::InProgress) => {
                    log_event(origin, draft, "in_progress");
                    tally.in_progress += 1;
                }
                Err(error) => {
                    tracing::error!(provider = origin.name(), event_id = %draft.id, error = %error, "claim failed");
                    tally.failed += 1;
                }
            }
        }
        claimed
    }

    /// Sends the claimed events' messages (one result per message, in order).
    async fn send(&self, claimed: &[Claimed<'_>]) -> Vec<Result<(), QueueError>> {
        if claimed.is_empty() {
            return Vec::new();
        }
        let messages: Vec<OutgoingMessage> = claimed.iter().map(|c| c.message.clone()).collect();
        self.queue.send_all(&messages).await
    }

    /// Marks each sent event enqueued (retrying until the answer is due) and releases the
    /// claim of each event whose send failed.
    async fn complete(
        &self,
        origin: &Origin,
        claimed: &[Claimed<'_>],
        sent: Vec<Result<(), QueueError>>,
        answer_by: tokio::time::Instant,
        tally: &mut Tally,
    ) {
        let closings = claimed.iter().zip(sent).map(|(event, result)| async move {
            let draft = event.draft;
            match result {
                Ok(()) => {
                    // The message is on the queue, so the delivery counts as accepted
                    // whatever the completion does; see README "At-least-once corner".
                    complete_within(self.store.claims(), &event.claim, answer_by)
                        .await
                        .log(origin.name(), &draft.id);
                    log_event(origin, draft, "accepted");
                    if !draft.fallback.is_empty() {
                        // Authentic but not as documented: delivered anyway, drift made visible.
                        tracing::warn!(provider = origin.name(), event_id = %draft.id, fallback = %draft.fallback, "event enqueued with a fallback");
                    }
                    true
                }
                Err(error) => {
                    tracing::error!(provider = origin.name(), event_id = %draft.id, error = %error, "enqueue failed; releasing claim");
                    if let Err(release_error) =
                        release_within(self.store.claims(), &event.claim, answer_by).await
                    {
                        tracing::warn!(provider = origin.name(), event_id = %draft.id, error = %release_error, "release failed; the lease will expire");
                    }
                    false
                }
            }
        });
        for (accepted, event) in join_all(closings).await.into_iter().zip(claimed) {
            if !accepted {
                tally.failed += 1;
            } else {
                tally.accepted += 1;
                if !event.draft.fallback.is_empty() {
                    tally.unparsed += 1;
                }
            }
        }
    }
}

/// The delivery's events, each id once: a repeat inside the delivery is a duplicate.
fn distinct_events<'a>(
    origin: &Origin,
    drafts: &'a [EventDraft],
    tally: &mut Tally,
) -> Vec<&'a EventDraft> {
    let mut seen = HashSet::new();
    let mut distinct = Vec::with_capacity(drafts.len());
    for draft in drafts {
        if !is_usable_event_id(&draft.id) {
            // Unreachable: every provider falls back to the content hash. Should one ever
            // break that, the event is authentic, so it is not refused (a 400 would lose
            // it) but left unacknowledged: 503, the provider retries.
            tracing::error!(
                provider = origin.name(),
                id_bytes = draft.id.len(),
                "verifier produced an unusable event id"
            );
            tally.failed += 1;
        } else if seen.insert(draft.id.as_str()) {
            distinct.push(draft);
        } else {
            tally.duplicates += 1;
        }
    }
    distinct
}

/// An event with its queue message, built before anything is written.
type Prepared<'a> = (&'a EventDraft, OutgoingMessage);

/// Builds every distinct event's message. One that SQS would refuse for its size is
/// refused now (413), before anything is written: each send, and so each retry, would
/// fail the same way.
fn prepare<'a>(
    origin: &Origin,
    distinct: Vec<&'a EventDraft>,
    received_at: OffsetDateTime,
    tally: Tally,
) -> Result<Vec<Prepared<'a>>, Stopped> {
    distinct
        .into_iter()
        .map(|draft| {
            let message = OutgoingMessage::new(origin.name(), draft, received_at)
                // Unreachable for a payload that is valid JSON text.
                .map_err(|_| (WebhookError::Unavailable, tally))?;
            if message.sqs_bytes() > SQS_MAX_MESSAGE_BYTES {
                tracing::warn!(provider = origin.name(), event_id = %draft.id, message_bytes = message.sqs_bytes(), "event too large for the queue");
                let limit = SQS_MAX_MESSAGE_BYTES;
                return Err((WebhookError::EventTooLarge { limit }, tally));
            }
            Ok((draft, message))
        })
        .collect()
}

/// 503 if any event failed (the provider retries), else 409 if any is in flight
/// elsewhere, else 200.
fn outcome(tally: Tally) -> Result<Tally, Stopped> {
    if tally.failed > 0 {
        Err((WebhookError::Unavailable, tally))
    } else if tally.in_progress > 0 {
        Err((WebhookError::InProgress, tally))
    } else {
        Ok(tally)
    }
}

/// The answer, with its one log line and metrics line.
fn answer(origin: &Origin, result: &Result<Tally, Stopped>, latency_ms: f64) -> Answer {
    let provider = origin.name();
    match result {
        Ok(tally) => {
            let answer = Answer::accepted(tally);
            tracing::info!(
                provider,
                status = answer.status,
                accepted = tally.accepted,
                duplicates = tally.duplicates,
                latency_ms,
                "delivery accepted"
            );
            metrics::emit_delivery(origin, tally, false, latency_ms);
            answer
        }
        Err((error, tally)) => {
            let answer = Answer::from_error(error);
            tracing::warn!(
                provider,
                status = answer.status,
                reason = %error,
                accepted = tally.accepted,
                duplicates = tally.duplicates,
                in_progress = tally.in_progress,
                failed = tally.failed,
                latency_ms,
                "delivery not accepted"
            );
            let rejected = error.outcome() == "rejected";
            metrics::emit_delivery(origin, tally, rejected, latency_ms);
            answer
        }
    }
}

fn log_event(origin: &Origin, draft: &EventDraft, outcome: &str) {
    tracing::info!(provider = origin.name(), event_id = %draft.id, event_type = %draft.event_type, outcome, "event");
}

#[cfg(test)]
mod tests;
