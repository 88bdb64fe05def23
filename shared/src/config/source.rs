//! Where configuration values come from: the environment and, optionally, one AWS
//! Secrets Manager secret (fetched by [`crate::aws::secrets_manager`]), read once at
//! cold start; and the variables every function reads.

use std::collections::HashMap;

use super::secret_list::SecretList;

/// Names the Secrets Manager secret (id or ARN) that holds this function's secrets as a
/// JSON object of variable name to value, e.g. `{"KITE_API_SECRET": "..."}`.
pub const SECRET_ID_VARIABLE: &str = "BROKERHOOKS_SECRET_ID";
/// `true` trusts the system CA store for AWS endpoints instead of the bundled Amazon roots.
pub const TLS_SYSTEM_ROOTS_VARIABLE: &str = "TLS_SYSTEM_ROOTS";
/// How long one DynamoDB or SQS call keeps retrying (seconds; see `aws_client::RetryBudget`).
pub const AWS_RETRY_SECONDS_VARIABLE: &str = "AWS_RETRY_SECONDS";

/// Every variable a function reads besides its provider's own ([`crate::Provider::VARIABLES`]):
/// the pipeline's settings, the secret id and the log level. `infra/template.yaml` must set
/// each one (checked by tests/tests/infra_template.rs). The AWS runtime variables are
/// Lambda's own; `BROKERHOOKS_METRICS_OFF` is a test switch and is never deployed.
pub const PIPELINE_VARIABLES: &[&str] = &[
    "EVENTS_TABLE",
    "EVENTS_QUEUE_URL",
    "DEDUPE_TTL_SECONDS",
    "MAX_EVENT_AGE_SECONDS",
    "CLAIM_LEASE_SECONDS",
    "MAX_BODY_BYTES",
    "WARM_CONNECTIONS",
    TLS_SYSTEM_ROOTS_VARIABLE,
    AWS_RETRY_SECONDS_VARIABLE,
    SECRET_ID_VARIABLE,
    "RUST_LOG",
];

/// Variables whose value is a JSON document: in the function's secret, each may be a JSON
/// object as well as a string holding one. (`providers::generic` checks its variable is
/// listed.)
pub const DOCUMENT_VARIABLES: &[&str] = &["GENERIC_SOURCES"];

/// Why a function refuses to serve. Names the variable, never its value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    #[error("required variable {0} is missing or empty")]
    Missing(&'static str),
    #[error("variable {name} is invalid: {reason}")]
    Invalid { name: &'static str, reason: String },
    #[error("secret {SECRET_ID_VARIABLE} could not be loaded: {0}")]
    SecretsManager(String),
}

/// Where configuration values come from: the process environment, a fixed map in tests,
/// either overlaid with the values of a Secrets Manager secret.
#[derive(Debug, Clone, Default)]
pub struct ConfigSource {
    values: HashMap<String, String>,
}

impl ConfigSource {
    /// A snapshot of the process environment.
    pub fn from_process_env() -> Self {
        ConfigSource {
            values: std::env::vars().collect(),
        }
    }

    pub fn from_pairs<K: Into<String>, V: Into<String>>(
        pairs: impl IntoIterator<Item = (K, V)>,
    ) -> Self {
        ConfigSource {
            values: pairs
                .into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .collect(),
        }
    }

    /// A trimmed, non-empty value.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.values
            .get(name)
            .map(|value| value.trim())
            .filter(|value| !value.is_empty())
    }

    pub fn required(&self, name: &'static str) -> Result<&str, ConfigError> {
        self.get(name).ok_or(ConfigError::Missing(name))
    }

    /// A required secret list (comma-separated, for rotation).
    pub fn secret_list(&self, name: &'static str) -> Result<SecretList, ConfigError> {
        self.optional_secret_list(name)?
            .ok_or(ConfigError::Missing(name))
    }

    /// An optional secret list: absent is `None`; present but only commas is an error.
    pub fn optional_secret_list(
        &self,
        name: &'static str,
    ) -> Result<Option<SecretList>, ConfigError> {
        match self.get(name) {
            None => Ok(None),
            Some(raw) => SecretList::parse(raw)
                .map(Some)
                .ok_or(ConfigError::Missing(name)),
        }
    }

    /// An optional whole number; absent means `default`.
    pub fn u64_or(&self, name: &'static str, default: u64) -> Result<u64, ConfigError> {
        match self.get(name) {
            None => Ok(default),
            Some(raw) => raw.parse().map_err(|_| ConfigError::Invalid {
                name,
                reason: "expected a whole number".to_owned(),
            }),
        }
    }

    /// An optional `true`/`false` (also `1`/`0`); absent means `default`.
    pub fn bool_or(&self, name: &'static str, default: bool) -> Result<bool, ConfigError> {
        match self.get(name).map(str::to_ascii_lowercase).as_deref() {
            None => Ok(default),
            Some("true" | "1") => Ok(true),
            Some("false" | "0") => Ok(false),
            Some(_) => Err(ConfigError::Invalid {
                name,
                reason: "expected true or false".to_owned(),
            }),
        }
    }

    /// Adds values from a Secrets Manager secret string: a JSON object whose values are
    /// strings, or, for a variable in [`DOCUMENT_VARIABLES`], also a JSON object, taken as
    /// its exact text (so the document's own checks, such as repeated keys, still apply).
    /// Values already present in the environment win, so local overrides stay possible.
    pub fn overlay_secret_json(&mut self, secret_string: &str) -> Result<(), ConfigError> {
        let parsed: HashMap<String, Box<serde_json::value::RawValue>> =
            serde_json::from_str(secret_string).map_err(|_| {
                ConfigError::SecretsManager("secret string is not a JSON object".to_owned())
            })?;
        for (name, raw) in parsed {
            let text = raw.get();
            let value = if text.starts_with('"') {
                serde_json::from_str::<String>(text).map_err(|_| {
                    ConfigError::SecretsManager(format!("value of {name} is not a string"))
                })?
            } else if text.starts_with('{') && DOCUMENT_VARIABLES.contains(&name.as_str()) {
                text.to_owned()
            } else {
                return Err(ConfigError::SecretsManager(format!(
                    "value of {name} is not a string"
                )));
            };
            if self.get(&name).is_none() {
                self.values.insert(name, value);
            }
        }
        Ok(())
    }
}
