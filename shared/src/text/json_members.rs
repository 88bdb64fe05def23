//! Cutting members out of a JSON object's text without re-serializing the rest.
//!
//! The payload goes to the queue as received; where a member must not (SnapTrade's
//! legacy `webhookSecret`, a bearer credential), it is cut out of the text. Every other
//! member keeps its exact bytes; only the separators around the removed member change.

use std::fmt;

use serde::de::{Deserialize, Deserializer, MapAccess, Visitor};
use serde_json::value::RawValue;

/// One member of the top-level object: its key (unescaped) and where its value's text
/// ends (byte offset into the object text).
struct Member {
    key: String,
    value_end: usize,
}

/// The members of a top-level object, keys unescaped, values borrowed from the text.
struct Members<'a>(Vec<(String, &'a RawValue)>);

impl<'de> Deserialize<'de> for Members<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct MembersVisitor;
        impl<'de> Visitor<'de> for MembersVisitor {
            type Value = Members<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Members<'de>, A::Error> {
                let mut members = Vec::new();
                while let Some(entry) = map.next_entry::<String, &'de RawValue>()? {
                    members.push(entry);
                }
                Ok(Members(members))
            }
        }
        deserializer.deserialize_map(MembersVisitor)
    }
}

/// Offset of `inner` (a slice of `outer`) in `outer`.
fn offset_in(outer: &str, inner: &str) -> usize {
    (inner.as_ptr() as usize).saturating_sub(outer.as_ptr() as usize)
}

/// The first byte at or after `from` that is not JSON whitespace.
fn skip_whitespace(text: &str, from: usize) -> usize {
    text.as_bytes()[from..]
        .iter()
        .position(|b| !matches!(b, b' ' | b'\t' | b'\n' | b'\r'))
        .map_or(text.len(), |skipped| from + skipped)
}

/// `object` (the text of one JSON object, outer whitespace trimmed) without its members
/// named `key`, at the top level only. `None` when the text is not a JSON object.
///
/// The result keeps the bytes of every other member, of the whitespace after `{`, and
/// of the separators that precede each kept member but the first; the members named
/// `key` go with the separator before them (or, the first member, the one after).
pub fn without_member(object: &str, key: &str) -> Option<String> {
    let Members(parsed) = serde_json::from_str(object).ok()?;
    if !parsed.iter().any(|(name, _)| name == key) {
        return Some(object.to_owned());
    }
    let members: Vec<Member> = parsed
        .into_iter()
        .map(|(name, value)| Member {
            value_end: offset_in(object, value.get()) + value.get().len(),
            key: name,
        })
        .collect();
    // Member i's text starts at its key: after `{` and whitespace for the first, after the
    // previous value, whitespace, `,` and whitespace for the others.
    let open = skip_whitespace(object, 0) + 1;
    let first_key = skip_whitespace(object, open);
    let key_start = |index: usize| -> usize {
        if index == 0 {
            first_key
        } else {
            let comma = skip_whitespace(object, members[index - 1].value_end);
            skip_whitespace(object, comma + 1)
        }
    };
    let mut out = String::with_capacity(object.len());
    out.push_str(&object[..first_key]);
    let mut kept_any = false;
    for (index, member) in members.iter().enumerate() {
        if member.key == key {
            continue;
        }
        if kept_any {
            // The separator that preceded this member in the text.
            out.push_str(&object[members[index - 1].value_end..key_start(index)]);
        }
        out.push_str(&object[key_start(index)..member.value_end]);
        kept_any = true;
    }
    let last_end = members.last().map_or(open, |member| member.value_end);
    if kept_any {
        out.push_str(&object[last_end..]);
    } else {
        // Nothing left: `{` + its whitespace, then the closing brace.
        let close = skip_whitespace(object, last_end);
        out.push_str(&object[close..]);
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::Value;

    #[test]
    fn removes_the_member_and_keeps_every_other_byte() {
        let cases = [
            (r#"{"a":1,"webhookSecret":"s","b":2}"#, r#"{"a":1,"b":2}"#),
            (r#"{"webhookSecret":"s","b":2}"#, r#"{"b":2}"#),
            (r#"{"a":1,"webhookSecret":"s"}"#, r#"{"a":1}"#),
            (r#"{"webhookSecret":"s"}"#, r#"{}"#),
            (
                "{\n  \"a\": 1.50,\n  \"webhookSecret\": \"s\",\n  \"b\": [1, {\"webhookSecret\": 1}]\n}",
                "{\n  \"a\": 1.50,\n  \"b\": [1, {\"webhookSecret\": 1}]\n}",
            ),
            (
                "{ \"webhookSecret\" : \"s\" ,\n \"b\" : 2 }",
                "{ \"b\" : 2 }",
            ),
            (
                r#"{"webhookSecret":"s","webhookSecret":"t","a":"\u00e9"}"#,
                r#"{"a":"\u00e9"}"#,
            ),
            (
                r#"{"a":1,"webhook\u0053ecret":"s","webhookSecret":"t","b":2}"#,
                r#"{"a":1,"b":2}"#,
            ),
            ("{ \"webhookSecret\":1 , \"webhookSecret\":2 }", "{ }"),
            (r#"{"a":"webhookSecret"}"#, r#"{"a":"webhookSecret"}"#),
            ("{}", "{}"),
        ];
        for (input, expected) in cases {
            assert_eq!(
                without_member(input, "webhookSecret").as_deref(),
                Some(expected),
                "{input}"
            );
            let parsed: Value = serde_json::from_str(expected).unwrap();
            assert!(parsed.get("webhookSecret").is_none(), "{input}");
        }
        for not_an_object in ["[]", "1", "", "{", r#"{"a":}"#] {
            assert_eq!(without_member(not_an_object, "a"), None, "{not_an_object}");
        }
    }

    fn member_text() -> impl Strategy<Value = (String, String)> {
        (
            prop_oneof![
                Just("webhookSecret".to_owned()),
                "[a-z]{1,6}".prop_map(|k| k),
            ],
            prop_oneof![
                Just("1.50".to_owned()),
                Just("\"x\\u00e9\"".to_owned()),
                Just("[ 1 ,{\"webhookSecret\" :2} ]".to_owned()),
                Just("null".to_owned()),
                Just("{ }".to_owned()),
            ],
        )
    }

    proptest! {
        /// Any object, any whitespace: the result is valid JSON, equal to the input minus
        /// that key, and the text of every kept member is found unchanged, in order.
        #[test]
        fn the_rest_of_the_object_is_byte_identical(
            members in proptest::collection::vec(
                (member_text(), "[ \n]{0,2}", "[ \n]{0,2}", "[ \n]{0,2}"), 0..6),
            lead in "[ \n]{0,2}",
        ) {
            let mut text = format!("{{{lead}");
            let mut kept = Vec::new();
            for (index, ((key, value), before_colon, after_colon, after_value)) in
                members.iter().enumerate()
            {
                if index > 0 {
                    text.push(',');
                }
                let member = format!("\"{key}\"{before_colon}:{after_colon}{value}");
                text.push_str(&member);
                text.push_str(after_value);
                if key != "webhookSecret" {
                    kept.push(member);
                }
            }
            text.push('}');
            let out = without_member(&text, "webhookSecret").unwrap();
            let parsed: serde_json::Map<String, Value> = serde_json::from_str(&out).unwrap();
            let mut expected: serde_json::Map<String, Value> = serde_json::from_str(&text).unwrap();
            expected.remove("webhookSecret");
            prop_assert_eq!(parsed, expected);
            let mut from = 0;
            for member in kept {
                let at = out[from..].find(&member);
                prop_assert!(at.is_some(), "{} not in {}", member, out);
                from += at.unwrap() + member.len();
            }
        }
    }
}
