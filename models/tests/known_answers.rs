//! Every payload template in `events/<provider>/payloads/` parses into its typed model
//! through the one entry point, with exact decimals.

use std::path::{Path, PathBuf};

use brokerhooks_models::kite::{KiteMeta, KitePostback};
use brokerhooks_models::onemetric::{OneMetricEvent, OneMetricEventKind};
use brokerhooks_models::smallcase::{ImportedSecurities, PrivateSmallcases, SmallcaseEvent};
use brokerhooks_models::snaptrade::SnapTradeEvent;
use brokerhooks_models::upvest::UpvestObject;
use brokerhooks_models::{Decimal, Envelope, ProviderName, TypedEvent};
use serde_json::Value;

fn payload_files(provider: &str) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../events")
        .join(provider)
        .join("payloads");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "json"))
        // Drifted samples (what the receiver enqueues with a fallback) have their own test.
        .filter(|path| !name(path).contains("-drift-"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no samples in {}", dir.display());
    files
}

fn name(path: &Path) -> String {
    path.file_name().unwrap().to_string_lossy().into_owned()
}

/// An envelope as the receiver writes it, around `payload` (JSON text, unchanged).
fn envelope(provider: &str, event_type: &str, payload: &str) -> Envelope {
    let body = format!(
        r#"{{"id":"e","provider":"{provider}","type":"{event_type}","subject":"s","occurred_at":"2026-11-20T09:15:02Z","received_at":"2026-11-20T09:15:03Z","payload":{payload}}}"#
    );
    serde_json::from_str(&body).unwrap()
}

fn typed(provider: &str, event_type: &str, payload: &str) -> TypedEvent {
    envelope(provider, event_type, payload)
        .typed()
        .unwrap_or_else(|e| panic!("{provider} {event_type}: {e} / {}", e.detail()))
}

fn dec(text: &str) -> Decimal {
    Decimal::from_str_exact(text).unwrap()
}

/// Asserts the decimal equals `text` and prints as `text` (same digits, same scale).
fn exact(value: Option<Decimal>, text: &str) {
    let value = value.unwrap_or_else(|| panic!("expected {text}, got None"));
    assert_eq!(value.to_string(), text);
    assert_eq!(value, dec(text));
}

#[test]
fn kite_samples() {
    let mut postbacks = Vec::new();
    for file in payload_files("kite") {
        let text = std::fs::read_to_string(&file).unwrap();
        let status = serde_json::from_str::<Value>(&text).unwrap()["status"]
            .as_str()
            .unwrap()
            .to_owned();
        match typed("kite", &status, &text) {
            TypedEvent::Kite(postback) => postbacks.push((name(&file), postback)),
            other => panic!("{}: {other:?}", file.display()),
        }
    }
    assert_eq!(postbacks.len(), 5);
    let by_name = |n: &str| -> &KitePostback { &postbacks.iter().find(|(f, _)| f == n).unwrap().1 };
    let open = by_name("01-open.json");
    exact(open.price, "1480.5");
    exact(open.quantity, "10");
    assert_eq!(open.meta, Some(KiteMeta::Object(Default::default())));
    exact(by_name("03-complete.json").average_price, "1480.35");
    // `812.0` keeps its scale; `0` stays an integer.
    exact(by_name("04-cancelled.json").price, "812.0");
    let rejected = by_name("05-rejected-base64.json");
    exact(rejected.price, "0");
    assert_eq!(rejected.exchange_order_id, None);
    assert_eq!(rejected.status, "REJECTED");
}

#[test]
fn kite_reads_both_price_and_meta_shapes_and_fractional_quantities() {
    let integer = r#"{"order_id":"1","order_timestamp":"2022-03-03 09:24:25","status":"COMPLETE","price":470,"average_price":470,"meta":"","quantity":1.5}"#;
    let decimal = r#"{"order_id":"1","order_timestamp":"2022-03-03 09:24:25","status":"COMPLETE","price":376.35,"average_price":"376.35","meta":{"iceberg":{"legs":2}},"tags":["a"],"account_id":"X"}"#;
    let TypedEvent::Kite(first) = typed("kite", "COMPLETE", integer) else {
        panic!()
    };
    exact(first.price, "470");
    exact(first.quantity, "1.5");
    assert_eq!(first.meta, Some(KiteMeta::Text(String::new())));
    let TypedEvent::Kite(second) = typed("kite", "COMPLETE", decimal) else {
        panic!()
    };
    exact(second.price, "376.35");
    exact(second.average_price, "376.35");
    assert!(matches!(second.meta, Some(KiteMeta::Object(ref m)) if m.contains_key("iceberg")));
}

/// A reconciled Kite event's payload is the order book's entry as Kite answered it: no
/// `user_id`, `app_id` or `checksum`, and fields the postbacks do not carry (`modified`,
/// `tags`, `validity_ttl`, `auction_number`, nulls where an order never reached the
/// exchange). It reads as the same model.
#[test]
fn kite_order_book_entries_read_as_postbacks() {
    let entries = [
        r#"{"placed_by":"AB1234","order_id":"261120000112377","exchange_order_id":null,"parent_order_id":null,"status":"REJECTED","status_message":"margin","status_message_raw":"RMS:margin","order_timestamp":"2026-11-20 09:22:10","exchange_update_timestamp":null,"exchange_timestamp":null,"variety":"iceberg","modified":false,"exchange":"NSE","tradingsymbol":"SBIN","instrument_token":779521,"order_type":"LIMIT","transaction_type":"BUY","validity":"TTL","validity_ttl":2,"product":"CNC","quantity":200,"disclosed_quantity":0,"price":463,"trigger_price":0,"average_price":0,"filled_quantity":0,"pending_quantity":0,"cancelled_quantity":0,"market_protection":0,"meta":{"iceberg":{"leg":1,"legs":5}},"tag":"ice","tags":["ice"],"guid":"g-1"}"#,
        r#"{"placed_by":"AB1234","order_id":"261120000112301","exchange_order_id":"1300000001887410","parent_order_id":null,"status":"CANCELLED","status_message":null,"status_message_raw":null,"order_timestamp":"2026-11-20 09:18:03","exchange_update_timestamp":"2026-11-20 09:18:58","exchange_timestamp":"2026-11-20 09:18:04","variety":"auction","modified":false,"exchange":"NSE","tradingsymbol":"INFY","instrument_token":408065,"order_type":"LIMIT","transaction_type":"SELL","validity":"DAY","product":"CNC","quantity":60,"disclosed_quantity":0,"price":1502.5,"trigger_price":0,"average_price":0,"filled_quantity":0,"pending_quantity":60,"cancelled_quantity":0,"market_protection":0,"meta":{},"tag":null,"guid":null,"auction_number":"22"}"#,
    ];
    let TypedEvent::Kite(rejected) = typed("kite", "REJECTED", entries[0]) else {
        panic!()
    };
    assert_eq!((rejected.user_id, rejected.app_id), (None, None));
    assert_eq!(rejected.exchange_update_timestamp, None);
    exact(rejected.price, "463");
    let TypedEvent::Kite(cancelled) = typed("kite", "CANCELLED", entries[1]) else {
        panic!()
    };
    exact(cancelled.price, "1502.5");
    exact(cancelled.pending_quantity, "60");
    assert_eq!(
        cancelled.exchange_update_timestamp.as_deref(),
        Some("2026-11-20 09:18:58")
    );
}

#[test]
fn smallcase_samples() {
    let kinds = [
        ("01-order-placed.json", "SECURITIES_ORDER"),
        ("02-order-placed-amo.json", "SECURITIES_ORDER"),
        ("03-order-placed-limit-sl.json", "SECURITIES_ORDER"),
        ("04-order-completed.json", "SECURITIES_ORDER"),
        ("05-order-markedcomplete.json", "SECURITIES_ORDER"),
        ("06-order-unplaced.json", "SECURITIES_ORDER"),
        ("07-holdings-import-per-security.json", "HOLDINGS_IMPORT"),
        ("08-holdings-import-holdings-list.json", "HOLDINGS_IMPORT"),
        ("09-mf-holdings-import.json", "MF_HOLDINGS_IMPORT"),
        ("10-pending-actions.json", "USER.PENDING_ACTIONS"),
    ];
    let mut events = Vec::new();
    for file in payload_files("smallcase") {
        let (_, event_type) = kinds
            .iter()
            .find(|(n, _)| *n == name(&file))
            .unwrap_or_else(|| {
                panic!(
                    "{}: add the new sample's kind to this table",
                    file.display()
                )
            });
        let text = std::fs::read_to_string(&file).unwrap();
        match typed("smallcase", event_type, &text) {
            TypedEvent::Smallcase(event) => {
                assert_eq!(event.kind().event_type(), *event_type);
                events.push((name(&file), event));
            }
            other => panic!("{}: {other:?}", file.display()),
        }
    }
    let by_name = |n: &str| &events.iter().find(|(f, _)| f == n).unwrap().1;

    let SmallcaseEvent::SecuritiesOrder(completed) = by_name("04-order-completed.json") else {
        panic!()
    };
    exact(completed.buy_amount, "3858.25");
    exact(completed.sell_amount, "2547.14");
    let orders = completed.orders.as_ref().unwrap();
    exact(orders[0].average_price, "2547.14");
    exact(orders[0].filled_quantity, "1");
    let SmallcaseEvent::SecuritiesOrder(limit) = by_name("03-order-placed-limit-sl.json") else {
        panic!()
    };
    exact(limit.orders.as_ref().unwrap()[0].trigger_price, "1500");

    let SmallcaseEvent::HoldingsImport(list) = by_name("08-holdings-import-holdings-list.json")
    else {
        panic!()
    };
    let Some(ImportedSecurities::HoldingsList(holdings)) = &list.securities else {
        panic!("{:?}", list.securities)
    };
    // The issue's known answer: every digit of the average price survives.
    exact(holdings.holdings[0].average_price, "1474.2927272727275");
    exact(holdings.holdings[3].average_price, "4097.744285714286");
    exact(holdings.holdings[4].average_price, "200.40530153724868");
    exact(holdings.holdings[0].shares, "14");
    let private = list.smallcases.as_ref().unwrap().private.as_ref().unwrap();
    assert_eq!(private, &PrivateSmallcases::List(vec![]));

    let SmallcaseEvent::HoldingsImport(per_security) =
        by_name("07-holdings-import-per-security.json")
    else {
        panic!()
    };
    let Some(ImportedSecurities::PerSecurity(securities)) = &per_security.securities else {
        panic!()
    };
    exact(
        securities[0].holdings.as_ref().unwrap().average_price,
        "36.68",
    );
    let public = &per_security
        .smallcases
        .as_ref()
        .unwrap()
        .public
        .as_ref()
        .unwrap()[0];
    exact(
        public.stats.as_ref().unwrap().total_returns,
        "-36.65253999999927",
    );
    assert!(matches!(
        per_security.smallcases.as_ref().unwrap().private,
        Some(PrivateSmallcases::Summary(_))
    ));

    let SmallcaseEvent::PendingActions(actions) = by_name("10-pending-actions.json") else {
        panic!()
    };
    let investments = actions.data.investments.as_ref().unwrap();
    exact(investments[2].sip_action.as_ref().unwrap().amount, "85.64");
    exact(investments[0].fix_action.as_ref().unwrap().quantity, "11");

    let SmallcaseEvent::MfHoldingsImport(mf) = by_name("09-mf-holdings-import.json") else {
        panic!()
    };
    assert_eq!(mf.transaction_id, "TRX_3f1c2b9a8d7e4f60a1b2c3d4e5f60718");
}

#[test]
fn smallcase_order_quantities_may_be_fractional() {
    let body = r#"{"batchId":"b","transactionId":"TRX_1","smallcaseAuthId":"u","timestamp":"2022-12-31T05:38:37.595Z","orders":[{"quantity":0.25,"price":"100.10"}]}"#;
    let TypedEvent::Smallcase(SmallcaseEvent::SecuritiesOrder(batch)) =
        typed("smallcase", "SECURITIES_ORDER", body)
    else {
        panic!()
    };
    let order = &batch.orders.unwrap()[0];
    exact(order.quantity, "0.25");
    exact(order.price, "100.10");
}

#[test]
fn snaptrade_samples() {
    let mut count = 0;
    for file in payload_files("snaptrade") {
        let text = std::fs::read_to_string(&file).unwrap();
        let event_type = serde_json::from_str::<Value>(&text).unwrap()["eventType"]
            .as_str()
            .unwrap()
            .to_owned();
        let TypedEvent::SnapTrade(webhook) = typed("snaptrade", &event_type, &text) else {
            panic!("{}", file.display())
        };
        assert_eq!(webhook.event.event_type(), event_type, "{}", file.display());
        assert!(webhook.webhook_id.is_some(), "{}", file.display());
        // The deprecated secret is not modelled, so Debug cannot print it.
        assert!(!format!("{webhook:?}").contains("set-by-the-signer"));
        count += 1;
        if let SnapTradeEvent::TradeDetection(activity) | SnapTradeEvent::TradeUpdate(activity) =
            &webhook.event
        {
            let details = activity.details.as_ref().unwrap();
            let order = &details.orders.as_ref().unwrap()[0];
            exact(order.limit_price, "6.8500000000");
            exact(order.execution_price, "6.8400000000");
            assert_eq!(order.stop_price, None);
            let leg = &order.legs.as_ref().unwrap()[0];
            exact(leg.total_quantity, "25.000000000");
            assert_eq!(leg.total_quantity.unwrap().scale(), 9);
            assert_eq!(leg.canceled_quantity, None);
            if name(&file) == "15-trade-detection.json" {
                exact(details.detection_lag_seconds, "5.276");
            }
            if name(&file) == "33-oauth-trade-detection.json" {
                assert!(webhook.is_oauth());
                assert_eq!(
                    activity.account.connection.connection(),
                    Some("7c382af7-1faa-490c-8d10-b15e27a36a14")
                );
                exact(details.detection_lag_seconds, "12.0");
            }
        }
        if let SnapTradeEvent::AccountHoldingsUpdated(update) = &webhook.event
            && !webhook.is_oauth()
        {
            let details = update.details.as_ref().unwrap();
            assert_eq!(details.positions.as_ref().unwrap().success, Some(true));
        }
    }
    assert_eq!(count, 31);
}

#[derive(serde::Deserialize)]
struct UpvestBatch<'a> {
    #[serde(borrow)]
    payload: Vec<&'a serde_json::value::RawValue>,
}

#[test]
fn upvest_samples() {
    let mut events = 0;
    for file in payload_files("upvest") {
        let text = std::fs::read_to_string(&file).unwrap();
        // Each item of the batch becomes one envelope; its payload is the item's text.
        let batch: UpvestBatch = serde_json::from_str(&text).unwrap();
        let items = batch.payload;
        for item in items {
            let Some(event_type) = serde_json::from_str::<Value>(item.get()).unwrap()["type"]
                .as_str()
                .map(str::to_owned)
            else {
                // The drifted sample has no `type`: the receiver sends it as `UNPARSED`.
                assert!(
                    file.to_string_lossy().contains("drift"),
                    "{}",
                    file.display()
                );
                assert!(matches!(
                    typed("upvest", "UNPARSED", item.get()),
                    TypedEvent::Unparsed { .. }
                ));
                continue;
            };
            let TypedEvent::Upvest(event) = typed("upvest", &event_type, item.get()) else {
                panic!("{}", file.display())
            };
            assert_eq!(event.event_type.as_str(), event_type);
            events += 1;
            match &event.object {
                UpvestObject::Order(order) => {
                    // "250.00" keeps its two decimal places; null stays None.
                    exact(order.cash_amount, "250.00");
                    assert_eq!(order.cash_amount.unwrap().scale(), 2);
                    exact(order.fee, "0.00");
                    assert_eq!(order.quantity, None);
                    if event_type == "ORDER.FILLED" {
                        exact(order.filled_quantity, "2.54137");
                    }
                }
                UpvestObject::Execution(execution) => {
                    exact(execution.quantity, "2.54137");
                    exact(execution.share_price, "98.37");
                }
                UpvestObject::User(user) => assert!(user.status.is_some()),
                UpvestObject::Account(account) => {
                    assert_eq!(account.account_type.as_deref(), Some("TRADING"))
                }
                UpvestObject::Other(raw) => panic!("{event_type}: {raw:?}"),
            }
        }
    }
    assert_eq!(events, 14);
}

#[test]
fn upvest_amounts_keep_their_scale() {
    let body = r#"{"id":"e","type":"ORDER.NEW","object":{"id":"o","cash_amount":"100.00","quantity":"0.000001","fee":1.10}}"#;
    let TypedEvent::Upvest(event) = typed("upvest", "ORDER.NEW", body) else {
        panic!()
    };
    let UpvestObject::Order(order) = event.object else {
        panic!()
    };
    exact(order.cash_amount, "100.00");
    exact(order.quantity, "0.000001");
    exact(order.fee, "1.10");
}

#[test]
fn onemetric_samples() {
    let mut count = 0;
    for file in payload_files("onemetric") {
        let text = std::fs::read_to_string(&file).unwrap();
        let raw: Value = serde_json::from_str(&text).unwrap();
        let kind = OneMetricEventKind::from_pair(
            raw["event_type"].as_str().unwrap(),
            raw["sub_type"].as_str(),
        )
        .unwrap();
        let TypedEvent::OneMetric(event) = typed("onemetric", &kind.envelope_type(), &text) else {
            panic!("{}", file.display())
        };
        assert_eq!(event.kind(), Some(kind));
        assert!(event.time().is_some(), "{}", file.display());
        if let Some(user) = &event.user {
            let debug = format!("{event:?}");
            assert!(!debug.contains(user.email.as_deref().unwrap()), "{debug}");
            assert!(!debug.contains(user.name.as_deref().unwrap()), "{debug}");
        }
        count += 1;
        check_onemetric_values(&name(&file), &event);
    }
    assert_eq!(count, 10);
}

fn check_onemetric_values(file: &str, event: &OneMetricEvent) {
    let details = event.details.clone().unwrap_or_default();
    match file {
        "01-market-price-alert.json" => {
            exact(details.ltp, "30");
            exact(details.price_change_percentage, "10.0");
            assert_eq!(event.user, None);
        }
        "02-market-volume-alert.json" => {
            exact(details.ltp, "1512.4");
            exact(details.close, "1498.0");
            exact(details.volume, "2450000");
        }
        "05-transaction-new-purchase.json" => {
            exact(details.amount, "4999.0");
            assert_eq!(details.currency.as_deref(), Some("INR"));
        }
        "09-profile-details-updated.json" => {
            assert_eq!(
                details.updated_fields,
                Some(vec!["name".to_owned(), "email".to_owned()])
            );
        }
        _ => {}
    }
}

#[test]
fn unknown_types_unparsed_events_and_unknown_providers_are_variants_not_errors() {
    // Payloads that fit no model: not parsed for these variants.
    let junk = r#"{"anything":[1,2,3]}"#;
    assert_eq!(
        typed("smallcase", "USER.SOMETHING_NEW", junk),
        TypedEvent::UnknownType {
            provider: ProviderName::Smallcase,
            event_type: "USER.SOMETHING_NEW".to_owned()
        }
    );
    for (provider, event_type) in [
        ("snaptrade", "PORTFOLIO_REBALANCED"),
        ("upvest", "SAVINGS_PLAN.CREATED"),
        ("onemetric", "MARKET_GENERATED_ALERT.GAP_UP"),
        ("onemetric", "MARKET_GENERATED_ALERT"),
    ] {
        assert!(
            matches!(typed(provider, event_type, junk), TypedEvent::UnknownType { provider: p, .. } if p.as_str() == provider),
            "{provider} {event_type}"
        );
    }
    for provider in ProviderName::ALL {
        assert_eq!(
            typed(provider.as_str(), "UNPARSED", junk),
            TypedEvent::Unparsed { provider }
        );
    }
    assert_eq!(
        typed("generic-source", "UNPARSED", junk),
        TypedEvent::UnknownProvider {
            provider: "generic-source".to_owned(),
            event_type: "UNPARSED".to_owned()
        }
    );
    assert!(envelope("kite", "UNPARSED", junk).is_unparsed());
}

#[test]
fn a_payload_that_does_not_fit_its_model_is_an_error_without_payload_values() {
    let cases = [
        (
            "kite",
            "COMPLETE",
            r#"{"order_id":"1","status":"COMPLETE"}"#,
            "KitePostback",
        ),
        (
            "kite",
            "COMPLETE",
            r#"{"order_id":"1","order_timestamp":"t","status":"COMPLETE","price":"janesmith@example.com"}"#,
            "KitePostback",
        ),
        (
            "smallcase",
            "SECURITIES_ORDER",
            r#"{"orders":"RELIANCE"}"#,
            "OrderBatch",
        ),
        (
            "smallcase",
            "HOLDINGS_IMPORT",
            r#"{"transactionId":"t","smallcaseAuthId":"u","timestamp":"t","securities":"INFY"}"#,
            "HoldingsImport",
        ),
        (
            "snaptrade",
            "TRADE_DETECTION",
            r#"{"eventType":"TRADE_DETECTION","eventTimestamp":"t","details":{"orders":[{"limit_price":"six"}]}}"#,
            "SnapTradeWebhook",
        ),
        (
            "upvest",
            "ORDER.FILLED",
            r#"{"id":"e","type":"ORDER.FILLED","object":{"id":"o","cash_amount":"Jane Smith"}}"#,
            "UpvestEvent",
        ),
        (
            "onemetric",
            "USER_ACTIVITY.LOGIN",
            r#"{"event_type":"USER_ACTIVITY","sub_type":"LOGIN","time_stamp":"t","details":"Jane Smith"}"#,
            "OneMetricEvent",
        ),
    ];
    for (provider, event_type, payload, model) in cases {
        let error = envelope(provider, event_type, payload).typed().unwrap_err();
        assert_eq!(error.provider.as_str(), provider);
        assert_eq!(error.event_type, event_type);
        assert_eq!(error.model, model);
        let shown = format!("{error} {error:?}");
        assert!(shown.starts_with(&format!("{provider} payload of type {event_type} does not fit {model} (data error at line 1, column ")), "{shown}");
        for value in ["Jane", "janesmith", "RELIANCE", "INFY", "six"] {
            assert!(!shown.contains(value), "{shown}");
        }
    }
}

/// The drifted samples, typed under the envelope `type` the receiver gives them: an
/// unreadable type is `Unparsed`, a type the models do not know is `UnknownType`, and a
/// drift that left the type readable still reads into the provider's model.
#[test]
fn drifted_samples_read_as_their_envelopes_name_them() {
    let text = |provider: &str, file: &str| {
        std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../events")
                .join(provider)
                .join("payloads")
                .join(file),
        )
        .unwrap()
    };
    assert!(matches!(
        typed("kite", "UNPARSED", &text("kite", "06-drift-no-status.json")),
        TypedEvent::Unparsed { .. }
    ));
    match typed(
        "smallcase",
        "USER.SIP_REMINDER",
        &text("smallcase", "11-drift-unknown-event-type.json"),
    ) {
        TypedEvent::UnknownType { event_type, .. } => assert_eq!(event_type, "USER.SIP_REMINDER"),
        other => panic!("{other:?}"),
    }
    match typed(
        "snaptrade",
        "CONNECTION_ATTEMPTED",
        &text("snaptrade", "40-drift-no-user-id.json"),
    ) {
        TypedEvent::SnapTrade(webhook) => {
            assert_eq!(webhook.user_id, None);
            assert!(matches!(
                webhook.event,
                SnapTradeEvent::ConnectionAttempted(_)
            ));
        }
        other => panic!("{other:?}"),
    }
    match typed(
        "onemetric",
        "MARKET_GENERATED_ALERT.MARKET_PREV_HIGH_ALERT",
        &text("onemetric", "11-drift-second-document.json"),
    ) {
        TypedEvent::OneMetric(event) => {
            assert_eq!(event.kind(), Some(OneMetricEventKind::PreviousHighAlert));
            assert!(event.user.is_none());
        }
        other => panic!("{other:?}"),
    }
}
