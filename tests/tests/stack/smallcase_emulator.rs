//! smallcase webhooks through the real pipeline, DynamoDB and SQS adapters and AWS SDK,
//! against the local emulator the test command starts. Bodies are the seed's sample
//! payloads (events/smallcase/payloads), signed with a test secret.

use brokerhooks::WebhookRequest;
use brokerhooks::config::ConfigSource;
use brokerhooks::config::secret_list::SecretList;
use brokerhooks::edge::function::FunctionService;
use brokerhooks::providers::smallcase::{SmallcaseProvider, checksum_hex};
use brokerhooks::text::canonical_json::content_id;
use brokerhooks_testkit::answers::{accepted, refused};
use brokerhooks_testkit::drift_check::{Drift, assert_delivered_once};
use brokerhooks_testkit::emulator::{Emulator, EmulatorPipeline, test_settings};
use brokerhooks_testkit::local_secrets::repo_root;
use brokerhooks_testkit::providers::smallcase::sign;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

const SECRET: &str = "integration-smallcase-secret";

fn template(name: &str) -> Value {
    let path = repo_root()
        .join("events/smallcase/payloads")
        .join(format!("{name}.json"));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// The template signed as smallcase would sign it, as the JSON value that is sent.
fn signed(name: &str, secret: &str) -> Value {
    let delivery = sign(&template(name), secret).unwrap();
    serde_json::from_slice(&delivery.body).unwrap()
}

fn request(body: &Value) -> WebhookRequest {
    WebhookRequest::post("/webhooks/smallcase", body.to_string())
}

type SmallcasePipeline = EmulatorPipeline<SmallcaseProvider>;

async fn stack(secrets: &str) -> Option<(Emulator, SmallcasePipeline, String, String)> {
    let provider = SmallcaseProvider::new(SecretList::parse(secrets).unwrap());
    Emulator::pipeline_on_fresh_stack(provider, true, test_settings).await
}

#[tokio::test]
async fn every_kind_is_enqueued_once_with_its_type_subject_and_time() {
    let Some((emulator, pipeline, table, queue)) = stack(SECRET).await else {
        return;
    };
    let expected = [
        (
            "01-order-placed",
            "SECURITIES_ORDER",
            "TRX_59671f981a79466fb1be4d918dd3bc6a",
            "2022-12-31T05:38:37.595Z",
        ),
        (
            "02-order-placed-amo",
            "SECURITIES_ORDER",
            "TRX_e8c96d4a58c54cbcb9e466dcf6b5b7cf",
            "2022-12-31T05:32:59.786Z",
        ),
        (
            "03-order-placed-limit-sl",
            "SECURITIES_ORDER",
            "TRX_107f74ebb93f4a2fb304b17da095c9a1",
            "2022-12-31T05:31:28.477Z",
        ),
        (
            "04-order-completed",
            "SECURITIES_ORDER",
            "TRX_59671f981a79466fb1be4d918dd3bc6a",
            "2022-12-31T05:38:40.669Z",
        ),
        (
            "05-order-markedcomplete",
            "SECURITIES_ORDER",
            "TRX_275aaab7082b44fba6e23cdf594ab555",
            "2022-12-31T05:34:55.557Z",
        ),
        (
            "06-order-unplaced",
            "SECURITIES_ORDER",
            "TRX_e8c96d4a58c54cbcb9e466dcf6b5b7cf",
            "2022-12-31T05:32:59.786Z",
        ),
        (
            "07-holdings-import-per-security",
            "HOLDINGS_IMPORT",
            "TRX_06726c28769e44b8920bd6eb5bbeef17",
            "2022-03-24T11:33:53.091Z",
        ),
        (
            "08-holdings-import-holdings-list",
            "HOLDINGS_IMPORT",
            "TRX_7c30e4d9904f4f79b692f281a83cdc1f",
            "2021-12-20T09:27:03.059Z",
        ),
        (
            "09-mf-holdings-import",
            "MF_HOLDINGS_IMPORT",
            "TRX_3f1c2b9a8d7e4f60a1b2c3d4e5f60718",
            "2022-12-31T06:02:11.204Z",
        ),
        (
            "10-pending-actions",
            "USER.PENDING_ACTIONS",
            "5e96ebd5e5520425f7433610",
            "2021-06-01T09:28:14.561Z",
        ),
    ];
    let mut want = Vec::new();
    for (name, event_type, subject, occurred_at) in expected {
        let body = signed(name, SECRET);
        assert_eq!(
            pipeline.handle(&request(&body)).await,
            accepted(1, 0),
            "{name}"
        );
        let id = content_id(&body);
        want.push((id.clone(), event_type, subject, occurred_at, body));
    }

    let messages = emulator.drain(&queue).await;
    assert_eq!(messages.len(), want.len());
    for (id, event_type, subject, occurred_at, body) in want {
        let message = messages
            .iter()
            .find(|m| serde_json::from_str::<Value>(&m.body).unwrap()["id"] == id.as_str())
            .unwrap_or_else(|| panic!("no message for {subject} at {occurred_at}"));
        let envelope: Value = serde_json::from_str(&message.body).unwrap();
        let received_at = envelope["received_at"].clone();
        assert_eq!(
            envelope,
            json!({
                "id": id, "provider": "smallcase", "type": event_type, "subject": subject,
                "occurred_at": occurred_at, "received_at": received_at, "payload": body,
            })
        );
        assert_eq!(
            message.attributes.get("provider").map(String::as_str),
            Some("smallcase")
        );
        assert_eq!(
            message.attributes.get("type").map(String::as_str),
            Some(event_type)
        );
        assert_eq!(message.group_id, Some(format!("smallcase:{subject}")));
        assert_eq!(
            message.dedup_id,
            Some(hex::encode(Sha256::digest(format!("smallcase:{id}"))))
        );
    }
    let items = emulator.table_items(&table).await;
    let (bindings, claims): (Vec<_>, Vec<_>) = items
        .iter()
        .partition(|item| item["pk"].starts_with("smallcase#signed:"));
    assert_eq!(claims.len(), 10);
    assert!(claims.iter().all(|item| item["status"] == "ENQUEUED"));
    // One binding per checksum: the PLACED and UNPLACED deliveries of one batch share one.
    assert_eq!(bindings.len(), 9);
    assert!(bindings.iter().all(|item| item.len() == 3
        && item.contains_key("kind")
        && item.contains_key("expires_at")));
    assert!(
        items
            .iter()
            .all(|item| item["pk"].starts_with("smallcase#"))
    );
}

#[tokio::test]
async fn one_character_changes_to_timestamp_or_auth_id_are_refused_and_write_nothing() {
    let Some((emulator, pipeline, table, queue)) = stack(SECRET).await else {
        return;
    };
    let good = signed("01-order-placed", SECRET);
    let mut later = good.clone();
    later["timestamp"] = json!("2022-12-31T05:38:37.596Z");
    let mut other_user = good.clone();
    other_user["smallcaseAuthId"] = json!("5ef33705f610f80b5453b31a");
    let mut other_pending_user = signed("10-pending-actions", SECRET);
    other_pending_user["data"]["smallcaseAuthId"] = json!("5e96ebd5e5520425f7433611");
    for body in [later, other_user, other_pending_user] {
        assert_eq!(
            pipeline.handle(&request(&body)).await,
            refused(401, "checksum mismatch")
        );
    }
    assert!(emulator.table_items(&table).await.is_empty());
    assert!(emulator.drain(&queue).await.is_empty());
}

#[tokio::test]
async fn the_placed_and_unplaced_deliveries_of_one_batch_are_two_messages() {
    let Some((emulator, pipeline, _, queue)) = stack(SECRET).await else {
        return;
    };
    let placed = signed("02-order-placed-amo", SECRET);
    let unplaced = signed("06-order-unplaced", SECRET);
    assert_eq!(placed["checksum"], unplaced["checksum"]);
    assert_eq!(placed["timestamp"], unplaced["timestamp"]);
    assert_eq!(pipeline.handle(&request(&placed)).await, accepted(1, 0));
    assert_eq!(pipeline.handle(&request(&unplaced)).await, accepted(1, 0));
    let messages = emulator.drain(&queue).await;
    let mut statuses: Vec<(String, String)> = messages
        .iter()
        .map(|m| {
            let envelope: Value = serde_json::from_str(&m.body).unwrap();
            (
                envelope["payload"]["batchId"].as_str().unwrap().to_owned(),
                envelope["payload"]["status"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    statuses.sort();
    assert_eq!(
        statuses,
        [
            ("63afc98b0a485bcb6316aa93".to_owned(), "PLACED".to_owned()),
            ("63afc98b0a485bcb6316aa93".to_owned(), "UNPLACED".to_owned()),
        ]
    );
}

#[tokio::test]
async fn a_reformatted_redelivery_is_a_duplicate() {
    let Some((emulator, pipeline, table, queue)) = stack(SECRET).await else {
        return;
    };
    let body = signed("04-order-completed", SECRET);
    assert_eq!(pipeline.handle(&request(&body)).await, accepted(1, 0));
    let pretty = WebhookRequest::post(
        "/webhooks/smallcase",
        serde_json::to_string_pretty(&body).unwrap(),
    );
    assert_eq!(pipeline.handle(&pretty).await, accepted(0, 1));
    assert_eq!(emulator.drain(&queue).await.len(), 1);
    assert_eq!(
        emulator.table_items(&table).await.len(),
        2,
        "its checksum's binding and its claim"
    );
}

#[tokio::test]
async fn a_second_rotated_secret_is_accepted() {
    let Some((emulator, pipeline, _, queue)) =
        stack("old-smallcase-secret,new-smallcase-secret").await
    else {
        return;
    };
    let body = signed("10-pending-actions", "new-smallcase-secret");
    assert_eq!(pipeline.handle(&request(&body)).await, accepted(1, 0));
    let unknown = signed("01-order-placed", "retired-smallcase-secret");
    assert_eq!(
        pipeline.handle(&request(&unknown)).await,
        refused(401, "checksum mismatch")
    );
    let messages = emulator.drain(&queue).await;
    assert_eq!(messages.len(), 1);
    assert_eq!(
        messages[0].attributes.get("type").map(String::as_str),
        Some("USER.PENDING_ACTIONS")
    );
}

#[tokio::test]
async fn the_mf_import_is_signed_over_timestamp_and_transaction_id() {
    let Some((emulator, pipeline, _, queue)) = stack(SECRET).await else {
        return;
    };
    let timestamp = "2022-12-31T06:02:11.204Z";
    let transaction_id = "TRX_3f1c2b9a8d7e4f60a1b2c3d4e5f60718";
    let mut body = template("09-mf-holdings-import");
    assert!(body.get("smallcaseAuthId").is_none());

    // Signed the way the other kinds are (some user id instead of transactionId): refused.
    body["checksum"] = json!(checksum_hex(timestamp, "5ef33705f610f80b5453b319", SECRET));
    assert_eq!(
        pipeline.handle(&request(&body)).await,
        refused(401, "checksum mismatch")
    );
    // An order batch signed over timestamp + transactionId: refused.
    let mut order = template("01-order-placed");
    order["checksum"] = json!(checksum_hex(
        "2022-12-31T05:38:37.595Z",
        "TRX_59671f981a79466fb1be4d918dd3bc6a",
        SECRET
    ));
    assert_eq!(
        pipeline.handle(&request(&order)).await,
        refused(401, "checksum mismatch")
    );
    assert!(emulator.drain(&queue).await.is_empty());

    body["checksum"] = json!(checksum_hex(timestamp, transaction_id, SECRET));
    assert_eq!(pipeline.handle(&request(&body)).await, accepted(1, 0));
    let messages = emulator.drain(&queue).await;
    assert_eq!(messages.len(), 1);
    let envelope: Value = serde_json::from_str(&messages[0].body).unwrap();
    assert_eq!(envelope["type"], "MF_HOLDINGS_IMPORT");
    assert_eq!(envelope["subject"], transaction_id);
    assert_eq!(envelope["payload"], body);
}

#[tokio::test]
async fn only_a_body_that_cannot_be_authenticated_is_refused_and_writes_nothing() {
    let Some((emulator, pipeline, table, queue)) = stack(SECRET).await else {
        return;
    };
    let not_json = WebhookRequest::post("/webhooks/smallcase", "checksum=abc");
    assert_eq!(
        pipeline.handle(&not_json).await,
        refused(400, "body is not valid JSON")
    );
    let mut unsigned = template("01-order-placed");
    unsigned.as_object_mut().unwrap().remove("checksum");
    assert_eq!(
        pipeline.handle(&request(&unsigned)).await,
        refused(401, "missing checksum")
    );
    let nameless = json!({"eventType": "USER.NEW", "timestamp": "2022-12-31T05:38:37.595Z",
                          "checksum": "00", "data": {}});
    assert_eq!(
        pipeline.handle(&request(&nameless)).await,
        refused(
            400,
            "missing field data.smallcaseAuthId, smallcaseAuthId or transactionId"
        )
    );
    assert!(emulator.table_items(&table).await.is_empty());
    assert!(emulator.drain(&queue).await.is_empty());
}

/// A body signed with `timestamp + id`, whatever its shape.
fn signed_with(mut body: Value, timestamp: &str, id: &str) -> Value {
    body["checksum"] = json!(checksum_hex(timestamp, id, SECRET));
    body
}

fn drift(
    name: &'static str,
    body: Value,
    event_type: &'static str,
    subject: &'static str,
    occurred_at: Option<&'static str>,
    fallback: Option<&'static str>,
) -> Drift {
    let mut tampered = body.clone();
    tampered["checksum"] = json!(checksum_hex(
        body["timestamp"].as_str().unwrap(),
        "someone-else",
        SECRET
    ));
    Drift {
        name,
        request: request(&body),
        tampered: request(&tampered),
        tampered_reason: "checksum mismatch",
        id: content_id(&body),
        event_type,
        subject,
        occurred_at,
        fallback,
    }
}

#[tokio::test]
async fn authentic_drifted_bodies_are_enqueued_once_with_their_fallbacks() {
    let Some((emulator, pipeline, table, queue)) = stack(SECRET).await else {
        return;
    };
    let order = template("01-order-placed");
    let (ts, auth_id) = ("2022-12-31T05:38:37.595Z", "5ef33705f610f80b5453b319");
    let trx = "TRX_59671f981a79466fb1be4d918dd3bc6a";
    let with = |edit: &dyn Fn(&mut Value)| {
        let mut body = order.clone();
        edit(&mut body);
        let delivery = sign(&body, SECRET).unwrap();
        serde_json::from_slice::<Value>(&delivery.body).unwrap()
    };
    // Each drift of another kind has a checksum of its own (one checksum, one kind).
    let (ts2, ts3) = ("2022-12-31T05:38:38.595Z", "2022-12-31T05:38:39.595Z");
    let reminder = json!({"eventType": "USER.NEW_REMINDER", "timestamp": ts,
                          "data": {"smallcaseAuthId": "5e96ebd5e5520425f7433610", "due": 3}});
    let drifts = [
        drift(
            "fractional order quantity (once a model check 400)",
            with(&|b| b["orders"][0]["quantity"] = json!(0.5)),
            "SECURITIES_ORDER",
            trx,
            Some(ts),
            None,
        ),
        drift(
            "neither order nor holdings markers",
            with(&|b| {
                let o = b.as_object_mut().unwrap();
                for marker in ["batchId", "orders", "unplaced"] {
                    o.remove(marker);
                }
                o.insert("timestamp".to_owned(), json!(ts2));
            }),
            "UNPARSED",
            trx,
            Some(ts2),
            Some("type"),
        ),
        drift(
            "unknown eventType, signed over data.smallcaseAuthId",
            signed_with(reminder.clone(), ts, "5e96ebd5e5520425f7433610"),
            "USER.NEW_REMINDER",
            "5e96ebd5e5520425f7433610",
            Some(ts),
            None,
        ),
        drift(
            "unknown eventType, signed over the top-level smallcaseAuthId",
            signed_with(
                {
                    let mut b = reminder.clone();
                    b["smallcaseAuthId"] = json!(auth_id);
                    b["timestamp"] = json!(ts3);
                    b
                },
                ts3,
                auth_id,
            ),
            "USER.NEW_REMINDER",
            auth_id,
            Some(ts3),
            None,
        ),
        drift(
            "timestamp not RFC 3339",
            with(&|b| b["timestamp"] = json!("31/12/2022 05:38:37")),
            "SECURITIES_ORDER",
            trx,
            None,
            Some("occurred_at,signed_timestamp"),
        ),
    ];
    for drift in &drifts {
        assert_delivered_once(&pipeline, &emulator, &table, &queue, drift).await;
    }
}

#[tokio::test]
async fn a_missing_secret_makes_the_function_answer_500() {
    let Some(emulator) = Emulator::from_env().await else {
        return;
    };
    let (table, queue) = emulator.fresh_stack(true).await;
    let config = ConfigSource::from_pairs([
        ("EVENTS_TABLE", table.as_str()),
        ("EVENTS_QUEUE_URL", queue.as_str()),
    ]);
    let service = FunctionService::<SmallcaseProvider>::build(config, &emulator.config).await;
    let body = signed("01-order-placed", SECRET);
    assert_eq!(
        service.handle(&request(&body)).await,
        refused(500, "function is misconfigured")
    );
    let config = ConfigSource::from_pairs([
        ("EVENTS_TABLE", table.as_str()),
        ("EVENTS_QUEUE_URL", queue.as_str()),
        ("SMALLCASE_API_SECRET", SECRET),
        ("MAX_EVENT_AGE_SECONDS", "0"),
    ]);
    let service = FunctionService::<SmallcaseProvider>::build(config, &emulator.config).await;
    assert_eq!(service.handle(&request(&body)).await, accepted(1, 0));
    assert_eq!(emulator.table_items(&table).await.len(), 2);
}

/// The pending-actions reminder's checksum in bodies of other kinds (item 1 of #13).
fn reminder_checksum_reused() -> (Value, Vec<(&'static str, Value)>) {
    let reminder = signed("10-pending-actions", SECRET);
    let (t, c) = (reminder["timestamp"].clone(), reminder["checksum"].clone());
    let u = reminder["data"]["smallcaseAuthId"].clone();
    let forged = vec![
        (
            "order batch",
            json!({"smallcaseAuthId": u, "timestamp": t, "checksum": c, "batchId": "b1",
                   "transactionId": "TRX_forged", "status": "COMPLETED",
                   "orders": [{"tradingsymbol": "INFY", "quantity": 500, "transactionType": "SELL"}]}),
        ),
        (
            "MF holdings import",
            json!({"transactionId": u, "timestamp": t, "checksum": c}),
        ),
        (
            "unknown eventType",
            json!({"eventType": "USER.SOMETHING", "data": {"smallcaseAuthId": u},
                   "timestamp": t, "checksum": c}),
        ),
    ];
    (reminder, forged)
}

#[tokio::test]
async fn a_reminders_checksum_reused_for_another_kind_is_refused_and_writes_nothing() {
    let Some((emulator, pipeline, table, queue)) = stack(SECRET).await else {
        return;
    };
    let (reminder, forged) = reminder_checksum_reused();
    assert_eq!(pipeline.handle(&request(&reminder)).await, accepted(1, 0));
    assert_eq!(emulator.drain(&queue).await.len(), 1);
    let before = emulator.table_items(&table).await;
    assert_eq!(before.len(), 2, "the binding and the claim");
    let binding = before
        .iter()
        .find(|item| item["pk"].starts_with("smallcase#signed:"))
        .unwrap();
    assert_eq!(
        binding["kind"],
        "USER.PENDING_ACTIONS|data.smallcaseAuthId|24"
    );
    for (name, body) in &forged {
        assert_eq!(
            pipeline.handle(&request(body)).await,
            refused(401, "signature already used for another kind of message"),
            "{name}"
        );
    }
    let mut after = emulator.table_items(&table).await;
    let mut before = before;
    after.sort_by(|a, b| a["pk"].cmp(&b["pk"]));
    before.sort_by(|a, b| a["pk"].cmp(&b["pk"]));
    assert_eq!(after, before, "no claim, no binding change");
    assert!(emulator.drain(&queue).await.is_empty());
    // The reminder itself, redelivered reformatted, is still a duplicate.
    let pretty = WebhookRequest::post(
        "/webhooks/smallcase",
        serde_json::to_string_pretty(&reminder).unwrap(),
    );
    assert_eq!(pipeline.handle(&pretty).await, accepted(0, 1));
}

#[tokio::test]
async fn two_kinds_of_one_checksum_at_once_bind_one_and_refuse_the_other() {
    let Some((emulator, pipeline, table, queue)) = stack(SECRET).await else {
        return;
    };
    let pipeline = std::sync::Arc::new(pipeline);
    let (reminder, forged) = reminder_checksum_reused();
    let send = |body: Value| {
        let pipeline = pipeline.clone();
        tokio::spawn(async move { pipeline.handle(&request(&body)).await })
    };
    let (a, b) = (send(reminder), send(forged[0].1.clone()));
    let mut statuses = [a.await.unwrap().status, b.await.unwrap().status];
    statuses.sort();
    assert_eq!(statuses, [200, 401]);
    assert_eq!(emulator.drain(&queue).await.len(), 1);
    assert_eq!(emulator.table_items(&table).await.len(), 2);
}

/// A body of `name` with its timestamp moved to `age` ago, signed.
fn signed_aged(name: &str, age: time::Duration) -> Value {
    let mut body = template(name);
    let at = time::OffsetDateTime::now_utc() - age;
    body["timestamp"] = json!(brokerhooks::text::timestamps::format_rfc3339(
        at.replace_nanosecond(at.millisecond() as u32 * 1_000_000)
            .unwrap()
    ));
    let delivery = sign(&body, SECRET).unwrap();
    serde_json::from_slice(&delivery.body).unwrap()
}

#[tokio::test]
async fn the_production_window_refuses_five_days_and_accepts_47_hours() {
    let Some(emulator) = Emulator::from_env().await else {
        return;
    };
    let (table, queue) = emulator.fresh_stack(true).await;
    // No MAX_EVENT_AGE_SECONDS: smallcase's own default.
    let config = ConfigSource::from_pairs([
        ("EVENTS_TABLE", table.as_str()),
        ("EVENTS_QUEUE_URL", queue.as_str()),
        ("SMALLCASE_API_SECRET", SECRET),
    ]);
    let service = FunctionService::<SmallcaseProvider>::build(config, &emulator.config).await;
    let stale = signed_aged("01-order-placed", time::Duration::days(5));
    assert_eq!(
        service.handle(&request(&stale)).await,
        refused(401, "signed timestamp is too old")
    );
    assert!(emulator.table_items(&table).await.is_empty());
    let recent = signed_aged("10-pending-actions", time::Duration::hours(47));
    let before = time::OffsetDateTime::now_utc().unix_timestamp();
    assert_eq!(service.handle(&request(&recent)).await, accepted(1, 0));
    let after = time::OffsetDateTime::now_utc().unix_timestamp();
    assert_eq!(emulator.drain(&queue).await.len(), 1);
    // Claim and binding are kept from the later of receipt and signed time (here the
    // receipt) for DEDUPE_TTL_SECONDS plus the 5-minute future tolerance.
    let items = emulator.table_items(&table).await;
    assert_eq!(items.len(), 2);
    for item in items {
        let expires_at: i64 = item["expires_at"].parse().unwrap();
        assert!(
            (before + 2_592_000 + 300..=after + 1 + 2_592_000 + 300).contains(&expires_at),
            "{item:?}"
        );
    }
}
