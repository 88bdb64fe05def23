//! The consumer's configuration, read once at cold start from the environment.

use brokerhooks_models::{CONFIGURED_SOURCES_FUNCTION, ProviderName};

use crate::idempotency::{DEFAULT_KEY_PREFIX, DEFAULT_TTL_SECONDS};

/// The idempotency table; idempotency is on when set and not empty (feature
/// `idempotency`; without it a table is refused).
pub const TABLE_VARIABLE: &str = "CONSUMER_TABLE";
/// The key prefix of this consumer's marks (default `consumer`).
pub const KEY_PREFIX_VARIABLE: &str = "CONSUMER_KEY_PREFIX";
/// How long a processed event is remembered, in seconds (default 30 days).
pub const TTL_VARIABLE: &str = "CONSUMER_TTL_SECONDS";

/// Every variable the consumer reads besides Lambda's own and `RUST_LOG`
/// (`infra/template.yaml` sets them; tests/tests/infra_template.rs checks it).
pub const CONSUMER_VARIABLES: &[&str] = &[
    TABLE_VARIABLE,
    KEY_PREFIX_VARIABLE,
    TTL_VARIABLE,
    "RUST_LOG",
];

/// Why the consumer refuses to start. Names the variable, never its value.
#[derive(Clone, PartialEq, Eq, thiserror::Error)]
#[error("variable {name} is invalid: {reason}")]
pub struct SettingsError {
    pub name: &'static str,
    pub reason: &'static str,
}

/// The message itself: `main` returning this error (through `run`) prints its `Debug`.
impl std::fmt::Debug for SettingsError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Display::fmt(self, f)
    }
}

/// Whether `prefix` starts the receivers' own keys: `<provider>#…`, `generic#…`.
fn is_receiver_key_prefix(prefix: &str) -> bool {
    ProviderName::from_name(prefix).is_some() || prefix == CONFIGURED_SOURCES_FUNCTION
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsumerSettings {
    /// `None`: idempotency off.
    pub table: Option<String>,
    pub key_prefix: String,
    pub ttl_seconds: i64,
}

impl ConsumerSettings {
    pub fn from_env() -> Result<Self, SettingsError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// From any lookup (tests pass a map).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, SettingsError> {
        let get = |name: &str| {
            lookup(name)
                .map(|value| value.trim().to_owned())
                .filter(|value| !value.is_empty())
        };
        let key_prefix = get(KEY_PREFIX_VARIABLE).unwrap_or_else(|| DEFAULT_KEY_PREFIX.to_owned());
        if key_prefix.contains('#') {
            // `#` separates prefix, provider and id in the key.
            return Err(SettingsError {
                name: KEY_PREFIX_VARIABLE,
                reason: "must not contain '#'",
            });
        }
        if is_receiver_key_prefix(&key_prefix) {
            // On a table shared with the receivers, `kite#kite#…` would sit among the
            // Kite function's own keys (which its IAM policy lets it rewrite).
            return Err(SettingsError {
                name: KEY_PREFIX_VARIABLE,
                reason: "must not be a receiver's key prefix (a provider name or generic)",
            });
        }
        let ttl_seconds = match get(TTL_VARIABLE) {
            None => DEFAULT_TTL_SECONDS,
            Some(raw) => raw
                .parse::<i64>()
                .ok()
                .filter(|&seconds| seconds > 0)
                .ok_or(SettingsError {
                    name: TTL_VARIABLE,
                    reason: "not a positive whole number of seconds",
                })?,
        };
        let table = get(TABLE_VARIABLE);
        if table.is_some() && !cfg!(feature = "idempotency") {
            // A deployment that sets a table expects duplicates to be skipped: not silently.
            return Err(SettingsError {
                name: TABLE_VARIABLE,
                reason: "set, but brokerhooks-consumer was built without its `idempotency` feature",
            });
        }
        Ok(ConsumerSettings {
            table,
            key_prefix,
            ttl_seconds,
        })
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn settings(pairs: &[(&str, &str)]) -> Result<ConsumerSettings, SettingsError> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        ConsumerSettings::from_lookup(|name| map.get(name).cloned())
    }

    #[test]
    fn defaults_leave_idempotency_off() {
        assert_eq!(
            settings(&[(TABLE_VARIABLE, "  ")]),
            Ok(ConsumerSettings {
                table: None,
                key_prefix: "consumer".to_owned(),
                ttl_seconds: 2_592_000,
            })
        );
    }

    #[cfg(not(feature = "idempotency"))]
    #[test]
    fn without_the_feature_a_table_is_refused() {
        assert_eq!(
            settings(&[(TABLE_VARIABLE, "marks")]),
            Err(SettingsError {
                name: TABLE_VARIABLE,
                reason: "set, but brokerhooks-consumer was built without its `idempotency` feature",
            })
        );
    }

    #[cfg(feature = "idempotency")]
    #[test]
    fn a_table_turns_it_on_with_the_given_prefix_and_ttl() {
        assert_eq!(
            settings(&[
                (TABLE_VARIABLE, "marks"),
                (KEY_PREFIX_VARIABLE, "billing"),
                (TTL_VARIABLE, "86400"),
            ]),
            Ok(ConsumerSettings {
                table: Some("marks".to_owned()),
                key_prefix: "billing".to_owned(),
                ttl_seconds: 86_400,
            })
        );
    }

    #[test]
    fn invalid_values_name_the_variable() {
        for ttl in ["0", "-5", "1.5", "forever"] {
            assert_eq!(
                settings(&[(TTL_VARIABLE, ttl)]),
                Err(SettingsError {
                    name: TTL_VARIABLE,
                    reason: "not a positive whole number of seconds"
                }),
                "{ttl}"
            );
        }
        assert_eq!(
            settings(&[(KEY_PREFIX_VARIABLE, "a#b")]).map_err(|e| e.name),
            Err(KEY_PREFIX_VARIABLE)
        );
        for receiver in ProviderName::ALL
            .map(ProviderName::as_str)
            .into_iter()
            .chain(["generic"])
        {
            assert_eq!(
                settings(&[(KEY_PREFIX_VARIABLE, receiver)]),
                Err(SettingsError {
                    name: KEY_PREFIX_VARIABLE,
                    reason: "must not be a receiver's key prefix (a provider name or generic)"
                }),
                "{receiver}"
            );
        }
        assert!(settings(&[(KEY_PREFIX_VARIABLE, "kite-consumer")]).is_ok());
    }

    #[test]
    fn the_error_debugs_as_its_message() {
        let error = SettingsError {
            name: TTL_VARIABLE,
            reason: "not a positive whole number of seconds",
        };
        assert_eq!(
            format!("{error:?}"),
            "variable CONSUMER_TTL_SECONDS is invalid: not a positive whole number of seconds"
        );
    }
}
