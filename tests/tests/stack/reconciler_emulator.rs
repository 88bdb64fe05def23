//! The Kite reconciler against the local emulator (DynamoDB, SQS through the real SDK) and
//! a local stand-in for Kite's order API (testkit `fake_kite`), with the postbacks that
//! did arrive sent through the real Kite pipeline on the same table and queue.
//!
//! The book: ten order states a postback reports, over six orders, three of whose
//! postbacks are lost on the way (a terminal COMPLETE, an intermediate fill that only the
//! order's history shows, a CANCELLED after a partial fill).

use std::sync::Arc;
use std::time::Duration;

use brokerhooks::aws::{DynamoDbSessions, DynamoDbStore, SqsQueue};
use brokerhooks::config::secret_list::SecretList;
use brokerhooks::http::kite_api::KiteApi;
use brokerhooks::pipeline::deadline::Deadline;
use brokerhooks::pipeline::ports::clock::ManualClock;
use brokerhooks::providers::kite::{KiteProvider, checksum_hex};
use brokerhooks::reconciliation::{ReconcileSettings, Reconciler, RunReport, Session};
use brokerhooks::{Pipeline, WebhookRequest};
use brokerhooks_testkit::answers::accepted;
use brokerhooks_testkit::emulator::{Emulator, ReceivedMessage, test_settings};
use brokerhooks_testkit::fake_kite::{Behaviour, FakeKite, order_entry};
use serde_json::{Value, json};
use time::OffsetDateTime;
use time::macros::datetime;

const SECRET: &str = "reconciler-kite-secret";
/// When the postbacks arrive (10:00 IST, after every state below).
const POSTBACKS_AT: OffsetDateTime = datetime!(2026-11-20 04:30:00 UTC);
/// When the runs read the book: past the grace period of every state.
const RUN_AT: OffsetDateTime = datetime!(2026-11-20 04:40:00 UTC);

/// One order state: (order id, status as the book says it, quantity, filled, cancelled,
/// exchange time IST).
type Step = (&'static str, &'static str, u64, u64, u64, &'static str);

/// Every state of the day's orders, in order. The book's entry of an order is its last.
const STATES: [Step; 12] = [
    ("261120000200001", "OPEN", 10, 0, 0, "2026-11-20 09:15:02"),
    ("261120000200001", "OPEN", 10, 4, 0, "2026-11-20 09:16:40"),
    (
        "261120000200001",
        "COMPLETE",
        10,
        10,
        0,
        "2026-11-20 09:18:11",
    ),
    (
        "261120000200002",
        "CANCELLED",
        5,
        0,
        5,
        "2026-11-20 09:20:00",
    ),
    (
        "261120000200003",
        "REJECTED",
        1,
        0,
        0,
        "2026-11-20 09:21:00",
    ),
    (
        "261120000200004",
        "COMPLETE",
        3,
        3,
        0,
        "2026-11-20 09:22:00",
    ),
    ("261120000200005", "OPEN", 10, 2, 0, "2026-11-20 09:23:00"),
    ("261120000200005", "OPEN", 10, 5, 0, "2026-11-20 09:24:00"),
    (
        "261120000200005",
        "COMPLETE",
        10,
        10,
        0,
        "2026-11-20 09:25:00",
    ),
    ("261120000200006", "OPEN", 10, 3, 0, "2026-11-20 09:26:00"),
    (
        "261120000200006",
        "CANCELLED",
        10,
        3,
        7,
        "2026-11-20 09:27:00",
    ),
    ("261120000200007", "OPEN", 4, 0, 0, "2026-11-20 09:28:00"),
];

/// The states whose postback is lost: a terminal one, an intermediate fill, a
/// cancellation after a partial fill (indexes into `STATES`).
const LOST: [usize; 3] = [5, 7, 10];

/// Kite posts a state change except an order's placement; an unfilled OPEN order is
/// reported by no postback (and not recovered).
fn posted(index: usize) -> bool {
    let (_, status, _, filled, _, _) = STATES[index];
    !(status == "OPEN" && filled == 0)
}

fn book_entry(step: &Step) -> Value {
    let (order_id, status, quantity, filled, cancelled, at) = *step;
    order_entry(order_id, status, quantity, filled, cancelled, at)
}

/// The postback of a state: the book's entry as Kite posts it (`UPDATE` for a fill of an
/// open order), with `user_id`, `app_id` and the checksum.
fn postback(step: &Step) -> WebhookRequest {
    let mut body = book_entry(step);
    if step.1 == "OPEN" {
        body["status"] = json!("UPDATE");
    }
    let (order_id, ts) = (
        body["order_id"].as_str().unwrap().to_owned(),
        body["order_timestamp"].as_str().unwrap().to_owned(),
    );
    body["user_id"] = json!("AB1234");
    body["app_id"] = json!(1234);
    body["checksum"] = json!(checksum_hex(&order_id, &ts, SECRET));
    WebhookRequest::post("/webhooks/kite", body.to_string())
}

type KitePipeline = Pipeline<KiteProvider, DynamoDbStore, SqsQueue>;
type KiteReconciler = Reconciler<KiteApi, DynamoDbStore, DynamoDbSessions, SqsQueue>;

struct Stack {
    emulator: Emulator,
    kite: FakeKite,
    table: String,
    queue: String,
    sessions_table: String,
    pipeline: KitePipeline,
}

fn session(user: &str) -> Session {
    Session {
        user_id: user.to_owned(),
        api_key: "local-api-key".to_owned(),
        access_token: format!("token-of-{user}"),
        expires_at: (RUN_AT + time::Duration::hours(20)).unix_timestamp(),
    }
}

impl Stack {
    /// A fresh table, FIFO queue and sessions table; the stand-in serving `users`' books
    /// (each with every state of `STATES`).
    async fn new(users: &[&str]) -> Option<Self> {
        let emulator = Emulator::from_env().await?;
        let (table, queue) = emulator.fresh_stack(true).await;
        let sessions_table = Emulator::unique_name("sessions");
        emulator
            .create_sessions_table(&sessions_table)
            .await
            .unwrap();
        let kite = FakeKite::start().await.unwrap();
        for user in users {
            let session = session(user);
            emulator
                .put_session(&sessions_table, &session)
                .await
                .unwrap();
            kite.add_session(&session.api_key, &session.access_token);
            for step in &STATES {
                kite.push_state(&session.access_token, book_entry(step));
            }
        }
        let (store, sqs) = emulator.adapters(&table, &queue);
        let pipeline = Pipeline::new(
            KiteProvider::new(SecretList::parse(SECRET).unwrap()),
            store,
            sqs,
            test_settings(&table, &queue),
        )
        .with_clock(Arc::new(ManualClock::new(POSTBACKS_AT)));
        Some(Stack {
            emulator,
            kite,
            table,
            queue,
            sessions_table,
            pipeline,
        })
    }

    /// A reconciler on the stack, reading the book at `RUN_AT` with a short retry budget.
    fn reconciler(&self) -> KiteReconciler {
        let (store, sqs) = self.emulator.adapters(&self.table, &self.queue);
        let record = KiteApi::new(&self.kite.url, 10, Duration::from_secs(3)).unwrap();
        let settings = ReconcileSettings {
            grace: Duration::from_secs(120),
            claim_lease: Duration::from_secs(30),
            dedupe_ttl: Duration::from_secs(30 * 86_400),
            sessions_at_once: 4,
        };
        let sessions = DynamoDbSessions::new(self.emulator.dynamodb.clone(), &self.sessions_table);
        Reconciler::new(record, store, sessions, sqs, settings)
            .with_clock(Arc::new(ManualClock::new(RUN_AT)))
    }

    /// Delivers every postback that is not lost: each 200, one new event.
    async fn deliver_postbacks(&self) {
        for (index, step) in STATES.iter().enumerate() {
            if posted(index) && !LOST.contains(&index) {
                assert_eq!(
                    self.pipeline.handle(&postback(step)).await,
                    accepted(1, 0),
                    "{step:?}"
                );
            }
        }
    }

    async fn run(&self) -> RunReport {
        self.reconciler()
            .run(Deadline::after(Duration::from_secs(60)))
            .await
            .report
    }
}

fn reconciled(messages: &[ReceivedMessage]) -> Vec<(String, String, u64)> {
    let mut states: Vec<(String, String, u64)> = messages
        .iter()
        .filter(|m| m.attributes.get("origin").map(String::as_str) == Some("reconciliation"))
        .map(|m| {
            let envelope: Value = serde_json::from_str(&m.body).unwrap();
            (
                envelope["subject"].as_str().unwrap().to_owned(),
                envelope["type"].as_str().unwrap().to_owned(),
                envelope["payload"]["filled_quantity"].as_u64().unwrap(),
            )
        })
        .collect();
    states.sort();
    states
}

/// The three lost states, as the reconciler enqueues them.
fn lost_states() -> Vec<(String, String, u64)> {
    let mut states: Vec<_> = LOST
        .iter()
        .map(|&index| {
            let (order_id, status, _, filled, _, _) = STATES[index];
            (order_id.to_owned(), status.to_owned(), filled)
        })
        .collect();
    states.sort();
    states
}

#[tokio::test]
async fn lost_postbacks_are_recovered_once_and_a_second_run_enqueues_nothing() {
    let Some(stack) = Stack::new(&["AB1234"]).await else {
        return;
    };
    stack.deliver_postbacks().await;
    let delivered = stack.emulator.drain(&stack.queue).await;
    assert_eq!(delivered.len(), 7, "ten postbacks, three lost");
    assert!(
        delivered
            .iter()
            .all(|m| m.attributes.get("origin").map(String::as_str) == Some("postback"))
    );

    let report = stack.run().await;
    assert_eq!(
        (report.sessions, report.reconciled, report.already_delivered),
        (1, 3, 7),
        "{report:?}"
    );
    assert_eq!(
        (report.failed, report.in_flight, report.sessions_unreachable),
        (0, 0, 0)
    );
    assert_eq!(report.orders_read, 7);
    let recovered = stack.emulator.drain(&stack.queue).await;
    assert_eq!(recovered.len(), 3);
    assert_eq!(reconciled(&recovered), lost_states());
    // Each is the book's entry exactly as Kite answered it, in the envelope of a Kite
    // event: type the status, subject the order id, occurred_at the exchange's time.
    let cancelled = recovered
        .iter()
        .map(|m| serde_json::from_str::<Value>(&m.body).unwrap())
        .find(|e| e["type"] == "CANCELLED")
        .unwrap();
    assert_eq!(cancelled["provider"], "kite");
    assert_eq!(cancelled["payload"], book_entry(&STATES[10]));
    assert_eq!(cancelled["occurred_at"], "2026-11-20T03:57:00Z");
    assert_eq!(
        recovered[0]
            .group_id
            .as_deref()
            .map(|g| g.starts_with("kite:26112000020000")),
        Some(true)
    );
    // The book, and the history of each order with fills, read with Kite's version header.
    assert!(
        stack
            .kite
            .requests()
            .iter()
            .all(|(_, versioned)| *versioned)
    );

    // A second run finds every order reconciled through its latest state: nothing.
    let again = stack.run().await;
    assert_eq!(
        (again.reconciled, again.orders_checked),
        (0, 0),
        "{again:?}"
    );
    assert!(stack.emulator.drain(&stack.queue).await.is_empty());
}

#[tokio::test]
async fn two_overlapping_runs_enqueue_each_lost_state_once() {
    let Some(stack) = Stack::new(&["AB1234"]).await else {
        return;
    };
    stack.deliver_postbacks().await;
    stack.emulator.drain(&stack.queue).await;
    let (one, two) = (stack.reconciler(), stack.reconciler());
    let deadline = Deadline::after(Duration::from_secs(60));
    let (a, b) = tokio::join!(one.run(deadline), two.run(deadline));
    assert_eq!(a.report.reconciled + b.report.reconciled, 3, "{a:?} {b:?}");
    let recovered = stack.emulator.drain(&stack.queue).await;
    assert_eq!(reconciled(&recovered), lost_states());
}

#[tokio::test]
async fn a_postback_arriving_after_the_run_is_a_duplicate_with_nothing_enqueued() {
    let Some(stack) = Stack::new(&["AB1234"]).await else {
        return;
    };
    stack.deliver_postbacks().await;
    stack.emulator.drain(&stack.queue).await;
    assert_eq!(stack.run().await.reconciled, 3);
    stack.emulator.drain(&stack.queue).await;
    // Kite's late postbacks of the recovered states: each answered as a duplicate.
    for &index in &LOST {
        assert_eq!(
            stack.pipeline.handle(&postback(&STATES[index])).await,
            accepted(0, 1),
            "{:?}",
            STATES[index]
        );
    }
    assert!(stack.emulator.drain(&stack.queue).await.is_empty());
}

#[tokio::test]
async fn an_expired_session_is_skipped_and_counted_while_the_others_are_reconciled() {
    let Some(stack) = Stack::new(&["AB1234", "CD5678"]).await else {
        return;
    };
    stack
        .kite
        .set_behaviour(&session("CD5678").access_token, Behaviour::Expired);
    stack.deliver_postbacks().await;
    stack.emulator.drain(&stack.queue).await;
    let report = stack.run().await;
    assert_eq!(
        (report.sessions, report.sessions_rejected, report.reconciled),
        (2, 1, 3),
        "{report:?}"
    );
    assert_eq!(
        reconciled(&stack.emulator.drain(&stack.queue).await),
        lost_states()
    );
}

#[tokio::test]
async fn an_api_answering_429_then_200_completes_the_run() {
    let Some(stack) = Stack::new(&["AB1234"]).await else {
        return;
    };
    stack
        .kite
        .set_behaviour(&session("AB1234").access_token, Behaviour::Throttled(2));
    stack.deliver_postbacks().await;
    stack.emulator.drain(&stack.queue).await;
    let report = stack.run().await;
    assert_eq!(
        (report.reconciled, report.sessions_unreachable),
        (3, 0),
        "{report:?}"
    );
    // Two refused, then the book and the histories.
    assert_eq!(report.requests as usize, stack.kite.requests().len());
    assert!(report.requests >= 3 + 2);
    assert_eq!(
        reconciled(&stack.emulator.drain(&stack.queue).await),
        lost_states()
    );
}

#[tokio::test]
async fn an_api_down_for_the_whole_run_fails_it_visibly_and_the_next_run_catches_up() {
    let Some(stack) = Stack::new(&["AB1234"]).await else {
        return;
    };
    let token = session("AB1234").access_token;
    stack.kite.set_behaviour(&token, Behaviour::Down);
    stack.deliver_postbacks().await;
    stack.emulator.drain(&stack.queue).await;
    let down = stack.run().await;
    assert_eq!(
        (down.sessions_unreachable, down.reconciled),
        (1, 0),
        "{down:?}"
    );
    assert!(down.incomplete());
    assert!(stack.emulator.drain(&stack.queue).await.is_empty());

    stack.kite.set_behaviour(&token, Behaviour::Serving);
    let back = stack.run().await;
    assert_eq!(
        (back.sessions_unreachable, back.reconciled),
        (0, 3),
        "{back:?}"
    );
    assert_eq!(
        reconciled(&stack.emulator.drain(&stack.queue).await),
        lost_states()
    );
}
