//! Exact decimals from JSON, without serde_json's `arbitrary_precision`.
//!
//! serde_json normally turns a JSON number into an `f64` before any `Deserialize` impl
//! sees it, so `1474.2927272727275` would arrive as a binary approximation (serde_json's
//! default float parsing even reads that one as `…277`). The `arbitrary_precision`
//! feature would keep the text, but Cargo unifies features across everything built
//! together: it would reach the receiver and change how its canonical JSON prints
//! numbers, and with it the content-derived event ids. So it stays off, and every decimal
//! field is read here instead: the field is taken as a `Box<RawValue>`, which serde_json
//! fills with the value's original text, and that text is parsed exactly.
//!
//! Accepted: a JSON number (`470`, `376.35`, `1e-5`), or a string holding one (`"100.00"`,
//! Upvest and SnapTrade send decimals as strings). The scale is kept (`"100.00"` stays
//! `100.00`). A value with more than 28 significant decimal digits is an error rather
//! than rounded.
//!
//! What the deserializer must be: serde_json reading *text* (`from_str`, `from_slice`,
//! `from_reader`, [`crate::Envelope::payload_as`]). Two other cases, both covered by
//! tests:
//! - A `serde_json::Value` (`from_value`, `T::deserialize(&value)`): serde_json writes the
//!   value back to text for the raw field, but the number was already parsed as `f64`
//!   when the `Value` was built, so the decimal is `f64`'s reading of it (`2.50` → `2.5`,
//!   `1474.2927272727275` → `1474.2927272727277`). Strings are unaffected. Do not route
//!   payloads through `Value`.
//! - serde's buffering constructs (`#[serde(flatten)]`, untagged or internally tagged
//!   enums) cannot carry raw text: a decimal inside one fails to deserialize rather than
//!   being silently approximated. The models avoid them around decimals: where a shape
//!   depends on a sibling field or has two forms, they capture the raw text first and
//!   parse it afterwards.

use rust_decimal::Decimal;
use serde::de::Error as _;
use serde::{Deserialize, Deserializer};
use serde_json::value::RawValue;

/// Why a JSON value is not an exact decimal. Never quotes the value: payload values stay
/// out of error messages (and so out of logs).
const NOT_A_DECIMAL: &str =
    "expected an exact decimal: a JSON number or a string holding one, at most 28 digits";

/// `#[serde(deserialize_with = "exact_decimal::required")]` for a `Decimal` field.
pub fn required<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Decimal, D::Error> {
    let raw = Box::<RawValue>::deserialize(deserializer)?;
    parse_json_text(raw.get()).ok_or_else(|| D::Error::custom(NOT_A_DECIMAL))
}

/// `#[serde(default, deserialize_with = "exact_decimal::optional")]` for an
/// `Option<Decimal>` field: absent or `null` is `None`.
pub fn optional<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<Decimal>, D::Error> {
    let raw = Box::<RawValue>::deserialize(deserializer)?;
    if raw.get().trim() == "null" {
        return Ok(None);
    }
    parse_json_text(raw.get())
        .map(Some)
        .ok_or_else(|| D::Error::custom(NOT_A_DECIMAL))
}

/// The decimal a JSON value's text holds: a number, or a string holding one.
pub fn parse_json_text(json: &str) -> Option<Decimal> {
    let json = json.trim();
    if json.starts_with('"') {
        let text: String = serde_json::from_str(json).ok()?;
        parse_decimal_text(&text)
    } else {
        parse_decimal_text(json)
    }
}

/// Parses `-?digits(.digits)?([eE][+-]?digits)?` exactly (leading zeros allowed).
pub fn parse_decimal_text(text: &str) -> Option<Decimal> {
    if !is_decimal_text(text) {
        return None;
    }
    let (base, exponent) = match text.find(['e', 'E']) {
        Some(at) => (&text[..at], text[at + 1..].parse::<i64>().ok()?),
        None => (text, 0),
    };
    // rust_decimal also accepts `_` separators: the grammar check above rules them out.
    let mantissa = Decimal::from_str_exact(base).ok()?;
    scale_by_power_of_ten(mantissa, exponent)
}

/// `value × 10^exponent`, exactly, or `None` when it does not fit a `Decimal`.
fn scale_by_power_of_ten(mut value: Decimal, exponent: i64) -> Option<Decimal> {
    let new_scale = i64::from(value.scale()).checked_sub(exponent)?;
    if new_scale >= 0 {
        value.set_scale(u32::try_from(new_scale).ok()?).ok()?;
        return Some(value);
    }
    // A positive exponent beyond the scale: the digits become an integer, then grow.
    value.set_scale(0).ok()?;
    let zeros = u32::try_from(-new_scale).ok()?;
    if zeros > Decimal::MAX_SCALE {
        return None;
    }
    (0..zeros).try_fold(value, |acc, _| acc.checked_mul(Decimal::TEN))
}

fn is_decimal_text(text: &str) -> bool {
    fn digits(bytes: &[u8]) -> usize {
        bytes.iter().take_while(|b| b.is_ascii_digit()).count()
    }
    let bytes = text.as_bytes();
    let mut at = usize::from(bytes.first() == Some(&b'-'));
    let integer = digits(&bytes[at..]);
    if integer == 0 {
        return false;
    }
    at += integer;
    if bytes.get(at) == Some(&b'.') {
        let fraction = digits(&bytes[at + 1..]);
        if fraction == 0 {
            return false;
        }
        at += 1 + fraction;
    }
    if matches!(bytes.get(at), Some(b'e' | b'E')) {
        at += 1;
        if matches!(bytes.get(at), Some(b'+' | b'-')) {
            at += 1;
        }
        let exponent = digits(&bytes[at..]);
        if exponent == 0 {
            return false;
        }
        at += exponent;
    }
    at == bytes.len()
}

/// The JSON Schema of a decimal field: a number, or a string holding one, both marked
/// `format: decimal` so code generators can map them to a decimal type. Inlined in each
/// field rather than a shared definition, so generators type the field itself as a
/// decimal (a definition becomes a wrapper class, e.g. a pydantic `RootModel`).
#[cfg(feature = "schema")]
pub struct DecimalSchema;

#[cfg(feature = "schema")]
impl schemars::JsonSchema for DecimalSchema {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Decimal".into()
    }

    fn inline_schema() -> bool {
        true
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "description": "An exact decimal: a JSON number, or a string holding one (e.g. \"100.00\"). Read it as a decimal, never as a binary float.",
            "anyOf": [
                {"type": "number", "format": "decimal"},
                {"type": "string", "format": "decimal", "pattern": "^-?[0-9]+(\\.[0-9]+)?([eE][+-]?[0-9]+)?$"}
            ]
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(json: &str) -> Option<String> {
        parse_json_text(json).map(|d| d.to_string())
    }

    #[test]
    fn numbers_and_strings_parse_exactly_and_keep_their_scale() {
        let cases = [
            ("470", "470"),
            ("376.35", "376.35"),
            ("812.0", "812.0"),
            ("1474.2927272727275", "1474.2927272727275"),
            ("-36.65253999999927", "-36.65253999999927"),
            (r#""100.00""#, "100.00"),
            (r#""19.2000000000""#, "19.2000000000"),
            (r#""2.54137""#, "2.54137"),
            ("1e-5", "0.00001"),
            ("1.5E+3", "1500"),
            ("2.50e1", "25.0"),
            ("0", "0"),
            ("007", "7"),
            (
                "79228162514264337593543950335",
                "79228162514264337593543950335",
            ),
            (
                "0.1234567890123456789012345678",
                "0.1234567890123456789012345678",
            ),
        ];
        for (json, expected) in cases {
            assert_eq!(text(json).as_deref(), Some(expected), "{json}");
        }
    }

    #[test]
    fn field_helpers_read_required_and_optional_decimals() {
        #[derive(Deserialize)]
        struct Amounts {
            #[serde(deserialize_with = "required")]
            amount: Decimal,
            #[serde(default, deserialize_with = "optional")]
            fee: Option<Decimal>,
        }
        let read = |json: &str| serde_json::from_str::<Amounts>(json);
        let both = read(r#"{"amount":"100.00","fee":0.10}"#).unwrap();
        assert_eq!(
            (both.amount.to_string(), both.fee.map(|f| f.to_string())),
            ("100.00".into(), Some("0.10".into()))
        );
        assert_eq!(read(r#"{"amount":1,"fee":null}"#).unwrap().fee, None);
        assert_eq!(read(r#"{"amount":1}"#).unwrap().fee, None);
        assert!(read(r#"{"amount":null}"#).is_err());
        assert!(read(r#"{"fee":1}"#).is_err());
        let error = read(r#"{"amount":"Jane Smith"}"#)
            .err()
            .unwrap()
            .to_string();
        assert!(
            error.starts_with(NOT_A_DECIMAL) && !error.contains("Jane"),
            "{error}"
        );
    }

    #[test]
    fn anything_else_is_refused_not_rounded() {
        for json in [
            "79228162514264337593543950336",   // above Decimal::MAX
            "0.12345678901234567890123456789", // 29 fractional digits
            "1e29",
            "1e-29",
            "1e99999999999999999999",
            r#""""#,
            r#""1_000""#,
            r#""+1""#,
            r#"" 1""#,
            r#""1.""#,
            r#""NaN""#,
            r#""1e""#,
            "true",
            "null",
            "[1]",
            r#"{"a":1}"#,
        ] {
            assert_eq!(text(json), None, "{json}");
        }
    }
}
