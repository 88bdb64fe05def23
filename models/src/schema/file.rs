//! One JSON Schema file (draft 2020-12) generated from a Rust model: what each provider
//! module lists in its `schemas()`.

use schemars::JsonSchema;
use schemars::generate::SchemaSettings;
use serde_json::Value;

/// One schema file: its name under `models/schemas/`, and its content.
pub struct SchemaFile {
    pub file_name: &'static str,
    pub schema: Value,
}

impl SchemaFile {
    /// The schema of `T`, as a consumer deserializes it, in file `file_name`.
    pub fn of<T: JsonSchema>(file_name: &'static str) -> Self {
        let schema = SchemaSettings::draft2020_12()
            .for_deserialize()
            .into_generator()
            .into_root_schema_for::<T>();
        SchemaFile {
            file_name,
            schema: schema.to_value(),
        }
    }
}
