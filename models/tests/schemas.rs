//! The committed JSON Schemas in `models/schemas/` are the ones the models generate.

use brokerhooks_models::schema;

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

#[test]
fn decimals_are_marked_for_code_generators() {
    let kite = schema::all()
        .into_iter()
        .find(|f| f.file_name == "kite-postback.json")
        .unwrap()
        .schema;
    assert_eq!(
        kite["properties"]["price"]["anyOf"][0]["$ref"],
        "#/$defs/Decimal"
    );
    assert_eq!(kite["$defs"]["Decimal"]["anyOf"][0]["format"], "decimal");
    assert_eq!(kite["$defs"]["Decimal"]["anyOf"][1]["type"], "string");
    // The checksum is not part of the model.
    assert!(kite["properties"].get("checksum").is_none());
    assert_eq!(
        kite["required"],
        serde_json::json!(["order_id", "order_timestamp", "status"])
    );
}
