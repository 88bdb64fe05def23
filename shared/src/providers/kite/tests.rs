use std::time::Duration;

use time::macros::datetime;

use super::*;
use crate::pipeline::FreshnessPolicy;

/// The verified vector from providers.md §2.2 (zerodha/kiteconnect-mocks postback.json).
const VECTOR_CHECKSUM: &str = "aa389e3f151b51d34809d96299463207da0353105274d9495bad54a38ec227c1";

fn postback(checksum: &str) -> String {
    format!(
        r#"{{"user_id":"AB1234","app_id":1234,"checksum":"{checksum}","placed_by":"AB1234","order_id":"220303000308932","exchange_order_id":"1000000001482421","parent_order_id":null,"status":"COMPLETE","status_message":null,"status_message_raw":null,"order_timestamp":"2022-03-03 09:24:25","exchange_update_timestamp":"2022-03-03 09:24:26","exchange_timestamp":"2022-03-03 09:24:25","variety":"regular","exchange":"NSE","tradingsymbol":"SBIN","instrument_token":779521,"order_type":"MARKET","transaction_type":"BUY","validity":"DAY","product":"CNC","quantity":1,"disclosed_quantity":0,"price":0,"trigger_price":0,"average_price":470,"filled_quantity":1,"pending_quantity":0,"cancelled_quantity":0,"market_protection":0,"meta":{{}},"tag":null,"guid":"XXXXXX"}}"#
    )
}

fn provider(secrets: &str) -> KiteProvider {
    KiteProvider::new(SecretList::parse(secrets).unwrap())
}

fn context() -> VerifyContext {
    VerifyContext {
        now: datetime!(2022-03-03 04:00:00 UTC),
        freshness: FreshnessPolicy::new(Some(Duration::from_secs(30 * 86400))),
    }
}

fn verify(provider: &KiteProvider, body: &str) -> Result<Verified<Vec<EventDraft>>, WebhookError> {
    provider.verify(&WebhookRequest::post("/webhooks/kite", body), &context())
}

#[test]
fn known_answer_vector() {
    assert_eq!(
        checksum_hex("220303000308932", "2022-03-03 09:24:25", "API_SECRET"),
        VECTOR_CHECKSUM
    );
    assert!(checksum_matches(
        "220303000308932",
        "2022-03-03 09:24:25",
        "API_SECRET",
        VECTOR_CHECKSUM
    ));
    assert!(checksum_matches(
        "220303000308932",
        "2022-03-03 09:24:25",
        "API_SECRET",
        &VECTOR_CHECKSUM.to_uppercase()
    ));
}

#[test]
fn the_mock_postback_verifies_and_normalizes() {
    let verified = verify(&provider("API_SECRET"), &postback(VECTOR_CHECKSUM)).unwrap();
    assert_eq!(verified.matched_secret(), 0);
    let drafts = verified.into_value();
    assert_eq!(drafts.len(), 1);
    let draft = &drafts[0];
    assert_eq!(draft.event_type, "COMPLETE");
    assert_eq!(draft.subject, "220303000308932");
    // exchange_update_timestamp, IST → UTC
    assert_eq!(draft.occurred_at, datetime!(2022-03-03 03:54:26 UTC));
    assert_eq!(draft.payload.get(), postback(VECTOR_CHECKSUM));
    assert_eq!(draft.id.len(), 64);
    assert_eq!(draft.fallback, crate::pipeline::fallback::Fallbacks::NONE);
    // order_timestamp, IST → UTC: what the claim's retention counts from.
    assert_eq!(draft.signed_at, Some(datetime!(2022-03-03 03:54:25 UTC)));
    assert!(verified_binding_is_none(&postback(VECTOR_CHECKSUM)));
}

/// Kite's checksum covers the order id, whose postbacks are all order updates: no binding.
fn verified_binding_is_none(body: &str) -> bool {
    verify(&provider("API_SECRET"), body)
        .unwrap()
        .signed_reading()
        .is_none()
}

#[test]
fn a_moved_boundary_between_order_id_and_order_timestamp_is_held_to_the_same_window() {
    let genuine = postback(VECTOR_CHECKSUM);
    let later = || {
        let mut late = context();
        late.now = datetime!(2030-01-01 00:00:00 UTC);
        late
    };
    for (order_id, order_timestamp) in [
        ("2203030003089322", "022-03-03 09:24:25"),
        ("22030300030893", "22022-03-03 09:24:25"),
    ] {
        let resplit = genuine.replace("220303000308932", order_id).replace(
            "2022-03-03 09:24:25\",\"exchange_update",
            &format!("{order_timestamp}\",\"exchange_update"),
        );
        assert!(resplit.contains(order_timestamp), "{order_id}");
        // Same checksum, same signed string: it verifies, but not past the window.
        let draft = only_draft(&resplit, &context());
        assert_eq!(draft.subject, order_id);
        assert_eq!(draft.signed_at, Some(datetime!(2022-03-03 03:54:25 UTC)));
        assert!(
            draft
                .fallback
                .contains(crate::pipeline::fallback::Fallback::SignedTimestamp)
        );
        assert_eq!(
            provider("API_SECRET")
                .verify(&WebhookRequest::post("/", resplit), &later())
                .map(|_| ()),
            Err(WebhookError::Unauthorized("signed timestamp is too old")),
            "{order_id}"
        );
    }
}

#[test]
fn a_signed_field_given_twice_is_refused() {
    let genuine = postback(VECTOR_CHECKSUM);
    let prepend = |member: &str| genuine.replacen('{', &format!("{{{member},"), 1);
    let refused = Err(WebhookError::Unauthorized(
        crate::text::duplicate_keys::DUPLICATE_SIGNED_FIELD,
    ));
    for member in [
        r#""order_id":"999999999999999""#,
        r#""order_timestamp":"2030-01-01 00:00:00""#,
        r#""checksum":"00""#,
        r#""order_\u0069d":"999999999999999""#,
    ] {
        // serde_json keeps the last duplicate, so the checksum still matches.
        assert_eq!(
            verify(&provider("API_SECRET"), &prepend(member)).map(|_| ()),
            refused,
            "{member}"
        );
    }
    // An unsigned field given twice adds nothing a captured checksum does not already allow.
    assert!(verify(&provider("API_SECRET"), &prepend(r#""status":"CANCELLED""#)).is_ok());
}

#[test]
fn occurred_at_falls_back_to_order_timestamp() {
    let body = postback(VECTOR_CHECKSUM).replace(
        r#""exchange_update_timestamp":"2022-03-03 09:24:26""#,
        r#""exchange_update_timestamp":null"#,
    );
    let drafts = verify(&provider("API_SECRET"), &body).unwrap().into_value();
    assert_eq!(drafts[0].occurred_at, datetime!(2022-03-03 03:54:25 UTC));
}

#[test]
fn second_rotated_secret_is_reported_by_position() {
    let verified = verify(
        &provider("NEW_SECRET,API_SECRET"),
        &postback(VECTOR_CHECKSUM),
    )
    .unwrap();
    assert_eq!(verified.matched_secret(), 1);
}

#[test]
fn reformatted_redelivery_has_the_same_id_and_other_postbacks_differ() {
    let a = verify(&provider("API_SECRET"), &postback(VECTOR_CHECKSUM))
        .unwrap()
        .into_value();
    let value: serde_json::Value = serde_json::from_str(&postback(VECTOR_CHECKSUM)).unwrap();
    let pretty = serde_json::to_string_pretty(&value).unwrap();
    let b = verify(&provider("API_SECRET"), &pretty)
        .unwrap()
        .into_value();
    assert_eq!(a[0].id, b[0].id);
    let update =
        postback(VECTOR_CHECKSUM).replace(r#""status":"COMPLETE""#, r#""status":"UPDATE""#);
    let c = verify(&provider("API_SECRET"), &update)
        .unwrap()
        .into_value();
    assert_ne!(a[0].id, c[0].id);
    assert_eq!(c[0].event_type, "UPDATE");
}

#[test]
fn negative_cases() {
    let good = postback(VECTOR_CHECKSUM);
    let unauthorized = |reason| Err(WebhookError::Unauthorized(reason));
    let cases: Vec<(&str, String, Result<(), WebhookError>)> = vec![
        (
            "wrong secret",
            good.clone(),
            unauthorized("checksum mismatch"),
        ),
        (
            "missing checksum",
            good.replace(&format!(r#""checksum":"{VECTOR_CHECKSUM}","#), ""),
            unauthorized("missing checksum"),
        ),
        (
            "empty checksum",
            postback(""),
            unauthorized("missing checksum"),
        ),
        (
            "truncated checksum",
            postback(&VECTOR_CHECKSUM[..32]),
            unauthorized("checksum mismatch"),
        ),
        (
            "garbled checksum",
            postback(&"z".repeat(64)),
            unauthorized("checksum mismatch"),
        ),
        (
            "base64 instead of hex",
            postback("qjiePxUbUdNICdliKUYyB9oDUxBSdNlJW61Uo47CJ8E="),
            unauthorized("checksum mismatch"),
        ),
        (
            "order_id changed",
            good.replace("220303000308932", "220303000308933"),
            unauthorized("checksum mismatch"),
        ),
        (
            "timestamp changed",
            good.replace(
                r#""order_timestamp":"2022-03-03 09:24:25""#,
                r#""order_timestamp":"2022-03-03 09:24:24""#,
            ),
            unauthorized("checksum mismatch"),
        ),
        (
            "not json",
            "order_id=1".to_owned(),
            Err(WebhookError::bad_request("body is not valid JSON")),
        ),
        (
            "array",
            format!("[{good}]"),
            Err(WebhookError::bad_request("body is not a JSON object")),
        ),
        (
            "empty body",
            String::new(),
            Err(WebhookError::bad_request("body is not valid JSON")),
        ),
        (
            "missing order_id",
            good.replace(r#""order_id":"220303000308932","#, ""),
            Err(WebhookError::bad_request(
                "missing or non-string field order_id",
            )),
        ),
        (
            "numeric order_id",
            good.replace(
                r#""order_id":"220303000308932""#,
                r#""order_id":220303000308932"#,
            ),
            Err(WebhookError::bad_request(
                "missing or non-string field order_id",
            )),
        ),
    ];
    for (name, body, expected) in cases {
        let secret = if name == "wrong secret" {
            "OTHER"
        } else {
            "API_SECRET"
        };
        let result = verify(&provider(secret), &body).map(|_| ());
        assert_eq!(result, expected, "case: {name}");
    }
}

/// The mock postback edited, then signed again with `API_SECRET`: authentic drift.
fn drifted(edit: impl FnOnce(&mut serde_json::Map<String, serde_json::Value>)) -> String {
    let mut body: serde_json::Value = serde_json::from_str(&postback(VECTOR_CHECKSUM)).unwrap();
    let object = body.as_object_mut().unwrap();
    edit(object);
    let field = |name: &str| object[name].as_str().unwrap().to_owned();
    let checksum = checksum_hex(&field("order_id"), &field("order_timestamp"), "API_SECRET");
    object.insert("checksum".to_owned(), checksum.into());
    body.to_string()
}

fn only_draft(body: &str, context: &VerifyContext) -> EventDraft {
    let request = WebhookRequest::post("/webhooks/kite", body);
    let mut drafts = provider("API_SECRET")
        .verify(&request, context)
        .unwrap()
        .into_value();
    assert_eq!(drafts.len(), 1);
    drafts.remove(0)
}

#[test]
fn authentic_drift_is_enqueued_with_its_fallbacks() {
    use crate::pipeline::fallback::{Fallback, Fallbacks};
    let now = context().now;
    let stamp_drift = |body: &mut serde_json::Map<String, serde_json::Value>| {
        body.insert("order_timestamp".into(), "03-03-2022 09:24:25".into());
    };
    // Name, body, type, occurred_at, fallbacks.
    let cases = [
        (
            "no status",
            drifted(|b| {
                b.remove("status");
            }),
            "UNPARSED",
            datetime!(2022-03-03 03:54:26 UTC),
            Fallbacks::NONE.with(Fallback::EventType),
        ),
        (
            "numeric status",
            drifted(|b| {
                b.insert("status".into(), 5.into());
            }),
            "UNPARSED",
            datetime!(2022-03-03 03:54:26 UTC),
            Fallbacks::NONE.with(Fallback::EventType),
        ),
        (
            "an unknown status is no fallback",
            drifted(|b| {
                b.insert("status".into(), "PARTIALLY EXPIRED".into());
            }),
            "PARTIALLY EXPIRED",
            datetime!(2022-03-03 03:54:26 UTC),
            Fallbacks::NONE,
        ),
        (
            "order_timestamp in another format, exchange time readable",
            drifted(stamp_drift),
            "COMPLETE",
            datetime!(2022-03-03 03:54:26 UTC),
            Fallbacks::NONE.with(Fallback::SignedTimestamp),
        ),
        (
            "order_timestamp in another format, no exchange time",
            drifted(|b| {
                stamp_drift(b);
                b.insert("exchange_update_timestamp".into(), serde_json::Value::Null);
            }),
            "COMPLETE",
            now,
            Fallbacks::NONE
                .with(Fallback::OccurredAt)
                .with(Fallback::SignedTimestamp),
        ),
        (
            "both timestamps in another format, no status",
            drifted(|b| {
                stamp_drift(b);
                b.insert("exchange_update_timestamp".into(), "yesterday".into());
                b.remove("status");
            }),
            "UNPARSED",
            now,
            Fallbacks::NONE
                .with(Fallback::EventType)
                .with(Fallback::OccurredAt)
                .with(Fallback::SignedTimestamp),
        ),
        (
            "RFC 3339 timestamps are read",
            drifted(|b| {
                b.insert("order_timestamp".into(), "2022-03-03T09:24:25+05:30".into());
                b.insert(
                    "exchange_update_timestamp".into(),
                    "2022-03-03T03:54:27Z".into(),
                );
            }),
            "COMPLETE",
            datetime!(2022-03-03 03:54:27 UTC),
            Fallbacks::NONE,
        ),
    ];
    for (name, body, event_type, occurred_at, fallback) in cases {
        let draft = only_draft(&body, &context());
        let value: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(
            draft.id,
            crate::text::canonical_json::content_id(&value),
            "{name}"
        );
        assert_eq!(draft.event_type, event_type, "{name}");
        assert_eq!(draft.subject, "220303000308932", "{name}");
        assert_eq!(draft.occurred_at, occurred_at, "{name}");
        assert_eq!(draft.fallback, fallback, "{name}");
        assert_eq!(draft.payload.get(), body, "{name}");

        // Tampered copies stay refused: another order id, or another secret's checksum.
        let forged = body.replace("220303000308932", "220303000308933");
        assert_eq!(
            verify(&provider("API_SECRET"), &forged).map(|_| ()),
            Err(WebhookError::Unauthorized("checksum mismatch")),
            "{name}"
        );
        assert_eq!(
            verify(&provider("OTHER"), &body).map(|_| ()),
            Err(WebhookError::Unauthorized("checksum mismatch")),
            "{name}"
        );
    }
}

#[test]
fn an_unreadable_signed_timestamp_skips_freshness_and_a_readable_one_does_not() {
    let mut late = context();
    late.now = datetime!(2030-01-01 00:00:00 UTC);
    let drift = drifted(|b| {
        b.insert("order_timestamp".into(), "03-03-2022 09:24:25".into());
    });
    assert_eq!(
        only_draft(&drift, &late).occurred_at,
        datetime!(2022-03-03 03:54:26 UTC)
    );
    let iso = drifted(|b| {
        b.insert("order_timestamp".into(), "2022-03-03T09:24:25+05:30".into());
    });
    assert_eq!(
        verify(&provider("API_SECRET"), &iso).map(|_| ()),
        Ok(()),
        "within the window"
    );
    assert_eq!(
        provider("API_SECRET")
            .verify(&WebhookRequest::post("/", iso), &late)
            .map(|_| ()),
        Err(WebhookError::Unauthorized("signed timestamp is too old"))
    );
}

#[test]
fn stale_and_future_postbacks_are_refused() {
    let p = provider("API_SECRET");
    let request = WebhookRequest::post("/", postback(VECTOR_CHECKSUM));
    let mut ctx = context();
    ctx.now = datetime!(2022-04-03 04:00:00 UTC);
    assert_eq!(
        p.verify(&request, &ctx).map(|_| ()),
        Err(WebhookError::Unauthorized("signed timestamp is too old"))
    );
    ctx.now = datetime!(2022-03-03 03:40:00 UTC);
    assert_eq!(
        p.verify(&request, &ctx).map(|_| ()),
        Err(WebhookError::Unauthorized(
            "signed timestamp is in the future"
        ))
    );
    ctx.freshness = FreshnessPolicy::new(None);
    ctx.now = datetime!(2030-01-01 00:00:00 UTC);
    assert!(p.verify(&request, &ctx).is_ok());
}

#[test]
fn missing_secret_refuses_configuration() {
    let config = ConfigSource::from_pairs([("KITE_API_SECRET", "")]);
    assert_eq!(
        KiteProvider::from_config(&config).unwrap_err(),
        ConfigError::Missing("KITE_API_SECRET")
    );
}

mod properties {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn arbitrary_bytes_never_panic(body in proptest::collection::vec(any::<u8>(), 0..512)) {
            let _ = provider("API_SECRET").verify(&WebhookRequest::post("/", body), &context());
        }

        #[test]
        fn any_change_to_the_checksum_is_rejected(position in 0usize..64, replacement in "[0-9a-f]") {
            let mut checksum = VECTOR_CHECKSUM.to_owned();
            prop_assume!(&checksum[position..position + 1] != replacement.as_str());
            checksum.replace_range(position..position + 1, &replacement);
            let result = verify(&provider("API_SECRET"), &postback(&checksum)).map(|_| ());
            prop_assert_eq!(result, Err(WebhookError::Unauthorized("checksum mismatch")));
        }

        #[test]
        fn valid_postbacks_always_verify(order_id in "[0-9]{1,20}", secret in "[A-Za-z0-9_]{1,40}", minute in 0u8..60) {
            let ts = format!("2022-03-03 08:{minute:02}:25");
            let body = serde_json::json!({
                "order_id": order_id, "order_timestamp": ts, "status": "COMPLETE",
                "checksum": checksum_hex(&order_id, &ts, &secret),
            }).to_string();
            let drafts = verify(&provider(&secret), &body).unwrap().into_value();
            prop_assert_eq!(&drafts[0].subject, &order_id);
        }
    }
}

/// Its own windows: Kite never retries: a postback may come days after the order was placed, and one invocation rides out an outage.
#[test]
fn its_age_window_and_aws_budget_are_its_own() {
    assert_eq!(
        KiteProvider::DEFAULT_MAX_EVENT_AGE,
        std::time::Duration::from_secs(30 * 24 * 3600)
    );
    assert_eq!(KiteProvider::DEFAULT_AWS_RETRY_SECONDS, 12);
}

#[test]
fn a_postback_carries_the_identity_of_the_order_state_it_reports() {
    let drafts = verify(&provider("API_SECRET"), &postback(VECTOR_CHECKSUM))
        .unwrap()
        .into_value();
    // The same state as the book's entry for the order (order_state's known answer).
    assert_eq!(
        drafts[0].state_key.as_deref(),
        Some("683bda7a8bae87f27981c9536ed048361d906e5b1db54e9b84647716b920f638")
    );
    // A modification without a fill reports no state a record can prove: no identity.
    let modified = postback(VECTOR_CHECKSUM)
        .replace(r#""status":"COMPLETE""#, r#""status":"UPDATE""#)
        .replace(r#""filled_quantity":1"#, r#""filled_quantity":0"#);
    let drafts = verify(&provider("API_SECRET"), &modified).unwrap().into_value();
    assert_eq!(drafts[0].state_key, None);
}
