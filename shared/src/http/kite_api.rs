//! Kite Connect's order book over HTTPS: `GET /orders` and `GET /orders/{order_id}` with
//! `X-Kite-Version: 3` and `Authorization: token <api_key>:<access_token>`. Stays under
//! Kite's rate limit per API key, retries 429 and 5xx answers (and failed connections)
//! with back-off within a budget per request, and tells a rejected session (403
//! `TokenException`) apart. The access token is sent, never logged.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use reqwest::StatusCode;

use super::rate_limit::RateLimit;
use crate::config::{ConfigError, ConfigSource};
use crate::providers::kite::order_book::{is_token_exception, read_book, read_history};
use crate::reconciliation::record::{
    OrderRecord, RecordError, RecordFromConfig, RecordPage, RecordedState, Session,
};

/// Kite Connect's API base URL (default [`DEFAULT_BASE_URL`]).
pub const BASE_URL_VARIABLE: &str = "KITE_API_URL";
/// Requests a second per API key (default [`DEFAULT_REQUESTS_PER_SECOND`]).
pub const RATE_VARIABLE: &str = "KITE_API_REQUESTS_PER_SECOND";

/// Kite Connect's API, unless `KITE_API_URL` says otherwise (a local stand-in).
pub const DEFAULT_BASE_URL: &str = "https://api.kite.trade";
/// Kite's limit for these endpoints is about 10 requests a second per API key.
pub const DEFAULT_REQUESTS_PER_SECOND: u32 = 8;
/// How long one request keeps retrying 429s, 5xx answers and failed connections.
pub const DEFAULT_RETRY_BUDGET: Duration = Duration::from_secs(20);
/// One attempt's timeout.
const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(10);
const FIRST_BACKOFF: Duration = Duration::from_millis(250);
const MAX_BACKOFF: Duration = Duration::from_secs(4);

pub struct KiteApi {
    client: reqwest::Client,
    base_url: String,
    limit: RateLimit,
    retry_budget: Duration,
    requests: AtomicU64,
}

impl KiteApi {
    pub fn new(
        base_url: &str,
        requests_per_second: u32,
        retry_budget: Duration,
    ) -> Result<Self, String> {
        let client = reqwest::Client::builder()
            .timeout(ATTEMPT_TIMEOUT)
            .build()
            .map_err(|e| format!("HTTP client: {e}"))?;
        Ok(KiteApi {
            client,
            base_url: base_url.trim_end_matches('/').to_owned(),
            limit: RateLimit::per_second(requests_per_second),
            retry_budget,
            requests: AtomicU64::new(0),
        })
    }

    /// The answer's body to `GET <path>` for `session`, retried within the budget.
    async fn get(&self, session: &Session, path: &str) -> Result<Vec<u8>, RecordError> {
        let url = format!("{}{path}", self.base_url);
        let give_up_at = tokio::time::Instant::now() + self.retry_budget;
        let mut backoff = FIRST_BACKOFF;
        loop {
            self.limit.acquire(&session.api_key).await;
            self.requests.fetch_add(1, Ordering::Relaxed);
            let sent = self
                .client
                .get(&url)
                .header("X-Kite-Version", "3")
                .header(
                    "Authorization",
                    format!("token {}:{}", session.api_key, session.access_token),
                )
                .send()
                .await;
            let retry_reason = match sent {
                Ok(response) => {
                    let status = response.status();
                    let body = response
                        .bytes()
                        .await
                        .map(|bytes| bytes.to_vec())
                        .unwrap_or_default();
                    if status.is_success() {
                        return Ok(body);
                    }
                    if status == StatusCode::FORBIDDEN && is_token_exception(&body) {
                        return Err(RecordError::Rejected);
                    }
                    if status != StatusCode::TOO_MANY_REQUESTS && !status.is_server_error() {
                        return Err(RecordError::Invalid(format!("HTTP {}", status.as_u16())));
                    }
                    format!("HTTP {}", status.as_u16())
                }
                // The URL holds no secret; the error's text may hold the URL only.
                Err(error) => format!("request failed: {}", error.without_url()),
            };
            let now = tokio::time::Instant::now();
            if now + backoff >= give_up_at {
                return Err(RecordError::Unavailable(retry_reason));
            }
            tracing::debug!(reason = %retry_reason, "Kite API retried");
            tokio::time::sleep(backoff).await;
            backoff = (backoff * 2).min(MAX_BACKOFF);
        }
    }
}

impl RecordFromConfig for KiteApi {
    const VARIABLES: &'static [&'static str] = &[BASE_URL_VARIABLE, RATE_VARIABLE];

    fn from_config(config: &ConfigSource) -> Result<Self, ConfigError> {
        let base_url = config.get(BASE_URL_VARIABLE).unwrap_or(DEFAULT_BASE_URL);
        if !(base_url.starts_with("https://") || base_url.starts_with("http://")) {
            return Err(ConfigError::Invalid {
                name: BASE_URL_VARIABLE,
                reason: "must be an http(s) URL".to_owned(),
            });
        }
        let rate = config.u64_or(RATE_VARIABLE, u64::from(DEFAULT_REQUESTS_PER_SECOND))?;
        if !(1..=10).contains(&rate) {
            return Err(ConfigError::Invalid {
                name: RATE_VARIABLE,
                reason: "must be from 1 to 10 (Kite's limit)".to_owned(),
            });
        }
        KiteApi::new(base_url, rate as u32, DEFAULT_RETRY_BUDGET).map_err(|reason| {
            ConfigError::Invalid {
                name: BASE_URL_VARIABLE,
                reason,
            }
        })
    }
}

impl OrderRecord for KiteApi {
    fn provider(&self) -> &'static str {
        crate::providers::names::BuiltIn::Kite.name()
    }

    async fn orders(&self, session: &Session) -> Result<RecordPage, RecordError> {
        read_book(&self.get(session, "/orders").await?)
    }

    async fn history(
        &self,
        session: &Session,
        order_id: &str,
    ) -> Result<Vec<RecordedState>, RecordError> {
        // Kite's order ids are digits; anything else is not sent as a path.
        if order_id.is_empty() || !order_id.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return Err(RecordError::Invalid("order id".to_owned()));
        }
        read_history(&self.get(session, &format!("/orders/{order_id}")).await?)
    }

    fn requests_made(&self) -> u64 {
        self.requests.load(Ordering::Relaxed)
    }
}
