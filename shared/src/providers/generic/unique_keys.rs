//! Reading the sources document as JSON whose objects never repeat a key.
//!
//! `serde_json` keeps the last of two equal keys silently; in a document that holds
//! secrets and source names, a repeated key is an operator's mistake (two entries for one
//! source, two `secrets` lists) that must not be resolved by guessing.

use std::fmt;

use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};

/// Parses `text` as JSON, refusing any object with a repeated key. The error tells where
/// (line, column) and what kind of problem it is, never the text around it.
pub(crate) fn parse_unique_keys(text: &str) -> Result<Value, String> {
    serde_json::from_str::<UniqueKeys>(text)
        .map(|parsed| parsed.0)
        .map_err(|error| {
            let what = match error.classify() {
                serde_json::error::Category::Data => "a key repeated in one object",
                serde_json::error::Category::Eof => "not valid JSON (it ends too early)",
                _ => "not valid JSON",
            };
            format!("{what} at line {}, column {}", error.line(), error.column())
        })
}

struct UniqueKeys(Value);

impl<'de> Deserialize<'de> for UniqueKeys {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer
            .deserialize_any(UniqueKeysVisitor)
            .map(UniqueKeys)
    }
}

struct UniqueKeysVisitor;

impl<'de> Visitor<'de> for UniqueKeysVisitor {
    type Value = Value;

    fn expecting(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
        formatter.write_str("a JSON value")
    }

    fn visit_bool<E>(self, value: bool) -> Result<Value, E> {
        Ok(Value::Bool(value))
    }

    fn visit_i64<E>(self, value: i64) -> Result<Value, E> {
        Ok(Value::Number(value.into()))
    }

    fn visit_u64<E>(self, value: u64) -> Result<Value, E> {
        Ok(Value::Number(value.into()))
    }

    fn visit_f64<E>(self, value: f64) -> Result<Value, E> {
        // JSON text has no NaN or infinity, so this is always a number.
        Ok(Number::from_f64(value).map_or(Value::Null, Value::Number))
    }

    fn visit_str<E>(self, value: &str) -> Result<Value, E> {
        Ok(Value::String(value.to_owned()))
    }

    fn visit_string<E>(self, value: String) -> Result<Value, E> {
        Ok(Value::String(value))
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(UniqueKeys(item)) = seq.next_element()? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut object = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            if object.contains_key(&key) {
                // A fixed text: the key itself may be anything, a pasted secret included.
                return Err(de::Error::custom("repeated key"));
            }
            let UniqueKeys(value) = map.next_value()?;
            object.insert(key, value);
        }
        Ok(Value::Object(object))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_json_like_serde_json() {
        let text = r#"{"a": [1, -2, 3.5, true, null, "x"], "b": {"c": {}}}"#;
        assert_eq!(
            parse_unique_keys(text).unwrap(),
            serde_json::from_str::<Value>(text).unwrap()
        );
    }

    #[test]
    fn a_repeated_key_anywhere_is_refused_with_its_position_only() {
        let error = parse_unique_keys("{\"a\": {\"s3cr3t\": 1,\n \"s3cr3t\": 2}}").unwrap_err();
        assert_eq!(error, "a key repeated in one object at line 2, column 9");
        assert!(!error.contains("s3cr3t"));
        // Equal keys in different objects are fine.
        assert!(parse_unique_keys(r#"{"a": {"k": 1}, "b": {"k": 2}}"#).is_ok());
    }

    #[test]
    fn syntax_errors_give_a_position_never_the_text() {
        assert_eq!(
            parse_unique_keys("{\"secrets\": [\"whsec_abc\"").unwrap_err(),
            "not valid JSON (it ends too early) at line 1, column 24"
        );
        let error = parse_unique_keys("{\"secrets\": [whsec_abc]}").unwrap_err();
        assert_eq!(error, "not valid JSON at line 1, column 14");
        assert!(parse_unique_keys("{} x").is_err());
    }
}
