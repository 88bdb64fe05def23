//! Authenticated deliveries whose timestamps the envelope cannot carry, through every
//! receiver's pipeline: each one is enqueued (200) with the documented fallback, never a
//! panic or a 500. The values are ones that passed every signature check and used to
//! panic the `time` crate's conversion to UTC (a year out of its range once the offset
//! is applied), plus their neighbours: any sign, extreme years, odd offsets.

use brokerhooks::providers::{BuiltIn, Receiver};
use brokerhooks_testkit::local_secrets::{LocalSecrets, repo_root};
use brokerhooks_testkit::memory_pipeline::{enqueued, handle_all};
use brokerhooks_testkit::providers::{self, kit};
use serde_json::{Value, json};

/// Timestamps that read as nothing once converted to UTC, in each provider's formats,
/// and whether the end of one, read as the end of a signed string (Kite signs
/// `order_id + order_timestamp`), is a readable time in the future. Kite's documented rule for an unreadable signed
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

/// Each receiver's sample with every timestamp field set to `at` (the built-in providers'
/// from their kits), the fallback tokens that event must carry, how many events the
/// delivery holds, and whether its signed time is then read at the signed string's end.
fn cases(at: &str) -> Vec<(Receiver, Value, &'static str, usize, bool)> {
    let mut cases: Vec<_> = BuiltIn::ALL
        .into_iter()
        .map(|provider| {
            let kit = kit(provider);
            let mut payload = template(provider.name(), kit.timestamps.template);
            (kit.timestamps.set)(&mut payload, at);
            let events = (kit.events_per_delivery)(&payload);
            let fallback = kit.timestamps.fallback;
            let at_the_end = kit.timestamps.signed_time_at_the_end;
            (provider.into(), payload, fallback, events, at_the_end)
        })
        .collect();
    // Configured sources: the `payments` source maps `occurred_at` from `/timestamp`.
    let mut generic = template("generic", "01-payments-payment-settled.json");
    generic["payload"]["timestamp"] = json!(at);
    cases.push((Receiver::Generic, generic, "occurred_at", 1, false));
    cases
}

#[tokio::test]
async fn every_receiver_enqueues_an_unreadable_timestamp_with_its_fallback() {
    let config = config();
    let secrets = LocalSecrets::load_default().unwrap();
    for (at, ends_in_the_future) in UNREADABLE {
        for (receiver, payload, tokens, events, at_the_end) in cases(at) {
            let delivery = match receiver {
                Receiver::BuiltIn(provider) => providers::sign(provider, &payload, &secrets),
                Receiver::Generic => providers::generic::sign(&payload, &secrets),
            }
            .unwrap();
            let request = delivery.to_request();
            let handled = handle_all(receiver, &config, std::slice::from_ref(&request)).await;
            if at_the_end && ends_in_the_future {
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
                // A provider without timestamps declares no tokens: nothing falls back.
                let expected = Some(tokens).filter(|tokens| !tokens.is_empty());
                assert_eq!(
                    message.fallback.as_deref(),
                    expected,
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
