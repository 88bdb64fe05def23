//! The settings every function shares (the contract's variables) and the AWS clients'
//! settings, read from a [`ConfigSource`].

use std::time::Duration;

use super::retry_budget::{MAX_AWS_RETRY_SECONDS, RetryBudget, minimum_function_timeout};
use super::source::{
    AWS_RETRY_SECONDS_VARIABLE, ConfigError, ConfigSource, TLS_SYSTEM_ROOTS_VARIABLE,
};

pub const DEFAULT_DEDUPE_TTL_SECONDS: u64 = 30 * 24 * 60 * 60;
pub const DEFAULT_CLAIM_LEASE_SECONDS: u64 = 30;
/// One event plus its envelope must fit SQS's 1 MiB message limit.
pub const DEFAULT_MAX_BODY_BYTES: usize = 960 * 1024;

/// What the AWS clients are built with. Read first, from the environment alone: the
/// function's secret is fetched with these clients, so it cannot set them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AwsSettings {
    /// Trust the system CA store rather than the bundled Amazon roots (see [`crate::aws::client`]).
    pub tls_system_roots: bool,
    /// How long one AWS call keeps retrying: `AWS_RETRY_SECONDS`, 1 to 13 (two calls of
    /// it must fit API Gateway's 30 s).
    pub retry: RetryBudget,
}

impl AwsSettings {
    /// `default_retry_seconds`: the provider's own budget
    /// ([`crate::Provider::DEFAULT_AWS_RETRY_SECONDS`]), used when `AWS_RETRY_SECONDS` is
    /// not set, so a stack deployed without the template's values still gets it.
    pub fn from_config(
        config: &ConfigSource,
        default_retry_seconds: u64,
    ) -> Result<Self, ConfigError> {
        let seconds = config.u64_or(AWS_RETRY_SECONDS_VARIABLE, default_retry_seconds)?;
        if !(1..=MAX_AWS_RETRY_SECONDS).contains(&seconds) {
            return Err(ConfigError::Invalid {
                name: AWS_RETRY_SECONDS_VARIABLE,
                reason: format!("must be from 1 to {MAX_AWS_RETRY_SECONDS}"),
            });
        }
        Ok(AwsSettings {
            tls_system_roots: config.bool_or(TLS_SYSTEM_ROOTS_VARIABLE, false)?,
            retry: RetryBudget::from_secs(seconds),
        })
    }
}

/// Settings every function shares (the contract's variables).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PipelineSettings {
    pub events_table: String,
    pub events_queue_url: String,
    /// How long an event id is remembered.
    pub dedupe_ttl: Duration,
    /// Oldest accepted signed timestamp (the provider's default unless
    /// `MAX_EVENT_AGE_SECONDS` is set); `None` (`0`) turns the age check off.
    pub max_event_age: Option<Duration>,
    /// How long an in-progress claim blocks other invocations.
    pub claim_lease: Duration,
    pub max_body_bytes: usize,
    /// Open the DynamoDB and SQS connections (TLS handshake included) during init, so the
    /// first webhook does not pay for them.
    pub warm_connections: bool,
    /// How long one AWS call keeps retrying ([`AwsSettings::retry`]).
    pub aws_retry: RetryBudget,
}

impl PipelineSettings {
    /// `aws`: read before the AWS clients were built ([`AwsSettings::from_config`]).
    /// `default_max_event_age`: the provider's own window
    /// ([`crate::Provider::DEFAULT_MAX_EVENT_AGE`]), used when `MAX_EVENT_AGE_SECONDS` is
    /// not set.
    pub fn from_config(
        config: &ConfigSource,
        aws: AwsSettings,
        default_max_event_age: Duration,
    ) -> Result<Self, ConfigError> {
        let events_table = config.required("EVENTS_TABLE")?.to_owned();
        let events_queue_url = config.required("EVENTS_QUEUE_URL")?.to_owned();
        let dedupe_ttl = config.u64_or("DEDUPE_TTL_SECONDS", DEFAULT_DEDUPE_TTL_SECONDS)?;
        if dedupe_ttl == 0 {
            return Err(ConfigError::Invalid {
                name: "DEDUPE_TTL_SECONDS",
                reason: "must be positive".to_owned(),
            });
        }
        let max_event_age =
            config.u64_or("MAX_EVENT_AGE_SECONDS", default_max_event_age.as_secs())?;
        if max_event_age > dedupe_ttl {
            // Claims are kept for DEDUPE_TTL_SECONDS past the later of receipt and the
            // signed time (`idempotency::retention`): that outlives every signed time this
            // window accepts only if the window is not longer.
            return Err(ConfigError::Invalid {
                name: "MAX_EVENT_AGE_SECONDS",
                reason: "must not exceed DEDUPE_TTL_SECONDS".to_owned(),
            });
        }
        let claim_lease = config.u64_or("CLAIM_LEASE_SECONDS", DEFAULT_CLAIM_LEASE_SECONDS)?;
        if claim_lease == 0 {
            return Err(ConfigError::Invalid {
                name: "CLAIM_LEASE_SECONDS",
                reason: "must be positive".to_owned(),
            });
        }
        let aws_retry = aws.retry;
        if Duration::from_secs(claim_lease) <= minimum_function_timeout(aws_retry) {
            // The function timeout must be at least that, and the lease above the timeout.
            return Err(ConfigError::Invalid {
                name: "CLAIM_LEASE_SECONDS",
                reason: format!(
                    "must exceed the function timeout, which must be at least 2 x {AWS_RETRY_SECONDS_VARIABLE} + 2"
                ),
            });
        }
        let max_body_bytes = config.u64_or("MAX_BODY_BYTES", DEFAULT_MAX_BODY_BYTES as u64)?;
        Ok(PipelineSettings {
            events_table,
            events_queue_url,
            dedupe_ttl: Duration::from_secs(dedupe_ttl),
            max_event_age: (max_event_age > 0).then(|| Duration::from_secs(max_event_age)),
            claim_lease: Duration::from_secs(claim_lease),
            max_body_bytes: usize::try_from(max_body_bytes).unwrap_or(usize::MAX),
            warm_connections: config.bool_or("WARM_CONNECTIONS", true)?,
            aws_retry,
        })
    }

    /// Whether the queue is FIFO, judged by its name as the contract says.
    pub fn queue_is_fifo(&self) -> bool {
        self.events_queue_url
            .trim_end_matches('/')
            .ends_with(".fifo")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{PIPELINE_VARIABLES, SECRET_ID_VARIABLE};

    /// A provider default below the dedupe TTL, as every provider's is.
    const PROVIDER_AGE: Duration = Duration::from_secs(4 * 24 * 3600);

    fn settings_of(config: &ConfigSource) -> Result<PipelineSettings, ConfigError> {
        PipelineSettings::from_config(
            config,
            AwsSettings::from_config(config, crate::config::DEFAULT_AWS_RETRY_SECONDS)?,
            PROVIDER_AGE,
        )
    }

    fn base() -> Vec<(&'static str, &'static str)> {
        vec![
            ("EVENTS_TABLE", "events"),
            ("EVENTS_QUEUE_URL", "http://q/000/events.fifo"),
        ]
    }

    #[test]
    fn defaults_follow_the_contract() {
        let settings = settings_of(&ConfigSource::from_pairs(base())).unwrap();
        assert_eq!(settings.dedupe_ttl, Duration::from_secs(2_592_000));
        assert_eq!(
            settings.max_event_age,
            Some(PROVIDER_AGE),
            "the provider's window"
        );
        assert_eq!(settings.claim_lease, Duration::from_secs(30));
        assert_eq!(settings.max_body_bytes, 983_040);
        assert!(settings.warm_connections);
        assert!(settings.queue_is_fifo());
        assert_eq!(settings.aws_retry, RetryBudget::from_secs(5));
    }

    #[test]
    fn every_setting_comes_from_a_declared_variable() {
        let values = [
            ("EVENTS_TABLE", "t"),
            ("EVENTS_QUEUE_URL", "http://q/000/events"),
            ("DEDUPE_TTL_SECONDS", "100"),
            ("MAX_EVENT_AGE_SECONDS", "50"),
            ("CLAIM_LEASE_SECONDS", "7"),
            ("MAX_BODY_BYTES", "9"),
            ("WARM_CONNECTIONS", "false"),
            ("TLS_SYSTEM_ROOTS", "true"),
            ("AWS_RETRY_SECONDS", "2"),
        ];
        for (name, _) in values {
            assert!(PIPELINE_VARIABLES.contains(&name), "{name} is not declared");
        }
        let settings = settings_of(&ConfigSource::from_pairs(values)).unwrap();
        assert_eq!(
            settings,
            PipelineSettings {
                events_table: "t".to_owned(),
                events_queue_url: "http://q/000/events".to_owned(),
                dedupe_ttl: Duration::from_secs(100),
                max_event_age: Some(Duration::from_secs(50)),
                claim_lease: Duration::from_secs(7),
                max_body_bytes: 9,
                warm_connections: false,
                aws_retry: RetryBudget::from_secs(2),
            }
        );
        assert_eq!(
            AwsSettings::from_config(
                &ConfigSource::from_pairs(values),
                crate::config::DEFAULT_AWS_RETRY_SECONDS
            ),
            Ok(AwsSettings {
                tls_system_roots: true,
                retry: RetryBudget::from_secs(2),
            })
        );
        assert!(PIPELINE_VARIABLES.contains(&SECRET_ID_VARIABLE));
        assert!(PIPELINE_VARIABLES.contains(&"RUST_LOG"));
    }

    #[test]
    fn missing_and_invalid_values_name_the_variable() {
        let config = ConfigSource::from_pairs([("EVENTS_TABLE", " ")]);
        assert_eq!(
            settings_of(&config),
            Err(ConfigError::Missing("EVENTS_TABLE"))
        );
        let mut pairs = base();
        pairs.push(("MAX_EVENT_AGE_SECONDS", "99999999"));
        let error = settings_of(&ConfigSource::from_pairs(pairs)).unwrap_err();
        assert!(error.to_string().contains("MAX_EVENT_AGE_SECONDS"));
        let mut pairs = base();
        pairs.push(("CLAIM_LEASE_SECONDS", "abc"));
        let error = settings_of(&ConfigSource::from_pairs(pairs)).unwrap_err();
        assert_eq!(
            error.to_string(),
            "variable CLAIM_LEASE_SECONDS is invalid: expected a whole number"
        );
    }

    #[test]
    fn the_lease_must_outlast_two_aws_budgets_and_the_completion_reserve() {
        let settings = |lease: &'static str, retry: &'static str| {
            let mut pairs = base();
            pairs.push(("CLAIM_LEASE_SECONDS", lease));
            pairs.push(("AWS_RETRY_SECONDS", retry));
            settings_of(&ConfigSource::from_pairs(pairs))
        };
        // Kite: 12 s per call, a 29 s timeout, the 30 s lease.
        assert_eq!(
            settings("30", "12").unwrap().aws_retry,
            RetryBudget::from_secs(12)
        );
        assert_eq!(
            settings("27", "12").unwrap().claim_lease,
            Duration::from_secs(27)
        );
        let error = settings("26", "12").unwrap_err();
        assert_eq!(
            error.to_string(),
            "variable CLAIM_LEASE_SECONDS is invalid: must exceed the function timeout, which must be at least 2 x AWS_RETRY_SECONDS + 2"
        );
        for bad in ["0", "14", "x"] {
            let error = settings("300", bad).unwrap_err();
            assert!(
                error
                    .to_string()
                    .starts_with("variable AWS_RETRY_SECONDS is invalid"),
                "{bad}: {error}"
            );
        }
    }

    #[test]
    fn booleans() {
        let config = ConfigSource::from_pairs([("A", "FALSE"), ("B", "1"), ("C", "yes")]);
        assert_eq!(config.bool_or("A", true), Ok(false));
        assert_eq!(config.bool_or("B", false), Ok(true));
        assert_eq!(config.bool_or("D", true), Ok(true));
        assert!(config.bool_or("C", true).is_err());
    }

    #[test]
    fn the_age_window_is_the_providers_unless_set_and_never_longer_than_the_dedupe_ttl() {
        let with = |extra: &[(&'static str, &'static str)]| {
            let mut pairs = base();
            pairs.extend_from_slice(extra);
            settings_of(&ConfigSource::from_pairs(pairs))
        };
        assert_eq!(with(&[]).unwrap().max_event_age, Some(PROVIDER_AGE));
        assert_eq!(
            with(&[("MAX_EVENT_AGE_SECONDS", "3600")])
                .unwrap()
                .max_event_age,
            Some(Duration::from_secs(3600))
        );
        // A dedupe TTL shorter than the provider's window: refused, not silently shortened.
        let error = with(&[("DEDUPE_TTL_SECONDS", "86400")]).unwrap_err();
        assert_eq!(
            error.to_string(),
            "variable MAX_EVENT_AGE_SECONDS is invalid: must not exceed DEDUPE_TTL_SECONDS"
        );
        assert_eq!(
            with(&[
                ("DEDUPE_TTL_SECONDS", "86400"),
                ("MAX_EVENT_AGE_SECONDS", "86400")
            ])
            .unwrap()
            .max_event_age,
            Some(Duration::from_secs(86400))
        );
    }

    #[test]
    fn zero_age_turns_the_check_off() {
        let mut pairs = base();
        pairs.push(("MAX_EVENT_AGE_SECONDS", "0"));
        let settings = settings_of(&ConfigSource::from_pairs(pairs)).unwrap();
        assert_eq!(settings.max_event_age, None);
    }

    #[test]
    fn secrets_manager_values_fill_gaps_but_env_wins() {
        let mut config = ConfigSource::from_pairs([("KITE_API_SECRET", "from-env")]);
        config
            .overlay_secret_json(r#"{"KITE_API_SECRET":"from-sm","OTHER":"a,b"}"#)
            .unwrap();
        assert_eq!(config.get("KITE_API_SECRET"), Some("from-env"));
        assert_eq!(config.secret_list("OTHER").unwrap().len(), 2);
        assert!(config.overlay_secret_json("[1]").is_err());
        assert!(config.overlay_secret_json(r#"{"A":1}"#).is_err());
    }

    #[test]
    fn a_document_variable_may_be_an_object_kept_as_its_exact_text() {
        let mut config = ConfigSource::default();
        let secret = r#"{"GENERIC_SOURCES": {"sources": {"a": {"x": [1, 2]}, "a": {}}}, "K": "v"}"#;
        config.overlay_secret_json(secret).unwrap();
        // Verbatim: the repeated key is still there for the document's own check.
        assert_eq!(
            config.get("GENERIC_SOURCES"),
            Some(r#"{"sources": {"a": {"x": [1, 2]}, "a": {}}}"#)
        );
        assert_eq!(config.get("K"), Some("v"));
        let mut config = ConfigSource::default();
        config
            .overlay_secret_json(r#"{"GENERIC_SOURCES": "{\"sources\": {}}"}"#)
            .unwrap();
        assert_eq!(config.get("GENERIC_SOURCES"), Some(r#"{"sources": {}}"#));
        // Only document variables, and only objects.
        for refused in [
            r#"{"KITE_API_SECRET": {"a": 1}}"#,
            r#"{"GENERIC_SOURCES": ["a"]}"#,
            r#"{"GENERIC_SOURCES": 1}"#,
        ] {
            let name = if refused.contains("KITE") {
                "KITE_API_SECRET"
            } else {
                "GENERIC_SOURCES"
            };
            assert_eq!(
                ConfigSource::default().overlay_secret_json(refused),
                Err(ConfigError::SecretsManager(format!(
                    "value of {name} is not a string"
                ))),
                "{refused}"
            );
        }
    }

    #[test]
    fn a_list_of_only_commas_is_missing() {
        let config = ConfigSource::from_pairs([("S", ",,")]);
        assert_eq!(config.secret_list("S"), Err(ConfigError::Missing("S")));
    }
}
