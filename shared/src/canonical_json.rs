//! Canonical JSON and content-derived event ids.
//!
//! Providers without an event id (Kite, smallcase, OneMetric) are identified by the
//! SHA-256 of their canonical JSON: object keys sorted by code point, no insignificant
//! whitespace, strings re-escaped the way `serde_json` writes them, numbers as
//! `serde_json` prints them. Two deliveries with the same JSON content, whatever their
//! key order or whitespace, therefore get the same id.

use serde_json::Value;
use sha2::{Digest, Sha256};

/// Writes `value` in canonical form. Keys are sorted here explicitly, so the result does
/// not depend on whether `serde_json`'s `preserve_order` feature is enabled anywhere.
pub fn to_canonical_string(value: &Value) -> String {
    let mut out = String::new();
    write_canonical(value, &mut out);
    out
}

fn write_canonical(value: &Value, out: &mut String) {
    match value {
        Value::Object(map) => {
            let mut entries: Vec<(&String, &Value)> = map.iter().collect();
            entries.sort_by(|a, b| a.0.cmp(b.0));
            out.push('{');
            for (index, (key, item)) in entries.into_iter().enumerate() {
                if index > 0 {
                    out.push(',');
                }
                write_string(key, out);
                out.push(':');
                write_canonical(item, out);
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (index, item) in items.iter().enumerate() {
                if index > 0 {
                    out.push(',');
                }
                write_canonical(item, out);
            }
            out.push(']');
        }
        Value::String(s) => write_string(s, out),
        scalar => out.push_str(&scalar.to_string()),
    }
}

fn write_string(s: &str, out: &mut String) {
    // Serializing a &str cannot fail; the fallback keeps this panic-free regardless.
    out.push_str(&serde_json::to_string(s).unwrap_or_default());
}

/// Lowercase hex SHA-256 of the canonical form: the contract's derived event id.
pub fn content_id(value: &Value) -> String {
    hex::encode(Sha256::digest(to_canonical_string(value).as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn sorts_keys_and_drops_whitespace() {
        let a: Value =
            serde_json::from_str(r#"{ "b": [1, {"z": 1, "a": "é"}], "a": null }"#).unwrap();
        assert_eq!(
            to_canonical_string(&a),
            r#"{"a":null,"b":[1,{"a":"é","z":1}]}"#
        );
    }

    #[test]
    fn same_content_same_id() {
        let a: Value = serde_json::from_str(r#"{"x":"\u00e9","n":1.50,"k":true}"#).unwrap();
        let b: Value = serde_json::from_str("{\n \"k\": true, \"n\": 1.5, \"x\": \"é\"}").unwrap();
        assert_eq!(content_id(&a), content_id(&b));
        assert_ne!(
            content_id(&a),
            content_id(&json!({"x": "é", "n": 1.5, "k": false}))
        );
    }

    #[test]
    fn known_answer() {
        // sha256 of the 7 bytes {"a":1}
        assert_eq!(
            content_id(&json!({"a": 1})),
            "015abd7f5cc57a2dd94b7590f04ad8084273905ee33ec5cebeae62276a97f862"
        );
    }
}
