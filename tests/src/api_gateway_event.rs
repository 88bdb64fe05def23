//! API Gateway HTTP API (payload format 2.0) event files, as `cargo lambda invoke
//! --data-file` takes them, and their conversion back to a request.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Map, Value, json};

use brokerhooks::WebhookRequest;

/// A signed delivery before it is wrapped in an event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    pub method: String,
    pub path: String,
    /// Raw query without `?`.
    pub query: Option<String>,
    /// Lower-case names.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    pub source_ip: String,
}

impl Delivery {
    pub fn post(path: &str, body: impl Into<Vec<u8>>) -> Self {
        Delivery {
            method: "POST".to_owned(),
            path: path.to_owned(),
            query: None,
            headers: vec![("content-type".to_owned(), "application/json".to_owned())],
            body: body.into(),
            source_ip: "127.0.0.1".to_owned(),
        }
    }

    pub fn with_header(mut self, name: &str, value: &str) -> Self {
        let name = name.to_ascii_lowercase();
        self.headers.retain(|(n, _)| *n != name);
        self.headers.push((name, value.to_owned()));
        self
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The request the pipeline would see.
    pub fn to_request(&self) -> WebhookRequest {
        let mut request = WebhookRequest {
            method: self.method.clone(),
            path: self.path.clone(),
            query: self.query.clone(),
            body: self.body.clone(),
            source_ip: Some(self.source_ip.clone()),
            ..WebhookRequest::default()
        };
        for (name, value) in &self.headers {
            request = request.with_header(name, value);
        }
        request
    }

    /// An API Gateway v2 event. Bodies are base64-encoded when `base64` is set (API
    /// Gateway does this for content types it does not treat as text).
    pub fn to_event(&self, base64: bool) -> Value {
        let headers: Map<String, Value> = self
            .headers
            .iter()
            .map(|(n, v)| (n.clone(), Value::String(v.clone())))
            .collect();
        let body = if base64 {
            STANDARD.encode(&self.body)
        } else {
            String::from_utf8_lossy(&self.body).into_owned()
        };
        json!({
            "version": "2.0",
            "routeKey": format!("POST {}", self.path),
            "rawPath": self.path,
            "rawQueryString": self.query.clone().unwrap_or_default(),
            "headers": headers,
            "requestContext": {
                "accountId": "123456789012",
                "apiId": "local",
                "domainName": "localhost",
                "domainPrefix": "localhost",
                "http": {
                    "method": self.method,
                    "path": self.path,
                    "protocol": "HTTP/1.1",
                    "sourceIp": self.source_ip,
                    "userAgent": "brokerhooks-testkit"
                },
                "requestId": "local-request",
                "routeKey": format!("POST {}", self.path),
                "stage": "$default",
                "time": "22/Nov/2026:00:00:00 +0000",
                "timeEpoch": 1795305600000u64
            },
            "body": body,
            "isBase64Encoded": base64
        })
    }

    /// Reads an event file back. `None` when a required part is missing or malformed.
    pub fn from_event(event: &Value) -> Option<Delivery> {
        let path = event.get("rawPath")?.as_str()?.to_owned();
        let query = event
            .get("rawQueryString")
            .and_then(Value::as_str)
            .filter(|q| !q.is_empty())
            .map(str::to_owned);
        let http = event.get("requestContext")?.get("http")?;
        let method = http.get("method")?.as_str()?.to_owned();
        let source_ip = http
            .get("sourceIp")
            .and_then(Value::as_str)
            .unwrap_or("127.0.0.1")
            .to_owned();
        let headers = event
            .get("headers")
            .and_then(Value::as_object)
            .map(|h| {
                h.iter()
                    .filter_map(|(n, v)| Some((n.to_ascii_lowercase(), v.as_str()?.to_owned())))
                    .collect()
            })
            .unwrap_or_default();
        let raw_body = event
            .get("body")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let body = if event
            .get("isBase64Encoded")
            .and_then(Value::as_bool)
            .unwrap_or(false)
        {
            STANDARD.decode(raw_body).ok()?
        } else {
            raw_body.as_bytes().to_vec()
        };
        Some(Delivery {
            method,
            path,
            query,
            headers,
            body,
            source_ip,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_round_trip() {
        let mut delivery =
            Delivery::post("/webhooks/kite", b"{\"a\":1}".to_vec()).with_header("X-Sig", "abc");
        delivery.query = Some("token=t".to_owned());
        for base64 in [false, true] {
            let event = delivery.to_event(base64);
            assert_eq!(Delivery::from_event(&event), Some(delivery.clone()));
        }
    }
}
