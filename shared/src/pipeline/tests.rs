use std::sync::Arc;
use std::time::Duration;

use serde_json::value::RawValue;
use time::macros::datetime;

use sha2::Digest;

use super::*;
use crate::config::{ConfigError, ConfigSource, PipelineSettings};
use crate::edge::Answer;
use crate::pipeline::Verified;
use crate::pipeline::deadline::Deadline;
use crate::pipeline::fallback::{Fallback, Fallbacks};
use crate::pipeline::limits::MAX_EVENT_ID_BYTES;
use crate::pipeline::ports::MemoryQueue;
use crate::pipeline::ports::clock::ManualClock;
use crate::pipeline::ports::{Claim, ClaimStore, IdempotencyStore, new_claim_token};
use crate::pipeline::ports::{MemoryStore, STATUS_ENQUEUED, STATUS_IN_PROGRESS, StoredClaim};
use crate::pipeline::steps::bind::BOUND_TO_OTHER_KIND;

/// A provider for pipeline tests: header `x-test-auth: ok` authenticates; the body is
/// a JSON array of event ids. An id starting with `drift-` is drafted with a type fallback.
/// `x-test-signed-at: <epoch seconds>` is the signed time (held to the freshness rule);
/// `x-test-bind: <kind>` asks for a binding of the signed text `x-test-signed` (default
/// `tuple`) to that kind.
struct TestProvider;

impl Provider for TestProvider {
    const NAME: &'static str = "test";
    const VARIABLES: &'static [&'static str] = &[];
    const DEFAULT_MAX_EVENT_AGE: Duration = Duration::from_secs(3600);

    fn from_config(_: &ConfigSource) -> Result<Self, ConfigError> {
        Ok(TestProvider)
    }

    fn verify(
        &self,
        request: &WebhookRequest,
        context: &VerifyContext,
    ) -> Result<Verified<Vec<EventDraft>>, WebhookError> {
        if request.header("x-test-auth").as_deref() != Some("ok") {
            return Err(WebhookError::Unauthorized("missing signature"));
        }
        let ids: Vec<String> = serde_json::from_slice(&request.body)
            .map_err(|_| WebhookError::bad_request("bad body"))?;
        let signed_at = request
            .header("x-test-signed-at")
            .and_then(|at| at.parse().ok())
            .and_then(|at| time::OffsetDateTime::from_unix_timestamp(at).ok());
        if let Some(signed_at) = signed_at {
            context.freshness.check(signed_at, context.now)?;
        }
        let drafts = ids
            .into_iter()
            .map(|id| EventDraft {
                payload: RawValue::from_string(format!(r#"{{"id":"{id}"}}"#)).unwrap(),
                subject: format!("subject-{id}"),
                event_type: "TEST.EVENT".to_owned(),
                occurred_at: context.now,
                signed_at,
                fallback: if id.starts_with("drift-") {
                    Fallbacks::NONE.with(Fallback::EventType)
                } else {
                    Fallbacks::NONE
                },
                id,
                state_key: None,
            })
            .collect();
        let verified = Verified::new(drafts, 0);
        Ok(match request.header("x-test-bind") {
            Some(kind) => {
                let signed = request
                    .header("x-test-signed")
                    .unwrap_or("tuple".to_owned());
                verified.with_signed_reading(crate::pipeline::SignedReading::new(
                    signed.as_bytes(),
                    kind,
                    signed_at,
                ))
            }
            None => verified,
        })
    }
}

const T0: time::OffsetDateTime = datetime!(2026-11-22 12:00:00 UTC);

struct Harness {
    pipeline: Pipeline<TestProvider, Arc<MemoryStore>, Arc<MemoryQueue>>,
    store: Arc<MemoryStore>,
    queue: Arc<MemoryQueue>,
    clock: Arc<ManualClock>,
}

fn harness() -> Harness {
    let store = Arc::new(MemoryStore::new());
    let queue = Arc::new(MemoryQueue::new());
    let clock = Arc::new(ManualClock::new(T0));
    let settings = PipelineSettings {
        events_table: "t".to_owned(),
        events_queue_url: "q".to_owned(),
        dedupe_ttl: Duration::from_secs(3600),
        max_event_age: Some(Duration::from_secs(3600)),
        claim_lease: Duration::from_secs(30),
        max_body_bytes: 1024,
        warm_connections: false,
        aws_retry: crate::config::RetryBudget::default(),
    };
    let pipeline = Pipeline::new(TestProvider, store.clone(), queue.clone(), settings)
        .with_clock(clock.clone());
    Harness {
        pipeline,
        store,
        queue,
        clock,
    }
}

fn delivery(ids: &[&str]) -> WebhookRequest {
    WebhookRequest::post("/webhooks/test", serde_json::to_vec(ids).unwrap())
        .with_header("x-test-auth", "ok")
}

fn ok(accepted: usize, duplicates: usize) -> Answer {
    Answer {
        status: 200,
        body: format!(r#"{{"accepted":{accepted},"duplicates":{duplicates}}}"#),
    }
}

fn error(status: u16, reason: &str) -> Answer {
    Answer {
        status,
        body: format!(r#"{{"error":"{reason}"}}"#),
    }
}

#[tokio::test]
async fn new_event_costs_three_calls_and_a_duplicate_one() {
    let h = harness();
    assert_eq!(h.pipeline.handle(&delivery(&["e1"])).await, ok(1, 0));
    let messages = h.queue.messages();
    assert_eq!(messages.len(), 1);
    assert_eq!(
        messages[0].body,
        r#"{"id":"e1","provider":"test","type":"TEST.EVENT","subject":"subject-e1","occurred_at":"2026-11-22T12:00:00Z","received_at":"2026-11-22T12:00:00Z","payload":{"id":"e1"}}"#
    );
    assert_eq!(messages[0].group_id, "test:subject-e1");
    assert_eq!(h.store.item("test#e1").unwrap().status, STATUS_ENQUEUED);
    // DEDUPE_TTL_SECONDS and the 5-minute future tolerance (idempotency::retention).
    assert_eq!(
        h.store.item("test#e1").unwrap().expires_at,
        T0.unix_timestamp() + 3600 + 300
    );
    assert_eq!(
        h.store.calls() + h.queue.requests(),
        3,
        "claim + send + mark"
    );

    assert_eq!(h.pipeline.handle(&delivery(&["e1"])).await, ok(0, 1));
    assert_eq!(h.queue.messages().len(), 1);
    assert_eq!(
        h.store.calls() + h.queue.requests(),
        4,
        "a duplicate costs one claim"
    );
}

#[tokio::test]
async fn a_fallback_is_delivered_counted_and_named_on_the_message() {
    let h = harness();
    let (answer, tally) = match h
        .pipeline
        .process(&delivery(&["drift-1", "e2"]), Deadline::without_lambda())
        .await
        .result
    {
        Ok(tally) => (200, tally),
        Err((error, tally)) => (error.status(), tally),
    };
    assert_eq!((answer, tally.accepted, tally.unparsed), (200, 2, 1));
    let messages = h.queue.messages();
    let fallbacks: Vec<Option<&str>> = messages.iter().map(|m| m.fallback.as_deref()).collect();
    assert_eq!(fallbacks, [Some("type"), None]);
    // A duplicate of the drifted event is not counted again.
    let (_, tally) = match h
        .pipeline
        .process(&delivery(&["drift-1"]), Deadline::without_lambda())
        .await
        .result
    {
        Ok(tally) => (200, tally),
        Err((error, tally)) => (error.status(), tally),
    };
    assert_eq!((tally.duplicates, tally.unparsed), (1, 0));
}

#[tokio::test]
async fn checks_run_in_contract_order() {
    let h = harness();
    let mut get = delivery(&["e1"]);
    get.method = "GET".to_owned();
    assert_eq!(
        h.pipeline.handle(&get).await,
        error(405, "method not allowed")
    );
    let big = WebhookRequest::post("/", vec![b'x'; 1025]);
    assert_eq!(
        h.pipeline.handle(&big).await,
        error(413, "body larger than 1024 bytes")
    );
    let unsigned = WebhookRequest::post("/", "not json");
    assert_eq!(
        h.pipeline.handle(&unsigned).await,
        error(401, "missing signature")
    );
    let bad = WebhookRequest::post("/", "not json").with_header("x-test-auth", "ok");
    assert_eq!(h.pipeline.handle(&bad).await, error(400, "bad body"));
    assert!(h.store.is_empty());
    assert_eq!(h.store.calls(), 0);
    assert!(h.queue.messages().is_empty());
}

#[tokio::test]
async fn queue_failure_releases_the_claim_and_a_retry_succeeds() {
    let h = harness();
    h.queue.set_unavailable(true);
    assert_eq!(
        h.pipeline.handle(&delivery(&["e1"])).await,
        error(503, "storage or queue unavailable; retry later")
    );
    assert!(h.store.is_empty(), "claim released");
    h.queue.set_unavailable(false);
    assert_eq!(h.pipeline.handle(&delivery(&["e1"])).await, ok(1, 0));
    assert_eq!(h.queue.messages().len(), 1);
}

#[tokio::test(start_paused = true)]
async fn a_failing_completion_is_retried_so_no_claim_is_left_in_progress() {
    let h = harness();
    h.store.fail_next_completions(4);
    assert_eq!(h.pipeline.handle(&delivery(&["e1"])).await, ok(1, 0));
    assert_eq!(h.store.item("test#e1").unwrap().status, STATUS_ENQUEUED);
    assert_eq!(h.queue.messages().len(), 1);
    // Claim, four failed completion writes and the one that held.
    assert_eq!(h.store.calls(), 6);
    // A redelivery after the lease is a duplicate, not a second message.
    h.clock.advance(Duration::from_secs(31));
    assert_eq!(h.pipeline.handle(&delivery(&["e1"])).await, ok(0, 1));
    assert_eq!(h.queue.messages().len(), 1);
}

#[tokio::test(start_paused = true)]
async fn a_completion_that_outlasts_the_invocation_still_answers_200_in_time() {
    let h = harness();
    h.store.fail_next_completions(usize::MAX);
    let request = delivery(&["e1"]);
    let deadline = crate::pipeline::deadline::Deadline::after(Duration::from_secs(4));
    let outcome = h.pipeline.process(&request, deadline).await;
    assert_eq!(crate::edge::answer::respond(&outcome), ok(1, 0));
    assert!(tokio::time::Instant::now() <= deadline.answer_by());
    // The message is on the queue; the claim is left to its lease (README, At-least-once corner).
    assert_eq!(h.queue.messages().len(), 1);
    assert_eq!(h.store.item("test#e1").unwrap().status, STATUS_IN_PROGRESS);
}

#[tokio::test]
async fn store_failure_sends_nothing() {
    let h = harness();
    h.store.set_unavailable(true);
    assert_eq!(h.pipeline.handle(&delivery(&["e1"])).await.status, 503);
    assert!(h.queue.messages().is_empty());
}

fn foreign_claim(h: &Harness, key: &str, lease_expires_at: i64) {
    let claim = Claim {
        key: key.to_owned(),
        token: "other-invocation".to_owned(),
        now: T0.unix_timestamp(),
        lease_expires_at,
        expires_at: T0.unix_timestamp() + 3600,
    };
    futures_util::FutureExt::now_or_never(h.store.claims().claim(&claim))
        .unwrap()
        .unwrap();
}

#[tokio::test]
async fn in_flight_events_answer_409_after_the_others_are_enqueued() {
    let h = harness();
    foreign_claim(&h, "test#busy", T0.unix_timestamp() + 30);
    let answer = h.pipeline.handle(&delivery(&["new", "busy"])).await;
    assert_eq!(
        answer,
        error(
            409,
            "event is being processed by another invocation; retry later"
        )
    );
    let bodies: Vec<String> = h.queue.messages().into_iter().map(|m| m.body).collect();
    assert_eq!(bodies.len(), 1);
    assert!(bodies[0].starts_with(r#"{"id":"new""#));
    assert_eq!(h.store.item("test#busy").unwrap().token, "other-invocation");
}

#[tokio::test]
async fn a_dead_invocations_claim_is_taken_over_after_its_lease() {
    let h = harness();
    foreign_claim(&h, "test#e1", T0.unix_timestamp() + 30);
    assert_eq!(h.pipeline.handle(&delivery(&["e1"])).await.status, 409);
    h.clock.advance(Duration::from_secs(30));
    assert_eq!(h.pipeline.handle(&delivery(&["e1"])).await, ok(1, 0));
    let item: StoredClaim = h.store.item("test#e1").unwrap();
    assert_eq!(item.status, STATUS_ENQUEUED);
    assert_ne!(item.token, "other-invocation");
    assert_eq!(h.queue.messages().len(), 1);
}

#[tokio::test]
async fn expired_ids_are_forgotten_in_code_not_by_ttl() {
    let h = harness();
    assert_eq!(h.pipeline.handle(&delivery(&["e1"])).await, ok(1, 0));
    h.clock.advance(Duration::from_secs(3899));
    assert_eq!(h.pipeline.handle(&delivery(&["e1"])).await, ok(0, 1));
    h.clock.advance(Duration::from_secs(1));
    assert_eq!(h.pipeline.handle(&delivery(&["e1"])).await, ok(1, 0));
}

fn signed_delivery(ids: &[&str], signed_at: time::OffsetDateTime) -> WebhookRequest {
    delivery(ids).with_header("x-test-signed-at", &signed_at.unix_timestamp().to_string())
}

/// The boundary of item 3 of #13: a replay the freshness rule accepts at its very last
/// second must still find the claim, however early the first copy came.
#[tokio::test]
async fn a_replay_accepted_at_the_last_second_of_the_window_finds_the_claim() {
    let too_old = error(401, "signed timestamp is too old");
    // Signed 5 minutes ahead of the first receipt (the most the rule allows), and signed
    // just now: the window (max age 3600 s = the dedupe TTL) ends 3600 s after the signed time.
    for ahead in [300, 0] {
        let h = harness();
        let signed_at = T0 + time::Duration::seconds(ahead);
        assert_eq!(
            h.pipeline
                .handle(&signed_delivery(&["e1"], signed_at))
                .await,
            ok(1, 0)
        );
        assert_eq!(
            h.store.item("test#e1").unwrap().expires_at,
            signed_at.unix_timestamp() + 3600 + 300,
            "kept from the later of receipt and signed time"
        );
        h.clock.set(signed_at + time::Duration::seconds(3600));
        assert_eq!(
            h.pipeline
                .handle(&signed_delivery(&["e1"], signed_at))
                .await,
            ok(0, 1),
            "{ahead}: the last accepted second is a duplicate, not a new event"
        );
        h.clock.set(signed_at + time::Duration::seconds(3601));
        assert_eq!(
            h.pipeline
                .handle(&signed_delivery(&["e1"], signed_at))
                .await,
            too_old
        );
        assert_eq!(h.queue.messages().len(), 1);
    }
}

fn bound(ids: &[&str], kind: &str) -> WebhookRequest {
    signed_delivery(ids, T0).with_header("x-test-bind", kind)
}

#[tokio::test]
async fn a_signed_text_is_accepted_under_one_kind_only_and_the_other_writes_nothing() {
    let h = harness();
    assert_eq!(h.pipeline.handle(&bound(&["a1"], "ORDER")).await, ok(1, 0));
    let key = format!(
        "test#signed:{}",
        hex::encode(sha2::Sha256::digest(b"tuple"))
    );
    assert_eq!(
        h.store.binding(&key),
        Some(crate::pipeline::ports::StoredBinding {
            kind: "ORDER".to_owned(),
            expires_at: T0.unix_timestamp() + 3600 + 300,
        })
    );
    // The same kind again: another event of it, and a redelivery.
    assert_eq!(h.pipeline.handle(&bound(&["a2"], "ORDER")).await, ok(1, 0));
    assert_eq!(h.pipeline.handle(&bound(&["a2"], "ORDER")).await, ok(0, 1));
    let (items, calls, messages) = (h.store.len(), h.store.calls(), h.queue.messages().len());
    assert_eq!((items, messages), (3, 2), "one binding, two claims");

    let refused = error(401, BOUND_TO_OTHER_KIND);
    assert_eq!(
        h.pipeline.handle(&bound(&["b1"], "REMINDER")).await,
        refused
    );
    assert_eq!(h.store.len(), items, "no claim, no binding change");
    assert_eq!(h.store.calls(), calls + 1, "only the binding write");
    assert_eq!(h.queue.messages().len(), messages);
    assert_eq!(h.store.binding(&key).unwrap().kind, "ORDER");
    // Another signed text is its own binding.
    let other = bound(&["b1"], "REMINDER").with_header("x-test-signed", "other tuple");
    assert_eq!(h.pipeline.handle(&other).await, ok(1, 0));

    // Once the binding has expired (and with it the window), another kind may bind.
    h.clock.set(T0 + time::Duration::seconds(3900));
    let late = delivery(&["b2"])
        .with_header("x-test-bind", "REMINDER")
        .with_header(
            "x-test-signed-at",
            &(T0.unix_timestamp() + 3900).to_string(),
        );
    assert_eq!(h.pipeline.handle(&late).await, ok(1, 0));
    assert_eq!(h.store.binding(&key).unwrap().kind, "REMINDER");
}

#[tokio::test]
async fn two_kinds_at_once_bind_one_and_refuse_the_other() {
    for _ in 0..20 {
        let h = Arc::new(harness());
        let send = |kind: &'static str, id: &'static str| {
            let h = h.clone();
            tokio::spawn(async move { h.pipeline.handle(&bound(&[id], kind)).await })
        };
        let (a, b) = (send("ORDER", "a"), send("REMINDER", "b"));
        let mut answers = vec![a.await.unwrap(), b.await.unwrap()];
        answers.sort_by_key(|answer| answer.status);
        assert_eq!(answers, [ok(1, 0), error(401, BOUND_TO_OTHER_KIND)]);
        assert_eq!(h.queue.messages().len(), 1);
        assert_eq!(h.store.len(), 2, "the winner's binding and claim");
    }
}

#[tokio::test]
async fn a_binding_write_that_fails_is_a_503_with_nothing_written() {
    let h = harness();
    h.store.set_unavailable(true);
    let (error, tally) = h
        .pipeline
        .process(&bound(&["a1"], "ORDER"), Deadline::without_lambda())
        .await
        .result
        .unwrap_err();
    assert_eq!(error, WebhookError::Unavailable);
    assert_eq!(
        tally,
        Tally {
            failed: 1,
            ..Tally::default()
        }
    );
    assert_eq!(h.store.calls(), 1, "the binding write only, no claim");
    h.store.set_unavailable(false);
    assert!(h.store.is_empty());
    assert!(h.queue.messages().is_empty());
    assert_eq!(h.pipeline.handle(&bound(&["a1"], "ORDER")).await, ok(1, 0));
}

#[tokio::test]
async fn repeats_inside_one_delivery_are_duplicates() {
    let h = harness();
    assert_eq!(
        h.pipeline.handle(&delivery(&["a", "b", "a"])).await,
        ok(2, 1)
    );
    assert_eq!(h.queue.messages().len(), 2);
    assert_eq!(h.queue.requests(), 1, "one batch request");
}

#[tokio::test]
async fn partial_redelivery_enqueues_only_the_missing() {
    let h = harness();
    assert_eq!(h.pipeline.handle(&delivery(&["a"])).await, ok(1, 0));
    assert_eq!(
        h.pipeline.handle(&delivery(&["a", "b", "c"])).await,
        ok(2, 1)
    );
    assert_eq!(h.queue.messages().len(), 3);
    assert_eq!(h.store.item("test#b").unwrap().status, STATUS_ENQUEUED);
    assert_ne!(h.store.item("test#c").unwrap().status, STATUS_IN_PROGRESS);
}

#[tokio::test]
async fn an_unusable_id_is_never_a_400_and_the_other_events_are_enqueued() {
    let h = harness();
    let unavailable = error(503, "storage or queue unavailable; retry later");
    assert_eq!(h.pipeline.handle(&delivery(&[""])).await, unavailable);
    let long = "x".repeat(MAX_EVENT_ID_BYTES + 1);
    assert_eq!(
        h.pipeline.handle(&delivery(&["e1", &long])).await,
        unavailable
    );
    assert_eq!(h.store.len(), 1);
    assert!(h.store.item("test#e1").is_some());
    let bodies: Vec<String> = h.queue.messages().into_iter().map(|m| m.body).collect();
    assert_eq!(bodies.len(), 1);
    assert!(bodies[0].starts_with(r#"{"id":"e1""#));
    // The longest usable id is enqueued.
    let longest = "y".repeat(MAX_EVENT_ID_BYTES);
    assert_eq!(h.pipeline.handle(&delivery(&[&longest])).await, ok(1, 0));
}

#[tokio::test]
async fn concurrent_identical_deliveries_enqueue_once() {
    let h = Arc::new(harness());
    let tasks: Vec<_> = (0..50)
        .map(|_| {
            let h = h.clone();
            tokio::spawn(async move { h.pipeline.handle(&delivery(&["same"])).await.status })
        })
        .collect();
    for task in tasks {
        assert!([200, 409].contains(&task.await.unwrap()));
    }
    assert_eq!(h.queue.messages().len(), 1);
}

#[test]
fn claim_tokens_are_unique_and_random_per_process() {
    let a = new_claim_token();
    let b = new_claim_token();
    assert_ne!(a, b);
    assert_eq!(a.len(), 48);
    assert_eq!(a[..32], b[..32], "same process prefix");
    assert_ne!(&a[..32], "0".repeat(32));
}
