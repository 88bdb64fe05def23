//! JSON Schema (draft 2020-12) of the envelope and of every provider's payload models,
//! generated from the Rust types: the envelope's here, each provider's from its module
//! (`crate::<name>::schemas`, for every provider of the list). The committed copies live
//! in `models/schemas/`; regenerate them after changing a model with
//! `cargo run -p brokerhooks-models --features schema --example write-schemas`
//! (a test fails while they differ).

pub mod file;

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::envelope::Envelope;
pub use file::SchemaFile;

macro_rules! provider_schemas {
    ($($variant:ident => $name:ident),+ $(,)?) => {
        /// Every provider's schema files, in the list's order.
        fn provider_schemas() -> Vec<SchemaFile> {
            let mut files = Vec::new();
            $(files.extend(crate::$name::schemas());)+
            files
        }
    };
}
crate::providers!(provider_schemas);

/// Every schema, in a fixed order: the envelope's, then each provider's.
pub fn all() -> Vec<SchemaFile> {
    let mut files = vec![SchemaFile::of::<Envelope>("envelope.json")];
    files.extend(provider_schemas());
    files
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
