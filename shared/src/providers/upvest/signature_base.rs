//! The v6 signature base: one `name: value` line per covered component, in the order of
//! `signature-input`, names unquoted (Upvest's departure from draft -06), then the
//! `@signature-params` line with the member text as received; `\n` between lines, no
//! trailing newline.
//!
//! The covered values are resolved once ([`covered_values`]) and every check that
//! depends on what the signature covers (the body digest) reads those same values, so
//! nothing is checked that the signature does not cover.

use super::header_components::header_components;
use crate::pipeline::error::WebhookError;
use crate::pipeline::request::WebhookRequest;

/// One covered component and the value the signature base holds for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CoveredValue<'a> {
    pub name: &'a str,
    pub value: String,
}

/// The value of each component in `components`, in order, from the request's raw
/// method, path, query and header values normalised as Upvest's signer does
/// ([`header_components`]). An unsupported derived component, a component parameter in
/// disguise, a covered header that is absent or a pseudo-component its header does not
/// have fails closed.
pub fn covered_values<'a>(
    request: &WebhookRequest,
    components: &'a [String],
) -> Result<Vec<CoveredValue<'a>>, WebhookError> {
    components
        .iter()
        .map(|name| {
            let value = match name.as_str() {
                "@method" => request.method.to_ascii_uppercase(),
                "@path" => request.path.clone(),
                "@query" => match &request.query {
                    Some(query) => format!("?{query}"),
                    None => return Err(WebhookError::Unauthorized("covered @query is absent")),
                },
                derived if derived.starts_with('@') => {
                    return Err(WebhookError::Unauthorized("unsupported component"));
                }
                covered => header_value(request, covered)?,
            };
            Ok(CoveredValue { name, value })
        })
        .collect()
}

/// A header component: `name` (the whole normalised value) or `name:key` (a dictionary
/// member or an inner-list prefix).
fn header_value(request: &WebhookRequest, component: &str) -> Result<String, WebhookError> {
    let header = component
        .split_once(':')
        .map_or(component, |(name, _)| name);
    if header.is_empty() || header.bytes().any(|b| b.is_ascii_uppercase()) {
        return Err(WebhookError::Unauthorized("unsupported component"));
    }
    let absent = if header == "digest" {
        WebhookError::Unauthorized("missing digest")
    } else {
        WebhookError::Unauthorized("covered header is absent")
    };
    // The header map rejects names that are not HTTP tokens; such a name is never sent.
    let Ok(name) = http::header::HeaderName::from_bytes(header.as_bytes()) else {
        return Err(WebhookError::Unauthorized("unsupported component"));
    };
    let lines = request
        .headers
        .get_all(&name)
        .iter()
        .map(|value| value.to_str())
        .collect::<Result<Vec<&str>, _>>()
        .map_err(|_| WebhookError::Unauthorized("covered header cannot be normalised"))?;
    if lines.is_empty() {
        return Err(absent);
    }
    let components = header_components(header, lines)
        .map_err(|_| WebhookError::Unauthorized("covered header cannot be normalised"))?;
    components
        .into_iter()
        .find(|candidate| candidate.name == component)
        .map(|found| found.value)
        .ok_or(WebhookError::Unauthorized("covered component is absent"))
}

/// The base text over already resolved values.
pub fn render_base(covered: &[CoveredValue<'_>], raw_params: &str) -> String {
    let mut base = String::new();
    for CoveredValue { name, value } in covered {
        base.push_str(name);
        base.push_str(": ");
        base.push_str(value);
        base.push('\n');
    }
    base.push_str("@signature-params: ");
    base.push_str(raw_params);
    base
}

/// Builds the base for `components` over `request`; used by signers of test deliveries.
pub fn signature_base(
    request: &WebhookRequest,
    components: &[String],
    raw_params: &str,
) -> Result<String, WebhookError> {
    Ok(render_base(
        &covered_values(request, components)?,
        raw_params,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn lines_in_signature_input_order() {
        let mut request = WebhookRequest::post("/webhooks/upvest", "{}")
            .with_header("Content-Type", "  application/json ")
            .with_header("x-multi", "a")
            .with_header("x-multi", "b");
        request.query = Some("b=2&a=%20".to_owned());
        let base = signature_base(
            &request,
            &names(&["x-multi", "@query", "@method", "content-type", "@path"]),
            r#"("x-multi" "@query" "@method" "content-type" "@path");keyid="k""#,
        )
        .unwrap();
        assert_eq!(
            base,
            "x-multi: a, b\n@query: ?b=2&a=%20\n@method: POST\ncontent-type: application/json\n@path: /webhooks/upvest\n@signature-params: (\"x-multi\" \"@query\" \"@method\" \"content-type\" \"@path\");keyid=\"k\""
        );
    }

    #[test]
    fn structured_headers_are_covered_as_upvests_signer_covers_them() {
        let request = WebhookRequest::post("/p", "{}")
            .with_header("cache-control", "max-age=0, s-maxage=5")
            .with_header("accept", "application/json, text/plain")
            .with_header("priority", "(u, i)")
            .with_header("digest", "SHA-256=abc=")
            .with_header("digest", "SHA-256=unsigned=");
        let base = signature_base(
            &request,
            &names(&[
                "cache-control:s-maxage",
                "accept",
                "priority:0",
                "priority:2",
                "digest",
                "cache-control:max-age",
            ]),
            "()",
        )
        .unwrap();
        assert_eq!(
            base,
            "cache-control:s-maxage: 5\naccept: application/json\npriority:0: ()\npriority:2: (u, i)\ndigest: SHA-256=abc=\ncache-control:max-age: 0\n@signature-params: ()"
        );
    }

    #[test]
    fn unknown_or_absent_components_fail_closed() {
        let request = WebhookRequest::post("/p", "")
            .with_header("cache-control", "max-age=0")
            .with_header("accept", "text/plain")
            .with_header("bad", "k=\"open");
        let cases = [
            ("@scheme", "unsupported component"),
            ("@target-uri", "unsupported component"),
            ("@signature-params", "unsupported component"),
            ("Content-Type", "unsupported component"),
            ("", "unsupported component"),
            (":a", "unsupported component"),
            ("a b", "unsupported component"),
            ("content-type", "covered header is absent"),
            ("content-type:a", "covered header is absent"),
            ("digest", "missing digest"),
            ("@query", "covered @query is absent"),
            ("cache-control", "covered component is absent"),
            ("cache-control:no-store", "covered component is absent"),
            ("accept:0", "covered component is absent"),
            ("bad", "covered header cannot be normalised"),
        ];
        for (name, reason) in cases {
            assert_eq!(
                signature_base(&request, &names(&[name]), "()"),
                Err(WebhookError::Unauthorized(reason)),
                "{name}"
            );
        }
    }
}
