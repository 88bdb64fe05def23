//! Authenticated deliveries whose timestamps the envelope cannot carry, through every
//! receiver's pipeline: each one is enqueued (200) with the documented fallback, never a
//! panic or a 500. The values are ones that passed every signature check and used to
//! panic the `time` crate's conversion to UTC (a year out of its range once the offset
//! is applied), plus their neighbours: any sign, extreme years, odd offsets.

use brokerhooks::providers::{BuiltIn, Receiver};
use brokerhooks_testkit::local_secrets::{LocalSecrets, repo_root};
use brokerhooks_testkit::memory_pipeline::{enqueued, handle_all};
use brokerhooks_testkit::signers;
use serde_json::{Value, json};

/// Timestamps that read as nothing once converted to UTC, in each provider's formats,
/// and whether the end of one read as Kite's signed string (`order_id + order_timestamp`)
/// is a readable time in the future. Kite's documented rule for an unreadable signed
/// timestamp reads the time the signed string ends with (a re-split body is held to the
/// genuine one's window): `-9999-01-01 00:00:00` ends with `9999-01-01 00:00:00`, which
/// the freshness rule refuses (401), as it refuses any signed time that far ahead.
const UNREADABLE: [(&str, bool); 8] = [
    ("-9999-01-01 00:00:00", true),
    ("9999-12-31T23:59:59-01:00", false),
    ("9999-12-31T23:59:59.999999999-23:59", false),
    ("-0001-06-15T12:00:00Z", false),
    ("0000-01-01T00:00:00+00:01", false),
    ("10000-01-01 00:00:00", false),
    ("-9999-12-31T23:59:59+23:59", true),
    ("+9999-12-31T23:59:59-00:01", false),
];

fn config() -> Vec<(String, String)> {
    LocalSecrets::load_default()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect()
}

fn template(receiver: &str, file: &str) -> Value {
    let path = repo_root()
        .join("events")
        .join(receiver)
        .join("payloads")
        .join(file);
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
}

/// Each receiver's sample with every timestamp field set to `at`, the fallback tokens
/// that event must carry, and how many events the delivery holds.
fn cases(at: &str) -> Vec<(Receiver, Value, &'static str, usize)> {
    let mut kite = template("kite", "03-complete.json");
    kite["exchange_update_timestamp"] = json!(at);
    kite["order_timestamp"] = json!(at);
    let mut smallcase = template("smallcase", "01-order-placed.json");
    smallcase["timestamp"] = json!(at);
    let mut snaptrade = template("snaptrade", "04-connection-added.json");
    snaptrade["eventTimestamp"] = json!(at);
    let mut upvest = template("upvest", "03-orders-and-executions.json");
    let events = upvest["payload"].as_array_mut().unwrap();
    let count = events.len();
    for event in events {
        event["created_at"] = json!(at);
    }
    let mut onemetric = template("onemetric", "01-market-price-alert.json");
    onemetric["time_stamp"] = json!(at);
    let mut generic = template("generic", "01-payments-payment-settled.json");
    generic["payload"]["timestamp"] = json!(at);
    vec![
        (
            BuiltIn::Kite.into(),
            kite,
            "occurred_at,signed_timestamp",
            1,
        ),
        (
            BuiltIn::Smallcase.into(),
            smallcase,
            "occurred_at,signed_timestamp",
            1,
        ),
        (
            BuiltIn::SnapTrade.into(),
            snaptrade,
            "occurred_at,signed_timestamp",
            1,
        ),
        (BuiltIn::Upvest.into(), upvest, "occurred_at", count),
        (BuiltIn::OneMetric.into(), onemetric, "occurred_at", 1),
        (Receiver::Generic, generic, "occurred_at", 1),
    ]
}

#[tokio::test]
async fn every_receiver_enqueues_an_unreadable_timestamp_with_its_fallback() {
    let config = config();
    let secrets = LocalSecrets::load_default().unwrap();
    for (at, kite_ends_in_the_future) in UNREADABLE {
        for (receiver, payload, tokens, events) in cases(at) {
            let delivery = match receiver {
                Receiver::BuiltIn(provider) => signers::sign(provider, &payload, &secrets),
                Receiver::Generic => signers::generic::sign(&payload, &secrets),
            }
            .unwrap();
            let request = delivery.to_request();
            let handled = handle_all(receiver, &config, std::slice::from_ref(&request)).await;
            if receiver == Receiver::BuiltIn(BuiltIn::Kite) && kite_ends_in_the_future {
                assert_eq!(handled[0].answer.status, 401, "{at:?}");
                assert_eq!(
                    handled[0].answer.body,
                    r#"{"error":"signed timestamp is in the future"}"#
                );
                assert_eq!((handled[0].store_calls, handled[0].messages), (0, 0));
                continue;
            }
            assert_eq!(
                handled[0].answer.body,
                format!(r#"{{"accepted":{events},"duplicates":0}}"#),
                "{receiver} with {at:?}"
            );
            assert_eq!(handled[0].answer.status, 200, "{receiver} with {at:?}");
            let messages = enqueued(receiver, &config, &[request]).await;
            assert_eq!(messages.len(), events, "{receiver} with {at:?}");
            for message in &messages {
                assert_eq!(
                    message.fallback.as_deref(),
                    Some(tokens),
                    "{receiver} with {at:?}"
                );
                let envelope: Value = serde_json::from_str(&message.body).unwrap();
                // The stand-in is the receive time, which the envelope writes as usual.
                assert_eq!(
                    envelope["occurred_at"], envelope["received_at"],
                    "{receiver}"
                );
            }
        }
    }
}
