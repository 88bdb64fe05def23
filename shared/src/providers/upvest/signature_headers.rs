//! Parsing the `signature-input` and `signature` headers (RFC 8941 dictionaries).
//!
//! `sfv` validates the syntax and decodes the values. The `@signature-params` line of the
//! signature base must repeat the member's text exactly as received (Upvest's parameter
//! order varies), so the raw text of each member is cut out of the header as well.

use sfv::{BareItem, Dictionary, ListEntry, Parser};

use crate::pipeline::error::WebhookError;

/// One labelled member of `signature-input`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignatureInput {
    pub label: String,
    /// Covered component names, unquoted, in the order given.
    pub components: Vec<String>,
    pub keyid: Option<String>,
    pub created: Option<i64>,
    pub expires: Option<i64>,
    pub alg: Option<String>,
    /// The member value after `label=`, verbatim: the `@signature-params` value.
    pub raw_params: String,
}

/// One labelled member of `signature`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignatureValue {
    pub label: String,
    pub bytes: Vec<u8>,
}

/// Parses `signature-input`. Anything that is not a dictionary of inner lists of plain
/// strings with well-typed parameters is malformed.
pub fn parse_signature_input(header: &str) -> Result<Vec<SignatureInput>, WebhookError> {
    let malformed = || WebhookError::Unauthorized("malformed signature-input");
    let dictionary: Dictionary = Parser::new(header).parse().map_err(|_| malformed())?;
    let raw_members = split_members(header);
    // A repeated label collapses in the dictionary; refuse rather than guess which one.
    if raw_members.len() != dictionary.len() {
        return Err(malformed());
    }
    dictionary
        .iter()
        .zip(raw_members)
        .map(|((label, entry), (raw_label, raw_value))| {
            let ListEntry::InnerList(list) = entry else {
                return Err(malformed());
            };
            if label.as_str() != raw_label {
                return Err(malformed());
            }
            let components = list
                .items
                .iter()
                .map(|item| match (&item.bare_item, item.params.is_empty()) {
                    (BareItem::String(name), true) => Ok(name.as_str().to_owned()),
                    // Component parameters (`;sf`, `;key=`…) are not part of v6: fail closed.
                    _ => Err(WebhookError::Unauthorized("unsupported component")),
                })
                .collect::<Result<Vec<_>, _>>()?;
            let mut input = SignatureInput {
                label: label.as_str().to_owned(),
                components,
                keyid: None,
                created: None,
                expires: None,
                alg: None,
                raw_params: raw_value.to_owned(),
            };
            for (name, value) in &list.params {
                match (name.as_str(), value) {
                    ("keyid", BareItem::String(s)) => input.keyid = Some(s.as_str().to_owned()),
                    ("alg", BareItem::String(s)) => input.alg = Some(s.as_str().to_owned()),
                    ("created", BareItem::Integer(i)) => input.created = Some(i64::from(*i)),
                    ("expires", BareItem::Integer(i)) => input.expires = Some(i64::from(*i)),
                    ("keyid" | "alg" | "created" | "expires", _) => return Err(malformed()),
                    // nonce and any other parameter are covered by the base as sent.
                    _ => {}
                }
            }
            Ok(input)
        })
        .collect()
}

/// Parses `signature`: a dictionary of byte sequences (`label=:base64:`).
pub fn parse_signature(header: &str) -> Result<Vec<SignatureValue>, WebhookError> {
    let malformed = || WebhookError::Unauthorized("malformed signature");
    let dictionary: Dictionary = Parser::new(header).parse().map_err(|_| malformed())?;
    if dictionary.is_empty() {
        return Err(malformed());
    }
    dictionary
        .iter()
        .map(|(label, entry)| match entry {
            ListEntry::Item(item) => match &item.bare_item {
                BareItem::ByteSequence(bytes) => Ok(SignatureValue {
                    label: label.as_str().to_owned(),
                    bytes: bytes.clone(),
                }),
                _ => Err(malformed()),
            },
            ListEntry::InnerList(_) => Err(malformed()),
        })
        .collect()
}

/// Cuts a dictionary header into `(label, raw value)` pairs at top-level commas.
///
/// Only meaningful on text `sfv` has already accepted: there, a comma outside a quoted
/// string always separates members.
fn split_members(header: &str) -> Vec<(&str, &str)> {
    let mut members = Vec::new();
    let mut start = 0;
    let mut in_string = false;
    let mut escaped = false;
    for (index, c) in header.char_indices() {
        if in_string {
            match (escaped, c) {
                (true, _) => escaped = false,
                (false, '\\') => escaped = true,
                (false, '"') => in_string = false,
                _ => {}
            }
        } else if c == '"' {
            in_string = true;
        } else if c == ',' {
            members.push(&header[start..index]);
            start = index + 1;
        }
    }
    members.push(&header[start..]);
    members
        .into_iter()
        .map(|member| {
            let member = member.trim_matches([' ', '\t']);
            member.split_once('=').unwrap_or((member, ""))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn members_keep_their_raw_text() {
        let header = r#"sig1=("@method" "digest");keyid="a,b";created=1;nonce="x\"y", sig2=("@path");expires=5"#;
        let inputs = parse_signature_input(header).unwrap();
        assert_eq!(inputs.len(), 2);
        assert_eq!(
            inputs[0].raw_params,
            r#"("@method" "digest");keyid="a,b";created=1;nonce="x\"y""#
        );
        assert_eq!(inputs[0].components, ["@method", "digest"]);
        assert_eq!(inputs[0].keyid.as_deref(), Some("a,b"));
        assert_eq!(inputs[0].created, Some(1));
        assert_eq!(inputs[0].expires, None);
        assert_eq!(inputs[1].label, "sig2");
        assert_eq!(inputs[1].raw_params, r#"("@path");expires=5"#);
        assert_eq!(inputs[1].expires, Some(5));
    }

    #[test]
    fn malformed_inputs_are_refused() {
        let malformed = Err(WebhookError::Unauthorized("malformed signature-input"));
        for header in [
            "",
            "sig1",
            r#"sig1="@method""#,
            r#"sig1=("@method"), sig1=("@path")"#,
            r#"sig1=("@method");created="1""#,
            r#"sig1=("@method");keyid=k"#,
            r#"sig1=("@method""#,
        ] {
            assert_eq!(parse_signature_input(header), malformed, "{header}");
        }
        assert_eq!(
            parse_signature_input(r#"sig1=("@method";sf)"#),
            Err(WebhookError::Unauthorized("unsupported component"))
        );
        assert_eq!(
            parse_signature_input(r#"sig1=(method)"#),
            Err(WebhookError::Unauthorized("unsupported component"))
        );
    }

    #[test]
    fn signatures_are_byte_sequences() {
        assert_eq!(
            parse_signature("sig1=:QUI+:").unwrap(),
            [SignatureValue {
                label: "sig1".to_owned(),
                bytes: b"AB>".to_vec()
            }]
        );
        for header in ["sig1=QUI", "sig1=(:QUI+:)", "sig1=:QUI", ""] {
            assert_eq!(
                parse_signature(header),
                Err(WebhookError::Unauthorized("malformed signature")),
                "{header}"
            );
        }
    }
}
