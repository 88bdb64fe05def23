//! A reconciler run over the in-memory store and queue, with the Kite pipeline delivering
//! the postbacks that arrive on the same store and queue, and a book held in memory.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Value, json};
use time::OffsetDateTime;
use time::macros::datetime;

use super::memory::MemorySessions;
use super::*;
use crate::config::{PipelineSettings, RetryBudget, SecretList};
use crate::edge::Answer;
use crate::pipeline::deadline::Deadline;
use crate::pipeline::envelope::EventOrigin;
use crate::pipeline::ports::clock::ManualClock;
use crate::pipeline::ports::store::{MARKED_BY_RECONCILIATION, STATUS_ENQUEUED, state_mark_key};
use crate::pipeline::ports::{MemoryQueue, MemoryStore};
use crate::pipeline::{Pipeline, WebhookRequest};
use crate::providers::kite::order_book::{read_book, read_history};
use crate::providers::kite::{KiteProvider, OrderState, checksum_hex};

const SECRET: &str = "kite-api-secret";
/// The day's orders change between 09:15 and 09:30 IST; the postbacks arrive right away.
const POSTBACKS_AT: OffsetDateTime = datetime!(2026-11-20 04:00:00 UTC);
/// A run well past every state's grace period.
const RUN_AT: OffsetDateTime = datetime!(2026-11-20 04:10:00 UTC);

/// A Kite book entry: (order id, status, quantity, filled, exchange time IST).
fn entry(id: &str, status: &str, quantity: u64, filled: u64, at: &str) -> Value {
    let terminal = matches!(status, "COMPLETE" | "CANCELLED" | "REJECTED");
    let open = if terminal { 0 } else { quantity - filled };
    let cancelled = if status == "CANCELLED" {
        quantity - filled
    } else {
        0
    };
    json!({"order_id": id, "status": status, "tradingsymbol": "SBIN", "quantity": quantity,
           "filled_quantity": filled, "pending_quantity": open, "cancelled_quantity": cancelled,
           "order_timestamp": "2026-11-20 09:15:00", "exchange_update_timestamp": at})
}

/// The postback Kite sends for an entry.
fn postback(entry: &Value) -> WebhookRequest {
    let mut body = entry.clone();
    if body["status"] == "OPEN" {
        body["status"] = json!("UPDATE");
    }
    let id = body["order_id"].as_str().unwrap().to_owned();
    let ts = body["order_timestamp"].as_str().unwrap().to_owned();
    body["user_id"] = json!("AB1234");
    body["checksum"] = json!(checksum_hex(&id, &ts, SECRET));
    WebhookRequest::post("/webhooks/kite", body.to_string())
}

fn state_key(entry: &Value) -> String {
    OrderState::of(entry.as_object().unwrap())
        .unwrap()
        .key_hex()
}

/// Kite's record in memory: every state of each order in the order they happened, read
/// through the real answer readers.
#[derive(Default)]
struct MemoryBook {
    states: Mutex<Vec<Value>>,
    rejected: AtomicBool,
    history_unavailable: AtomicBool,
    requests: AtomicU64,
}

impl MemoryBook {
    fn push(&self, entry: Value) {
        self.states.lock().unwrap().push(entry);
    }

    fn answer(entries: Vec<Value>) -> Vec<u8> {
        json!({"status": "success", "data": entries})
            .to_string()
            .into_bytes()
    }
}

impl OrderRecord for MemoryBook {
    fn provider(&self) -> &'static str {
        "kite"
    }

    async fn orders(&self, _: &Session) -> Result<RecordPage, RecordError> {
        self.requests.fetch_add(1, Ordering::SeqCst);
        if self.rejected.load(Ordering::SeqCst) {
            return Err(RecordError::Rejected);
        }
        let states = self.states.lock().unwrap().clone();
        let mut latest: Vec<Value> = Vec::new();
        for state in states {
            match latest
                .iter_mut()
                .find(|e| e["order_id"] == state["order_id"])
            {
                Some(known) => *known = state,
                None => latest.push(state),
            }
        }
        read_book(&Self::answer(latest))
    }

    async fn history(
        &self,
        _: &Session,
        order_id: &str,
    ) -> Result<Vec<RecordedState>, RecordError> {
        self.requests.fetch_add(1, Ordering::SeqCst);
        if self.history_unavailable.load(Ordering::SeqCst) {
            return Err(RecordError::Unavailable("503".to_owned()));
        }
        let states = self.states.lock().unwrap().clone();
        read_history(&Self::answer(
            states
                .into_iter()
                .filter(|e| e["order_id"] == order_id)
                .collect(),
        ))
    }

    fn requests_made(&self) -> u64 {
        self.requests.load(Ordering::SeqCst)
    }
}

struct Harness {
    pipeline: Pipeline<KiteProvider, Arc<MemoryStore>, Arc<MemoryQueue>>,
    reconciler: Reconciler<MemoryBook, Arc<MemoryStore>, MemorySessions, Arc<MemoryQueue>>,
    store: Arc<MemoryStore>,
    queue: Arc<MemoryQueue>,
    clock: Arc<ManualClock>,
}

fn settings() -> ReconcileSettings {
    ReconcileSettings {
        grace: Duration::from_secs(120),
        claim_lease: Duration::from_secs(30),
        dedupe_ttl: Duration::from_secs(86_400),
        sessions_at_once: 2,
    }
}

fn harness() -> Harness {
    let store = Arc::new(MemoryStore::new());
    let queue = Arc::new(MemoryQueue::new());
    let clock = Arc::new(ManualClock::new(POSTBACKS_AT));
    let pipeline_settings = PipelineSettings {
        events_table: "t".to_owned(),
        events_queue_url: "q".to_owned(),
        dedupe_ttl: Duration::from_secs(86_400),
        max_event_age: Some(Duration::from_secs(86_400)),
        claim_lease: Duration::from_secs(30),
        max_body_bytes: 64 * 1024,
        warm_connections: false,
        aws_retry: RetryBudget::default(),
    };
    let pipeline = Pipeline::new(
        KiteProvider::new(SecretList::parse(SECRET).unwrap()),
        store.clone(),
        queue.clone(),
        pipeline_settings,
    )
    .with_clock(clock.clone());
    let session = Session {
        user_id: "AB1234".to_owned(),
        api_key: "api-key".to_owned(),
        access_token: "access-token".to_owned(),
        expires_at: (RUN_AT + time::Duration::days(1)).unix_timestamp(),
    };
    let reconciler = Reconciler::new(
        MemoryBook::default(),
        store.clone(),
        MemorySessions::new(vec![session]),
        queue.clone(),
        settings(),
    )
    .with_clock(clock.clone());
    Harness {
        pipeline,
        reconciler,
        store,
        queue,
        clock,
    }
}

fn ok(accepted: usize, duplicates: usize) -> Answer {
    Answer {
        status: 200,
        body: format!(r#"{{"accepted":{accepted},"duplicates":{duplicates}}}"#),
    }
}

impl Harness {
    /// The state happens on the exchange (it enters the book).
    fn happens(&self, entry: &Value) {
        self.reconciler.record().push(entry.clone());
    }

    async fn run_at(&self, at: OffsetDateTime) -> RunReport {
        self.clock.set(at);
        self.reconciler
            .run(Deadline::after(Duration::from_secs(60)))
            .await
            .report
    }

    /// The (type, envelope id) of every message the reconciler enqueued, in order.
    fn reconciled(&self) -> Vec<(String, String)> {
        self.queue
            .messages()
            .into_iter()
            .filter(|m| m.origin == EventOrigin::Reconciliation)
            .map(|m| {
                let envelope: Value = serde_json::from_str(&m.body).unwrap();
                (m.event_type, envelope["id"].as_str().unwrap().to_owned())
            })
            .collect()
    }
}

fn complete() -> Value {
    entry("261120000000001", "COMPLETE", 10, 10, "2026-11-20 09:20:00")
}

#[tokio::test]
async fn a_state_no_postback_delivered_is_enqueued_once_with_its_identity_as_id() {
    let h = harness();
    h.happens(&complete());
    let report = h.run_at(RUN_AT).await;
    assert_eq!(
        (report.sessions, report.orders_read, report.orders_checked),
        (1, 1, 1)
    );
    assert_eq!(
        (report.reconciled, report.already_delivered),
        (1, 0),
        "{report:?}"
    );
    assert_eq!(
        h.reconciled(),
        [("COMPLETE".to_owned(), state_key(&complete()))]
    );
    let mark = h
        .store
        .mark(&state_mark_key("kite#", &state_key(&complete())))
        .unwrap();
    assert_eq!(
        (mark.marked_by, mark.status),
        (MARKED_BY_RECONCILIATION, Some(STATUS_ENQUEUED))
    );
    // Filled from the start to the end with no partial fill on the way: the book, and the
    // history (filled > 0 may hide earlier fills): two requests.
    assert_eq!(report.requests, 2);

    // The next run skips the order at its checkpoint: no history read, nothing enqueued.
    let again = h.run_at(RUN_AT + Duration::from_secs(60)).await;
    assert_eq!(
        (again.orders_checked, again.reconciled, again.requests),
        (0, 0, 1)
    );
    assert_eq!(h.queue.messages().len(), 1);
}

#[tokio::test]
async fn a_delivered_postback_is_not_enqueued_again() {
    let h = harness();
    h.happens(&complete());
    assert_eq!(h.pipeline.handle(&postback(&complete())).await, ok(1, 0));
    let report = h.run_at(RUN_AT).await;
    assert_eq!(
        (report.reconciled, report.already_delivered),
        (0, 1),
        "{report:?}"
    );
    assert_eq!(h.queue.messages().len(), 1);
    assert_eq!(h.queue.messages()[0].origin, EventOrigin::Postback);
}

#[tokio::test]
async fn a_postback_after_the_run_is_a_duplicate_and_so_is_its_replay() {
    let h = harness();
    h.happens(&complete());
    assert_eq!(h.run_at(RUN_AT).await.reconciled, 1);
    h.clock.set(RUN_AT + Duration::from_secs(5));
    assert_eq!(h.pipeline.handle(&postback(&complete())).await, ok(0, 1));
    assert_eq!(h.pipeline.handle(&postback(&complete())).await, ok(0, 1));
    assert_eq!(h.queue.messages().len(), 1);
}

#[tokio::test]
async fn a_postback_whose_send_failed_is_taken_over_and_recovered() {
    let h = harness();
    h.happens(&complete());
    // The postback claims and marks the state, then SQS is down: 5xx, its claim released,
    // and Kite never retries. Its mark is left, pointing at a claim that is gone.
    h.queue.set_unavailable(true);
    assert_eq!(h.pipeline.handle(&postback(&complete())).await.status, 503);
    h.queue.set_unavailable(false);
    let report = h.run_at(RUN_AT).await;
    assert_eq!((report.reconciled, report.in_flight), (1, 0), "{report:?}");
    assert_eq!(
        h.reconciled(),
        [("COMPLETE".to_owned(), state_key(&complete()))]
    );
}

#[tokio::test]
async fn a_state_another_run_is_on_is_left_to_it_until_its_lease_runs_out() {
    let h = harness();
    h.happens(&complete());
    // Another run claimed the state and died before sending.
    let now = RUN_AT.unix_timestamp();
    let stale = StateClaim {
        key: state_mark_key("kite#", &state_key(&complete())),
        token: "another-run".to_owned(),
        now,
        lease_expires_at: now + 30,
        expires_at: now + 86_400,
    };
    assert_eq!(
        h.store.claim_state(&stale).await.unwrap(),
        StateClaimOutcome::Claimed
    );
    let report = h.run_at(RUN_AT).await;
    assert_eq!((report.reconciled, report.in_flight), (0, 1), "{report:?}");
    // In flight: no checkpoint, so the order is looked at again.
    let later = h.run_at(RUN_AT + Duration::from_secs(31)).await;
    assert_eq!(
        (later.orders_checked, later.reconciled, later.in_flight),
        (1, 1, 0),
        "{later:?}"
    );
    assert_eq!(h.reconciled().len(), 1);
}

#[tokio::test]
async fn a_state_younger_than_the_grace_period_is_left_to_its_postback() {
    let h = harness();
    h.happens(&complete());
    // 09:20:00 IST is 03:50:00 UTC; the grace period is 120 s.
    let early = h.run_at(datetime!(2026-11-20 03:51:59 UTC)).await;
    assert_eq!(
        (early.orders_read, early.orders_checked, early.reconciled),
        (1, 0, 0)
    );
    let late = h.run_at(datetime!(2026-11-20 03:52:00 UTC)).await;
    assert_eq!(late.reconciled, 1);
}

#[tokio::test]
async fn an_intermediate_fill_lost_on_the_way_is_recovered_from_the_history() {
    let h = harness();
    let states = [
        entry("261120000000002", "OPEN", 10, 4, "2026-11-20 09:16:00"),
        entry("261120000000002", "OPEN", 10, 7, "2026-11-20 09:17:00"),
        entry("261120000000002", "COMPLETE", 10, 10, "2026-11-20 09:18:00"),
    ];
    for (index, state) in states.iter().enumerate() {
        h.happens(state);
        if index != 1 {
            assert_eq!(h.pipeline.handle(&postback(state)).await, ok(1, 0));
        }
    }
    let report = h.run_at(RUN_AT).await;
    assert_eq!(
        (report.reconciled, report.already_delivered),
        (1, 2),
        "{report:?}"
    );
    assert_eq!(h.reconciled(), [("OPEN".to_owned(), state_key(&states[1]))]);
}

#[tokio::test]
async fn an_unreadable_history_recovers_the_latest_state_and_leaves_the_order_unsettled() {
    let h = harness();
    let fill = entry("261120000000003", "OPEN", 10, 4, "2026-11-20 09:16:00");
    let done = entry("261120000000003", "COMPLETE", 10, 10, "2026-11-20 09:18:00");
    h.happens(&fill);
    h.happens(&done);
    h.reconciler
        .record()
        .history_unavailable
        .store(true, Ordering::SeqCst);
    let first = h.run_at(RUN_AT).await;
    assert_eq!(first.reconciled, 1, "{first:?}");
    assert_eq!(h.reconciled(), [("COMPLETE".to_owned(), state_key(&done))]);
    // No checkpoint: once the history reads, the fill on the way is recovered too.
    h.reconciler
        .record()
        .history_unavailable
        .store(false, Ordering::SeqCst);
    let second = h.run_at(RUN_AT + Duration::from_secs(60)).await;
    assert_eq!(
        (second.reconciled, second.already_delivered),
        (1, 1),
        "{second:?}"
    );
    let types: HashSet<String> = h.reconciled().into_iter().map(|(t, _)| t).collect();
    assert_eq!(
        types,
        HashSet::from(["COMPLETE".to_owned(), "OPEN".to_owned()])
    );
}

#[tokio::test]
async fn a_queue_failure_releases_the_state_for_the_next_run() {
    let h = harness();
    h.happens(&complete());
    h.queue.set_unavailable(true);
    let failed = h.run_at(RUN_AT).await;
    assert_eq!((failed.reconciled, failed.failed), (0, 1), "{failed:?}");
    assert!(failed.incomplete());
    assert_eq!(
        h.store
            .mark(&state_mark_key("kite#", &state_key(&complete()))),
        None
    );
    h.queue.set_unavailable(false);
    let next = h.run_at(RUN_AT + Duration::from_secs(60)).await;
    assert_eq!((next.reconciled, next.failed), (1, 0));
    assert_eq!(h.reconciled().len(), 1);
}

#[tokio::test]
async fn a_rejected_session_is_counted_and_nothing_else_happens() {
    let h = harness();
    h.happens(&complete());
    h.reconciler.record().rejected.store(true, Ordering::SeqCst);
    let report = h.run_at(RUN_AT).await;
    assert_eq!(
        (
            report.sessions,
            report.sessions_rejected,
            report.orders_read,
            report.reconciled
        ),
        (1, 1, 0, 0)
    );
    assert!(!report.incomplete());
    assert!(h.store.is_empty());
}

#[tokio::test]
async fn orders_left_when_the_run_is_out_of_time_are_deferred() {
    let h = harness();
    h.happens(&complete());
    h.clock.set(RUN_AT);
    let outcome = h.reconciler.run(Deadline::after(run::RUN_MARGIN)).await;
    assert_eq!((outcome.report.deferred, outcome.report.reconciled), (1, 0));
    assert!(outcome.report.incomplete());
    assert!(h.queue.messages().is_empty());
}

#[tokio::test]
async fn an_expired_session_is_not_read() {
    let h = harness();
    h.happens(&complete());
    let report = h.run_at(RUN_AT + Duration::from_secs(2 * 86_400)).await;
    assert_eq!((report.sessions, report.requests), (0, 0));
}

#[test]
fn a_sessions_debug_shows_neither_its_user_nor_its_credentials() {
    let session = Session {
        user_id: "AB1234".to_owned(),
        api_key: "the-api-key".to_owned(),
        access_token: "the-access-token".to_owned(),
        expires_at: 1,
    };
    let shown = format!("{session:?}");
    for secret in ["AB1234", "the-api-key", "the-access-token"] {
        assert!(!shown.contains(secret), "{shown}");
    }
    assert!(shown.contains(&session.label()));
    assert_eq!(session.label().len(), 12);
    let labels: HashMap<String, ()> = ["AB1234", "AB1235"]
        .into_iter()
        .map(|user| {
            (
                Session {
                    user_id: user.to_owned(),
                    ..session.clone()
                }
                .label(),
                (),
            )
        })
        .collect();
    assert_eq!(labels.len(), 2);
}
