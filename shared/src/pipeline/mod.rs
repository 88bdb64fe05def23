//! The request pipeline: method → size → verify → bind (smallcase) → claim → enqueue →
//! complete → answer.

mod binding;
mod completion;

use std::collections::HashSet;
use std::time::Instant;

use futures_util::future::join_all;
use serde::Serialize;

use crate::clock::{Clock, SystemClock};
use crate::config::PipelineSettings;
use crate::deadline::Deadline;
use crate::envelope::{EventDraft, OutgoingMessage, is_usable_event_id};
use crate::error::WebhookError;
use crate::idempotency::{Claim, ClaimOutcome, IdempotencyStore, retention};
use crate::metrics;
use crate::provider::{Provider, VerifyContext};
use crate::queue::EventQueue;
use crate::request::WebhookRequest;
use crate::verification::FreshnessPolicy;

/// Moved to `envelope` (providers must not import from the pipeline); kept here until
/// every provider uses the new path.
pub use crate::envelope::MAX_EVENT_ID_BYTES;
pub use binding::BOUND_TO_OTHER_KIND;
pub use completion::{Completion, complete_within, release_within};

/// The HTTP answer: a status and a short JSON body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    pub status: u16,
    pub body: String,
}

impl Answer {
    pub fn from_error(error: &WebhookError) -> Self {
        #[derive(Serialize)]
        struct ErrorBody<'a> {
            error: &'a str,
        }
        Answer {
            status: error.status(),
            body: serde_json::to_string(&ErrorBody {
                error: &error.to_string(),
            })
            .unwrap_or_else(|_| r#"{"error":"internal"}"#.to_owned()),
        }
    }
}

/// What happened to the events of one delivery.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Tally {
    /// Newly enqueued by this delivery.
    pub accepted: usize,
    /// Enqueued earlier (or repeated within this delivery).
    pub duplicates: usize,
    #[serde(skip)]
    pub in_progress: usize,
    #[serde(skip)]
    pub failed: usize,
    /// Of `accepted`, how many were enqueued with a fallback (see `fallback`).
    #[serde(skip)]
    pub unparsed: usize,
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
        let result = self.process(request).await;
        let latency_ms = started.elapsed().as_secs_f64() * 1000.0;
        let (answer, tally) = match &result {
            Ok(tally) => (
                Answer {
                    status: 200,
                    body: serde_json::to_string(tally).unwrap_or_default(),
                },
                *tally,
            ),
            Err((error, tally)) => (Answer::from_error(error), *tally),
        };
        match &result {
            Ok(_) => tracing::info!(
                provider = P::NAME,
                status = answer.status,
                accepted = tally.accepted,
                duplicates = tally.duplicates,
                latency_ms,
                "delivery accepted"
            ),
            Err((error, _)) => tracing::warn!(
                provider = P::NAME,
                status = answer.status,
                reason = %error,
                accepted = tally.accepted,
                duplicates = tally.duplicates,
                in_progress = tally.in_progress,
                failed = tally.failed,
                latency_ms,
                "delivery not accepted"
            ),
        }
        let rejected = matches!(&result, Err((e, _)) if e.outcome() == "rejected");
        metrics::emit_delivery(P::NAME, &tally, rejected, latency_ms);
        answer
    }

    /// The pipeline without logging: the tally, or the error with what was done before it.
    pub async fn process(&self, request: &WebhookRequest) -> Result<Tally, (WebhookError, Tally)> {
        let deadline = Deadline::for_request(request.deadline, tokio::time::Instant::now());
        let answer_by = deadline.answer_by();
        let none = Tally::default();
        if !request.method.eq_ignore_ascii_case("POST") {
            return Err((WebhookError::MethodNotAllowed, none));
        }
        if request.body.len() > self.settings.max_body_bytes {
            return Err((
                WebhookError::PayloadTooLarge {
                    limit: self.settings.max_body_bytes,
                },
                none,
            ));
        }
        let now = self.clock.now();
        let context = VerifyContext {
            now,
            freshness: FreshnessPolicy::new(self.settings.max_event_age),
        };
        let verified = self
            .provider
            .verify(request, &context)
            .map_err(|e| (e, none))?;
        tracing::debug!(
            provider = P::NAME,
            matched_secret = verified.matched_secret(),
            "authenticated"
        );
        if verified.matched_secret() > 0 {
            // Rotation in progress: say which position matched, never the value.
            tracing::info!(
                provider = P::NAME,
                matched_secret = verified.matched_secret(),
                "authenticated with a non-primary secret"
            );
        }
        let (drafts, binding) = verified.into_parts();
        if let Some(binding) = &binding {
            // Before any claim: a signed text reused for another kind of message is
            // refused with nothing written (README, "Security notes").
            let bind_by = deadline.bind_by(self.settings.aws_retry, tokio::time::Instant::now());
            binding::bind_within(
                &self.store,
                P::NAME,
                binding,
                now,
                self.settings.dedupe_ttl,
                bind_by,
            )
            .await
            .map_err(|error| {
                let failed = if error == WebhookError::Unavailable {
                    drafts.len()
                } else {
                    0
                };
                (
                    error,
                    Tally {
                        failed,
                        ..Tally::default()
                    },
                )
            })?;
        }

        let mut tally = Tally::default();
        // The same event twice in one delivery is processed once.
        let mut seen = HashSet::new();
        let mut unique: Vec<&EventDraft> = Vec::with_capacity(drafts.len());
        for draft in &drafts {
            if !is_usable_event_id(&draft.id) {
                // Unreachable: every provider falls back to the content hash. Should one
                // ever break that, the event is authentic, so it is not refused (a 400
                // would lose it) but left unacknowledged: 503, the provider retries.
                tracing::error!(
                    provider = P::NAME,
                    id_bytes = draft.id.len(),
                    "verifier produced an unusable event id"
                );
                tally.failed += 1;
            } else if seen.insert(draft.id.as_str()) {
                unique.push(draft);
            } else {
                tally.duplicates += 1;
            }
        }

        let now_s = now.unix_timestamp();
        let claims: Vec<Claim> = unique
            .iter()
            .map(|draft| Claim {
                key: format!("{}#{}", P::NAME, draft.id),
                token: new_claim_token(),
                now: now_s,
                lease_expires_at: now_s + self.settings.claim_lease.as_secs() as i64,
                // Outlives every instant at which freshness could still accept the event.
                expires_at: retention::kept_until(now, draft.signed_at, self.settings.dedupe_ttl),
            })
            .collect();
        let outcomes = join_all(claims.iter().map(|claim| self.store.claim(claim))).await;

        let mut to_send: Vec<(usize, OutgoingMessage)> = Vec::new();
        for (index, outcome) in outcomes.into_iter().enumerate() {
            let draft = unique[index];
            match outcome {
                Ok(ClaimOutcome::Claimed) => match OutgoingMessage::new(P::NAME, draft, now) {
                    Ok(message) => to_send.push((index, message)),
                    Err(_) => {
                        // Unreachable for valid JSON payloads; never lose the claim silently.
                        let _ = self.store.release(&claims[index]).await;
                        tally.failed += 1;
                    }
                },
                Ok(ClaimOutcome::AlreadyEnqueued) => {
                    log_event(P::NAME, draft, "duplicate");
                    tally.duplicates += 1;
                }
                Ok(ClaimOutcome::InProgress) => {
                    log_event(P::NAME, draft, "in_progress");
                    tally.in_progress += 1;
                }
                Err(error) => {
                    tracing::error!(provider = P::NAME, event_id = %draft.id, error = %error, "claim failed");
                    tally.failed += 1;
                }
            }
        }

        let messages: Vec<OutgoingMessage> = to_send.iter().map(|(_, m)| m.clone()).collect();
        let sent = if messages.is_empty() {
            Vec::new()
        } else {
            self.queue.send_all(&messages).await
        };
        let completions = to_send.iter().zip(sent).map(|((index, _), result)| {
            let claim = &claims[*index];
            let draft = unique[*index];
            async move {
                match result {
                    Ok(()) => {
                        // The message is on the queue, so the delivery counts as accepted
                        // whatever the completion does; see README "At-least-once corner".
                        complete_within(&self.store, claim, answer_by)
                            .await
                            .log(P::NAME, &draft.id);
                        log_event(P::NAME, draft, "accepted");
                        if !draft.fallback.is_empty() {
                            // Authentic but not as documented: delivered anyway, drift made visible.
                            tracing::warn!(provider = P::NAME, event_id = %draft.id, fallback = %draft.fallback, "event enqueued with a fallback");
                        }
                        true
                    }
                    Err(error) => {
                        tracing::error!(provider = P::NAME, event_id = %draft.id, error = %error, "enqueue failed; releasing claim");
                        if let Err(release_error) = release_within(&self.store, claim, answer_by).await {
                            tracing::warn!(provider = P::NAME, event_id = %draft.id, error = %release_error, "release failed; the lease will expire");
                        }
                        false
                    }
                }
            }
        });
        for (accepted, (index, _)) in join_all(completions).await.into_iter().zip(&to_send) {
            if accepted {
                tally.accepted += 1;
                if !unique[*index].fallback.is_empty() {
                    tally.unparsed += 1;
                }
            } else {
                tally.failed += 1;
            }
        }

        if tally.failed > 0 {
            Err((WebhookError::Unavailable, tally))
        } else if tally.in_progress > 0 {
            Err((WebhookError::InProgress, tally))
        } else {
            Ok(tally)
        }
    }
}

fn log_event(provider: &str, draft: &EventDraft, outcome: &str) {
    tracing::info!(provider, event_id = %draft.id, event_type = %draft.event_type, outcome, "event");
}

/// Unique per claim attempt: 128 random bits drawn once per process, then a counter.
/// (One getrandom call per cold start instead of one per event.) Falls back to the
/// start time if the OS refuses randomness, which keeps tokens unique per process.
fn new_claim_token() -> String {
    use std::sync::OnceLock;
    use std::sync::atomic::{AtomicU64, Ordering};
    static PROCESS: OnceLock<String> = OnceLock::new();
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let process = PROCESS.get_or_init(|| {
        let mut bytes = [0u8; 16];
        if getrandom::fill(&mut bytes).is_err() {
            let nanos = time::OffsetDateTime::now_utc().unix_timestamp_nanos();
            bytes = nanos.to_le_bytes();
        }
        hex::encode(bytes)
    });
    format!("{process}{:016x}", COUNTER.fetch_add(1, Ordering::Relaxed))
}

#[cfg(test)]
mod tests;
