//! OneMetric webhooks.
//!
//! OneMetric signs nothing and registration takes only a URL, so the registered URL
//! carries the secret: `<base>/webhooks/onemetric?token=<ONEMETRIC_TOKEN>`. Checks, in
//! order: the `token` query parameter against every configured token (401), then the
//! optional source-IP allowlist (403), then the body's structure (400). The token is
//! checked first so that a caller without it learns nothing, not even whether its
//! address would be allowed.
//!
//! `time_stamp` is not signed, so it is never a reason to refuse (no freshness rule):
//! a replay with the token is a duplicate only if it repeats an event's content.
//! There is no event id: events are identified by their content (canonical JSON).

mod event;
mod ip_allowlist;
mod token;

pub use event::{EventKind, MarketDetails, OneMetricEvent, OneMetricUser};
pub use ip_allowlist::{AllowlistError, CidrBlock, IpAllowlist};
pub use token::{TOKEN_PARAMETER, matching_token};

use serde_json::{Map, Value};
use time::UtcOffset;

use crate::canonical_json::object_content_id;
use crate::config::{ConfigError, ConfigSource};
use crate::envelope::EventDraft;
use crate::error::WebhookError;
use crate::provider::{Provider, VerifyContext};
use crate::providers::json_body::{optional_str, parse_object, raw_payload, required_str};
use crate::request::WebhookRequest;
use crate::secret_list::SecretList;
use crate::timestamps::parse_naive;
use crate::verification::Verified;

pub const TOKEN_VARIABLE: &str = "ONEMETRIC_TOKEN";
pub const ALLOWED_IPS_VARIABLE: &str = "ONEMETRIC_ALLOWED_IPS";
/// Every variable `from_config` reads (checked against the template by tests/tests/infra_template.rs).
pub const VARIABLES: &[&str] = &[TOKEN_VARIABLE, ALLOWED_IPS_VARIABLE];
/// The envelope subject of an event with neither `user.id` nor `details.symbol` (a pair
/// OneMetric may add later): it is still authentic, so it is enqueued, not refused.
pub const UNKNOWN_SUBJECT: &str = "unknown";

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
    const NAME: &'static str = "onemetric";

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
        _context: &VerifyContext,
    ) -> Result<Verified<Vec<EventDraft>>, WebhookError> {
        let received = request
            .query_param(TOKEN_PARAMETER)
            .filter(|token| !token.is_empty())
            .ok_or(WebhookError::Unauthorized("missing token"))?;
        let matched = matching_token(&self.tokens, &received)
            .ok_or(WebhookError::Unauthorized("token mismatch"))?;
        if let Some(allowlist) = &self.allowlist
            && !allowlist.allows(request.source_ip.as_deref())
        {
            return Err(WebhookError::Forbidden("source IP not allowed"));
        }

        let body = parse_object(&request.body)?;
        let event_type = required_str(&body, "event_type")?;
        let sub_type = required_str(&body, "sub_type")?;
        let time_stamp = required_str(&body, "time_stamp")?;
        let occurred_at = parse_naive(time_stamp, UtcOffset::UTC)
            .ok_or_else(|| WebhookError::bad_request("time_stamp is not YYYY-MM-DD HH:MM:SS"))?;
        let details = optional_object(&body, "details")?;
        let user = optional_object(&body, "user")?;
        let subject = user
            .and_then(|user| user.get("id"))
            .and_then(event::id_text)
            .or_else(|| {
                details
                    .and_then(|d| optional_str(d, "symbol"))
                    .map(str::to_owned)
            })
            .unwrap_or_else(|| UNKNOWN_SUBJECT.to_owned());

        let draft = EventDraft {
            id: object_content_id(&body),
            event_type: format!("{event_type}.{sub_type}"),
            subject,
            occurred_at,
            payload: raw_payload(&request.body)?,
            fallback: crate::fallback::Fallbacks::NONE,
        };
        Ok(Verified::new(vec![draft], matched))
    }
}

/// An optional object field: absent or null is `None`; any other non-object is a 400.
fn optional_object<'a>(
    object: &'a Map<String, Value>,
    field: &str,
) -> Result<Option<&'a Map<String, Value>>, WebhookError> {
    match object.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Object(inner)) => Ok(Some(inner)),
        Some(_) => Err(WebhookError::bad_request(format!(
            "field {field} is not an object"
        ))),
    }
}

#[cfg(test)]
mod tests;
