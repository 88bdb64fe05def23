//! One provider's pipeline over a claims store and a queue, and the path a delivery takes
//! through it: one straight line of steps ([`super::steps`]), each called once, in order.

use std::time::Instant;

use time::OffsetDateTime;

use super::audit::Audit;
use super::deadline::Deadline;
use super::envelope::EventDraft;
use super::error::WebhookError;
use super::origin::Origin;
use super::outcome::{Outcome, Stopped, settle};
use super::ports::clock::{Clock, SystemClock};
use super::ports::provider::Provider;
use super::ports::queue::EventQueue;
use super::ports::store::IdempotencyStore;
use super::request::WebhookRequest;
use super::steps::{admit, authenticate, bind, claim, complete, mark, prepare, send};
use super::tally::Tally;
use crate::config::PipelineSettings;

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

    /// One delivery, answered by `deadline`: its outcome (the edge answers, logs and
    /// counts it).
    pub async fn process(&self, request: &WebhookRequest, deadline: Deadline) -> Outcome {
        let started = Instant::now();
        let origin = self.provider.origin(request);
        let mut audit = Audit::default();
        let result = self.run(&origin, request, deadline, &mut audit).await;
        Outcome {
            origin,
            result,
            latency: started.elapsed(),
            audit,
        }
    }

    /// admit → authenticate → prepare → bind → claim → mark → send → complete → settle.
    async fn run(
        &self,
        origin: &Origin,
        request: &WebhookRequest,
        deadline: Deadline,
        audit: &mut Audit,
    ) -> Result<Tally, Stopped> {
        let nothing_done = |error: WebhookError| (error, Tally::default());
        admit::admit(request, &self.settings).map_err(nothing_done)?;
        let now: OffsetDateTime = self.clock.now();
        let verified =
            authenticate::authenticate(&self.provider, &self.settings, origin, request, now)
                .map_err(nothing_done)?;
        // Rotation in progress: the line says which position matched, never the value.
        audit.matched_secret = verified.matched_secret();
        let (mut drafts, signed_reading): (Vec<EventDraft>, _) = verified.into_parts();
        prepare::keep_within_limits(&mut drafts);
        let mut tally = Tally::default();
        let prepared = prepare::prepare(origin, P::DELIVERY_ORIGIN, &drafts, now, &mut tally)
            .map_err(|error| (error, tally))?;
        if let Some(reading) = &signed_reading {
            let events = drafts.len();
            bind::bind(
                &self.store,
                &self.settings,
                origin,
                reading,
                now,
                deadline,
                events,
            )
            .await
            .map_err(|(error, failed)| {
                let tally = Tally {
                    failed,
                    ..Tally::default()
                };
                (error, tally)
            })?;
        }
        let claimed = claim::claim(
            &self.store,
            &self.settings,
            origin,
            prepared,
            now,
            &mut tally,
            audit,
        )
        .await;
        let answer_by = deadline.answer_by();
        let mark_by = deadline.mark_by(self.settings.aws_retry, tokio::time::Instant::now());
        let claimed = mark::mark(
            &self.store,
            origin,
            claimed,
            mark_by,
            answer_by,
            &mut tally,
            audit,
        )
        .await;
        let sent = send::send(&self.queue, &claimed).await;
        complete::complete(
            &self.store,
            origin,
            &claimed,
            sent,
            answer_by,
            &mut tally,
            audit,
        )
        .await;
        settle(tally)
    }
}
