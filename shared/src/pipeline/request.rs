//! The delivery as received, before anything is trusted.

use http::HeaderMap;

/// One HTTP delivery, exactly as the gateway received it.
///
/// `body` holds the raw bytes (API Gateway's base64 already undone); nothing is
/// re-serialized before verification.
#[derive(Debug, Clone, Default)]
pub struct WebhookRequest {
    /// Upper-case HTTP method.
    pub method: String,
    /// Raw path as the gateway received it (not percent-decoded).
    pub path: String,
    /// Raw query string without the leading `?`; `None` when there is none.
    pub query: Option<String>,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
    /// The caller's address as API Gateway saw it.
    pub source_ip: Option<String>,
}

impl WebhookRequest {
    /// A POST with the given body and no headers; handy for tests and benchmarks.
    pub fn post(path: &str, body: impl Into<Vec<u8>>) -> Self {
        WebhookRequest {
            method: "POST".to_owned(),
            path: path.to_owned(),
            body: body.into(),
            ..WebhookRequest::default()
        }
    }

    /// Adds a header (builder style). Invalid names or values are ignored, as a gateway would drop them.
    pub fn with_header(mut self, name: &str, value: &str) -> Self {
        if let (Ok(name), Ok(value)) = (
            http::header::HeaderName::from_bytes(name.as_bytes()),
            http::header::HeaderValue::from_str(value),
        ) {
            self.headers.append(name, value);
        }
        self
    }

    /// The value of a header, several field lines joined with `", "`.
    /// `None` when absent or not visible ASCII.
    pub fn header(&self, name: &str) -> Option<String> {
        let mut values = self.headers.get_all(name).iter();
        let first = values.next()?.to_str().ok()?.to_owned();
        values.try_fold(first, |mut joined, next| {
            joined.push_str(", ");
            joined.push_str(next.to_str().ok()?);
            Some(joined)
        })
    }

    /// The first value of a query parameter, form-decoded (`%XX` escapes and `+`).
    /// A parameter whose name or value is not well-formed (a `%` not followed by two hex
    /// digits, or bytes that are not UTF-8) is skipped, never guessed at.
    pub fn query_param(&self, name: &str) -> Option<String> {
        let query = self.query.as_deref()?;
        query.split('&').find_map(|pair| {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            (form_decode(key)? == name).then(|| form_decode(value))?
        })
    }
}

/// One form-encoded component (`application/x-www-form-urlencoded`): `+` is a space.
/// Unlike `form_urlencoded::parse`, which keeps a malformed escape as text and replaces
/// invalid UTF-8, it refuses both: a token is compared exactly or not at all.
fn form_decode(input: &str) -> Option<String> {
    let escapes_well_formed = input.split('%').skip(1).all(|after| {
        after
            .as_bytes()
            .get(..2)
            .is_some_and(|hex| hex.iter().all(u8::is_ascii_hexdigit))
    });
    if !escapes_well_formed {
        return None;
    }
    let spaced = input.replace('+', " ");
    percent_encoding::percent_decode_str(&spaced)
        .decode_utf8()
        .ok()
        .map(|decoded| decoded.into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeated_headers_are_joined() {
        let request = WebhookRequest::post("/", "")
            .with_header("X-A", "one")
            .with_header("x-a", "two");
        assert_eq!(request.header("x-a").as_deref(), Some("one, two"));
        assert_eq!(request.header("x-b"), None);
    }

    #[test]
    fn query_params_are_decoded() {
        let mut request = WebhookRequest::post("/", "");
        request.query = Some("a=1&token=t%2Bk+n&token=second&bad=%zz".to_owned());
        assert_eq!(request.query_param("token").as_deref(), Some("t+k n"));
        assert_eq!(request.query_param("a").as_deref(), Some("1"));
        assert_eq!(request.query_param("bad"), None);
        assert_eq!(request.query_param("missing"), None);
    }
}
