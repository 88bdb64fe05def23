use std::time::Duration;

use serde_json::{Map, Value, json};
use time::OffsetDateTime;
use time::macros::datetime;

use super::*;
use crate::text::canonical_json::content_id;
use crate::pipeline::fallback::Fallbacks;
use crate::pipeline::FreshnessPolicy;
use crate::pipeline::SignedReading;

/// Self-generated vector from providers.md §1.2 (not from smallcase): key `API_SECRET`,
/// message `2022-12-31T05:38:37.595Z` + `5ef33705f610f80b5453b319`.
const VECTOR_CHECKSUM: &str = "1fd71571013397c1022b495742e101cd40ab84c2f7e00bdde052dbda7367d8aa";
const SECRET: &str = "API_SECRET";

/// The seed's sample payloads (events/smallcase/payloads), in file order, with the
/// constructed mutual-fund import as 09.
const SAMPLES: [(&str, &str); 10] = [
    (
        "01-order-placed",
        include_str!("../../../../events/smallcase/payloads/01-order-placed.json"),
    ),
    (
        "02-order-placed-amo",
        include_str!("../../../../events/smallcase/payloads/02-order-placed-amo.json"),
    ),
    (
        "03-order-placed-limit-sl",
        include_str!("../../../../events/smallcase/payloads/03-order-placed-limit-sl.json"),
    ),
    (
        "04-order-completed",
        include_str!("../../../../events/smallcase/payloads/04-order-completed.json"),
    ),
    (
        "05-order-markedcomplete",
        include_str!("../../../../events/smallcase/payloads/05-order-markedcomplete.json"),
    ),
    (
        "06-order-unplaced",
        include_str!("../../../../events/smallcase/payloads/06-order-unplaced.json"),
    ),
    (
        "07-holdings-import-per-security",
        include_str!("../../../../events/smallcase/payloads/07-holdings-import-per-security.json"),
    ),
    (
        "08-holdings-import-holdings-list",
        include_str!("../../../../events/smallcase/payloads/08-holdings-import-holdings-list.json"),
    ),
    (
        "09-mf-holdings-import",
        include_str!("../../../../events/smallcase/payloads/09-mf-holdings-import.json"),
    ),
    (
        "10-pending-actions",
        include_str!("../../../../events/smallcase/payloads/10-pending-actions.json"),
    ),
];

fn sample(name: &str) -> Value {
    let (_, text) = SAMPLES
        .iter()
        .find(|(n, _)| *n == name)
        .expect("known sample");
    serde_json::from_str(text).unwrap()
}

/// Sets `checksum` the way smallcase does for the payload's kind.
fn signed(mut payload: Value, secret: &str) -> Value {
    let object = payload.as_object_mut().unwrap();
    let fields = SignedFields::locate(object).unwrap();
    let checksum = checksum_hex(fields.timestamp, fields.id, secret);
    object.insert("checksum".to_owned(), Value::String(checksum));
    payload
}

fn signed_sample(name: &str) -> String {
    signed(sample(name), SECRET).to_string()
}

fn provider(secrets: &str) -> SmallcaseProvider {
    SmallcaseProvider::new(SecretList::parse(secrets).unwrap())
}

/// After every sample; the age check is off because the samples span 2021–2022.
fn context() -> VerifyContext {
    VerifyContext {
        now: datetime!(2023-01-01 00:00:00 UTC),
        freshness: FreshnessPolicy::new(None),
    }
}

fn verify(
    provider: &SmallcaseProvider,
    body: &str,
) -> Result<Verified<Vec<EventDraft>>, WebhookError> {
    provider.verify(
        &WebhookRequest::post("/webhooks/smallcase", body),
        &context(),
    )
}

fn only_draft(body: &str) -> EventDraft {
    let mut drafts = verify(&provider(SECRET), body).unwrap().into_value();
    assert_eq!(drafts.len(), 1);
    drafts.remove(0)
}

#[test]
fn known_answer_vector() {
    assert_eq!(
        checksum_hex(
            "2022-12-31T05:38:37.595Z",
            "5ef33705f610f80b5453b319",
            SECRET
        ),
        VECTOR_CHECKSUM
    );
    for received in [VECTOR_CHECKSUM.to_owned(), VECTOR_CHECKSUM.to_uppercase()] {
        assert!(checksum_matches(
            "2022-12-31T05:38:37.595Z",
            "5ef33705f610f80b5453b319",
            SECRET,
            &received
        ));
    }
    // The seed's first order batch carries exactly that timestamp and smallcaseAuthId.
    let mut body = sample("01-order-placed");
    body["checksum"] = json!(VECTOR_CHECKSUM);
    let verified = verify(&provider(SECRET), &body.to_string()).unwrap();
    assert_eq!(verified.matched_secret(), 0);
}

#[test]
fn every_sample_verifies_with_its_type_subject_and_time() {
    let expected = [
        (
            "01-order-placed",
            "SECURITIES_ORDER",
            "TRX_59671f981a79466fb1be4d918dd3bc6a",
            datetime!(2022-12-31 05:38:37.595 UTC),
        ),
        (
            "02-order-placed-amo",
            "SECURITIES_ORDER",
            "TRX_e8c96d4a58c54cbcb9e466dcf6b5b7cf",
            datetime!(2022-12-31 05:32:59.786 UTC),
        ),
        (
            "03-order-placed-limit-sl",
            "SECURITIES_ORDER",
            "TRX_107f74ebb93f4a2fb304b17da095c9a1",
            datetime!(2022-12-31 05:31:28.477 UTC),
        ),
        (
            "04-order-completed",
            "SECURITIES_ORDER",
            "TRX_59671f981a79466fb1be4d918dd3bc6a",
            datetime!(2022-12-31 05:38:40.669 UTC),
        ),
        (
            "05-order-markedcomplete",
            "SECURITIES_ORDER",
            "TRX_275aaab7082b44fba6e23cdf594ab555",
            datetime!(2022-12-31 05:34:55.557 UTC),
        ),
        (
            "06-order-unplaced",
            "SECURITIES_ORDER",
            "TRX_e8c96d4a58c54cbcb9e466dcf6b5b7cf",
            datetime!(2022-12-31 05:32:59.786 UTC),
        ),
        (
            "07-holdings-import-per-security",
            "HOLDINGS_IMPORT",
            "TRX_06726c28769e44b8920bd6eb5bbeef17",
            datetime!(2022-03-24 11:33:53.091 UTC),
        ),
        (
            "08-holdings-import-holdings-list",
            "HOLDINGS_IMPORT",
            "TRX_7c30e4d9904f4f79b692f281a83cdc1f",
            datetime!(2021-12-20 09:27:03.059 UTC),
        ),
        (
            "09-mf-holdings-import",
            "MF_HOLDINGS_IMPORT",
            "TRX_3f1c2b9a8d7e4f60a1b2c3d4e5f60718",
            datetime!(2022-12-31 06:02:11.204 UTC),
        ),
        (
            "10-pending-actions",
            "USER.PENDING_ACTIONS",
            "5e96ebd5e5520425f7433610",
            datetime!(2021-06-01 09:28:14.561 UTC),
        ),
    ];
    assert_eq!(expected.len(), SAMPLES.len());
    for (name, event_type, subject, occurred_at) in expected {
        let body = signed_sample(name);
        let draft = only_draft(&body);
        assert_eq!(draft.event_type, event_type, "{name}");
        assert_eq!(draft.subject, subject, "{name}");
        assert_eq!(draft.occurred_at, occurred_at, "{name}");
        assert_eq!(draft.fallback, Fallbacks::NONE, "{name}");
        assert_eq!(draft.payload.get(), body, "{name}: payload unchanged");
        let value: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(draft.id, content_id(&value), "{name}");
    }
}

#[test]
fn placed_and_unplaced_deliveries_of_one_batch_are_two_events() {
    let placed = signed_sample("02-order-placed-amo");
    let unplaced = signed_sample("06-order-unplaced");
    let checksum = |body: &str| serde_json::from_str::<Value>(body).unwrap()["checksum"].clone();
    // Same batch, timestamp and smallcaseAuthId: the checksum cannot tell them apart.
    assert_eq!(checksum(&placed), checksum(&unplaced));
    let (a, b) = (only_draft(&placed), only_draft(&unplaced));
    assert_ne!(a.id, b.id);
    assert_eq!(
        (a.subject.as_str(), a.occurred_at),
        (b.subject.as_str(), b.occurred_at)
    );
}

#[test]
fn a_reformatted_redelivery_has_the_same_id_and_any_change_another() {
    let body = signed_sample("04-order-completed");
    let value: Value = serde_json::from_str(&body).unwrap();
    let pretty = serde_json::to_string_pretty(&value).unwrap();
    assert_ne!(pretty, body);
    assert_eq!(only_draft(&body).id, only_draft(&pretty).id);
    let mut changed = value.clone();
    changed["orders"][1]["filledQuantity"] = json!(0);
    assert_ne!(only_draft(&body).id, only_draft(&changed.to_string()).id);
}

#[test]
fn a_second_rotated_secret_is_accepted_and_reported_by_position() {
    let body = signed(sample("01-order-placed"), "NEXT_SECRET").to_string();
    let verified = verify(&provider("API_SECRET,NEXT_SECRET"), &body).unwrap();
    assert_eq!(verified.matched_secret(), 1);
    assert_eq!(
        verify(&provider("API_SECRET"), &body).map(|_| ()),
        Err(WebhookError::Unauthorized("checksum mismatch"))
    );
}

#[test]
fn each_kind_accepts_only_its_documented_checksum_input() {
    let with_checksum = |mut body: Value, timestamp: &str, id: &str| {
        body["checksum"] = json!(checksum_hex(timestamp, id, SECRET));
        body.to_string()
    };
    let mismatch = Err(WebhookError::Unauthorized("checksum mismatch"));

    // MF import: timestamp + transactionId, and nothing else.
    let mf = sample("09-mf-holdings-import");
    let (ts, trx) = (
        "2022-12-31T06:02:11.204Z",
        "TRX_3f1c2b9a8d7e4f60a1b2c3d4e5f60718",
    );
    assert_eq!(
        SignedFields::locate(mf.as_object().unwrap()).unwrap(),
        SignedFields {
            input: ChecksumInput::TransactionId,
            timestamp: ts,
            id: trx
        }
    );
    assert_eq!(
        only_draft(&with_checksum(mf.clone(), ts, trx)).event_type,
        "MF_HOLDINGS_IMPORT"
    );
    assert_eq!(
        verify(&provider(SECRET), &with_checksum(mf.clone(), trx, ts)).map(|_| ()),
        mismatch
    );
    assert_eq!(
        verify(&provider(SECRET), &with_checksum(mf, ts, "")).map(|_| ()),
        mismatch
    );

    // An order batch signed the MF way is refused: it has a top-level smallcaseAuthId.
    let order = sample("01-order-placed");
    let (ts, trx) = (
        "2022-12-31T05:38:37.595Z",
        "TRX_59671f981a79466fb1be4d918dd3bc6a",
    );
    assert_eq!(
        verify(&provider(SECRET), &with_checksum(order, ts, trx)).map(|_| ()),
        mismatch
    );

    // Pending actions: timestamp + data.smallcaseAuthId only.
    let actions = sample("10-pending-actions");
    let ts = "2021-06-01T09:28:14.561Z";
    assert_eq!(
        verify(
            &provider(SECRET),
            &with_checksum(actions.clone(), ts, "USER.PENDING_ACTIONS")
        )
        .map(|_| ()),
        mismatch
    );
    assert_eq!(
        only_draft(&with_checksum(actions, ts, "5e96ebd5e5520425f7433610")).event_type,
        "USER.PENDING_ACTIONS"
    );
}

/// A body whose checksum is valid for its (possibly edited) signed fields.
fn resigned(mut body: Value, edit: impl FnOnce(&mut Map<String, Value>)) -> String {
    edit(body.as_object_mut().unwrap());
    signed(body, SECRET).to_string()
}

/// The body with an edit that leaves its checksum as it was.
fn edited(body: &str, edit: impl FnOnce(&mut Map<String, Value>)) -> String {
    let mut value: Value = serde_json::from_str(body).unwrap();
    edit(value.as_object_mut().unwrap());
    value.to_string()
}

#[test]
fn negative_cases() {
    let good = signed_sample("01-order-placed");
    // The first sample's signed fields are the known-answer vector's.
    assert!(good.contains(VECTOR_CHECKSUM));
    let unauthorized = |reason| Err(WebhookError::Unauthorized(reason));
    let bad = |reason: &str| Err(WebhookError::bad_request(reason));
    let replace = |from: &str, to: &str| {
        assert!(good.contains(from), "{from}");
        good.replacen(from, to, 1)
    };
    let cases: Vec<(&str, String, Result<(), WebhookError>)> = vec![
        ("not json", "checksum=1".to_owned(), bad("body is not valid JSON")),
        ("empty body", String::new(), bad("body is not valid JSON")),
        ("array", format!("[{good}]"), bad("body is not a JSON object")),
        ("empty object", "{}".to_owned(), unauthorized("missing checksum")),
        ("missing checksum", edited(&good, |o| {
                o.remove("checksum");
            }), unauthorized("missing checksum")),
        ("empty checksum", replace(VECTOR_CHECKSUM, ""), unauthorized("missing checksum")),
        ("wrong secret", good.clone(), unauthorized("checksum mismatch")),
        (
            "timestamp one character later",
            replace("2022-12-31T05:38:37.595Z", "2022-12-31T05:38:37.596Z"),
            unauthorized("checksum mismatch"),
        ),
        (
            "timestamp with another zone spelling",
            replace("2022-12-31T05:38:37.595Z", "2022-12-31T05:38:37.595+00:00"),
            unauthorized("checksum mismatch"),
        ),
        (
            "smallcaseAuthId one character changed",
            replace("5ef33705f610f80b5453b319", "5ef33705f610f80b5453b318"),
            unauthorized("checksum mismatch"),
        ),
        (
            "pending actions data.smallcaseAuthId changed",
            signed_sample("10-pending-actions")
                .replace("5e96ebd5e5520425f7433610", "5e96ebd5e5520425f7433611"),
            unauthorized("checksum mismatch"),
        ),
        (
            "mf transactionId changed",
            signed_sample("09-mf-holdings-import").replace("TRX_3f1c", "TRX_3f1d"),
            unauthorized("checksum mismatch"),
        ),
        (
            "truncated checksum",
            replace(VECTOR_CHECKSUM, &VECTOR_CHECKSUM[..63]),
            unauthorized("checksum mismatch"),
        ),
        (
            "missing timestamp",
            edited(&good, |o| {
                o.remove("timestamp");
            }),
            bad("missing or non-string field timestamp"),
        ),
        (
            "numeric smallcaseAuthId",
            replace(r#""smallcaseAuthId":"5ef33705f610f80b5453b319""#, r#""smallcaseAuthId":5"#),
            bad("missing or non-string field smallcaseAuthId"),
        ),
        (
            "neither smallcaseAuthId nor transactionId",
            json!({"timestamp": "2022-12-31T05:38:37.595Z", "checksum": VECTOR_CHECKSUM, "batchId": "b"})
                .to_string(),
            bad("missing field smallcaseAuthId or transactionId"),
        ),
        (
            "unknown eventType signed over none of its ids",
            json!({"eventType": "USER.SOMETHING", "timestamp": "2022-12-31T05:38:37.595Z",
                   "checksum": VECTOR_CHECKSUM, "data": {"smallcaseAuthId": "5ef33705f610f80b5453b318"},
                   "smallcaseAuthId": "5ef33705f610f80b5453b317", "transactionId": "TRX_1"})
                .to_string(),
            unauthorized("checksum mismatch"),
        ),
        (
            "unknown eventType without any signed id",
            json!({"eventType": "USER.SOMETHING", "timestamp": "2022-12-31T05:38:37.595Z",
                   "checksum": VECTOR_CHECKSUM, "data": {"smallcaseAuthId": 5}, "transactionId": ""})
                .to_string(),
            bad("missing field data.smallcaseAuthId, smallcaseAuthId or transactionId"),
        ),
        (
            "unknown eventType without timestamp",
            json!({"eventType": "USER.SOMETHING", "checksum": VECTOR_CHECKSUM,
                   "data": {"smallcaseAuthId": "5ef33705f610f80b5453b319"}})
                .to_string(),
            bad("missing or non-string field timestamp"),
        ),
        (
            "pending actions without data.smallcaseAuthId",
            json!({"eventType": "USER.PENDING_ACTIONS", "timestamp": "2022-12-31T05:38:37.595Z",
                   "checksum": VECTOR_CHECKSUM, "smallcaseAuthId": "5ef33705f610f80b5453b319"})
                .to_string(),
            bad("missing or non-string field data.smallcaseAuthId"),
        ),
    ];
    for (name, body, expected) in cases {
        let secret = if name == "wrong secret" {
            "OTHER"
        } else {
            SECRET
        };
        let result = verify(&provider(secret), &body).map(|_| ());
        assert_eq!(result, expected, "case: {name}");
    }
}

/// A body signed with `timestamp + id` under [`SECRET`], whatever its shape.
fn signed_with(mut body: Value, timestamp: &str, id: &str) -> String {
    body["checksum"] = json!(checksum_hex(timestamp, id, SECRET));
    body.to_string()
}

/// A drifted body: its envelope and its tampered copies.
struct Drift {
    name: &'static str,
    body: String,
    event_type: &'static str,
    subject: &'static str,
    /// `None`: the receive time.
    occurred_at: Option<OffsetDateTime>,
    fallback: Fallbacks,
}

fn drifts() -> Vec<Drift> {
    use crate::pipeline::fallback::Fallback::{EventType, OccurredAt, SignedTimestamp};
    let order = sample("01-order-placed");
    let order_at = Some(datetime!(2022-12-31 05:38:37.595 UTC));
    let trx = "TRX_59671f981a79466fb1be4d918dd3bc6a";
    let (ts, auth_id) = ("2022-12-31T05:38:37.595Z", "5ef33705f610f80b5453b319");
    let none = Fallbacks::NONE;
    let unknown = |extra: Value| {
        let mut body = json!({"eventType": "USER.NEW_REMINDER", "timestamp": ts,
                              "data": {"smallcaseAuthId": "5e96ebd5e5520425f7433610", "note": "x"}});
        for (k, v) in extra.as_object().unwrap() {
            body[k] = v.clone();
        }
        body
    };
    vec![
        Drift {
            name: "fractional order quantity",
            body: resigned(order.clone(), |o| o["orders"][0]["quantity"] = json!(1.5)),
            event_type: "SECURITIES_ORDER",
            subject: trx,
            occurred_at: order_at,
            fallback: none,
        },
        Drift {
            name: "orders is not an array",
            body: resigned(order.clone(), |o| {
                o.insert("orders".into(), json!("RELIANCE"));
            }),
            event_type: "SECURITIES_ORDER",
            subject: trx,
            occurred_at: order_at,
            fallback: none,
        },
        Drift {
            name: "order quantity is text",
            body: resigned(order.clone(), |o| {
                o.insert("quantity".into(), json!("two"));
            }),
            event_type: "SECURITIES_ORDER",
            subject: trx,
            occurred_at: order_at,
            fallback: none,
        },
        Drift {
            name: "securities in a third shape",
            body: resigned(sample("08-holdings-import-holdings-list"), |o| {
                o.insert("securities".into(), json!("INFY"));
            }),
            event_type: "HOLDINGS_IMPORT",
            subject: "TRX_7c30e4d9904f4f79b692f281a83cdc1f",
            occurred_at: Some(datetime!(2021-12-20 09:27:03.059 UTC)),
            fallback: none,
        },
        Drift {
            name: "investments is not an array",
            body: resigned(sample("10-pending-actions"), |o| {
                o["data"]["investments"] = json!({});
            }),
            event_type: "USER.PENDING_ACTIONS",
            subject: "5e96ebd5e5520425f7433610",
            occurred_at: Some(datetime!(2021-06-01 09:28:14.561 UTC)),
            fallback: none,
        },
        Drift {
            name: "order without transactionId: subject is the signed user id",
            body: resigned(order.clone(), |o| {
                o.remove("transactionId");
            }),
            event_type: "SECURITIES_ORDER",
            subject: auth_id,
            occurred_at: order_at,
            fallback: none,
        },
        Drift {
            name: "neither order nor holdings markers",
            body: resigned(
                json!({"smallcaseAuthId": "u1", "timestamp": ts, "transactionId": "TRX_1"}),
                |_| {},
            ),
            event_type: "UNPARSED",
            subject: "TRX_1",
            occurred_at: order_at,
            fallback: none.with(EventType),
        },
        Drift {
            name: "order and holdings markers together",
            body: resigned(order.clone(), |o| {
                o.insert("securities".into(), json!([]));
            }),
            event_type: "UNPARSED",
            subject: trx,
            occurred_at: order_at,
            fallback: none.with(EventType),
        },
        Drift {
            name: "signed timestamp is not RFC 3339",
            body: resigned(order.clone(), |o| {
                o.insert("timestamp".into(), json!("31/12/2022 05:38"));
            }),
            event_type: "SECURITIES_ORDER",
            subject: trx,
            occurred_at: None,
            fallback: none.with(OccurredAt).with(SignedTimestamp),
        },
        Drift {
            name: "unknown eventType signed over data.smallcaseAuthId",
            body: signed_with(unknown(json!({})), ts, "5e96ebd5e5520425f7433610"),
            event_type: "USER.NEW_REMINDER",
            subject: "5e96ebd5e5520425f7433610",
            occurred_at: order_at,
            fallback: none,
        },
        Drift {
            name: "unknown eventType signed over the top-level smallcaseAuthId",
            body: signed_with(unknown(json!({"smallcaseAuthId": auth_id})), ts, auth_id),
            event_type: "USER.NEW_REMINDER",
            subject: auth_id,
            occurred_at: order_at,
            fallback: none,
        },
        Drift {
            name: "unknown eventType signed over transactionId",
            body: signed_with(
                unknown(json!({"smallcaseAuthId": auth_id, "transactionId": trx})),
                ts,
                trx,
            ),
            event_type: "USER.NEW_REMINDER",
            subject: trx,
            occurred_at: order_at,
            fallback: none,
        },
        Drift {
            name: "eventType that is not a string, timestamp unreadable",
            body: signed_with(
                unknown(json!({"eventType": 7, "timestamp": "yesterday"})),
                "yesterday",
                "5e96ebd5e5520425f7433610",
            ),
            event_type: "UNPARSED",
            subject: "5e96ebd5e5520425f7433610",
            occurred_at: None,
            fallback: none.with(EventType).with(OccurredAt).with(SignedTimestamp),
        },
    ]
}

#[test]
fn authentic_drift_is_enqueued_with_its_fallbacks_and_tampered_copies_are_refused() {
    let now = context().now;
    for drift in drifts() {
        let name = drift.name;
        let draft = only_draft(&drift.body);
        let value: Value = serde_json::from_str(&drift.body).unwrap();
        assert_eq!(draft.id, content_id(&value), "{name}");
        assert_eq!(draft.event_type, drift.event_type, "{name}");
        assert_eq!(draft.subject, drift.subject, "{name}");
        assert_eq!(
            draft.occurred_at,
            drift.occurred_at.unwrap_or(now),
            "{name}"
        );
        assert_eq!(draft.fallback, drift.fallback, "{name}");
        assert_eq!(draft.payload.get(), drift.body, "{name}");

        let mismatch = Err(WebhookError::Unauthorized("checksum mismatch"));
        assert_eq!(
            verify(&provider("OTHER"), &drift.body).map(|_| ()),
            mismatch,
            "{name}: another secret"
        );
        let timestamp = value["timestamp"].as_str().unwrap();
        let later = edited(&drift.body, |o| {
            o.insert("timestamp".into(), json!(format!("{timestamp}1")));
        });
        assert_eq!(
            verify(&provider(SECRET), &later).map(|_| ()),
            mismatch,
            "{name}: timestamp changed"
        );
        let mut forged = value.clone();
        forged["checksum"] = json!("0".repeat(64));
        assert_eq!(
            verify(&provider(SECRET), &forged.to_string()).map(|_| ()),
            mismatch,
            "{name}: checksum replaced"
        );
    }
}

#[test]
fn an_unknown_event_type_tries_the_ids_in_smallcases_order() {
    let body = json!({"eventType": "X", "timestamp": "t", "transactionId": "T",
                      "smallcaseAuthId": "S", "data": {"smallcaseAuthId": "D"}});
    let ids: Vec<(ChecksumInput, &str)> = SignedFields::candidates(body.as_object().unwrap())
        .unwrap()
        .into_iter()
        .map(|c| (c.input, c.id))
        .collect();
    assert_eq!(
        ids,
        [
            (ChecksumInput::DataSmallcaseAuthId, "D"),
            (ChecksumInput::SmallcaseAuthId, "S"),
            (ChecksumInput::TransactionId, "T"),
        ]
    );
    // Only the ids present, in the same order; the documented kinds keep exactly one.
    let body = json!({"eventType": "X", "timestamp": "t", "transactionId": "T", "data": {}});
    let ids: Vec<ChecksumInput> = SignedFields::candidates(body.as_object().unwrap())
        .unwrap()
        .into_iter()
        .map(|c| c.input)
        .collect();
    assert_eq!(ids, [ChecksumInput::TransactionId]);
    for name in [
        "01-order-placed",
        "09-mf-holdings-import",
        "10-pending-actions",
    ] {
        let body = sample(name);
        assert_eq!(
            SignedFields::candidates(body.as_object().unwrap())
                .unwrap()
                .len(),
            1,
            "{name}"
        );
    }
}

#[test]
fn a_freshness_check_still_applies_to_drifted_bodies_whose_timestamp_reads() {
    let body = drifts()
        .into_iter()
        .find(|d| d.name == "unknown eventType signed over data.smallcaseAuthId")
        .unwrap()
        .body;
    let late = VerifyContext {
        now: datetime!(2023-01-02 06:00 UTC),
        freshness: FreshnessPolicy::new(Some(Duration::from_secs(86_400))),
    };
    assert_eq!(
        provider(SECRET)
            .verify(&WebhookRequest::post("/", body), &late)
            .map(|_| ()),
        Err(WebhookError::Unauthorized("signed timestamp is too old"))
    );
    let unreadable = drifts()
        .into_iter()
        .find(|d| d.name == "signed timestamp is not RFC 3339")
        .unwrap()
        .body;
    assert_eq!(
        provider(SECRET)
            .verify(&WebhookRequest::post("/", unreadable), &late)
            .map(|v| v.into_value()[0].occurred_at),
        Ok(late.now)
    );
}

#[test]
fn stale_and_future_timestamps_are_refused() {
    let p = provider(SECRET);
    let request = WebhookRequest::post("/", signed_sample("01-order-placed"));
    let at = |now: OffsetDateTime, max_age: Option<u64>| VerifyContext {
        now,
        freshness: FreshnessPolicy::new(max_age.map(Duration::from_secs)),
    };
    let day = Some(86_400);
    assert!(
        p.verify(&request, &at(datetime!(2022-12-31 06:00 UTC), day))
            .is_ok()
    );
    assert_eq!(
        p.verify(&request, &at(datetime!(2023-01-02 06:00 UTC), day))
            .map(|_| ()),
        Err(WebhookError::Unauthorized("signed timestamp is too old"))
    );
    assert_eq!(
        p.verify(&request, &at(datetime!(2022-12-31 05:30 UTC), None))
            .map(|_| ()),
        Err(WebhookError::Unauthorized(
            "signed timestamp is in the future"
        ))
    );
}

/// The binding a verified body asks the pipeline for.
fn binding_of(body: &str) -> SignedReading {
    verify(&provider(SECRET), body)
        .unwrap()
        .signed_reading()
        .cloned()
        .expect("smallcase always binds")
}

/// The pending-actions reminder's signed tuple, reused in bodies of other kinds with the
/// reminder's checksum (item 1 of #13): each verifies on its own.
fn reminder_tuple_reused() -> (String, Vec<(&'static str, String)>) {
    let reminder = signed_sample("10-pending-actions");
    let value: Value = serde_json::from_str(&reminder).unwrap();
    let (t, c) = (value["timestamp"].clone(), value["checksum"].clone());
    let u = value["data"]["smallcaseAuthId"].clone();
    let forged = vec![
        (
            "order batch",
            json!({"smallcaseAuthId": u, "timestamp": t, "checksum": c, "batchId": "b1",
                   "transactionId": "TRX_forged", "status": "COMPLETED",
                   "orders": [{"tradingsymbol": "INFY", "quantity": 500, "transactionType": "SELL"}]})
            .to_string(),
        ),
        (
            "MF holdings import",
            json!({"transactionId": u, "timestamp": t, "checksum": c}).to_string(),
        ),
        (
            "unknown eventType over the top-level id",
            json!({"eventType": "USER.SOMETHING", "smallcaseAuthId": u, "timestamp": t,
                   "checksum": c})
            .to_string(),
        ),
        (
            "unknown eventType over data.smallcaseAuthId",
            json!({"eventType": "USER.SOMETHING", "data": {"smallcaseAuthId": u},
                   "timestamp": t, "checksum": c})
            .to_string(),
        ),
        (
            "unknown eventType naming a documented kind",
            json!({"eventType": "SECURITIES_ORDER", "data": {"smallcaseAuthId": u},
                   "smallcaseAuthId": "VICTIM", "timestamp": t, "checksum": c})
            .to_string(),
        ),
    ];
    (reminder, forged)
}

#[test]
fn the_binding_is_the_signed_text_and_how_the_body_read_it() {
    let order = binding_of(&signed_sample("01-order-placed"));
    let text = "2022-12-31T05:38:37.595Z5ef33705f610f80b5453b319";
    assert_eq!(
        order,
        SignedReading::new(
            text.as_bytes(),
            "SECURITIES_ORDER|smallcaseAuthId|24",
            Some(datetime!(2022-12-31 05:38:37.595 UTC))
        )
    );
    let readings: Vec<(&str, String)> = [
        "07-holdings-import-per-security",
        "09-mf-holdings-import",
        "10-pending-actions",
    ]
    .into_iter()
    .map(|name| (name, binding_of(&signed_sample(name)).reading().to_owned()))
    .collect();
    assert_eq!(
        readings,
        [
            (
                "07-holdings-import-per-security",
                "HOLDINGS_IMPORT|smallcaseAuthId|24".to_owned()
            ),
            (
                "09-mf-holdings-import",
                "MF_HOLDINGS_IMPORT|transactionId|24".to_owned()
            ),
            (
                "10-pending-actions",
                "USER.PENDING_ACTIONS|data.smallcaseAuthId|24".to_owned()
            ),
        ]
    );
    // The reminder's tuple, reused: the same signed text, read another way each time.
    let (reminder, forged) = reminder_tuple_reused();
    let genuine = binding_of(&reminder);
    let expected = [
        "SECURITIES_ORDER|smallcaseAuthId|24",
        "MF_HOLDINGS_IMPORT|transactionId|24",
        "eventType:USER.SOMETHING|smallcaseAuthId|24",
        "eventType:USER.SOMETHING|data.smallcaseAuthId|24",
        "eventType:SECURITIES_ORDER|data.smallcaseAuthId|24",
    ];
    for ((name, body), reading) in forged.iter().zip(expected) {
        let binding = binding_of(body);
        assert_eq!(binding.signed_hex(), genuine.signed_hex(), "{name}");
        assert_eq!(binding.reading(), reading, "{name}");
    }
    // PLACED and UNPLACED of one batch read the same; so does a reformatted redelivery.
    let placed = binding_of(&signed_sample("02-order-placed-amo"));
    assert_eq!(placed, binding_of(&signed_sample("06-order-unplaced")));
    let pretty = serde_json::to_string_pretty(
        &serde_json::from_str::<Value>(&signed_sample("02-order-placed-amo")).unwrap(),
    )
    .unwrap();
    assert_eq!(placed, binding_of(&pretty));
    // A body of no known kind, and a long unknown eventType (stored hashed).
    let unparsed = resigned(sample("01-order-placed"), |o| {
        o.remove("batchId");
        o.remove("orders");
        o.remove("unplaced");
    });
    assert_eq!(
        binding_of(&unparsed).reading(),
        "UNPARSED|smallcaseAuthId|24"
    );
    let long = signed_with(
        json!({"eventType": "X".repeat(500), "data": {"smallcaseAuthId": "u"},
               "timestamp": "2022-12-31T05:38:37.595Z"}),
        "2022-12-31T05:38:37.595Z",
        "u",
    );
    assert!(binding_of(&long).reading().starts_with("sha256:"));
}

#[test]
fn a_moved_boundary_between_timestamp_and_id_is_held_to_the_same_window() {
    // The known-answer vector's signed text split one character later: the checksum
    // still matches, the timestamp field no longer reads.
    let resplit = json!({"smallcaseAuthId": "ef33705f610f80b5453b319",
                         "timestamp": "2022-12-31T05:38:37.595Z5",
                         "checksum": VECTOR_CHECKSUM, "batchId": "b", "orders": []})
    .to_string();
    let at = |now: OffsetDateTime| VerifyContext {
        now,
        freshness: FreshnessPolicy::new(Some(SmallcaseProvider::DEFAULT_MAX_EVENT_AGE)),
    };
    let request = WebhookRequest::post("/", resplit.clone());
    let p = provider(SECRET);
    // Years later: refused like the genuine body, not accepted as an unreadable timestamp.
    assert_eq!(
        p.verify(&request, &at(datetime!(2026-01-01 00:00 UTC)))
            .map(|_| ()),
        Err(WebhookError::Unauthorized("signed timestamp is too old"))
    );
    // Within the window it verifies, with the fallback, and its binding reads the signed
    // text another way than the genuine body (see the pipeline tests below).
    let verified = p
        .verify(&request, &at(datetime!(2022-12-31 06:00 UTC)))
        .unwrap();
    let binding = verified.signed_reading().unwrap().clone();
    let draft = &verified.value()[0];
    assert_eq!(
        draft.signed_at,
        Some(datetime!(2022-12-31 05:38:37.595 UTC))
    );
    assert!(
        draft
            .fallback
            .contains(crate::pipeline::fallback::Fallback::SignedTimestamp)
    );
    assert_eq!(binding.reading(), "SECURITIES_ORDER|smallcaseAuthId|25");
    assert_eq!(
        binding.signed_hex(),
        binding_of(&signed_sample("01-order-placed")).signed_hex()
    );
}

#[test]
fn a_signed_or_kind_deciding_field_given_twice_is_refused() {
    let good = signed_sample("01-order-placed");
    let refused = Err(WebhookError::Unauthorized(
        crate::text::duplicate_keys::DUPLICATE_SIGNED_FIELD,
    ));
    let prepend = |member: &str| good.replacen('{', &format!("{{{member},"), 1);
    for (name, body) in [
        ("smallcaseAuthId", prepend(r#""smallcaseAuthId":"VICTIM""#)),
        (
            "timestamp",
            prepend(r#""timestamp":"2030-01-01T00:00:00.000Z""#),
        ),
        ("checksum", prepend(r#""checksum":"00""#)),
        ("orders", prepend(r#""orders":[]"#)),
        (
            "eventType null",
            prepend(r#""eventType":null,"eventType":null"#),
        ),
        (
            "data.smallcaseAuthId",
            signed_sample("10-pending-actions").replacen(
                r#""data":{"#,
                r#""data":{"smallcaseAuthId":"VICTIM","#,
                1,
            ),
        ),
        (
            "data",
            signed_sample("10-pending-actions").replacen(
                '{',
                r#"{"data":{"smallcaseAuthId":"VICTIM"},"#,
                1,
            ),
        ),
    ] {
        // serde_json keeps the last duplicate, so the checksum still matches.
        assert_eq!(
            verify(&provider(SECRET), &body).map(|_| ()),
            refused,
            "{name}"
        );
    }
    // A repeated field neither signed nor deciding the kind changes nothing signed.
    let status = prepend(r#""status":"X""#);
    assert!(verify(&provider(SECRET), &status).is_ok());
}

mod through_the_pipeline {
    use std::sync::Arc;

    use super::*;
    use crate::edge::answer::Answer;
    use crate::pipeline::ports::clock::ManualClock;
    use crate::config::PipelineSettings;
    use crate::pipeline::ports::MemoryStore;
    use crate::pipeline::Pipeline;
    use crate::pipeline::steps::bind::BOUND_TO_OTHER_KIND;
    use crate::pipeline::ports::MemoryQueue;

    struct Stack {
        pipeline: Pipeline<SmallcaseProvider, Arc<MemoryStore>, Arc<MemoryQueue>>,
        store: Arc<MemoryStore>,
        queue: Arc<MemoryQueue>,
        clock: Arc<ManualClock>,
    }

    /// The production defaults (no `MAX_EVENT_AGE_SECONDS`), the clock at `now`.
    fn stack(now: OffsetDateTime) -> Stack {
        let config = ConfigSource::from_pairs([
            ("EVENTS_TABLE", "t"),
            ("EVENTS_QUEUE_URL", "q.fifo"),
            (SECRET_VARIABLE, SECRET),
        ]);
        let settings = PipelineSettings::from_config(
            &config,
            crate::config::AwsSettings::default(),
            SmallcaseProvider::DEFAULT_MAX_EVENT_AGE,
        )
        .unwrap();
        assert_eq!(
            settings.max_event_age,
            Some(Duration::from_secs(4 * 86_400))
        );
        let store = Arc::new(MemoryStore::new());
        let queue = Arc::new(MemoryQueue::new());
        let clock = Arc::new(ManualClock::new(now));
        let pipeline = Pipeline::new(
            SmallcaseProvider::from_config(&config).unwrap(),
            store.clone(),
            queue.clone(),
            settings,
        )
        .with_clock(clock.clone());
        Stack {
            pipeline,
            store,
            queue,
            clock,
        }
    }

    impl Stack {
        async fn send(&self, body: &str) -> Answer {
            self.pipeline
                .handle(&WebhookRequest::post("/webhooks/smallcase", body))
                .await
        }
    }

    fn answer(status: u16, body: &str) -> Answer {
        Answer {
            status,
            body: body.to_owned(),
        }
    }

    fn accepted(new: usize, duplicates: usize) -> Answer {
        answer(
            200,
            &format!(r#"{{"accepted":{new},"duplicates":{duplicates}}}"#),
        )
    }

    #[tokio::test]
    async fn a_reminders_tuple_reused_for_another_kind_is_refused_and_writes_nothing() {
        let s = stack(datetime!(2021-06-01 10:00 UTC));
        let (reminder, forged) = reminder_tuple_reused();
        assert_eq!(s.send(&reminder).await, accepted(1, 0));
        let (items, messages) = (s.store.len(), s.queue.messages().len());
        assert_eq!((items, messages), (2, 1), "the binding and the claim");
        let refused = answer(401, &format!(r#"{{"error":"{BOUND_TO_OTHER_KIND}"}}"#));
        for (name, body) in &forged {
            assert_eq!(s.send(body).await, refused, "{name}");
            assert_eq!(s.store.len(), items, "{name}: no claim, no binding");
            assert_eq!(s.queue.messages().len(), messages, "{name}: no message");
        }
        // The genuine reminder, redelivered reformatted, is still a duplicate.
        let pretty =
            serde_json::to_string_pretty(&serde_json::from_str::<Value>(&reminder).unwrap())
                .unwrap();
        assert_eq!(s.send(&pretty).await, accepted(0, 1));
        // The same tuple in another reminder (content changed) is the same kind: accepted,
        // as any content under one captured checksum of one kind is (README).
        let edited = reminder.replace("Magic Formula", "Magic Formula 2");
        assert_eq!(s.send(&edited).await, accepted(1, 0));
    }

    #[tokio::test]
    async fn whichever_kind_comes_first_holds_the_tuple() {
        // The forged order batch first (a tuple never seen here): the genuine reminder
        // after it is the one refused. The binding cannot tell which is genuine; it
        // guarantees one kind per checksum (README, "Security notes").
        let s = stack(datetime!(2021-06-01 10:00 UTC));
        let (reminder, forged) = reminder_tuple_reused();
        assert_eq!(s.send(&forged[0].1).await, accepted(1, 0));
        assert_eq!(s.send(&reminder).await.status, 401);
        assert_eq!(s.queue.messages().len(), 1);
    }

    #[tokio::test]
    async fn placed_and_unplaced_of_one_batch_and_redeliveries_pass() {
        let s = stack(datetime!(2022-12-31 06:00 UTC));
        let placed = signed_sample("02-order-placed-amo");
        let unplaced = signed_sample("06-order-unplaced");
        assert_eq!(s.send(&placed).await, accepted(1, 0));
        assert_eq!(s.send(&unplaced).await, accepted(1, 0));
        assert_eq!(s.send(&placed).await, accepted(0, 1));
        assert_eq!(s.queue.messages().len(), 2);
        assert_eq!(s.store.len(), 3, "one binding, two claims");
    }

    #[tokio::test]
    async fn a_re_split_copy_of_a_genuine_body_is_refused() {
        let s = stack(datetime!(2022-12-31 06:00 UTC));
        let mut genuine = sample("01-order-placed");
        genuine["checksum"] = json!(VECTOR_CHECKSUM);
        assert_eq!(s.send(&genuine.to_string()).await, accepted(1, 0));
        let mut resplit = genuine.clone();
        resplit["timestamp"] = json!("2022-12-31T05:38:37.595Z5");
        resplit["smallcaseAuthId"] = json!("ef33705f610f80b5453b319");
        assert_eq!(s.send(&resplit.to_string()).await.status, 401);
        assert_eq!(s.queue.messages().len(), 1);
    }

    #[tokio::test]
    async fn the_production_window_is_four_days() {
        let body = signed_sample("01-order-placed");
        let signed = datetime!(2022-12-31 05:38:37.595 UTC);
        let too_old = answer(401, r#"{"error":"signed timestamp is too old"}"#);
        for (after, expected) in [
            (time::Duration::days(5), too_old.clone()),
            (
                time::Duration::days(4) + time::Duration::milliseconds(1),
                too_old,
            ),
            (time::Duration::days(4), accepted(1, 0)),
            (time::Duration::hours(47), accepted(1, 0)),
        ] {
            let s = stack(signed + after);
            assert_eq!(s.send(&body).await, expected, "{after}");
        }
    }

    #[tokio::test]
    async fn a_replay_at_the_last_accepted_instant_finds_claim_and_binding() {
        let signed = datetime!(2022-12-31 05:38:37.595 UTC);
        // First seen 5 minutes before its signed time (the most the rule allows).
        let s = stack(signed - time::Duration::minutes(5));
        let body = signed_sample("01-order-placed");
        assert_eq!(s.send(&body).await, accepted(1, 0));
        let last = signed + time::Duration::days(4);
        s.clock.set(last);
        assert_eq!(s.send(&body).await, accepted(0, 1));
        // …and another kind of the same tuple is still refused then.
        let mf = json!({"transactionId": "5ef33705f610f80b5453b319",
                        "timestamp": "2022-12-31T05:38:37.595Z", "checksum": VECTOR_CHECKSUM});
        assert_eq!(s.send(&mf.to_string()).await.status, 401);
        s.clock.set(last + time::Duration::milliseconds(1));
        assert_eq!(
            s.send(&body).await,
            answer(401, r#"{"error":"signed timestamp is too old"}"#)
        );
        assert_eq!(s.queue.messages().len(), 1);
    }
}

#[test]
fn kinds_round_trip_through_the_envelope_type() {
    for kind in SmallcaseEventKind::ALL {
        assert_eq!(
            SmallcaseEventKind::from_event_type(kind.event_type()),
            Some(kind)
        );
    }
    assert_eq!(SmallcaseEventKind::from_event_type("COMPLETE"), None);
}

#[test]
fn missing_secret_refuses_configuration() {
    let config = ConfigSource::from_pairs([("SMALLCASE_API_SECRET", " , ")]);
    assert_eq!(
        SmallcaseProvider::from_config(&config).unwrap_err(),
        ConfigError::Missing("SMALLCASE_API_SECRET")
    );
}

mod properties {
    use super::*;
    use proptest::prelude::*;

    fn order_body(auth_id: &str, timestamp: &str) -> Value {
        let mut body = sample("01-order-placed");
        body["smallcaseAuthId"] = json!(auth_id);
        body["timestamp"] = json!(timestamp);
        body
    }

    proptest! {
        #[test]
        fn arbitrary_bytes_never_panic(body in proptest::collection::vec(any::<u8>(), 0..512)) {
            let _ = provider(SECRET).verify(&WebhookRequest::post("/", body), &context());
        }

        #[test]
        fn arbitrary_json_objects_never_panic(
            body in proptest::collection::btree_map(
                prop_oneof![Just("checksum".to_owned()), Just("timestamp".to_owned()),
                            Just("smallcaseAuthId".to_owned()), Just("transactionId".to_owned()),
                            Just("eventType".to_owned()), Just("data".to_owned()),
                            Just("orders".to_owned()), Just("securities".to_owned())],
                prop_oneof![Just(json!(null)), Just(json!("x")), Just(json!(1)), Just(json!([])),
                            Just(json!({"smallcaseAuthId": "x"})),
                            Just(json!("2022-12-31T05:38:37.595Z")),
                            Just(json!("USER.PENDING_ACTIONS"))],
                0..8,
            )
        ) {
            let body: Map<String, Value> = body.into_iter().collect();
            let _ = verify(&provider(SECRET), &Value::Object(body).to_string());
        }

        #[test]
        fn any_change_to_the_checksum_is_rejected(position in 0usize..64, replacement in "[0-9a-f]") {
            let mut checksum = VECTOR_CHECKSUM.to_owned();
            prop_assume!(&checksum[position..position + 1] != replacement.as_str());
            checksum.replace_range(position..position + 1, &replacement);
            let mut body = sample("01-order-placed");
            body["checksum"] = json!(checksum);
            let result = verify(&provider(SECRET), &body.to_string()).map(|_| ());
            prop_assert_eq!(result, Err(WebhookError::Unauthorized("checksum mismatch")));
        }

        #[test]
        fn any_change_to_a_signed_field_is_rejected(
            in_timestamp in any::<bool>(), position in 0usize..24, replacement in "[0-9a-f]",
        ) {
            let (mut timestamp, mut auth_id) =
                ("2022-12-31T05:38:37.595Z".to_owned(), "5ef33705f610f80b5453b319".to_owned());
            let field = if in_timestamp { &mut timestamp } else { &mut auth_id };
            prop_assume!(&field[position..position + 1] != replacement.as_str());
            field.replace_range(position..position + 1, &replacement);
            let mut body = order_body(&auth_id, &timestamp);
            body["checksum"] = json!(VECTOR_CHECKSUM);
            let result = verify(&provider(SECRET), &body.to_string()).map(|_| ());
            // A changed timestamp may no longer parse, but the checksum fails first.
            prop_assert_eq!(result, Err(WebhookError::Unauthorized("checksum mismatch")));
        }

        #[test]
        fn valid_deliveries_always_verify(
            auth_id in "[0-9a-f]{24}", secret in "[A-Za-z0-9_]{1,40}",
            minute in 0u8..60, millis in 0u16..1000, kind in 0usize..4,
        ) {
            let timestamp = format!("2022-12-31T05:{minute:02}:37.{millis:03}Z");
            let (body, expected_type, expected_subject) = match kind {
                0 => (order_body(&auth_id, &timestamp), "SECURITIES_ORDER",
                      "TRX_59671f981a79466fb1be4d918dd3bc6a".to_owned()),
                1 => {
                    let mut body = sample("08-holdings-import-holdings-list");
                    body["smallcaseAuthId"] = json!(auth_id);
                    body["timestamp"] = json!(timestamp);
                    (body, "HOLDINGS_IMPORT", "TRX_7c30e4d9904f4f79b692f281a83cdc1f".to_owned())
                }
                2 => (json!({"transactionId": format!("TRX_{auth_id}"), "timestamp": timestamp}),
                      "MF_HOLDINGS_IMPORT", format!("TRX_{auth_id}")),
                _ => {
                    let mut body = sample("10-pending-actions");
                    body["data"]["smallcaseAuthId"] = json!(auth_id);
                    body["timestamp"] = json!(timestamp);
                    (body, "USER.PENDING_ACTIONS", auth_id.clone())
                }
            };
            let body = signed(body, &secret).to_string();
            let drafts = verify(&provider(&secret), &body).unwrap().into_value();
            prop_assert_eq!(drafts[0].event_type.as_str(), expected_type);
            prop_assert_eq!(&drafts[0].subject, &expected_subject);
        }
    }
}

/// Its own windows: smallcase retries at 15 min, 24 h and 48 h, with a day of margin.
#[test]
fn its_age_window_and_aws_budget_are_its_own() {
    assert_eq!(
        SmallcaseProvider::DEFAULT_MAX_EVENT_AGE,
        std::time::Duration::from_secs(4 * 24 * 3600)
    );
    assert_eq!(SmallcaseProvider::DEFAULT_AWS_RETRY_SECONDS, 5);
}
