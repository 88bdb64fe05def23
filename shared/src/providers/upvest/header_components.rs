//! How one covered header becomes signature-base components in Upvest's v6 signer.
//!
//! Upvest's signer (httpsignature-proxy ≤ v1.3.8, `service/signer/material/parser.go` and
//! its list, map and inner-list parsers; see upvest-signatures.md §3) does not cover a
//! header's value as sent. It trims each field line, joins them with `", "`, classifies
//! the result by its first characters and covers:
//! - a plain value: one component `name`, the value up to its first item separator
//!   (`", "` outside a quoted string), the rest is not covered;
//! - a list: one component `name`, its items re-joined with `", "`;
//! - a dictionary `k1=v1, k2=v2`: one component `name:k1`, `name:k2`… per member (a
//!   repeated key keeps its last value, like the signer's map);
//! - an inner list `(a, b)`: the prefixes `name:0` = `()`, `name:1` = `(a)`,
//!   `name:2` = `(a, b)`.
//!
//! This module reproduces that behaviour, including its quirks, because an authentic
//! delivery must verify: a value the signer cannot process (it errors or would crash)
//! is never signed, so it is refused here rather than guessed at.

/// A header value Upvest's signer cannot process, so no authentic delivery carries it
/// as a covered header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("covered header cannot be normalised")]
pub struct Unsignable;

/// One component of the signature base: its name in `signature-input` and its value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Component {
    pub name: String,
    pub value: String,
}

/// The components the header `name` with these field lines contributes, as Upvest's
/// signer computes them. `name` must be lower case.
pub fn header_components<'a>(
    name: &str,
    field_lines: impl IntoIterator<Item = &'a str>,
) -> Result<Vec<Component>, Unsignable> {
    if name.is_empty() || !name.bytes().all(is_key_byte) {
        return Err(Unsignable);
    }
    let lines: Vec<&str> = field_lines.into_iter().map(str::trim).collect();
    let joined = lines.join(", ");
    let component = |suffix: Option<&str>, value: String| Component {
        name: match suffix {
            Some(suffix) => format!("{name}:{suffix}"),
            None => name.to_owned(),
        },
        value,
    };
    if joined.is_empty() {
        return Ok(vec![component(None, String::new())]);
    }
    let components = match classify(joined.as_bytes()) {
        Shape::Plain => {
            let first = list_items(&joined)?.into_iter().next().ok_or(Unsignable)?;
            vec![component(None, first)]
        }
        Shape::List => vec![component(None, list_items(&joined)?.join(", "))],
        Shape::InnerList => {
            let (inside, _) = inner_list(&joined)?;
            let items = list_items(inside)?;
            (0..=items.len())
                .map(|count| {
                    let suffix = count.to_string();
                    component(Some(&suffix), format!("({})", items[..count].join(", ")))
                })
                .collect()
        }
        Shape::Dictionary => dictionary_members(&joined)?
            .into_iter()
            .map(|(key, value)| component(Some(&key), value))
            .collect(),
    };
    Ok(components)
}

enum Shape {
    Plain,
    List,
    InnerList,
    Dictionary,
}

/// The signer looks at the first byte, then scans the rest for the first byte that is
/// not a key character: `=` makes a dictionary, `,` a list, anything else a plain value.
fn classify(value: &[u8]) -> Shape {
    match value.first() {
        Some(b'(') => return Shape::InnerList,
        Some(b'"') => return Shape::List,
        _ => {}
    }
    for &byte in value.iter().skip(1) {
        match byte {
            b'=' => return Shape::Dictionary,
            b',' => return Shape::List,
            byte if !is_key_byte(byte) => return Shape::Plain,
            _ => {}
        }
    }
    Shape::Plain
}

/// `[a-z0-9_.*-]`: header names and dictionary keys.
fn is_key_byte(byte: u8) -> bool {
    byte.is_ascii_lowercase() || byte.is_ascii_digit() || matches!(byte, b'_' | b'-' | b'.' | b'*')
}

/// Bytes the signer accepts outside quoted strings (it also lets DEL through).
fn is_value_byte(byte: u8) -> bool {
    (0x20..=0x7f).contains(&byte)
}

/// An item separator: `", "` starting at `at`.
fn separator_at(bytes: &[u8], at: usize) -> bool {
    bytes.get(at) == Some(&b',') && bytes.get(at + 1) == Some(&b' ')
}

fn skip_spaces(bytes: &[u8], mut at: usize) -> usize {
    while bytes.get(at) == Some(&b' ') {
        at += 1;
    }
    at
}

/// Splits at `", "` outside quoted strings (spaces after a separator are dropped).
/// A quoted string ends its item; the byte right after its closing quote is skipped
/// unless it starts a separator, as in the signer.
fn list_items(text: &str) -> Result<Vec<String>, Unsignable> {
    let bytes = text.as_bytes();
    let mut items = Vec::new();
    let mut current: Vec<u8> = Vec::new();
    let mut quoted = false;
    let mut at = 0;
    while at < bytes.len() {
        let byte = bytes[at];
        if quoted {
            current.push(byte);
            match byte {
                b'"' => {
                    quoted = false;
                    items.push(take_text(&mut current)?);
                    at += 1;
                    if separator_at(bytes, at) {
                        at += 1;
                    }
                }
                b'\\' => {
                    at += 1;
                    current.push(*bytes.get(at).ok_or(Unsignable)?);
                }
                _ => {}
            }
            at += 1;
        } else if byte == b'"' {
            quoted = true;
            current.push(byte);
            at += 1;
        } else if separator_at(bytes, at) {
            items.push(take_text(&mut current)?);
            at = skip_spaces(bytes, at + 1);
        } else if is_value_byte(byte) {
            current.push(byte);
            at += 1;
        } else {
            return Err(Unsignable);
        }
    }
    if !current.is_empty() {
        if quoted {
            return Err(Unsignable);
        }
        items.push(take_text(&mut current)?);
    }
    Ok(items)
}

fn take_text(bytes: &mut Vec<u8>) -> Result<String, Unsignable> {
    String::from_utf8(std::mem::take(bytes)).map_err(|_| Unsignable)
}

/// `text` starts with `(`: the text up to the first `)` outside a quoted string, without
/// the parentheses, and the length consumed including both. Anything after the `)` is
/// not covered.
fn inner_list(text: &str) -> Result<(&str, usize), Unsignable> {
    let bytes = text.as_bytes();
    let mut quoted = false;
    let mut at = 1;
    while at < bytes.len() {
        match (quoted, bytes[at]) {
            (true, b'"') => quoted = false,
            // An escape takes the next byte whatever it is; a trailing one crashes the signer.
            (true, b'\\') => {
                at += 1;
                if at >= bytes.len() {
                    return Err(Unsignable);
                }
            }
            (false, b'"') => quoted = true,
            (false, b')') => return Ok((&text[1..at], at + 1)),
            _ => {}
        }
        at += 1;
    }
    Err(Unsignable)
}

/// `key=value` members separated by `", "`. Values are a quoted string (quotes kept), an
/// inner list (parentheses kept) or bare text up to the next separator. After a quoted
/// or inner-list value the signer skips one byte when no separator follows.
fn dictionary_members(text: &str) -> Result<Vec<(String, String)>, Unsignable> {
    let bytes = text.as_bytes();
    let mut members: Vec<(String, String)> = Vec::new();
    let mut at = 0;
    while at < bytes.len() {
        let key_end = at
            + bytes[at..]
                .iter()
                .position(|b| !is_key_byte(*b))
                .ok_or(Unsignable)?;
        if bytes[key_end] != b'=' {
            return Err(Unsignable);
        }
        let key = &text[at..key_end];
        at = key_end + 1;
        let rest = text
            .get(at..)
            .filter(|rest| !rest.is_empty())
            .ok_or(Unsignable)?;
        let value_len = match rest.as_bytes()[0] {
            b'"' => quoted_string_len(rest)?,
            b'(' => inner_list(rest)?.1,
            _ => bare_value_len(rest)?,
        };
        let value = rest[..value_len].to_owned();
        // The signer keeps members in a map: a repeated key keeps the last value.
        match members.iter_mut().find(|(known, _)| known == key) {
            Some(member) => member.1 = value,
            None => members.push((key.to_owned(), value)),
        }
        at += value_len;
        at = if separator_at(bytes, at) {
            skip_spaces(bytes, at + 1)
        } else {
            at + 1
        };
    }
    Ok(members)
}

/// `text` starts with `"`: the length up to and including the closing quote.
fn quoted_string_len(text: &str) -> Result<usize, Unsignable> {
    let bytes = text.as_bytes();
    let mut at = 1;
    while at < bytes.len() {
        match bytes[at] {
            b'"' => return Ok(at + 1),
            b'\\' if at + 1 < bytes.len() => at += 2,
            b'\\' => return Err(Unsignable),
            _ => at += 1,
        }
    }
    Err(Unsignable)
}

/// Bare text up to the next separator or the end.
fn bare_value_len(text: &str) -> Result<usize, Unsignable> {
    let bytes = text.as_bytes();
    let mut at = 0;
    while at < bytes.len() && !separator_at(bytes, at) {
        if !is_value_byte(bytes[at]) {
            return Err(Unsignable);
        }
        at += 1;
    }
    Ok(at)
}

#[cfg(test)]
mod tests {
    use super::*;

    type Normalised = Result<Vec<(String, String)>, Unsignable>;

    fn components(name: &str, lines: &[&str]) -> Normalised {
        header_components(name, lines.iter().copied())
            .map(|list| list.into_iter().map(|c| (c.name, c.value)).collect())
    }

    fn pairs(list: &[(&str, &str)]) -> Normalised {
        Ok(list
            .iter()
            .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
            .collect())
    }

    /// Expected values worked out from the v1.3.8 parser (upvest-signatures.md §3).
    #[test]
    fn values_normalise_as_upvests_signer_does() {
        let cases: Vec<(&str, &[&str], Normalised)> = vec![
            // Plain values: the first character is not checked, the next non-key one decides.
            (
                "content-type",
                &["application/json"],
                pairs(&[("content-type", "application/json")]),
            ),
            (
                "content-length",
                &["351"],
                pairs(&[("content-length", "351")]),
            ),
            (
                "digest",
                &["SHA-256=abc="],
                pairs(&[("digest", "SHA-256=abc=")]),
            ),
            (
                "accept",
                &["  text/html, application/json  "],
                pairs(&[("accept", "text/html")]),
            ),
            (
                "accept",
                &["text/html", "application/json"],
                pairs(&[("accept", "text/html")]),
            ),
            (
                "digest",
                &["SHA-256=abc=, SHA-256=forged="],
                pairs(&[("digest", "SHA-256=abc=")]),
            ),
            ("a", &["x; q=\"a, b\", c"], pairs(&[("a", "x; q=\"a, b\"")])),
            ("a", &["keep-alive"], pairs(&[("a", "keep-alive")])),
            ("a", &[""], pairs(&[("a", "")])),
            ("a", &["  "], pairs(&[("a", "")])),
            ("a", &["Sha-256 x"], pairs(&[("a", "Sha-256 x")])),
            // Lists: items re-joined with ", ", extra spaces after a separator dropped.
            (
                "cache-control",
                &["no-cache, no-store"],
                pairs(&[("cache-control", "no-cache, no-store")]),
            ),
            (
                "cache-control",
                &["no-store,  max-age=0"],
                pairs(&[("cache-control", "no-store, max-age=0")]),
            ),
            ("a", &["b,c"], pairs(&[("a", "b,c")])),
            ("a", &["text,no-space"], pairs(&[("a", "text,no-space")])),
            (
                "a",
                &["\"x, y\", \"z\""],
                pairs(&[("a", "\"x, y\", \"z\"")]),
            ),
            ("a", &["\"x\"y, z"], pairs(&[("a", "\"x\", , z")])),
            ("a", &["\"x\\\"y\""], pairs(&[("a", "\"x\\\"y\"")])),
            // Dictionaries: one component per member, the last value of a repeated key.
            (
                "cache-control",
                &["max-age=0"],
                pairs(&[("cache-control:max-age", "0")]),
            ),
            (
                "digest",
                &["sha-256=abc="],
                pairs(&[("digest:sha-256", "abc=")]),
            ),
            (
                "digest",
                &["sha-256=abc=, sha-512=def="],
                pairs(&[("digest:sha-256", "abc="), ("digest:sha-512", "def=")]),
            ),
            (
                "digest",
                &["sha-256=abc=", "sha-256=forged="],
                pairs(&[("digest:sha-256", "forged=")]),
            ),
            (
                "a",
                &["k=\"q, v\", l=(x y), m=a b;c"],
                pairs(&[("a:k", "\"q, v\""), ("a:l", "(x y)"), ("a:m", "a b;c")]),
            ),
            (
                "a",
                &["k=\"v\";p=1"],
                pairs(&[("a:k", "\"v\""), ("a:p", "1")]),
            ),
            ("a", &["k=, l=2"], pairs(&[("a:k", ""), ("a:l", "2")])),
            // Inner lists: prefixes of the items (separated by ", " inside the parentheses).
            (
                "a",
                &["(x, \"y\", z)"],
                pairs(&[
                    ("a:0", "()"),
                    ("a:1", "(x)"),
                    ("a:2", "(x, \"y\")"),
                    ("a:3", "(x, \"y\", z)"),
                ]),
            ),
            ("a", &["(x y)"], pairs(&[("a:0", "()"), ("a:1", "(x y)")])),
            ("a", &["()"], pairs(&[("a:0", "()")])),
            (
                "a",
                &["(x);p=1, more"],
                pairs(&[("a:0", "()"), ("a:1", "(x)")]),
            ),
            // What the signer refuses or cannot process is never signed.
            ("Content-Type", &["x"], Err(Unsignable)),
            ("a!", &["x"], Err(Unsignable)),
            ("", &["x"], Err(Unsignable)),
            ("a", &["max-age=0, no-store"], Err(Unsignable)),
            ("a", &["Sha-256=x"], Err(Unsignable)),
            ("a", &["k="], Err(Unsignable)),
            ("a", &["k=\"open"], Err(Unsignable)),
            ("a", &["k=\"x\\"], Err(Unsignable)),
            ("a", &["(x, y"], Err(Unsignable)),
            ("a", &["\"open"], Err(Unsignable)),
            ("a", &["x\ty"], Err(Unsignable)),
            ("a", &["k=a\tb"], Err(Unsignable)),
        ];
        for (name, lines, expected) in cases {
            assert_eq!(components(name, lines), expected, "{name}: {lines:?}");
        }
    }

    #[test]
    fn arbitrary_values_never_panic() {
        let alphabet = b"a=,\"() \\;-Z\x7f";
        // Every string of up to four characters from the alphabet above.
        let mut stack = vec![String::new()];
        while let Some(text) = stack.pop() {
            let _ = components("h", &[&text]);
            if text.len() < 4 {
                for &byte in alphabet {
                    stack.push(format!("{text}{}", byte as char));
                }
            }
        }
    }
}
