//! One configured source: its name, scheme, secrets and envelope mapping, and its
//! verifier.

use serde_json::Value;

use super::config_object::{ConfigObject, FieldError};
use super::envelope_mapping::EnvelopeMapping;
use super::scheme::Scheme;
use super::source_name::{check_source_name, source_path};
use crate::config::secret_list::SecretList;
use crate::pipeline::Verified;
use crate::pipeline::envelope::EventDraft;
use crate::pipeline::error::WebhookError;
use crate::pipeline::ports::provider::VerifyContext;
use crate::pipeline::request::WebhookRequest;

/// A source whose entry is valid. `Debug` never prints a secret.
#[derive(Debug, Clone)]
pub struct Source {
    name: String,
    scheme: Scheme,
    secrets: SecretList,
    mapping: EnvelopeMapping,
}

impl Source {
    /// Reads the entry of source `name` (`/sources/<name>` in the document).
    pub(crate) fn from_entry(name: &str, value: &Value) -> Result<Self, FieldError> {
        let path = source_path(name);
        check_source_name(name).map_err(|reason| FieldError::new(&path, reason))?;
        let entry = ConfigObject::new(value, &path)?;
        let scheme = Scheme::from_entry(&entry)?;
        let secrets = read_secrets(&entry, &scheme)?;
        let mapping = EnvelopeMapping::from_entry(&entry)?;
        if matches!(scheme, Scheme::UrlToken(_)) && mapping.id.is_some() {
            // Whoever holds the URL can post any body: with an id read from it, a forged
            // body carrying a genuine event's id, posted first, would make the genuine
            // one a duplicate. Keyed by content, a forgery is only ever its own event.
            return Err(FieldError::new(
                format!("{path}/envelope/id"),
                "a url-token source signs nothing, so its events are keyed by their content: map no id",
            ));
        }
        Ok(Source {
            name: name.to_owned(),
            scheme,
            secrets,
            mapping,
        })
    }

    /// The source's name: the envelope's `provider` for its events.
    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn scheme(&self) -> &Scheme {
        &self.scheme
    }

    pub fn mapping(&self) -> &EnvelopeMapping {
        &self.mapping
    }

    /// How many secrets the rotation list holds (never their values).
    pub fn secret_count(&self) -> usize {
        self.secrets.len()
    }

    /// Authenticates one delivery and drafts its one event, as `Provider::verify` does:
    /// 401 when the scheme refuses it; after authentication, 400 only for a body that is
    /// not JSON; any JSON document is then one event, each unreadable field a fallback.
    pub fn verify(
        &self,
        request: &WebhookRequest,
        context: &VerifyContext,
    ) -> Result<Verified<Vec<EventDraft>>, WebhookError> {
        let proof = self.scheme.authenticate(request, &self.secrets, context)?;
        let mut draft = self
            .mapping
            .draft(&request.body, proof.delivery_id.as_deref(), context)?;
        draft.signed_at = proof.signed_at;
        Ok(Verified::new(vec![draft], proof.matched_secret))
    }
}

/// `secrets`: a list of one or more non-empty strings, each usable by the scheme.
fn read_secrets(entry: &ConfigObject, scheme: &Scheme) -> Result<SecretList, FieldError> {
    let path = entry.field_path("secrets");
    let items = entry
        .value("secrets")
        .ok_or_else(|| entry.error("secrets", "is required"))?
        .as_array()
        .filter(|items| !items.is_empty())
        .ok_or_else(|| FieldError::new(&path, "must be a list of one or more secrets"))?;
    let mut secrets = Vec::with_capacity(items.len());
    for (position, item) in items.iter().enumerate() {
        let item_path = format!("{path}/{position}");
        let secret = item
            .as_str()
            .filter(|secret| !secret.is_empty())
            .ok_or_else(|| FieldError::new(&item_path, "must be a non-empty string"))?;
        scheme
            .check_secret(secret)
            .map_err(|reason| FieldError::new(&item_path, reason))?;
        secrets.push(secret.to_owned());
    }
    // Every item was checked non-empty above, so the list is never refused here.
    SecretList::from_values(secrets)
        .ok_or_else(|| FieldError::new(&path, "must be a list of one or more secrets"))
}
