//! Between Lambda and the pipeline: the raw API Gateway HTTP API (payload format 2.0) or
//! function-URL event in, its response format out.
//!
//! The event is read from its JSON text field by field (the parts a delivery is made of;
//! the rest is skipped, never built into a tree), so no input can panic the function.
//! lambda_http 1.3.2, which this replaces, panics while building its request on: a body
//! marked base64 that does not decode (an `expect` in aws_lambda_events' `Body`); a
//! `host` header (or domain name) or `x-forwarded-proto` value that makes an invalid URL,
//! or a raw path that does, such as one starting with `:` and no host (`Url::parse(..)
//! .unwrap()` in `build_request_uri`); and a raw query or URL the `http` crate refuses as a
//! URI (`expect("failed to build request")`). None of those matter here: the URL is never
//! built, the raw path and query are passed on as text, and the body's base64 is decoded
//! with an error instead of a panic. An event that is not an HTTP event, or whose body
//! does not decode, is a 400.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use http::{HeaderMap, HeaderName, HeaderValue};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use serde_json::{Map, Value};

use super::answer::Answer;
use crate::pipeline::error::WebhookError;
use crate::pipeline::request::WebhookRequest;

/// The HTTP API / function URL response (payload format 2.0). `cookies` is always empty
/// but present: readers typed on aws_lambda_events' response (cargo lambda) require it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct HttpResponse {
    pub status_code: u16,
    pub headers: ResponseHeaders,
    pub body: String,
    pub is_base64_encoded: bool,
    pub cookies: [&'static str; 0],
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ResponseHeaders {
    #[serde(rename = "content-type")]
    pub content_type: &'static str,
}

pub fn response(answer: Answer) -> HttpResponse {
    HttpResponse {
        status_code: answer.status,
        headers: ResponseHeaders {
            content_type: "application/json",
        },
        body: answer.body,
        is_base64_encoded: false,
        cookies: [],
    }
}

/// The parts of the event the delivery is made of, each kept as raw JSON and read only
/// if needed; every other field (most of `requestContext`) is skipped, not built.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct HttpEvent<'a> {
    #[serde(borrow)]
    request_context: Option<&'a RawValue>,
    #[serde(borrow)]
    raw_path: Option<&'a RawValue>,
    #[serde(borrow)]
    raw_query_string: Option<&'a RawValue>,
    #[serde(borrow)]
    headers: Option<&'a RawValue>,
    #[serde(borrow)]
    cookies: Option<&'a RawValue>,
    #[serde(borrow)]
    body: Option<&'a RawValue>,
    #[serde(borrow)]
    is_base64_encoded: Option<&'a RawValue>,
}

#[derive(Deserialize)]
struct RequestContext<'a> {
    #[serde(borrow)]
    http: Option<&'a RawValue>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct HttpContext<'a> {
    #[serde(borrow)]
    method: Option<&'a RawValue>,
    #[serde(borrow)]
    path: Option<&'a RawValue>,
    #[serde(borrow)]
    source_ip: Option<&'a RawValue>,
}

/// The delivery an event (its JSON text) describes: raw method, path, query, headers and
/// body bytes. A part of another type than API Gateway sends counts as missing.
pub fn webhook_request(event: &str) -> Result<WebhookRequest, WebhookError> {
    let event: HttpEvent = serde_json::from_str(event).map_err(|_| not_an_http_event())?;
    let http = event
        .request_context
        .and_then(|raw| serde_json::from_str::<RequestContext>(raw.get()).ok())
        .and_then(|context| context.http)
        .and_then(|raw| serde_json::from_str::<HttpContext>(raw.get()).ok());
    let method = http
        .as_ref()
        .and_then(|http| string(http.method))
        .filter(|m| !m.is_empty())
        .ok_or_else(not_an_http_event)?
        .to_ascii_uppercase();
    let path = string(event.raw_path)
        .or_else(|| string(http.as_ref()?.path))
        .unwrap_or_default();
    let query = string(event.raw_query_string).filter(|q| !q.is_empty());
    let mut headers = headers(read(event.headers).unwrap_or_default());
    if let Some(cookie) = cookie_header(read(event.cookies)) {
        headers.insert(http::header::COOKIE, cookie);
    }
    let body = body(string(event.body), read(event.is_base64_encoded))?;
    Ok(WebhookRequest {
        method,
        path,
        query,
        headers,
        body,
        source_ip: http.and_then(|http| string(http.source_ip)),
    })
}

fn not_an_http_event() -> WebhookError {
    WebhookError::bad_request("not an HTTP API event")
}

/// A part read as `T`, or nothing when it is missing or of another type.
fn read<T: DeserializeOwned>(raw: Option<&RawValue>) -> Option<T> {
    serde_json::from_str(raw?.get()).ok()
}

fn string(raw: Option<&RawValue>) -> Option<String> {
    read(raw)
}

/// Headers as API Gateway sends them (one value per name, repeats already joined with
/// commas). A name or value HTTP cannot carry, or a value that is not a string, is left
/// out: nothing downstream could have verified it.
fn headers(raw: Map<String, Value>) -> HeaderMap {
    let mut headers = HeaderMap::with_capacity(raw.len());
    for (name, value) in raw {
        let Value::String(value) = value else {
            continue;
        };
        if let (Ok(name), Ok(value)) = (
            HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_bytes(value.as_bytes()),
        ) {
            headers.append(name, value);
        }
    }
    headers
}

/// HTTP API v2 moves `Cookie` into a `cookies` array; put it back as one header.
fn cookie_header(cookies: Option<Vec<Value>>) -> Option<HeaderValue> {
    let cookies = cookies?;
    let cookies: Vec<&str> = cookies.iter().filter_map(Value::as_str).collect();
    if cookies.is_empty() {
        return None;
    }
    HeaderValue::from_str(&cookies.join("; ")).ok()
}

/// The raw body bytes: API Gateway's base64 undone when `isBase64Encoded` is true.
fn body(text: Option<String>, base64: Option<bool>) -> Result<Vec<u8>, WebhookError> {
    let text = text.unwrap_or_default();
    if base64 == Some(true) {
        STANDARD
            .decode(text.as_bytes())
            .map_err(|_| WebhookError::bad_request("body is not valid base64"))
    } else {
        Ok(text.into_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn event(body: &str, base64: bool) -> Value {
        json!({
            "version": "2.0",
            "routeKey": "POST /webhooks/kite",
            "rawPath": "/webhooks/kite",
            "rawQueryString": "token=a%2Bb&x",
            "headers": {"content-type": "application/json", "x-forwarded-proto": "https", "host": "example.com"},
            "cookies": ["a=1", "b=2"],
            "requestContext": {"http": {"method": "post", "path": "/webhooks/kite", "sourceIp": "203.0.113.9"}},
            "body": body,
            "isBase64Encoded": base64
        })
    }

    #[test]
    fn a_well_formed_event_keeps_everything_raw() {
        let request = webhook_request(&event("{\"a\":1}", false).to_string()).unwrap();
        assert_eq!(request.method, "POST");
        assert_eq!(request.path, "/webhooks/kite");
        assert_eq!(request.query.as_deref(), Some("token=a%2Bb&x"));
        assert_eq!(request.query_param("token").as_deref(), Some("a+b"));
        assert_eq!(
            request.header("content-type").as_deref(),
            Some("application/json")
        );
        assert_eq!(request.header("cookie").as_deref(), Some("a=1; b=2"));
        assert_eq!(request.body, b"{\"a\":1}");
        assert_eq!(request.source_ip.as_deref(), Some("203.0.113.9"));

        let encoded = STANDARD.encode([0u8, 159, 146, 150, b'{']);
        let request = webhook_request(&event(&encoded, true).to_string()).unwrap();
        assert_eq!(request.body, [0u8, 159, 146, 150, b'{']);
    }

    #[test]
    fn an_undecodable_base64_body_is_a_400() {
        for bad in ["not base64!", "QQ", "QQ=", "====", "Zm9v\u{1}"] {
            assert_eq!(
                webhook_request(&event(bad, true).to_string()).unwrap_err(),
                WebhookError::bad_request("body is not valid base64"),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn what_made_lambda_http_panic_is_passed_on_as_text() {
        let mut odd = event("{}", false);
        odd["headers"] = json!({
            "host": "exa mple.com:99999",
            "x-forwarded-proto": "ht tp:",
            "bad header name": "x",
            "x-control": "a\u{1}b",
            "x-number": 5,
            "x-latin": "caf\u{e9}",
        });
        odd["rawPath"] = json!(":80/../%zz");
        odd["rawQueryString"] = json!("a=%zz&&=\u{1}&{}|\\^`\" #");
        let request = webhook_request(&odd.to_string()).unwrap();
        assert_eq!(request.path, ":80/../%zz");
        assert_eq!(request.query.as_deref(), Some("a=%zz&&=\u{1}&{}|\\^`\" #"));
        assert_eq!(
            request.header("host").as_deref(),
            Some("exa mple.com:99999")
        );
        assert_eq!(
            request.header("x-forwarded-proto").as_deref(),
            Some("ht tp:")
        );
        assert_eq!(
            request.headers.get("x-latin").unwrap().as_bytes(),
            "caf\u{e9}".as_bytes()
        );
        for dropped in ["x-control", "x-number"] {
            assert!(request.headers.get(dropped).is_none(), "{dropped}");
        }
        assert_eq!(request.headers.len(), 4);
    }

    #[test]
    fn missing_parts_get_empty_values_and_a_missing_method_is_a_400() {
        let minimal = json!({"requestContext": {"http": {"method": "POST"}}});
        let request = webhook_request(&minimal.to_string()).unwrap();
        assert_eq!(
            (
                request.path.as_str(),
                request.query.clone(),
                request.body.len()
            ),
            ("", None, 0)
        );
        assert!(request.headers.is_empty() && request.source_ip.is_none());

        let no_raw_path = json!({"requestContext": {"http": {"method": "POST", "path": "/p"}}, "body": null, "headers": [1]});
        assert_eq!(
            webhook_request(&no_raw_path.to_string()).unwrap().path,
            "/p"
        );

        for not_http in [
            json!(null),
            json!("POST"),
            json!([1, 2]),
            json!({}),
            json!({"httpMethod": "POST", "path": "/webhooks/kite"}),
            json!({"requestContext": {"http": {"method": 5}}}),
            json!({"requestContext": {"http": {"method": ""}}}),
            json!({"requestContext": "x"}),
        ] {
            assert_eq!(
                webhook_request(&not_http.to_string()).unwrap_err(),
                WebhookError::bad_request("not an HTTP API event"),
                "{not_http}"
            );
        }
    }

    #[test]
    fn a_part_of_another_type_counts_as_missing_and_the_rest_is_skipped() {
        let mut odd = event("e30=", false);
        odd["isBase64Encoded"] = json!("true");
        odd["rawQueryString"] = json!(7);
        odd["cookies"] = json!("a=1");
        odd["requestContext"]["http"]["sourceIp"] = json!(["203.0.113.9"]);
        odd["requestContext"]["authorizer"] = json!({"deep": [[[{"x": null}]]]});
        odd["stageVariables"] = json!({"a": "b"});
        let request = webhook_request(&odd.to_string()).unwrap();
        assert_eq!(request.body, b"e30=");
        assert_eq!(request.query, None);
        assert_eq!(request.header("cookie"), None);
        assert_eq!(request.source_ip, None);
        assert_eq!(request.path, "/webhooks/kite");

        for not_json in ["", "{", "{\"requestContext\":", "\u{0}"] {
            assert_eq!(
                webhook_request(not_json).unwrap_err(),
                WebhookError::bad_request("not an HTTP API event"),
                "{not_json:?}"
            );
        }
    }

    #[test]
    fn the_response_is_the_payload_format_2_answer() {
        let answer = Answer {
            status: 503,
            body: "{\"error\":\"x\"}".to_owned(),
        };
        assert_eq!(
            serde_json::to_value(response(answer)).unwrap(),
            json!({"statusCode": 503, "headers": {"content-type": "application/json"},
                   "body": "{\"error\":\"x\"}", "isBase64Encoded": false, "cookies": []})
        );
    }
}
