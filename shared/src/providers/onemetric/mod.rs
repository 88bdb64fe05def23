//! OneMetric webhooks.
//!
//! OneMetric signs nothing, so a secret token we choose authenticates a delivery. Its
//! registration takes only a URL, so the registered URL carries it:
//! `<base>/webhooks/onemetric?token=<ONEMETRIC_TOKEN>`; OneMetric's second webhook document
//! speaks of "API key or Token in the headers", so an `Authorization` header (`Bearer
//! <token>` or the bare token) or an `X-API-Key` header is accepted too. Checks, in
//! order: the token against every configured token (401), then the optional source-IP
//! allowlist (403), then that the body is a JSON object (400). The token is checked first
//! so that a caller without it learns nothing, not even whether its address would be
//! allowed.
//!
//! OneMetric publishes two documents that disagree (`time_stamp` as `YYYY-MM-DD
//! HH:MM:SS` or ISO 8601 with `Z`; `NEWS_ALERT` without `sub_type`; `user` absent), so
//! both are read, and an authentic object is never refused for its shape: what cannot be
//! read falls back (see `crate::pipeline::fallback`). `time_stamp` is not signed, so it is never a
//! reason to refuse (no freshness rule): a replay with the token is a duplicate only if
//! it repeats an event's content. There is no event id: events are identified by their
//! content (canonical JSON).

mod ip_allowlist;
mod token;

pub use ip_allowlist::{AllowlistError, CidrBlock, IpAllowlist};
pub use token::{
    API_KEY_HEADER, AUTHORIZATION_HEADER, TOKEN_PARAMETER, matching_any, matching_token,
    presented_tokens,
};

use std::time::Duration;

use serde_json::Value;
use time::UtcOffset;

use crate::text::canonical_json::object_content_id;
use crate::config::{ConfigError, ConfigSource};
use crate::pipeline::envelope::EventDraft;
use crate::pipeline::error::WebhookError;
use crate::pipeline::fallback::{Fallback, Fallbacks, UNPARSED_TYPE};
use crate::pipeline::ports::provider::{Provider, VerifyContext};
use crate::providers::names::BuiltIn;
use crate::providers::json_body::{optional_object, optional_str, parse_object, raw_payload};
use crate::pipeline::request::WebhookRequest;
use crate::config::secret_list::SecretList;
use crate::text::timestamps::parse_naive_or_rfc3339;
use crate::pipeline::Verified;

pub const TOKEN_VARIABLE: &str = "ONEMETRIC_TOKEN";
pub const ALLOWED_IPS_VARIABLE: &str = "ONEMETRIC_ALLOWED_IPS";
/// Every variable `from_config` reads (checked against the template by tests/tests/infra_template.rs).
pub const VARIABLES: &[&str] = &[TOKEN_VARIABLE, ALLOWED_IPS_VARIABLE];
/// The envelope subject of an event with neither `user.id` nor `details.symbol`: it is
/// still authentic, so it is enqueued (with a subject fallback), not refused.
pub use crate::pipeline::fallback::UNKNOWN_SUBJECT;

/// This provider's verifier, as the registry names it (`providers::<name>::Verifier`).
pub type Verifier = OneMetricProvider;

#[derive(Debug, Clone)]
pub struct OneMetricProvider {
    tokens: SecretList,
    allowlist: Option<IpAllowlist>,
}

impl OneMetricProvider {
    pub fn new(tokens: SecretList, allowlist: Option<IpAllowlist>) -> Self {
        OneMetricProvider { tokens, allowlist }
    }
}

impl Provider for OneMetricProvider {
    const NAME: &'static str = BuiltIn::OneMetric.name();
    const VARIABLES: &'static [&'static str] = VARIABLES;
    /// Unused: OneMetric signs no timestamp, so no freshness rule applies (its
    /// `time_stamp` is unsigned). 1 day, so it fits under any dedupe TTL of a day or more.
    const DEFAULT_MAX_EVENT_AGE: Duration = Duration::from_secs(24 * 60 * 60);

    fn from_config(config: &ConfigSource) -> Result<Self, ConfigError> {
        let tokens = config.secret_list(TOKEN_VARIABLE)?;
        let allowlist = config
            .get(ALLOWED_IPS_VARIABLE)
            .map(|raw| {
                IpAllowlist::parse(raw).map_err(|error| ConfigError::Invalid {
                    name: ALLOWED_IPS_VARIABLE,
                    reason: match error {
                        AllowlistError::Empty => "no CIDR block given".to_owned(),
                        AllowlistError::InvalidBlock(position) => {
                            format!("item {position} is not a CIDR block")
                        }
                    },
                })
            })
            .transpose()?;
        Ok(OneMetricProvider::new(tokens, allowlist))
    }

    fn verify(
        &self,
        request: &WebhookRequest,
        context: &VerifyContext,
    ) -> Result<Verified<Vec<EventDraft>>, WebhookError> {
        let presented = presented_tokens(request);
        if presented.is_empty() {
            return Err(WebhookError::Unauthorized("missing token"));
        }
        let matched = matching_any(&self.tokens, &presented)
            .ok_or(WebhookError::Unauthorized("token mismatch"))?;
        if let Some(allowlist) = &self.allowlist
            && !allowlist.allows(request.source_ip.as_deref())
        {
            return Err(WebhookError::Forbidden("source IP not allowed"));
        }

        let body = parse_object(&request.body)?;
        let mut fallback = Fallbacks::NONE;
        // An event without `sub_type` (the second document's NEWS_ALERT) is typed by its
        // `event_type` alone: a documented shape, not a fallback.
        let event_type = match (
            optional_str(&body, "event_type"),
            optional_str(&body, "sub_type"),
        ) {
            (Some(event_type), Some(sub_type)) => format!("{event_type}.{sub_type}"),
            (Some(event_type), None) => event_type.to_owned(),
            (None, _) => {
                fallback.insert(Fallback::EventType);
                UNPARSED_TYPE.to_owned()
            }
        };
        let occurred_at = optional_str(&body, "time_stamp")
            .and_then(|t| parse_naive_or_rfc3339(t, UtcOffset::UTC))
            .unwrap_or_else(|| {
                fallback.insert(Fallback::OccurredAt);
                context.now
            });
        let subject = optional_object(&body, "user")
            .and_then(|user| user.get("id"))
            .and_then(id_text)
            .or_else(|| {
                optional_object(&body, "details")
                    .and_then(|details| optional_str(details, "symbol"))
                    .map(str::to_owned)
            })
            .unwrap_or_else(|| {
                fallback.insert(Fallback::Subject);
                UNKNOWN_SUBJECT.to_owned()
            });

        let draft = EventDraft {
            id: object_content_id(&body),
            event_type,
            subject,
            occurred_at,
            signed_at: None,
            payload: raw_payload(&request.body)?,
            fallback,
            state_key: None,
        };
        Ok(Verified::new(vec![draft], matched))
    }
}

/// A user id as text: a non-empty string as it is, a number as its JSON text.
fn id_text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

#[cfg(test)]
mod tests;
