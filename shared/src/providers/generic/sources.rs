//! The sources document: which sources exist, which serve, and why the others do not.

use std::collections::HashMap;

use super::SOURCES_VARIABLE;
use super::config_object::{ConfigObject, FieldError};
use super::source::Source;
use super::unique_keys::parse_unique_keys;
use crate::config::{ConfigError, ConfigSource};
use crate::pipeline::error::WebhookError;

/// Why the whole document is refused (the function then refuses to serve): where, and
/// what is wrong, never a value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct DocumentError(String);

impl From<FieldError> for DocumentError {
    fn from(error: FieldError) -> Self {
        DocumentError(error.to_string())
    }
}

/// The configured sources, read once at cold start.
///
/// The three outcomes of a request for source `name` are explicit: in `valid`, it is
/// verified; in `invalid`, its entry is broken and it answers 500 (the others serve);
/// in neither, it is not configured: 404. A document that does not parse at all is a
/// [`DocumentError`], and the function refuses to serve.
#[derive(Debug, Default)]
pub struct Sources {
    valid: HashMap<String, Source>,
    invalid: HashMap<String, FieldError>,
}

impl Sources {
    /// The document: `{"sources": {"<name>": {<entry>}, …}}`. No sources at all is
    /// valid (every request is then a 404).
    pub fn parse(document: &str) -> Result<Self, DocumentError> {
        let value = parse_unique_keys(document).map_err(DocumentError)?;
        let root = ConfigObject::new(&value, "")?;
        root.only(&["sources"])?;
        let by_name = root
            .value("sources")
            .ok_or_else(|| root.error("sources", "is required"))?
            .as_object()
            .ok_or_else(|| root.error("sources", "must be a JSON object of sources by name"))?;
        let mut sources = Sources::default();
        for (name, entry) in by_name {
            match Source::from_entry(name, entry) {
                Ok(source) => {
                    sources.valid.insert(name.clone(), source);
                }
                Err(error) => {
                    sources.invalid.insert(name.clone(), error);
                }
            }
        }
        Ok(sources)
    }

    /// Reads [`SOURCES_VARIABLE`] (the environment, or the function's Secrets Manager
    /// secret once overlaid). Missing, or a document that does not parse: the function
    /// refuses to serve, and the error names the variable and the place, never a value.
    /// Each invalid source is logged here, at cold start, with its reason.
    pub fn from_config(config: &ConfigSource) -> Result<Self, ConfigError> {
        let document = config.required(SOURCES_VARIABLE)?;
        let sources = Sources::parse(document).map_err(|error| ConfigError::Invalid {
            name: SOURCES_VARIABLE,
            reason: error.to_string(),
        })?;
        for problem in sources.invalid.values() {
            tracing::error!(problem = %problem, "configured source refused: invalid entry");
        }
        tracing::info!(
            valid = sources.valid.len(),
            invalid = sources.invalid.len(),
            "configured sources read"
        );
        Ok(sources)
    }

    /// The source a request names: 404 when it is not configured, 500 when its entry is
    /// invalid (logged with the reason each time, so every 500 explains itself).
    pub fn lookup(&self, name: &str) -> Result<&Source, WebhookError> {
        if let Some(source) = self.valid.get(name) {
            return Ok(source);
        }
        match self.invalid.get(name) {
            Some(problem) => {
                tracing::error!(problem = %problem, "configured source refused: invalid entry");
                Err(WebhookError::Misconfigured)
            }
            None => Err(WebhookError::NotFound),
        }
    }

    /// The sources that serve, by name.
    pub fn valid(&self) -> &HashMap<String, Source> {
        &self.valid
    }

    /// The sources whose entry is invalid, by name as written, with the reason.
    pub fn invalid(&self) -> &HashMap<String, FieldError> {
        &self.invalid
    }
}
