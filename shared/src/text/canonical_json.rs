//! Canonical JSON and content-derived event ids.
//!
//! Providers without an event id (Kite, smallcase, OneMetric) are identified by the
//! SHA-256 of their canonical JSON: object keys sorted by code point, no insignificant
//! whitespace, strings re-escaped the way `serde_json` writes them, numbers as
//! `serde_json` prints them. Two deliveries with the same JSON content, whatever their
//! key order or whitespace, therefore get the same id.

use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

/// Writes `value` in canonical form. Keys are sorted here explicitly, so the result does
/// not depend on whether `serde_json`'s `preserve_order` feature is enabled anywhere.
pub fn to_canonical_string(value: &Value) -> String {
    let mut out = Vec::with_capacity(256);
    write_canonical(value, &mut out);
    // Only JSON text (valid UTF-8) was written.
    String::from_utf8(out).unwrap_or_default()
}

fn write_canonical(value: &Value, out: &mut Vec<u8>) {
    match value {
        Value::Object(map) => write_object(map, out),
        Value::Array(items) => {
            out.push(b'[');
            for (index, item) in items.iter().enumerate() {
                if index > 0 {
                    out.push(b',');
                }
                write_canonical(item, out);
            }
            out.push(b']');
        }
        Value::String(s) => write_string(s, out),
        // Scalars print the same way serde_json writes them.
        scalar => {
            let _ = serde_json::to_writer(&mut *out, scalar);
        }
    }
}

fn write_object(map: &Map<String, Value>, out: &mut Vec<u8>) {
    let mut entries: Vec<(&String, &Value)> = map.iter().collect();
    entries.sort_unstable_by(|a, b| a.0.cmp(b.0));
    out.push(b'{');
    for (index, (key, item)) in entries.into_iter().enumerate() {
        if index > 0 {
            out.push(b',');
        }
        write_string(key, out);
        out.push(b':');
        write_canonical(item, out);
    }
    out.push(b'}');
}

fn write_string(s: &str, out: &mut Vec<u8>) {
    // Writing a &str into a Vec cannot fail.
    let _ = serde_json::to_writer(&mut *out, s);
}

/// Lowercase hex SHA-256 of the canonical form: the contract's derived event id.
pub fn content_id(value: &Value) -> String {
    let mut out = Vec::with_capacity(256);
    write_canonical(value, &mut out);
    hex::encode(Sha256::digest(&out))
}

/// [`content_id`] of a JSON object, without wrapping (and copying) it into a `Value`.
pub fn object_content_id(map: &Map<String, Value>) -> String {
    let mut out = Vec::with_capacity(256);
    write_object(map, &mut out);
    hex::encode(Sha256::digest(&out))
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
    fn object_and_value_ids_agree() {
        let value: Value = serde_json::from_str(
            r#"{"b": [1, 2.5, null, "x\u00e9\n"], "a": {"d": true, "c": -1}}"#,
        )
        .unwrap();
        assert_eq!(
            object_content_id(value.as_object().unwrap()),
            content_id(&value)
        );
        assert_eq!(
            to_canonical_string(&value),
            "{\"a\":{\"c\":-1,\"d\":true},\"b\":[1,2.5,null,\"x\u{e9}\\n\"]}"
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
