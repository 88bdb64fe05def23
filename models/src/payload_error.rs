//! Why a payload does not fit the model of its known type, without quoting it.

use std::fmt;

use crate::provider_name::ProviderName;

/// A provider module's routing result for a payload that did not fit the model its type
/// calls for: the model's name and serde_json's error.
#[derive(Debug)]
pub struct ModelMismatch {
    pub model: &'static str,
    pub error: serde_json::Error,
}

impl ModelMismatch {
    /// `map_err` helper: the error of parsing `model`.
    pub fn of(model: &'static str) -> impl Fn(serde_json::Error) -> Self {
        move |error| ModelMismatch { model, error }
    }
}

/// A payload that does not fit the model of its (known) type.
///
/// `Display` and `Debug` name the provider, type, model and the position of the
/// mismatch, never payload values: serde_json's own message can quote them (a name, an
/// email), so it is only available through [`PayloadError::detail`].
#[derive(thiserror::Error)]
#[error(
    "{provider} payload of type {event_type} does not fit {model} ({category} error at line {line}, column {column})",
    category = self.category(),
    line = self.json_error.line(),
    column = self.json_error.column()
)]
pub struct PayloadError {
    pub provider: ProviderName,
    pub event_type: String,
    /// The model's type name, e.g. `KitePostback`.
    pub model: &'static str,
    json_error: serde_json::Error,
}

impl PayloadError {
    pub(crate) fn new(provider: ProviderName, event_type: &str, mismatch: ModelMismatch) -> Self {
        PayloadError {
            provider,
            event_type: event_type.to_owned(),
            model: mismatch.model,
            json_error: mismatch.error,
        }
    }

    /// serde_json's message. It may quote payload values: do not log it.
    pub fn detail(&self) -> &serde_json::Error {
        &self.json_error
    }

    fn category(&self) -> &'static str {
        match self.json_error.classify() {
            serde_json::error::Category::Io => "io",
            serde_json::error::Category::Syntax => "syntax",
            serde_json::error::Category::Data => "data",
            serde_json::error::Category::Eof => "eof",
        }
    }
}

impl fmt::Debug for PayloadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PayloadError")
            .field("provider", &self.provider)
            .field("event_type", &self.event_type)
            .field("model", &self.model)
            .field("line", &self.json_error.line())
            .field("column", &self.json_error.column())
            .finish()
    }
}
