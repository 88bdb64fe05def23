//! Sends deliveries over HTTP to functions served by `cargo lambda watch`.

use std::path::{Path, PathBuf};

use crate::api_gateway_event::Delivery;

/// The URL `cargo lambda watch` serves `provider` under, for the delivery's own path and query.
pub fn url_for(base: &str, provider: &str, delivery: &Delivery) -> String {
    let mut url = format!(
        "{}/lambda-url/{provider}{}",
        base.trim_end_matches('/'),
        delivery.path
    );
    if let Some(query) = &delivery.query {
        url.push('?');
        url.push_str(query);
    }
    url
}

/// Sends one delivery; returns status and body.
pub async fn send(
    client: &reqwest::Client,
    base: &str,
    provider: &str,
    delivery: &Delivery,
) -> Result<(u16, String), String> {
    let method =
        reqwest::Method::from_bytes(delivery.method.as_bytes()).map_err(|e| e.to_string())?;
    let mut request = client
        .request(method, url_for(base, provider, delivery))
        .body(delivery.body.clone());
    for (name, value) in &delivery.headers {
        request = request.header(name, value);
    }
    let response = request
        .send()
        .await
        .map_err(|e| format!("request failed: {e}"))?;
    let status = response.status().as_u16();
    let body = response.text().await.map_err(|e| e.to_string())?;
    Ok((status, body))
}

/// The sample event files of one provider (`events/<provider>/*.json`), sorted.
pub fn event_files(events_dir: &Path, provider: &str) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(events_dir.join(provider))
        .map(|dir| {
            dir.filter_map(Result::ok)
                .map(|entry| entry.path())
                .filter(|path| path.extension().is_some_and(|ext| ext == "json"))
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    files
}

/// Reads an API Gateway v2 event file as a delivery.
pub fn read_event_file(path: &Path) -> Result<Delivery, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let event: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
    Delivery::from_event(&event)
        .ok_or_else(|| format!("{}: not an API Gateway v2 event", path.display()))
}
