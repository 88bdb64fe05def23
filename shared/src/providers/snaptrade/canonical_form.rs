//! SnapTrade's canonical form of a JSON body: the text Python writes for
//! `json.dumps(json.loads(body), separators=(",", ":"), sort_keys=True)`.
//!
//! SnapTrade's documented verifier HMACs this text rather than the bytes received, so
//! a delivery signed that way only verifies if we reproduce Python exactly: keys sorted
//! by code point, no whitespace, every character outside printable ASCII escaped as
//! lowercase `\uXXXX` (UTF-16 surrogate pairs beyond the BMP), integers as written and
//! other numbers as Python's `repr(float)`. `serde_json`'s own output differs on the last
//! two, hence this module.

use std::fmt::Write as _;

use serde_json::{Number, Value};

/// The canonical form of `json`, or `None` when `serde_json` does not accept it (e.g. a
/// lone surrogate escape, a number beyond f64, 128 or more levels of nesting).
///
/// One linear parse into a `Value`, whatever the body: this runs on unauthenticated
/// input whenever the raw-body check fails. The price: integers beyond 64 bits and `-0`,
/// which Python keeps as ints but `serde_json` reads as floats (SnapTrade sends neither).
pub fn canonical_form(json: &str) -> Option<String> {
    let value: Value = serde_json::from_str(json).ok()?;
    let mut out = String::with_capacity(json.len());
    write_value(&value, &mut out);
    Some(out)
}

fn write_value(value: &Value, out: &mut String) {
    match value {
        Value::Object(members) => {
            // Sorted here, so the result does not depend on serde_json's map order.
            let mut entries: Vec<(&String, &Value)> = members.iter().collect();
            entries.sort_by(|a, b| a.0.cmp(b.0));
            out.push('{');
            for (index, (key, item)) in entries.into_iter().enumerate() {
                if index > 0 {
                    out.push(',');
                }
                write_string(key, out);
                out.push(':');
                write_value(item, out);
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (index, item) in items.iter().enumerate() {
                if index > 0 {
                    out.push(',');
                }
                write_value(item, out);
            }
            out.push(']');
        }
        Value::String(s) => write_string(s, out),
        Value::Number(n) => write_number(n, out),
        Value::Bool(true) => out.push_str("true"),
        Value::Bool(false) => out.push_str("false"),
        Value::Null => out.push_str("null"),
    }
}

/// Python's `ensure_ascii` string escaping.
fn write_string(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            ' '..='~' => out.push(c),
            _ => {
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    let _ = write!(out, "\\u{unit:04x}");
                }
            }
        }
    }
    out.push('"');
}

/// JSON integers become Python `int`s (printed as written); anything with a fraction
/// or exponent becomes a `float`. `serde_json` draws the same line, within 64 bits.
fn write_number(n: &Number, out: &mut String) {
    if let Some(i) = n.as_i64() {
        let _ = write!(out, "{i}");
    } else if let Some(u) = n.as_u64() {
        let _ = write!(out, "{u}");
    } else if let Some(x) = n.as_f64() {
        out.push_str(&python_float_repr(x));
    }
}

/// `repr(x)` for a Python float: the shortest digits that round-trip, positional when
/// the decimal exponent is in -4..16 (with `.0` for whole numbers), otherwise
/// scientific with a signed, at least two-digit exponent (`1e-05`, `1.5e+16`).
pub fn python_float_repr(x: f64) -> String {
    if x.is_nan() {
        return "NaN".to_owned();
    }
    if x.is_infinite() {
        return if x > 0.0 { "Infinity" } else { "-Infinity" }.to_owned();
    }
    // Rust's `{:e}` gives the same shortest round-trip digits, as `d.ddde<exp>`.
    let scientific = format!("{x:e}");
    let (mantissa, exponent) = scientific.split_once('e').unwrap_or((&scientific, "0"));
    let exponent: i32 = exponent.parse().unwrap_or(0);
    let (sign, mantissa) = match mantissa.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", mantissa),
    };
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let mut out = String::from(sign);
    if !(-4..16).contains(&exponent) {
        out.push_str(&digits[..1]);
        if digits.len() > 1 {
            out.push('.');
            out.push_str(&digits[1..]);
        }
        let exponent_sign = if exponent < 0 { '-' } else { '+' };
        let _ = write!(out, "e{exponent_sign}{:02}", exponent.unsigned_abs());
    } else if exponent < 0 {
        out.push_str("0.");
        out.push_str(&"0".repeat(exponent.unsigned_abs() as usize - 1));
        out.push_str(&digits);
    } else {
        let whole = exponent as usize + 1;
        if digits.len() > whole {
            out.push_str(&digits[..whole]);
            out.push('.');
            out.push_str(&digits[whole..]);
        } else {
            out.push_str(&digits);
            out.push_str(&"0".repeat(whole - digits.len()));
            out.push_str(".0");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floats_print_as_python_repr() {
        // Expected values are what CPython 3 prints for repr(float(text)).
        let cases = [
            ("1e-5", "1e-05"),
            ("0.00001", "1e-05"),
            ("1e16", "1e+16"),
            ("1.5E16", "1.5e+16"),
            ("0.1", "0.1"),
            ("100.0", "100.0"),
            ("1e2", "100.0"),
            ("1e15", "1000000000000000.0"),
            ("9999999999999998.0", "9999999999999998.0"),
            ("0.0001", "0.0001"),
            ("0.000123", "0.000123"),
            ("-0.0", "-0.0"),
            ("0.0", "0.0"),
            ("1.5e300", "1.5e+300"),
            ("123456.789", "123456.789"),
            ("1e22", "1e+22"),
            ("5e-324", "5e-324"),
            ("-1.25e-7", "-1.25e-07"),
            ("2.5", "2.5"),
            ("19.2000000000", "19.2"),
            ("5.276", "5.276"),
            ("0.30000000000000004", "0.30000000000000004"),
            ("1.7976931348623157e308", "1.7976931348623157e+308"),
            ("1e400", "Infinity"),
            ("-1e400", "-Infinity"),
        ];
        for (text, expected) in cases {
            let x: f64 = text.parse().unwrap();
            assert_eq!(python_float_repr(x), expected, "{text}");
        }
    }

    #[test]
    fn numbers_keep_python_int_and_float_distinction() {
        assert_eq!(
            canonical_form(
                "[1, 100, 1.0, 1e2, -9223372036854775808, 18446744073709551615, -5, 2E-7, -0.0]"
            )
            .unwrap(),
            "[1,100,1.0,100.0,-9223372036854775808,18446744073709551615,-5,2e-07,-0.0]"
        );
        // Known gaps (serde_json reads these as floats; Python keeps them as ints).
        assert_eq!(canonical_form("-0").unwrap(), "-0.0");
        assert_eq!(
            canonical_form("123456789012345678901234567890").unwrap(),
            "1.2345678901234568e+29"
        );
    }

    #[test]
    fn non_ascii_is_escaped_like_python() {
        // json.dumps({"name": "Zoë Ståhl", "emoji": "📈", "ctl": "\x01\x7f\u2028"}, ...)
        let body = "{\"name\": \"Zoë Ståhl\", \"emoji\": \"📈\", \"ctl\": \"\\u0001\u{7f}\u{2028}\", \"esc\": \"a\\\"b\\\\c\\/d\\n\\t\\r\\b\\f\"}";
        assert_eq!(
            canonical_form(body).unwrap(),
            r#"{"ctl":"\u0001\u007f\u2028","emoji":"\ud83d\udcc8","esc":"a\"b\\c/d\n\t\r\b\f","name":"Zo\u00eb St\u00e5hl"}"#
        );
    }

    #[test]
    fn keys_sorted_by_code_point_whitespace_dropped_last_duplicate_wins() {
        let body = "{ \"b\" : [ true , false , null , { \"é\" : 1 , \"Z\" : 2 , \"a\" : 3 } ] ,\n \"a\" : 1 , \"a\" : 2 }";
        assert_eq!(
            canonical_form(body).unwrap(),
            r#"{"a":2,"b":[true,false,null,{"Z":2,"a":3,"\u00e9":1}]}"#
        );
    }

    #[test]
    fn scalars_and_empty_containers() {
        assert_eq!(canonical_form(" {} ").unwrap(), "{}");
        assert_eq!(canonical_form("[]").unwrap(), "[]");
        assert_eq!(canonical_form("\"x\"").unwrap(), "\"x\"");
        assert_eq!(canonical_form("3.0").unwrap(), "3.0");
        assert_eq!(canonical_form("null").unwrap(), "null");
    }

    #[test]
    fn invalid_json_has_no_canonical_form() {
        for body in [
            "",
            "{",
            "{\"a\":}",
            "[1,]",
            "\"\\ud800\"",
            "nul",
            "{} x",
            "1e400",
        ] {
            assert_eq!(canonical_form(body), None, "{body:?}");
        }
        let nested = |depth: usize| format!("{}{}", "[".repeat(depth), "]".repeat(depth));
        // serde_json's own limit: 127 levels parse, 128 do not.
        assert_eq!(canonical_form(&nested(127)).unwrap(), nested(127));
        assert_eq!(canonical_form(&nested(128)), None);
        assert_eq!(canonical_form(&nested(480_000)), None);
    }
}
