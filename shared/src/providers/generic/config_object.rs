//! Reading one object of the sources document with precise, value-free errors.
//!
//! Every error names the JSON pointer of the bad field (RFC 6901, from the document's
//! root) and a fixed reason; it never quotes a value, since values are secrets or may be.
//! Keys are values too when they are not the ones this code knows: a path only ever
//! contains field names from this code (`&'static str`) and source names that are valid
//! names; any other key is `*`, and an unknown field is reported by the object that
//! holds it, with the fields allowed there.

use std::fmt;

use serde_json::{Map, Value};

/// An invalid field: where, and what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct FieldError {
    /// JSON pointer of the field from the document's root (`/sources/acme/secrets/0`);
    /// for an unknown field, of the object holding it.
    pub path: String,
    /// A fixed text (field names and allowed words at most; never a value).
    pub reason: String,
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            write!(f, "the document: {}", self.reason)
        } else {
            write!(f, "{}: {}", self.path, self.reason)
        }
    }
}

impl FieldError {
    pub(crate) fn new(path: impl Into<String>, reason: impl Into<String>) -> Self {
        FieldError {
            path: path.into(),
            reason: reason.into(),
        }
    }
}

/// An object of the document, read field by field.
pub(crate) struct ConfigObject<'a> {
    map: &'a Map<String, Value>,
    path: String,
}

impl<'a> ConfigObject<'a> {
    /// `value` at `path` must be an object.
    pub(crate) fn new(value: &'a Value, path: &str) -> Result<Self, FieldError> {
        let map = value
            .as_object()
            .ok_or_else(|| FieldError::new(path, "must be a JSON object"))?;
        Ok(ConfigObject {
            map,
            path: path.to_owned(),
        })
    }

    /// Fails when a key is not in `allowed` (a typo must not be silently ignored). The
    /// key is not printed: a misplaced secret could be one.
    pub(crate) fn only(&self, allowed: &[&str]) -> Result<(), FieldError> {
        if self.map.keys().all(|key| allowed.contains(&key.as_str())) {
            return Ok(());
        }
        Err(FieldError::new(
            &self.path,
            format!(
                "has an unknown field (allowed here: {})",
                allowed.join(", ")
            ),
        ))
    }

    /// The path of a field this code knows (nothing in it RFC 6901 would escape).
    pub(crate) fn field_path(&self, key: &'static str) -> String {
        format!("{}/{key}", self.path)
    }

    pub(crate) fn error(&self, key: &'static str, reason: impl Into<String>) -> FieldError {
        FieldError::new(self.field_path(key), reason)
    }

    pub(crate) fn has(&self, key: &'static str) -> bool {
        self.map.contains_key(key)
    }

    pub(crate) fn value(&self, key: &'static str) -> Option<&'a Value> {
        self.map.get(key)
    }

    /// An optional string field; present, it must be a string (empty allowed).
    pub(crate) fn string(&self, key: &'static str) -> Result<Option<&'a str>, FieldError> {
        match self.map.get(key) {
            None => Ok(None),
            Some(Value::String(text)) => Ok(Some(text)),
            Some(_) => Err(self.error(key, "must be a string")),
        }
    }

    /// An optional non-empty string field.
    pub(crate) fn non_empty_string(
        &self,
        key: &'static str,
    ) -> Result<Option<&'a str>, FieldError> {
        match self.string(key)? {
            Some("") => Err(self.error(key, "must be a non-empty string")),
            other => Ok(other),
        }
    }

    /// A required non-empty string field.
    pub(crate) fn required_string(&self, key: &'static str) -> Result<&'a str, FieldError> {
        self.non_empty_string(key)?
            .ok_or_else(|| self.error(key, "is required"))
    }

    /// An optional string field that must be one of `choices`.
    pub(crate) fn choice<T: Copy>(
        &self,
        key: &'static str,
        choices: &[(&str, T)],
    ) -> Result<Option<T>, FieldError> {
        let Some(text) = self.string(key)? else {
            return Ok(None);
        };
        choices
            .iter()
            .find(|(word, _)| *word == text)
            .map(|(_, choice)| Some(*choice))
            .ok_or_else(|| {
                let words: Vec<String> = choices.iter().map(|(w, _)| format!("\"{w}\"")).collect();
                self.error(key, format!("must be one of {}", words.join(", ")))
            })
    }

    /// A required string field that must be one of `choices`.
    pub(crate) fn required_choice<T: Copy>(
        &self,
        key: &'static str,
        choices: &[(&str, T)],
    ) -> Result<T, FieldError> {
        self.choice(key, choices)?
            .ok_or_else(|| self.error(key, "is required"))
    }

    /// An optional whole number of at least 1.
    pub(crate) fn positive_integer(&self, key: &'static str) -> Result<Option<u64>, FieldError> {
        match self.map.get(key) {
            None => Ok(None),
            Some(value) => value
                .as_u64()
                .filter(|n| *n > 0)
                .map(Some)
                .ok_or_else(|| self.error(key, "must be a whole number of at least 1")),
        }
    }

    /// Fails when `key` is present: it only belongs with another setting (`why`).
    pub(crate) fn refuse(&self, key: &'static str, why: &str) -> Result<(), FieldError> {
        if self.has(key) {
            return Err(self.error(key, format!("only allowed {why}")));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn unknown_fields_are_reported_by_their_object_with_the_allowed_ones() {
        let value = json!({"scheme": "hmac", "algoritm": "sha256"});
        let object = ConfigObject::new(&value, "/sources/a").unwrap();
        assert_eq!(object.only(&["scheme", "algoritm"]), Ok(()));
        let error = object.only(&["scheme", "algorithm"]).unwrap_err();
        assert_eq!(
            error.to_string(),
            "/sources/a: has an unknown field (allowed here: scheme, algorithm)"
        );
        let error = ConfigObject::new(&json!([1]), "").err().unwrap();
        assert_eq!(error.to_string(), "the document: must be a JSON object");
    }

    #[test]
    fn typed_reads_name_the_field_never_the_value() {
        let value = json!({"s": "", "n": 0, "c": "sha1", "t": 5});
        let object = ConfigObject::new(&value, "/x").unwrap();
        assert_eq!(
            object.required_string("s").unwrap_err().to_string(),
            "/x/s: must be a non-empty string"
        );
        assert_eq!(
            object.required_string("missing").unwrap_err().to_string(),
            "/x/missing: is required"
        );
        assert_eq!(
            object.positive_integer("n").unwrap_err().to_string(),
            "/x/n: must be a whole number of at least 1"
        );
        assert_eq!(object.positive_integer("t").unwrap(), Some(5));
        assert_eq!(
            object
                .choice("c", &[("sha256", 1), ("sha512", 2)])
                .unwrap_err()
                .to_string(),
            "/x/c: must be one of \"sha256\", \"sha512\""
        );
        assert_eq!(
            object.string("t").unwrap_err().to_string(),
            "/x/t: must be a string"
        );
        assert_eq!(
            object.refuse("t", "with x").unwrap_err().to_string(),
            "/x/t: only allowed with x"
        );
    }
}
