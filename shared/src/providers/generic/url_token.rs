//! `url-token`: for a sender that signs nothing, a secret token we choose rides in the
//! registered URL's query (`…/webhooks/generic/<source>?token=<token>`), as for
//! OneMetric. It is compared as OneMetric's is (both sides hashed, then in constant
//! time, against every configured token).
//!
//! The token proves only that the sender knows the URL; the body is not covered, and
//! there is no timestamp, so there is no freshness rule: a replay is a duplicate only if
//! it repeats an event's content (or its mapped id).

use super::authenticated::Authenticated;
use super::config_object::{ConfigObject, FieldError};
use crate::config::secret_list::SecretList;
use crate::pipeline::error::WebhookError;
use crate::pipeline::request::WebhookRequest;
use crate::providers::verification::matching_token;

/// The query parameter that carries the token unless configured otherwise.
pub const DEFAULT_TOKEN_PARAMETER: &str = "token";
/// Shortest token accepted in configuration: we choose it, so it must be unguessable
/// (`openssl rand -hex 32` gives 64 characters).
pub const MIN_TOKEN_CHARS: usize = 16;

/// The `url-token` scheme's parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UrlToken {
    /// The query parameter's name (percent-decoded, as the request's are).
    pub parameter: String,
}

impl Default for UrlToken {
    fn default() -> Self {
        UrlToken {
            parameter: DEFAULT_TOKEN_PARAMETER.to_owned(),
        }
    }
}

impl UrlToken {
    pub(crate) fn from_entry(entry: &ConfigObject) -> Result<Self, FieldError> {
        let parameter = entry
            .non_empty_string("parameter")?
            .unwrap_or(DEFAULT_TOKEN_PARAMETER)
            .to_owned();
        Ok(UrlToken { parameter })
    }

    pub(crate) fn check_secret(secret: &str) -> Result<(), &'static str> {
        if secret.chars().count() < MIN_TOKEN_CHARS {
            return Err("a token must be at least 16 characters (e.g. openssl rand -hex 32)");
        }
        Ok(())
    }

    pub fn authenticate(
        &self,
        request: &WebhookRequest,
        secrets: &SecretList,
    ) -> Result<Authenticated, WebhookError> {
        let token = request
            .query_param(&self.parameter)
            .filter(|token| !token.is_empty())
            .ok_or(WebhookError::Unauthorized("missing token"))?;
        let matched_secret =
            matching_token(secrets, &token).ok_or(WebhookError::Unauthorized("token mismatch"))?;
        Ok(Authenticated {
            matched_secret,
            delivery_id: None,
            signed_at: None,
        })
    }
}
