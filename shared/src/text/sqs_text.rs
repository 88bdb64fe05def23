//! Text SQS accepts. SQS refuses a message body, or a string attribute value, with any
//! character outside `#x9 | #xA | #xD | #x20–#xD7FF | #xE000–#xFFFD | #x10000–#x10FFFF`
//! (XML 1.0's characters). A Rust string cannot hold a surrogate, so what can occur is
//! C0 controls other than tab, line feed and carriage return, and U+FFFE and U+FFFF; a
//! user can type the last two into a free-text field (a Kite order `tag`).
//!
//! In the JSON message body such characters are written as `\uXXXX` escapes: valid JSON
//! holds them only inside strings (a control character must already be escaped there,
//! and outside strings only tab, LF, CR and space may appear), so the escape denotes the
//! same string and the JSON value stays identical. The body is then equal to the
//! provider's payload as JSON, not byte for byte. An attribute value is plain text, so
//! there they become U+FFFD; the exact value stays in the body.

use std::borrow::Cow;
use std::fmt::Write;

/// Whether SQS accepts `c` in a message body or string attribute.
pub fn is_allowed(c: char) -> bool {
    matches!(
        c,
        '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..='\u{10FFFF}'
    )
}

/// A cheap byte test that is true for every string holding a character SQS refuses: a
/// C0 control byte, or the lead byte 0xEF of U+F000–U+FFFF (where U+FFFE and U+FFFF are).
fn may_need_escaping(text: &str) -> bool {
    text.bytes()
        .any(|b| (b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r')) || b == 0xEF)
}

/// `json` with every character SQS refuses written as a `\uXXXX` escape. `json` must be
/// valid JSON (such characters then only occur inside strings). Unchanged, and not
/// copied, when there is nothing to escape, which is nearly always.
pub fn escape_for_sqs_body(json: String) -> String {
    if !may_need_escaping(&json) || json.chars().all(is_allowed) {
        return json;
    }
    let mut out = String::with_capacity(json.len() + 12);
    for c in json.chars() {
        if is_allowed(c) {
            out.push(c);
        } else {
            // Every refused character is below U+10000: one escape, no surrogate pair.
            let _ = write!(out, "\\u{:04X}", u32::from(c));
        }
    }
    out
}

/// `value` with every character SQS refuses replaced by U+FFFD, for a string attribute.
pub fn attribute_value(value: &str) -> Cow<'_, str> {
    if !may_need_escaping(value) || value.chars().all(is_allowed) {
        return Cow::Borrowed(value);
    }
    Cow::Owned(
        value
            .chars()
            .map(|c| if is_allowed(c) { c } else { '\u{FFFD}' })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn every_boundary_of_the_allowed_ranges() {
        let allowed = [
            '\u{9}',
            '\u{A}',
            '\u{D}',
            '\u{20}',
            '\u{7F}',
            '\u{D7FF}',
            '\u{E000}',
            '\u{FFFD}',
            '\u{10000}',
            '\u{10FFFF}',
        ];
        let refused = [
            '\u{0}', '\u{8}', '\u{B}', '\u{C}', '\u{E}', '\u{1F}', '\u{FFFE}', '\u{FFFF}',
        ];
        for c in allowed {
            assert!(is_allowed(c), "{:04X}", u32::from(c));
        }
        for c in refused {
            assert!(!is_allowed(c), "{:04X}", u32::from(c));
        }
        // U+D800–U+DFFF (surrogates) cannot be a `char`; the byte test must catch every
        // refused character.
        for c in refused {
            assert!(may_need_escaping(&c.to_string()), "{:04X}", u32::from(c));
        }
    }

    #[test]
    fn refused_characters_become_escapes_and_the_json_value_is_unchanged() {
        let body =
            "{\"tag\":\"a\u{FFFF}b\u{FFFE}\",\"k\":\"\u{FFFD}\u{E000}\u{10FFFF}\"}".to_owned();
        let escaped = escape_for_sqs_body(body.clone());
        assert_eq!(
            escaped,
            "{\"tag\":\"a\\uFFFFb\\uFFFE\",\"k\":\"\u{FFFD}\u{E000}\u{10FFFF}\"}"
        );
        assert!(escaped.chars().all(is_allowed));
        let before: serde_json::Value = serde_json::from_str(&body).unwrap();
        let after: serde_json::Value = serde_json::from_str(&escaped).unwrap();
        assert_eq!(before, after);
    }

    #[test]
    fn control_characters_outside_the_json_rules_are_escaped_too() {
        // Not valid JSON inside a string, but the function still never emits them.
        let escaped = escape_for_sqs_body("\"\u{1}\u{B}\u{C}\u{1F}\t\n\r\"".to_owned());
        assert_eq!(escaped, "\"\\u0001\\u000B\\u000C\\u001F\t\n\r\"");
    }

    #[test]
    fn clean_text_is_returned_as_is() {
        let body = "{\"a\":\"\u{F000}\u{FFFD}é\"}".to_owned();
        let pointer = body.as_ptr();
        let escaped = escape_for_sqs_body(body);
        assert_eq!(escaped.as_ptr(), pointer, "not copied");
        assert!(matches!(
            attribute_value("COMPLETE"),
            Cow::Borrowed("COMPLETE")
        ));
        assert!(matches!(attribute_value("\u{F000}"), Cow::Borrowed(_)));
    }

    #[test]
    fn attribute_values_get_the_replacement_character() {
        assert_eq!(attribute_value("OPEN\u{FFFF}\u{0}"), "OPEN\u{FFFD}\u{FFFD}");
    }

    proptest! {
        #[test]
        fn any_json_string_survives_as_the_same_value(text in any::<String>()) {
            let body = serde_json::to_string(&serde_json::json!({ "s": text })).unwrap();
            let escaped = escape_for_sqs_body(body);
            prop_assert!(escaped.chars().all(is_allowed));
            let value: serde_json::Value = serde_json::from_str(&escaped).unwrap();
            prop_assert_eq!(value["s"].as_str(), Some(text.as_str()));
        }
    }
}
