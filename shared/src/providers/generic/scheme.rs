//! The three schemes a configured source may use, and what authentication yields.

use super::authenticated::{Authenticated, MIN_KEY_BYTES};
use super::config_object::{ConfigObject, FieldError};
use super::hmac_signature::HmacSignature;
use super::standard_webhooks::StandardWebhooks;
use super::url_token::UrlToken;
use crate::config::secret_list::SecretList;
use crate::pipeline::error::WebhookError;
use crate::pipeline::ports::provider::VerifyContext;
use crate::pipeline::request::WebhookRequest;

/// How a source's deliveries are authenticated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scheme {
    StandardWebhooks(StandardWebhooks),
    Hmac(HmacSignature),
    UrlToken(UrlToken),
}

#[derive(Debug, Clone, Copy)]
enum SchemeKind {
    StandardWebhooks,
    Hmac,
    UrlToken,
}

const SCHEMES: [(&str, SchemeKind); 3] = [
    ("standard-webhooks", SchemeKind::StandardWebhooks),
    ("hmac", SchemeKind::Hmac),
    ("url-token", SchemeKind::UrlToken),
];

impl SchemeKind {
    /// Every field a source entry of this scheme may have.
    fn fields(self) -> &'static [&'static str] {
        match self {
            SchemeKind::StandardWebhooks => &["scheme", "secrets", "envelope", "tolerance_seconds"],
            SchemeKind::Hmac => &[
                "scheme",
                "secrets",
                "envelope",
                "header",
                "algorithm",
                "encoding",
                "prefix",
                "signed",
                "timestamp_header",
                "separator",
                "tolerance_seconds",
            ],
            SchemeKind::UrlToken => &["scheme", "secrets", "envelope", "parameter"],
        }
    }
}

impl Scheme {
    /// Reads `scheme` and that scheme's parameters from a source's entry, refusing fields
    /// the scheme does not have.
    pub(crate) fn from_entry(entry: &ConfigObject) -> Result<Self, FieldError> {
        let kind = entry.required_choice("scheme", &SCHEMES)?;
        entry.only(kind.fields())?;
        Ok(match kind {
            SchemeKind::StandardWebhooks => {
                Scheme::StandardWebhooks(StandardWebhooks::from_entry(entry)?)
            }
            SchemeKind::Hmac => Scheme::Hmac(HmacSignature::from_entry(entry)?),
            SchemeKind::UrlToken => Scheme::UrlToken(UrlToken::from_entry(entry)?),
        })
    }

    /// The scheme's name as configured.
    pub fn name(&self) -> &'static str {
        match self {
            Scheme::StandardWebhooks(_) => "standard-webhooks",
            Scheme::Hmac(_) => "hmac",
            Scheme::UrlToken(_) => "url-token",
        }
    }

    /// Whether `secret` can serve this scheme (a fixed reason otherwise). A signing key
    /// must have at least [`MIN_KEY_BYTES`]: a short one can be guessed offline from one
    /// captured delivery.
    pub(crate) fn check_secret(&self, secret: &str) -> Result<(), &'static str> {
        match self {
            Scheme::StandardWebhooks(_) => StandardWebhooks::check_secret(secret),
            Scheme::Hmac(_) if secret.len() < MIN_KEY_BYTES => {
                Err("an hmac secret must be at least 16 bytes (e.g. openssl rand -hex 32)")
            }
            Scheme::Hmac(_) => Ok(()),
            Scheme::UrlToken(_) => UrlToken::check_secret(secret),
        }
    }

    /// Authenticates the raw delivery under every secret of the list: 401 when it
    /// cannot (missing or wrong header, signature or token; timestamp outside the window).
    pub fn authenticate(
        &self,
        request: &WebhookRequest,
        secrets: &SecretList,
        context: &VerifyContext,
    ) -> Result<Authenticated, WebhookError> {
        match self {
            Scheme::StandardWebhooks(scheme) => scheme.authenticate(request, secrets, context),
            Scheme::Hmac(scheme) => scheme.authenticate(request, secrets, context),
            Scheme::UrlToken(scheme) => scheme.authenticate(request, secrets),
        }
    }
}
