//! The committed JSON Schemas in `models/schemas/` are the ones the models generate.

use brokerhooks_models::schema;
use brokerhooks_models::snaptrade::{KNOWN_EVENT_TYPES, SnapTradeEvent, SnapTradeWebhook};
use serde_json::json;

const REGENERATE: &str =
    "cargo run -p brokerhooks-models --features schema --example write-schemas";

#[test]
fn committed_schemas_match_the_models() {
    let dir = schema::committed_dir();
    let mut stale = Vec::new();
    let files = schema::all();
    for file in &files {
        let path = dir.join(file.file_name);
        let committed = std::fs::read_to_string(&path)
            .ok()
            .and_then(|text| serde_json::from_str::<serde_json::Value>(&text).ok());
        if committed.as_ref() != Some(&file.schema) {
            stale.push(file.file_name);
        }
    }
    // No schema file without a model behind it.
    let mut committed_names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    committed_names.sort();
    let mut generated_names: Vec<String> = files.iter().map(|f| f.file_name.to_owned()).collect();
    generated_names.sort();
    assert!(
        stale.is_empty() && committed_names == generated_names,
        "models/schemas/ is out of date with the models (stale: {stale:?}; committed: \
         {committed_names:?}; generated: {generated_names:?}). Regenerate with `{REGENERATE}` \
         and commit the result."
    );
}

fn schema(file_name: &str) -> serde_json::Value {
    schema::all()
        .into_iter()
        .find(|f| f.file_name == file_name)
        .unwrap()
        .schema
}

#[test]
fn decimals_are_marked_for_code_generators_in_each_field() {
    let kite = schema("kite-postback.json");
    // Inline, not a `$ref` to a shared definition (which generators turn into a wrapper
    // class): the field's own schema is the decimal, or null.
    let price = &kite["properties"]["price"]["anyOf"];
    assert_eq!(
        price[0]["anyOf"][0],
        json!({"type": "number", "format": "decimal"})
    );
    assert_eq!(price[0]["anyOf"][1]["type"], "string");
    assert_eq!(price[0]["anyOf"][1]["format"], "decimal");
    assert_eq!(price[1], json!({"type": "null"}));
    assert!(
        kite.get("$defs")
            .and_then(|defs| defs.get("Decimal"))
            .is_none()
    );
    // The checksum is not part of the model.
    assert!(kite["properties"].get("checksum").is_none());
    assert_eq!(
        kite["required"],
        json!(["order_id", "order_timestamp", "status"])
    );
}

/// The variants of a `oneOf` root: (name, pattern of the discriminating field, schema of
/// the field read by it).
fn variants(
    file: &serde_json::Value,
    by: &str,
    read: &str,
) -> Vec<(String, String, serde_json::Value)> {
    file["oneOf"]
        .as_array()
        .unwrap()
        .iter()
        .map(|one| {
            let name = one["$ref"].as_str().unwrap().trim_start_matches("#/$defs/");
            let variant = &file["$defs"][name];
            (
                name.to_owned(),
                variant["properties"][by]["pattern"]
                    .as_str()
                    .unwrap()
                    .to_owned(),
                variant["properties"][read].clone(),
            )
        })
        .collect()
}

#[test]
fn an_upvest_event_is_one_variant_per_modelled_category() {
    let upvest = schema("upvest-event.json");
    assert_eq!(
        variants(&upvest, "type", "object"),
        [
            (
                "UpvestOrderEvent",
                r"^ORDER(\.|$)",
                json!({"$ref": "#/$defs/Order"})
            ),
            (
                "UpvestExecutionEvent",
                r"^EXECUTION(\.|$)",
                json!({"$ref": "#/$defs/Execution"})
            ),
            (
                "UpvestUserEvent",
                r"^USER(\.|$)",
                json!({"$ref": "#/$defs/User"})
            ),
            (
                "UpvestAccountEvent",
                r"^ACCOUNT(\.|$)",
                json!({"$ref": "#/$defs/Account"})
            ),
            (
                "UpvestOtherEvent",
                r"^(?!(ORDER|EXECUTION|USER|ACCOUNT)(\.|$))",
                json!({"type": "object"})
            ),
        ]
        .map(|(name, pattern, object)| (name.to_owned(), pattern.to_owned(), object))
    );
    for (name, _, _) in variants(&upvest, "type", "object") {
        assert_eq!(
            upvest["$defs"][&name]["required"],
            json!(["id", "type", "object"]),
            "{name}"
        );
    }
}

#[test]
fn a_snaptrade_webhook_is_one_variant_per_details_shape() {
    let snaptrade = schema("snaptrade-webhook.json");
    let found = variants(&snaptrade, "eventType", "details");
    let expected = [
        (
            "SnapTradeHoldingsWebhook",
            "^(ACCOUNT_HOLDINGS_UPDATED)$",
            json!({"anyOf": [{"$ref": "#/$defs/HoldingsSyncDetails"}, {"type": "null"}]}),
        ),
        (
            "SnapTradeTradeWebhook",
            "^(TRADE_DETECTION|TRADE_UPDATE)$",
            json!({"anyOf": [{"$ref": "#/$defs/TradeDetails"}, {"type": "null"}]}),
        ),
        (
            "SnapTradeConnectionAttemptWebhook",
            "^(CONNECTION_ATTEMPTED)$",
            json!({"type": ["object", "null"]}),
        ),
        (
            "SnapTradeOtherWebhook",
            "^(?!(ACCOUNT_HOLDINGS_UPDATED|TRADE_DETECTION|TRADE_UPDATE|CONNECTION_ATTEMPTED)$)",
            json!(true),
        ),
    ]
    .map(|(name, pattern, details)| (name.to_owned(), pattern.to_owned(), details));
    assert_eq!(found, expected);
    // The types with their own variant are the ones the Rust model reads `details` for;
    // every other known type falls to the last variant.
    for event_type in KNOWN_EVENT_TYPES {
        let body = format!(
            r#"{{"eventType":"{event_type}","eventTimestamp":"2026-11-20T14:01:07+00:00","details":{{}}}}"#
        );
        let webhook: SnapTradeWebhook = serde_json::from_str(&body).unwrap();
        let reads_details = matches!(
            webhook.event,
            SnapTradeEvent::AccountHoldingsUpdated(_)
                | SnapTradeEvent::TradeDetection(_)
                | SnapTradeEvent::TradeUpdate(_)
                | SnapTradeEvent::ConnectionAttempted(_)
        );
        let named = expected[..3]
            .iter()
            .any(|(_, pattern, _)| pattern.contains(event_type));
        assert_eq!(reads_details, named, "{event_type}");
    }
}
