//! The `generic` function's provider: every configured source behind one [`Provider`],
//! routed by the request path `…/webhooks/generic/{source}`.

use std::time::Duration;

use super::VARIABLES;
use super::source_name::source_in_path;
use super::sources::Sources;
use crate::config::{ConfigError, ConfigSource};
use crate::pipeline::Verified;
use crate::pipeline::envelope::EventDraft;
use crate::pipeline::error::WebhookError;
use crate::pipeline::origin::Origin;
use crate::pipeline::ports::provider::{Provider, VerifyContext};
use crate::pipeline::request::WebhookRequest;

/// The function's name: its `functions/generic` binary, the `generic#` prefix of every
/// table key it writes (`generic#<source>#<id>`, the IAM `dynamodb:LeadingKeys` of
/// `generic#*`), and the `provider` of what it logs before a source is known.
pub const NAME: &str = brokerhooks_models::CONFIGURED_SOURCES_FUNCTION;

/// The configured sources, read once at cold start ([`Sources::from_config`]).
#[derive(Debug)]
pub struct GenericProvider {
    sources: Sources,
}

impl GenericProvider {
    pub fn new(sources: Sources) -> Self {
        GenericProvider { sources }
    }

    pub fn sources(&self) -> &Sources {
        &self.sources
    }
}

impl Provider for GenericProvider {
    const NAME: &'static str = NAME;
    const VARIABLES: &'static [&'static str] = VARIABLES;

    /// Every signed time a configured source has is per send (Standard Webhooks'
    /// `webhook-timestamp`, an `hmac` source's timestamp header), held to the source's own
    /// tolerance (5 minutes by default). This window only caps a tolerance configured too
    /// wide, so that no entry of the document can open a replay window longer than a day;
    /// it stays far below the dedupe TTL, so claims outlive it.
    const DEFAULT_MAX_EVENT_AGE: Duration = Duration::from_secs(24 * 60 * 60);

    fn from_config(config: &ConfigSource) -> Result<Self, ConfigError> {
        Ok(GenericProvider::new(Sources::from_config(config)?))
    }

    /// 404 for a path that names no configured source, 500 for a source whose entry is
    /// invalid, else the source's own verifier.
    fn verify(
        &self,
        request: &WebhookRequest,
        context: &VerifyContext,
    ) -> Result<Verified<Vec<EventDraft>>, WebhookError> {
        let name = source_in_path(&request.path).ok_or(WebhookError::NotFound)?;
        self.sources.lookup(name)?.verify(request, context)
    }

    /// A valid configured source names its events, logs, metrics and FIFO groups, with
    /// keys under `generic#<source>#`. Anything else (an unknown or invalid source, another
    /// path) stays `generic`: an arbitrary path segment never becomes a metric dimension.
    fn origin(&self, request: &WebhookRequest) -> Origin {
        match source_in_path(&request.path) {
            Some(name) if self.sources.valid().contains_key(name) => Origin::source(NAME, name),
            _ => Origin::provider(NAME),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::DOCUMENT_VARIABLES;

    /// The function's secret may hold the sources document as a JSON object.
    #[test]
    fn the_sources_document_may_be_an_object_in_the_functions_secret() {
        assert!(DOCUMENT_VARIABLES.contains(&super::super::SOURCES_VARIABLE));
        let mut config = ConfigSource::default();
        config
            .overlay_secret_json(
                r#"{"GENERIC_SOURCES": {"sources": {"acme": {"scheme": "url-token", "secrets": ["0123456789abcdef"]}}}}"#,
            )
            .unwrap();
        let provider = GenericProvider::from_config(&config).unwrap();
        assert_eq!(provider.sources().valid().len(), 1);
        assert!(provider.sources().valid().contains_key("acme"));
    }
}
