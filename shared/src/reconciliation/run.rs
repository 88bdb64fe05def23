//! One reconciler run: for every session, read the provider's record, and enqueue each
//! order state no delivery enqueued, once.

use std::time::{Duration, Instant};

use futures_util::StreamExt;
use time::OffsetDateTime;

use super::record::{OrderRecord, RecordError, RecordedState, Session};
use super::report::{RunOutcome, RunReport};
use super::settings::ReconcileSettings;
use super::store::{ReconcileStore, SessionStore, StateClaim, StateClaimOutcome, checkpoint_key};
use crate::pipeline::deadline::Deadline;
use crate::pipeline::envelope::{EventDraft, EventOrigin, OutgoingMessage};
use crate::pipeline::fallback::{Fallback, Fallbacks, UNPARSED_TYPE};
use crate::pipeline::limits::SQS_MAX_MESSAGE_BYTES;
use crate::pipeline::ports::clock::{Clock, SystemClock};
use crate::pipeline::ports::queue::EventQueue;
use crate::pipeline::ports::store::{new_claim_token, state_mark_key};
use crate::pipeline::retention::kept_until;

/// A run stops starting orders this long before its deadline, so the report still gets
/// out.
pub const RUN_MARGIN: Duration = Duration::from_secs(5);

/// What became of one state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Recovery {
    Reconciled,
    Delivered,
    InFlight,
    Failed,
}

/// A provider's reconciler over its record, the sessions, the events table and the queue.
pub struct Reconciler<R, S, X, Q> {
    record: R,
    store: S,
    sessions: X,
    queue: Q,
    settings: ReconcileSettings,
    clock: Box<dyn Clock>,
}

impl<R, S, X, Q> Reconciler<R, S, X, Q>
where
    R: OrderRecord,
    S: ReconcileStore,
    X: SessionStore,
    Q: EventQueue,
{
    pub fn new(record: R, store: S, sessions: X, queue: Q, settings: ReconcileSettings) -> Self {
        Reconciler {
            record,
            store,
            sessions,
            queue,
            settings,
            clock: Box::new(SystemClock),
        }
    }

    /// Replaces the clock (tests set the time the grace period is counted from).
    pub fn with_clock(mut self, clock: impl Clock + 'static) -> Self {
        self.clock = Box::new(clock);
        self
    }

    pub fn record(&self) -> &R {
        &self.record
    }

    /// One run, ending its work by `deadline`.
    pub async fn run(&self, deadline: Deadline) -> RunOutcome {
        let started = Instant::now();
        let now = self.clock.now();
        let requests_before = self.record.requests_made();
        let mut report = RunReport::default();
        match self.sessions.sessions(now.unix_timestamp()).await {
            Ok(sessions) => {
                let reports: Vec<RunReport> = futures_util::stream::iter(sessions)
                    .map(|session| self.session(session, now, deadline))
                    .buffer_unordered(self.settings.sessions_at_once.max(1))
                    .collect()
                    .await;
                reports.iter().for_each(|each| report.add(each));
            }
            Err(error) => {
                tracing::error!(provider = self.record.provider(), error = %error, "sessions could not be read");
                report.failed += 1;
            }
        }
        report.requests = self.record.requests_made() - requests_before;
        RunOutcome {
            report,
            duration: started.elapsed(),
        }
    }

    async fn session(
        &self,
        session: Session,
        now: OffsetDateTime,
        deadline: Deadline,
    ) -> RunReport {
        let provider = self.record.provider();
        let mut report = RunReport {
            sessions: 1,
            ..RunReport::default()
        };
        let page = match self.record.orders(&session).await {
            Ok(page) => page,
            Err(RecordError::Rejected) => {
                // Only the app's login flow can renew it; the other sessions go on.
                tracing::warn!(provider, session = %session.label(), "session rejected; it needs a new login");
                report.sessions_rejected = 1;
                return report;
            }
            Err(error) => {
                tracing::error!(provider, session = %session.label(), error = %error, "record unavailable");
                report.sessions_unreachable = 1;
                return report;
            }
        };
        report.orders_read = page.orders_read;
        let cutoff = now - self.settings.grace;
        // A state younger than the grace period may still be on its way as a postback.
        let past_grace = |state: &RecordedState| state.occurred_at.is_none_or(|at| at <= cutoff);
        let candidates: Vec<RecordedState> =
            page.recoverable.into_iter().filter(past_grace).collect();
        let prefix = format!("{provider}#");
        let keys: Vec<String> = candidates
            .iter()
            .map(|state| checkpoint_key(&prefix, &state.order_id))
            .collect();
        let checkpoints = self
            .store
            .checkpoints(&keys, now.unix_timestamp())
            .await
            .unwrap_or_else(|error| {
                tracing::warn!(provider, error = %error, "checkpoints not read; every order is checked");
                Default::default()
            });
        for (latest, key) in candidates.into_iter().zip(keys) {
            if checkpoints.get(&key) == Some(&latest.state_key) {
                continue;
            }
            if deadline.remaining() <= RUN_MARGIN {
                report.deferred += 1;
                continue;
            }
            report.orders_checked += 1;
            let (states, whole_history) =
                self.states_of(&session, latest.clone(), &past_grace).await;
            let mut settled = whole_history;
            for state in &states {
                match self.recover(state, now, deadline).await {
                    Recovery::Reconciled => report.reconciled += 1,
                    Recovery::Delivered => report.already_delivered += 1,
                    Recovery::InFlight => {
                        report.in_flight += 1;
                        settled = false;
                    }
                    Recovery::Failed => {
                        report.failed += 1;
                        settled = false;
                    }
                }
            }
            if settled {
                let expires_at = kept_until(now, None, self.settings.dedupe_ttl);
                if let Err(error) = self
                    .store
                    .set_checkpoint(&key, &latest.state_key, expires_at)
                    .await
                {
                    tracing::warn!(provider, error = %error, "checkpoint not written; the order is checked again next run");
                }
            }
        }
        report
    }

    /// The order's states to recover: its history's, when earlier states may hold what
    /// the latest does not (fills on the way), else the latest alone. `false` when the
    /// history could not be read (the order is then not checkpointed).
    async fn states_of(
        &self,
        session: &Session,
        latest: RecordedState,
        past_grace: &impl Fn(&RecordedState) -> bool,
    ) -> (Vec<RecordedState>, bool) {
        if !latest.may_have_earlier_states {
            return (vec![latest], true);
        }
        match self.record.history(session, &latest.order_id).await {
            Ok(history) => {
                let mut states: Vec<RecordedState> =
                    history.into_iter().filter(past_grace).collect();
                if !states
                    .iter()
                    .any(|state| state.state_key == latest.state_key)
                {
                    states.push(latest);
                }
                (states, true)
            }
            Err(error) => {
                tracing::warn!(provider = self.record.provider(), error = %error, "order history unavailable; its latest state only");
                (vec![latest], false)
            }
        }
    }

    /// Claims the state and, when no delivery or earlier run enqueued it, enqueues it.
    async fn recover(
        &self,
        state: &RecordedState,
        now: OffsetDateTime,
        deadline: Deadline,
    ) -> Recovery {
        let provider = self.record.provider();
        let now_s = now.unix_timestamp();
        let claim = StateClaim {
            key: state_mark_key(&format!("{provider}#"), &state.state_key),
            token: new_claim_token(),
            now: now_s,
            lease_expires_at: now_s + self.settings.claim_lease.as_secs() as i64,
            expires_at: kept_until(now, None, self.settings.dedupe_ttl),
        };
        match self.store.claim_state(&claim).await {
            Ok(StateClaimOutcome::Claimed) => {}
            Ok(StateClaimOutcome::Delivered) => return Recovery::Delivered,
            Ok(StateClaimOutcome::InFlight) => return Recovery::InFlight,
            Err(error) => {
                tracing::error!(provider, event_id = %state.state_key, error = %error, "state claim failed");
                return Recovery::Failed;
            }
        }
        let Some(message) = self.message(state, now) else {
            tracing::error!(provider, event_id = %state.state_key, "order state too large for the queue");
            let _ = self.store.release_state(&claim).await;
            return Recovery::Failed;
        };
        let sent = self.queue.send_all(std::slice::from_ref(&message)).await;
        if let Some(Err(error)) = sent.into_iter().next() {
            tracing::error!(provider, event_id = %state.state_key, error = %error, "enqueue failed; releasing the state");
            if let Err(error) = self.store.release_state(&claim).await {
                tracing::warn!(provider, event_id = %state.state_key, error = %error, "release failed; the lease will expire");
            }
            return Recovery::Failed;
        }
        self.complete(&claim, deadline).await;
        tracing::info!(provider, event_id = %state.state_key, event_type = %message.event_type(), outcome = "reconciled", "order state recovered from the provider's record");
        Recovery::Reconciled
    }

    /// Marks the claim enqueued, retried a few times within the run's time: a claim left
    /// in progress is recovered again by a run after its lease (the same envelope id; the
    /// FIFO queue drops it within 5 minutes, consumers dedupe on `id` after that).
    async fn complete(&self, claim: &StateClaim, deadline: Deadline) {
        let mut delay = Duration::from_millis(100);
        for _ in 0..3 {
            match self.store.complete_state(claim).await {
                Ok(()) => return,
                Err(error) if deadline.remaining() > delay + RUN_MARGIN => {
                    tracing::debug!(key = %claim.key, error = %error, "completion write failed");
                    tokio::time::sleep(delay).await;
                    delay *= 2;
                }
                Err(_) => break,
            }
        }
        tracing::warn!(provider = self.record.provider(), event_id = %claim.key, "recovered state not marked enqueued; the lease will expire");
    }

    /// The state's queue message: the record's entry as received, `origin` reconciliation.
    fn message(&self, state: &RecordedState, now: OffsetDateTime) -> Option<OutgoingMessage> {
        let mut fallback = Fallbacks::NONE;
        let occurred_at = state.occurred_at.unwrap_or_else(|| {
            fallback.insert(Fallback::OccurredAt);
            now
        });
        let event_type = if state.status.trim().is_empty() {
            fallback.insert(Fallback::EventType);
            UNPARSED_TYPE.to_owned()
        } else {
            state.status.clone()
        };
        let mut draft = EventDraft {
            id: state.state_key.clone(),
            event_type,
            subject: state.order_id.clone(),
            occurred_at,
            signed_at: None,
            payload: state.entry.clone(),
            fallback,
            state_key: Some(state.state_key.clone()),
        };
        draft.keep_within_limits();
        let message = OutgoingMessage::new(
            self.record.provider(),
            EventOrigin::Reconciliation,
            &draft,
            now,
        )
        .ok()?;
        (message.sqs_bytes() <= SQS_MAX_MESSAGE_BYTES).then_some(message)
    }
}
