//! Between lambda_http (API Gateway HTTP API v2 / function URLs) and the pipeline.

use lambda_http::request::RequestContext;
use lambda_http::{Body, Request, RequestExt, Response};

use crate::pipeline::Answer;
use crate::request::WebhookRequest;

/// Takes the raw path, raw query and raw body bytes (base64 already decoded by lambda_http).
pub fn webhook_request(request: Request) -> WebhookRequest {
    let raw_path = request.raw_http_path().to_owned();
    let path = if raw_path.is_empty() {
        request.uri().path().to_owned()
    } else {
        raw_path
    };
    let query = request
        .uri()
        .query()
        .filter(|q| !q.is_empty())
        .map(str::to_owned);
    let source_ip = match request.request_context_ref() {
        Some(RequestContext::ApiGatewayV2(context)) => context.http.source_ip.clone(),
        _ => None,
    };
    let method = request.method().as_str().to_ascii_uppercase();
    let (parts, body) = request.into_parts();
    let body = match body {
        Body::Empty => Vec::new(),
        Body::Text(text) => text.into_bytes(),
        Body::Binary(bytes) => bytes,
        _ => Vec::new(),
    };
    WebhookRequest {
        method,
        path,
        query,
        headers: parts.headers,
        body,
        source_ip,
    }
}

pub fn response(answer: Answer) -> Response<Body> {
    let mut response = Response::new(Body::Text(answer.body));
    *response.status_mut() = http::StatusCode::from_u16(answer.status)
        .unwrap_or(http::StatusCode::INTERNAL_SERVER_ERROR);
    response.headers_mut().insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static("application/json"),
    );
    response
}
