//! Duplicate object keys in JSON text.
//!
//! JSON leaves duplicate keys undefined, and parsers disagree: `serde_json` (and Python,
//! JavaScript, Go) keep the last, others the first or refuse. When a verifier reads a
//! signed field from one duplicate while the raw body goes to the queue, a consumer
//! keeping the other duplicate reads a value the signature never covered. The verifiers
//! use this module to refuse such bodies where it matters (README, "Security notes").

use std::collections::HashSet;
use std::fmt;

use serde::de::{DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};

/// One step from the top of a JSON document to a value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// The member of this key (unescaped).
    Key(String),
    /// An element of an array (any index).
    Element,
}

/// A key that occurs more than once in one object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DuplicateKey {
    /// The path to the object holding it, from the top.
    pub object: Vec<Step>,
    /// The key, unescaped (`"a"` and `"\u0061"` are the same key).
    pub key: String,
}

impl DuplicateKey {
    /// Whether this is `key` in the object reached by the keys `object` (no arrays).
    pub fn is(&self, object: &[&str], key: &str) -> bool {
        self.key == key
            && self.object.len() == object.len()
            && self
                .object
                .iter()
                .zip(object)
                .all(|(step, name)| matches!(step, Step::Key(k) if k == name))
    }
}

/// The 401 reason for a body whose signed (or kind-deciding) fields occur twice.
pub const DUPLICATE_SIGNED_FIELD: &str = "duplicate key in a signed field";

/// Whether `json` has a duplicate of any of `fields`, each given as (the keys leading to
/// its object, its key).
pub fn duplicates_any(json: &[u8], fields: &[(&[&str], &str)]) -> bool {
    duplicate_keys(json)
        .iter()
        .any(|duplicate| fields.iter().any(|(object, key)| duplicate.is(object, key)))
}

/// At most this many duplicates are reported: one is enough to refuse a body, and a
/// hostile body must not make the list large.
pub const MAX_REPORTED: usize = 64;

/// The duplicate keys in `json`, at any depth, in document order (at most
/// [`MAX_REPORTED`]). Text that is not valid JSON yields what was found before the error:
/// callers pass a body they have already parsed.
pub fn duplicate_keys(json: &[u8]) -> Vec<DuplicateKey> {
    let mut walk = Walk {
        path: Vec::new(),
        found: Vec::new(),
    };
    let mut deserializer = serde_json::Deserializer::from_slice(json);
    // serde_json bounds the nesting depth, so hostile nesting is an error, not a crash.
    let _ = (&mut walk).deserialize(&mut deserializer);
    walk.found
}

/// Whether `json` has any duplicate key at any depth.
pub fn has_duplicate_keys(json: &[u8]) -> bool {
    !duplicate_keys(json).is_empty()
}

struct Walk {
    path: Vec<Step>,
    found: Vec<DuplicateKey>,
}

impl<'de> DeserializeSeed<'de> for &mut Walk {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for &mut Walk {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("JSON")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let mut seen = HashSet::new();
        while let Some(key) = map.next_key::<String>()? {
            if seen.contains(&key) {
                if self.found.len() < MAX_REPORTED {
                    self.found.push(DuplicateKey {
                        object: self.path.clone(),
                        key: key.clone(),
                    });
                }
            } else {
                seen.insert(key.clone());
            }
            self.path.push(Step::Key(key));
            // Every value is walked (never skipped), so nested objects are checked too.
            map.next_value_seed(&mut *self)?;
            self.path.pop();
        }
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        self.path.push(Step::Element);
        while seq.next_element_seed(&mut *self)?.is_some() {}
        self.path.pop();
        Ok(())
    }

    fn visit_bool<E>(self, _: bool) -> Result<(), E> {
        Ok(())
    }
    fn visit_i64<E>(self, _: i64) -> Result<(), E> {
        Ok(())
    }
    fn visit_u64<E>(self, _: u64) -> Result<(), E> {
        Ok(())
    }
    fn visit_f64<E>(self, _: f64) -> Result<(), E> {
        Ok(())
    }
    fn visit_str<E>(self, _: &str) -> Result<(), E> {
        Ok(())
    }
    fn visit_unit<E>(self) -> Result<(), E> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(object: &[&str], key: &str) -> DuplicateKey {
        DuplicateKey {
            object: object.iter().map(|k| Step::Key((*k).to_owned())).collect(),
            key: key.to_owned(),
        }
    }

    #[test]
    fn finds_duplicates_at_any_depth_after_unescaping() {
        assert_eq!(duplicate_keys(br#"{"a":1,"b":2}"#), []);
        assert_eq!(duplicate_keys(br#"{"a":1,"a":2}"#), [key(&[], "a")]);
        assert_eq!(
            duplicate_keys(br#"{"userId":"mallory","userId":"u"}"#),
            [key(&[], "userId")]
        );
        assert_eq!(
            duplicate_keys(br#"{"a":1,"\u0061":2}"#),
            [key(&[], "a")],
            "escaped spelling of the same key"
        );
        assert_eq!(
            duplicate_keys(br#"{"data":{"smallcaseAuthId":"x","smallcaseAuthId":"y"}}"#),
            [key(&["data"], "smallcaseAuthId")]
        );
        let in_array = duplicate_keys(br#"{"orders":[{"q":1},{"q":1,"q":2}]}"#);
        assert_eq!(
            in_array,
            [DuplicateKey {
                object: vec![Step::Key("orders".to_owned()), Step::Element],
                key: "q".to_owned(),
            }]
        );
        assert!(!in_array[0].is(&["orders"], "q"));
        assert!(key(&["data"], "smallcaseAuthId").is(&["data"], "smallcaseAuthId"));
        assert!(!key(&["data"], "smallcaseAuthId").is(&[], "smallcaseAuthId"));
        // The same key in two sibling objects is no duplicate.
        assert_eq!(duplicate_keys(br#"[{"a":1},{"a":1}]"#), []);
        assert!(has_duplicate_keys(br#"[[{"x":{"y":[1,{"z":0,"z":0}]}}]]"#));
        let watched: &[(&[&str], &str)] = &[(&[], "order_id"), (&["data"], "id")];
        assert!(duplicates_any(
            br#"{"order_id":"1","order_id":"2"}"#,
            watched
        ));
        assert!(duplicates_any(br#"{"data":{"id":1,"id":2}}"#, watched));
        assert!(!duplicates_any(br#"{"status":"A","status":"B"}"#, watched));
        assert!(!duplicates_any(
            br#"{"x":{"order_id":1,"order_id":2}}"#,
            watched
        ));
    }

    #[test]
    fn hostile_input_is_bounded() {
        let many: String = format!(
            "{{{}}}",
            (0..1000)
                .map(|i| format!("\"k\":{i}"))
                .collect::<Vec<_>>()
                .join(",")
        );
        assert_eq!(duplicate_keys(many.as_bytes()).len(), MAX_REPORTED);
        let deep = "[".repeat(100_000) + &"]".repeat(100_000);
        assert_eq!(duplicate_keys(deep.as_bytes()), []);
        assert_eq!(duplicate_keys(b"{\"a\":1,\"a\""), [key(&[], "a")]);
        assert_eq!(duplicate_keys(b"not json"), []);
    }
}
