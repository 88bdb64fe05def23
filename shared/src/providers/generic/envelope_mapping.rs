//! Where a configured source's envelope fields are in its body: JSON pointers (RFC 6901).
//!
//! A field without a pointer takes its documented stand-in (`id`: the scheme's delivery
//! id, else the content hash; `type`: `UNPARSED`; `subject`: `unknown`; `occurred_at`: the
//! receive time): nothing drifted, so no fallback is recorded. A field whose pointer finds
//! nothing usable takes the same stand-in (`id`: the content hash) and is recorded as a
//! fallback, exactly as a built-in provider's missing field is.
//!
//! Usable: for `id`, `type` and `subject`, a non-empty string or an integer (as its
//! decimal text; an `id` must also be at most 512 bytes); for `occurred_at`, a value in
//! the configured format. Anything else (another type, a fraction, a date in another
//! format) is not read.

use serde_json::Value;
use time::OffsetDateTime;

use super::config_object::{ConfigObject, FieldError};
use crate::pipeline::envelope::EventDraft;
use crate::pipeline::error::WebhookError;
use crate::pipeline::fallback::{Fallback, Fallbacks, UNKNOWN_SUBJECT, UNPARSED_TYPE};
use crate::pipeline::limits::is_usable_event_id;
use crate::pipeline::ports::provider::VerifyContext;
use crate::providers::json_body::raw_payload;
use crate::text::canonical_json::content_id;
use crate::text::timestamps::{in_utc, parse_rfc3339};

/// A syntactically valid JSON pointer: empty (the whole body) or `/`-separated tokens in
/// which `~` appears only as `~0` or `~1`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JsonPointer(String);

impl JsonPointer {
    pub fn parse(text: &str) -> Option<Self> {
        let escapes_valid = text
            .split('~')
            .skip(1)
            .all(|after| after.starts_with('0') || after.starts_with('1'));
        ((text.is_empty() || text.starts_with('/')) && escapes_valid)
            .then(|| JsonPointer(text.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    fn find<'v>(&self, document: &'v Value) -> Option<&'v Value> {
        document.pointer(&self.0)
    }
}

/// How `occurred_at`'s value is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeFormat {
    /// A string such as `2024-10-01T10:20:00Z` or `2024-10-01T15:50:00+05:30`.
    Rfc3339,
    /// Whole seconds since 1970, as a JSON integer or a string of digits.
    UnixSeconds,
    /// Whole milliseconds since 1970, as a JSON integer or a string of digits.
    UnixMillis,
}

const TIME_FORMATS: [(&str, TimeFormat); 3] = [
    ("rfc3339", TimeFormat::Rfc3339),
    ("unix_seconds", TimeFormat::UnixSeconds),
    ("unix_millis", TimeFormat::UnixMillis),
];

/// Longest digit string read as a Unix time (milliseconds reach 13 digits until 2286).
const MAX_TIME_DIGITS: usize = 15;

impl TimeFormat {
    fn read(self, value: &Value) -> Option<OffsetDateTime> {
        match self {
            TimeFormat::Rfc3339 => value.as_str().and_then(parse_rfc3339),
            TimeFormat::UnixSeconds => {
                OffsetDateTime::from_unix_timestamp(whole_number(value)?).ok()
            }
            TimeFormat::UnixMillis => OffsetDateTime::from_unix_timestamp_nanos(
                i128::from(whole_number(value)?) * 1_000_000,
            )
            .ok(),
        }
        .and_then(in_utc)
    }
}

/// A non-negative JSON integer, or a string of ASCII digits.
fn whole_number(value: &Value) -> Option<i64> {
    match value {
        Value::Number(number) => number.as_i64(),
        Value::String(text)
            if !text.is_empty()
                && text.len() <= MAX_TIME_DIGITS
                && text.bytes().all(|b| b.is_ascii_digit()) =>
        {
            text.parse().ok()
        }
        _ => None,
    }
    .filter(|number| *number >= 0)
}

/// A non-empty string as it is, or an integer as its decimal text.
fn text(value: &Value) -> Option<String> {
    match value {
        Value::String(text) if !text.is_empty() => Some(text.clone()),
        Value::Number(number) if number.is_i64() || number.is_u64() => Some(number.to_string()),
        _ => None,
    }
}

/// The pointers of one source (each optional).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EnvelopeMapping {
    pub id: Option<JsonPointer>,
    pub event_type: Option<JsonPointer>,
    pub subject: Option<JsonPointer>,
    pub occurred_at: Option<(JsonPointer, TimeFormat)>,
}

const POINTER_REASON: &str =
    "must be a JSON pointer (RFC 6901): empty, or starting with /, with ~ only as ~0 or ~1";

fn pointer(object: &ConfigObject, key: &'static str) -> Result<Option<JsonPointer>, FieldError> {
    object
        .string(key)?
        .map(|text| JsonPointer::parse(text).ok_or_else(|| object.error(key, POINTER_REASON)))
        .transpose()
}

impl EnvelopeMapping {
    /// Reads the optional `envelope` object of a source entry.
    pub(crate) fn from_entry(entry: &ConfigObject) -> Result<Self, FieldError> {
        let Some(value) = entry.value("envelope") else {
            return Ok(EnvelopeMapping::default());
        };
        let mapping = ConfigObject::new(value, &entry.field_path("envelope"))?;
        mapping.only(&["id", "type", "subject", "occurred_at"])?;
        let occurred_at = match mapping.value("occurred_at") {
            None => None,
            Some(value) => {
                let time = ConfigObject::new(value, &mapping.field_path("occurred_at"))?;
                time.only(&["pointer", "format"])?;
                let at = pointer(&time, "pointer")?
                    .ok_or_else(|| time.error("pointer", "is required"))?;
                Some((at, time.required_choice("format", &TIME_FORMATS)?))
            }
        };
        Ok(EnvelopeMapping {
            id: pointer(&mapping, "id")?,
            event_type: pointer(&mapping, "type")?,
            subject: pointer(&mapping, "subject")?,
            occurred_at,
        })
    }

    /// The event of an authenticated delivery. Refuses only a body that is not JSON
    /// (400: the queue carries JSON); every field it cannot read falls back.
    pub fn draft(
        &self,
        body: &[u8],
        delivery_id: Option<&str>,
        context: &VerifyContext,
    ) -> Result<EventDraft, WebhookError> {
        let payload = raw_payload(body)?;
        let document: Value = serde_json::from_str(payload.get())
            .map_err(|_| WebhookError::bad_request("body is not valid JSON"))?;
        let mut fallback = Fallbacks::NONE;

        let named_id = match (&self.id, delivery_id) {
            (Some(pointer), _) => Some(pointer.find(&document).and_then(text)),
            (None, Some(delivery_id)) => Some(Some(delivery_id.to_owned())),
            (None, None) => None,
        };
        let id = match named_id {
            None => content_id(&document),
            Some(found) => found
                .filter(|id| is_usable_event_id(id))
                .unwrap_or_else(|| {
                    fallback.insert(Fallback::EventId);
                    content_id(&document)
                }),
        };
        let mut read_text = |pointer: &Option<JsonPointer>, stand_in: &str, field: Fallback| {
            let Some(pointer) = pointer else {
                return stand_in.to_owned();
            };
            pointer.find(&document).and_then(text).unwrap_or_else(|| {
                fallback.insert(field);
                stand_in.to_owned()
            })
        };
        let event_type = read_text(&self.event_type, UNPARSED_TYPE, Fallback::EventType);
        let subject = read_text(&self.subject, UNKNOWN_SUBJECT, Fallback::Subject);
        let occurred_at = match &self.occurred_at {
            None => context.now,
            Some((pointer, format)) => pointer
                .find(&document)
                .and_then(|value| format.read(value))
                .unwrap_or_else(|| {
                    fallback.insert(Fallback::OccurredAt);
                    context.now
                }),
        };
        Ok(EventDraft {
            id,
            event_type,
            subject,
            occurred_at,
            payload,
            fallback,
            // The scheme's signed time, if any, is set by the source.
            signed_at: None,
            state_key: None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use time::macros::datetime;

    #[test]
    fn pointer_syntax_is_rfc_6901() {
        for valid in ["", "/", "/a", "/a/0", "/a~1b", "/m~0n", "/ spaced key/x"] {
            assert!(JsonPointer::parse(valid).is_some(), "{valid:?}");
        }
        for invalid in ["a", "a/b", "/a~2", "/a~", "#/a"] {
            assert!(JsonPointer::parse(invalid).is_none(), "{invalid:?}");
        }
        let document = json!({"a/b": 1, "m~n": 2, "list": [10, 20]});
        let find = |p: &str| JsonPointer::parse(p).unwrap().find(&document).cloned();
        assert_eq!(find("/a~1b"), Some(json!(1)));
        assert_eq!(find("/m~0n"), Some(json!(2)));
        assert_eq!(find("/list/1"), Some(json!(20)));
        assert_eq!(find("/list/01"), None);
        assert_eq!(find(""), Some(document.clone()));
    }

    #[test]
    fn each_time_format() {
        let at = datetime!(2024-10-01 10:20:00 UTC);
        let rfc = TimeFormat::Rfc3339;
        assert_eq!(rfc.read(&json!("2024-10-01T10:20:00Z")), Some(at));
        assert_eq!(rfc.read(&json!("2024-10-01T15:50:00+05:30")), Some(at));
        assert_eq!(rfc.read(&json!("2024-10-01 10:20:00")), None);
        assert_eq!(rfc.read(&json!(1727778000)), None);
        assert_eq!(rfc.read(&json!("9999-12-31T23:59:59-01:00")), None);
        let seconds = TimeFormat::UnixSeconds;
        assert_eq!(seconds.read(&json!(1727778000)), Some(at));
        assert_eq!(seconds.read(&json!("1727778000")), Some(at));
        assert_eq!(seconds.read(&json!(1727778000.5)), None);
        assert_eq!(seconds.read(&json!(-1)), None);
        assert_eq!(seconds.read(&json!("-1")), None);
        assert_eq!(seconds.read(&json!("")), None);
        assert_eq!(seconds.read(&json!(i64::MAX)), None);
        assert_eq!(seconds.read(&json!("2024-10-01T10:20:00Z")), None);
        let millis = TimeFormat::UnixMillis;
        assert_eq!(
            millis.read(&json!(1727778000123_i64)),
            Some(at + time::Duration::milliseconds(123))
        );
        assert_eq!(millis.read(&json!("1727778000000")), Some(at));
        assert_eq!(millis.read(&json!(i64::MAX)), None);
    }

    /// Every format with any value, extreme years and offsets among them: never a panic,
    /// and what reads is in UTC with a year the envelope can write.
    mod property {
        use super::*;
        use proptest::prelude::*;

        fn any_value() -> impl Strategy<Value = Value> {
            prop_oneof![
                any::<i64>().prop_map(|n| json!(n)),
                any::<u64>().prop_map(|n| json!(n)),
                "[0-9]{0,20}".prop_map(|t| json!(t)),
                "[+-]?[0-9]{1,6}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]{1,9})?(Z|[+-][0-9]{2}:[0-9]{2})?"
                    .prop_map(|t| json!(t)),
                any::<String>().prop_map(|t| json!(t)),
                any::<f64>().prop_map(|f| json!(f)),
            ]
        }

        proptest! {
            #[test]
            fn any_value_in_any_format_reads_or_falls_back(value in any_value()) {
                for format in [TimeFormat::Rfc3339, TimeFormat::UnixSeconds, TimeFormat::UnixMillis] {
                    if let Some(t) = format.read(&value) {
                        prop_assert_eq!(t.offset(), time::UtcOffset::UTC);
                        prop_assert!((0..=9999).contains(&t.year()));
                    }
                }
            }
        }
    }

    #[test]
    fn text_is_a_non_empty_string_or_an_integer() {
        assert_eq!(text(&json!("ord-1")), Some("ord-1".to_owned()));
        assert_eq!(
            text(&json!(220303000308932_u64)),
            Some("220303000308932".to_owned())
        );
        assert_eq!(text(&json!(-7)), Some("-7".to_owned()));
        for other in [
            json!(""),
            json!(1.5),
            json!(true),
            json!(null),
            json!({}),
            json!([1]),
        ] {
            assert_eq!(text(&other), None, "{other}");
        }
    }
}
