//! A Lambda that times out mid-event leaves an in-progress claim; once its lease has run
//! out, the next delivery takes the event over and enqueues it once.

use std::sync::Arc;
use std::time::Duration;

use brokerhooks::config::secret_list::SecretList;
use brokerhooks::pipeline::ports::clock::ManualClock;
use brokerhooks::pipeline::ports::{Claim, ClaimStore, IdempotencyStore};
use brokerhooks::providers::kite::{KiteProvider, checksum_hex};
use brokerhooks::{Answer, Pipeline, WebhookRequest};
use brokerhooks_testkit::emulator::{Emulator, test_settings};
use serde_json::{Value, json};
use time::macros::datetime;

#[tokio::test]
async fn a_claim_whose_invocation_died_is_taken_over_after_its_lease() {
    let Some(emulator) = Emulator::from_env().await else {
        return;
    };
    let (table, queue) = emulator.fresh_stack(true).await;
    let (store, sqs) = emulator.adapters(&table, &queue);
    let clock = Arc::new(ManualClock::new(datetime!(2026-11-22 10:00:00 UTC)));
    let pipeline = Pipeline::new(
        KiteProvider::new(SecretList::parse("s").unwrap()),
        store.clone(),
        sqs,
        test_settings(&table, &queue),
    )
    .with_clock(clock.clone());
    let body = json!({"order_id": "1", "order_timestamp": "2026-11-22 15:00:00", "status": "COMPLETE",
                      "checksum": checksum_hex("1", "2026-11-22 15:00:00", "s")});
    let id = brokerhooks::text::canonical_json::content_id(&body);

    // The invocation that died: it claimed the event (lease 30 s) and never completed.
    let now = clock_now(&clock);
    let dead = Claim {
        key: format!("kite#{id}"),
        token: "dead-invocation".to_owned(),
        now,
        lease_expires_at: now + 30,
        expires_at: now + 3600,
    };
    assert_eq!(
        store.claims().claim(&dead).await.unwrap(),
        brokerhooks::pipeline::ports::ClaimOutcome::Claimed
    );

    let request = WebhookRequest::post("/webhooks/kite", body.to_string());
    let busy = Answer {
        status: 409,
        body: r#"{"error":"event is being processed by another invocation; retry later"}"#
            .to_owned(),
    };
    assert_eq!(pipeline.handle(&request).await, busy);
    clock.advance(Duration::from_secs(29));
    assert_eq!(pipeline.handle(&request).await, busy);
    assert!(emulator.drain(&queue).await.is_empty());

    clock.advance(Duration::from_secs(1));
    assert_eq!(
        pipeline.handle(&request).await,
        Answer {
            status: 200,
            body: r#"{"accepted":1,"duplicates":0}"#.to_owned()
        }
    );
    let messages = emulator.drain(&queue).await;
    assert_eq!(messages.len(), 1);
    assert_eq!(
        serde_json::from_str::<Value>(&messages[0].body).unwrap()["id"],
        id.as_str()
    );
    let items = emulator.table_items(&table).await;
    assert_eq!(items[0]["status"], "ENQUEUED");
    assert_ne!(items[0]["claim_token"], "dead-invocation");

    // The dead invocation, were it to wake up, can no longer complete or release it.
    assert!(store.claims().complete(&dead).await.is_err());
    store.claims().release(&dead).await.unwrap();
    assert_eq!(emulator.table_items(&table).await[0]["status"], "ENQUEUED");
}

fn clock_now(clock: &ManualClock) -> i64 {
    use brokerhooks::pipeline::ports::clock::Clock;
    clock.now().unix_timestamp()
}
