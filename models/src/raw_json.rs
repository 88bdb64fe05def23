//! JSON kept as the text it arrived as.

use std::fmt;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::value::RawValue;

/// A JSON value kept as its original text, so numbers keep every digit and parsing it
/// later (with [`RawJson::parse`]) is exact. `Debug` shows only its length: the text may
/// hold personal data that must not reach logs through a debug print.
#[derive(Clone)]
pub struct RawJson(Box<RawValue>);

impl RawJson {
    /// Wraps JSON text; `Err` when it is not valid JSON.
    pub fn from_string(json: String) -> Result<Self, serde_json::Error> {
        RawValue::from_string(json).map(RawJson)
    }

    /// The JSON text, exactly as received.
    pub fn get(&self) -> &str {
        self.0.get()
    }

    /// Parses the text into a model (exact decimals, see [`crate::exact_decimal`]).
    pub fn parse<T: DeserializeOwned>(&self) -> Result<T, serde_json::Error> {
        serde_json::from_str(self.0.get())
    }

    /// Parses the text into `T` inside another type's `Deserialize`, with the error
    /// converted to that deserializer's.
    pub(crate) fn parse_within<T: DeserializeOwned, E: serde::de::Error>(&self) -> Result<T, E> {
        self.parse().map_err(E::custom)
    }

    /// The first character of the value: `{`, `[`, `"`, a digit or `-`, `t`, `f`, `n`.
    pub(crate) fn first_char(&self) -> Option<char> {
        self.get().trim_start().chars().next()
    }
}

impl From<Box<RawValue>> for RawJson {
    fn from(raw: Box<RawValue>) -> Self {
        RawJson(raw)
    }
}

/// Equal when the texts are equal (not when they are equal as JSON).
impl PartialEq for RawJson {
    fn eq(&self, other: &Self) -> bool {
        self.get() == other.get()
    }
}

impl Eq for RawJson {}

impl fmt::Debug for RawJson {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RawJson(<{} bytes>)", self.get().len())
    }
}

impl<'de> Deserialize<'de> for RawJson {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Box::<RawValue>::deserialize(deserializer).map(RawJson)
    }
}

/// With serde_json, writes the text unchanged.
impl Serialize for RawJson {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(serializer)
    }
}

/// Any JSON value.
#[cfg(feature = "schema")]
impl schemars::JsonSchema for RawJson {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "AnyJson".into()
    }

    fn inline_schema() -> bool {
        true
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_text_and_hides_it_from_debug() {
        let raw = RawJson::from_string(r#"{"email":"a@example.com","n":2.50}"#.to_owned()).unwrap();
        assert_eq!(raw.get(), r#"{"email":"a@example.com","n":2.50}"#);
        assert_eq!(format!("{raw:?}"), "RawJson(<34 bytes>)");
        assert_eq!(serde_json::to_string(&raw).unwrap(), raw.get());
        assert!(RawJson::from_string("{".to_owned()).is_err());
    }
}
