//! JSON Schema (draft 2020-12) of the envelope and of every provider's payload models,
//! generated from the Rust types. The committed copies live in `models/schemas/`;
//! regenerate them after changing a model with
//! `cargo run -p brokerhooks-models --features schema --example write-schemas`
//! (a test fails while they differ).

use std::path::{Path, PathBuf};

use schemars::JsonSchema;
use schemars::generate::SchemaSettings;
use serde_json::Value;

use crate::envelope::Envelope;
use crate::kite::KitePostback;
use crate::onemetric::OneMetricEvent;
use crate::smallcase::{HoldingsImport, MfHoldingsImport, OrderBatch, PendingActions};
use crate::snaptrade::SnapTradeWebhook;
use crate::upvest::UpvestEvent;

/// One schema file: its name under `models/schemas/`, and its content.
pub struct SchemaFile {
    pub file_name: &'static str,
    pub schema: Value,
}

fn schema_of<T: JsonSchema>() -> Value {
    let schema = SchemaSettings::draft2020_12()
        .for_deserialize()
        .into_generator()
        .into_root_schema_for::<T>();
    schema.to_value()
}

/// Every schema, in a fixed order.
pub fn all() -> Vec<SchemaFile> {
    let file = |file_name, schema| SchemaFile { file_name, schema };
    vec![
        file("envelope.json", schema_of::<Envelope>()),
        file("kite-postback.json", schema_of::<KitePostback>()),
        file("smallcase-securities-order.json", schema_of::<OrderBatch>()),
        file(
            "smallcase-holdings-import.json",
            schema_of::<HoldingsImport>(),
        ),
        file(
            "smallcase-mf-holdings-import.json",
            schema_of::<MfHoldingsImport>(),
        ),
        file(
            "smallcase-pending-actions.json",
            schema_of::<PendingActions>(),
        ),
        file("snaptrade-webhook.json", schema_of::<SnapTradeWebhook>()),
        file("upvest-event.json", schema_of::<UpvestEvent>()),
        file("onemetric-event.json", schema_of::<OneMetricEvent>()),
    ]
}

/// `models/schemas/` of this crate's source tree.
pub fn committed_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("schemas")
}

/// The file text: pretty JSON with a final newline.
pub fn to_file_text(schema: &Value) -> String {
    let mut text = serde_json::to_string_pretty(schema).unwrap_or_default();
    text.push('\n');
    text
}

/// Writes every schema into `dir`.
pub fn write_all(dir: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    for file in all() {
        std::fs::write(dir.join(file.file_name), to_file_text(&file.schema))?;
    }
    Ok(())
}
