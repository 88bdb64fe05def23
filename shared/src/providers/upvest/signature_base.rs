//! The v6 signature base: one `name: value` line per covered component, in the order of
//! `signature-input`, names unquoted (Upvest's departure from draft -06), then the
//! `@signature-params` line with the member text as received; `\n` between lines, no
//! trailing newline.

use crate::error::WebhookError;
use crate::request::WebhookRequest;

/// Builds the base for `components` over `request` (raw path, raw query, header values).
/// An unsupported derived component or a covered header that is absent fails closed.
pub fn signature_base(
    request: &WebhookRequest,
    components: &[String],
    raw_params: &str,
) -> Result<String, WebhookError> {
    let mut base = String::new();
    for name in components {
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
            header if is_header_name(header) => request
                .header(header)
                .map(|value| value.trim().to_owned())
                .ok_or(WebhookError::Unauthorized("covered header is absent"))?,
            _ => return Err(WebhookError::Unauthorized("unsupported component")),
        };
        base.push_str(name);
        base.push_str(": ");
        base.push_str(&value);
        base.push('\n');
    }
    base.push_str("@signature-params: ");
    base.push_str(raw_params);
    Ok(base)
}

/// A lower-case HTTP field name. Upper case, `name:key` pseudo-components of Upvest's
/// proxy and anything else are refused rather than guessed at.
fn is_header_name(name: &str) -> bool {
    !name.is_empty()
        && name.bytes().all(|b| {
            b.is_ascii_lowercase()
                || b.is_ascii_digit()
                || matches!(
                    b,
                    b'!' | b'#'
                        | b'$'
                        | b'%'
                        | b'&'
                        | b'\''
                        | b'*'
                        | b'+'
                        | b'-'
                        | b'.'
                        | b'^'
                        | b'_'
                        | b'`'
                        | b'|'
                        | b'~'
                )
        })
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
    fn unknown_or_absent_components_fail_closed() {
        let request = WebhookRequest::post("/p", "");
        let cases = [
            ("@scheme", "unsupported component"),
            ("@target-uri", "unsupported component"),
            ("@signature-params", "unsupported component"),
            ("Content-Type", "unsupported component"),
            ("content-type:a", "unsupported component"),
            ("", "unsupported component"),
            ("content-type", "covered header is absent"),
            ("@query", "covered @query is absent"),
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
